"""http.server_disclosure: Server, X-Powered-By... reveal no version numbers
(metadata: server_disclosure.yaml)."""

from __future__ import annotations

import re

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, clip
from secaudit.checks.observation import need

DISCLOSURE_HEADERS = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version")
# A version number: "2.4.41", "/7", "v10"; a bare product name ("nginx", "cloudflare") is fine.
_VERSION = re.compile(r"\d+\.\d+|/\s*v?\d|\bv\d+\b|^\s*\d+\s*$", re.I)


@check("http.server_disclosure")
def server_disclosure(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    ev = obs.base_evidence(sec)
    seen: dict[str, str] = {}
    leaking: list[str] = []
    for name in DISCLOSURE_HEADERS:
        for value in sec.values(name):
            seen.setdefault(name, clip(value, 200))
            if _VERSION.search(value):
                leaking.append(f"{name}: {clip(value, 80)}")
    ev["headers"] = seen
    if leaking:
        ev["leaking"] = leaking
        return Outcome("fail", "fail", {"headers": leaking}, ev)
    return Outcome("pass", "pass", {}, ev)
