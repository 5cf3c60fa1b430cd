"""http.content_type_options: X-Content-Type-Options: nosniff (metadata: content_type_options.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, clip
from secaudit.checks.observation import need


@check("http.content_type_options")
def content_type_options(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    ev = obs.base_evidence(sec)
    values = sec.values("X-Content-Type-Options")
    if not values:
        return Outcome("fail", "fail_missing", {}, ev)
    ev["header"] = clip(values[0])
    if values[0].strip().lower() != "nosniff":
        return Outcome("fail", "fail_invalid", {"value": clip(values[0], 80)}, ev)
    return Outcome("pass", "pass", {}, ev)
