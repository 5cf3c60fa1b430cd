"""http.https_redirect: plain http:// redirects to https:// on the same host
(metadata: https_redirect.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation
from secaudit.checks.observation import need

FAILS = ("no_redirect", "redirect_other_host", "redirect_not_https", "loop", "too_many_redirects")


@check("http.https_redirect")
def https_redirect(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.plain_http)
    ev = {
        "start": sec.start,
        "outcome": sec.outcome,
        "final": sec.final,
        "hops": [{"url": h.url, "status": h.status, "location": h.location} for h in sec.hops],
    }
    if sec.outcome == "redirect_https_same_host":
        return Outcome("pass", "pass", {"final": sec.final}, ev)
    if sec.outcome == "no_service":
        # Nothing listens on plain HTTP: nothing to downgrade to (the Observatory scores it so).
        return Outcome("pass", "pass_no_service", {"start": sec.start}, ev)
    if sec.outcome in FAILS:
        return Outcome("fail", f"fail_{sec.outcome}", {"start": sec.start, "final": sec.final}, ev)
    return Outcome.error(sec.error or f"unknown outcome {sec.outcome!r}", ev)
