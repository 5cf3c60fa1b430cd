"""http.frame_options: X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors
(metadata: frame_options.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.csp import ANY_SOURCE, parse_csp
from secaudit.checks.http.observation import EVIDENCE_MAX, HttpObservation, clip
from secaudit.checks.observation import need


@check("http.frame_options")
def frame_options(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    ev = obs.base_evidence(sec)
    ancestors: list[str] | None = None
    for value in sec.values("Content-Security-Policy"):
        pol = parse_csp(value)
        if "frame-ancestors" in pol:
            ancestors = pol["frame-ancestors"]
            break
    xfo = sec.values("X-Frame-Options")
    if xfo:
        ev["x_frame_options"] = clip(xfo[0])
    if ancestors is not None:
        # CSP frame-ancestors takes precedence over X-Frame-Options in browsers.
        ev["frame_ancestors"] = " ".join(ancestors)[:EVIDENCE_MAX]
        # A scheme source ("https:") lets every origin of that scheme frame the page, like "*".
        if any(s in ANY_SOURCE for s in ancestors):
            return Outcome("fail", "fail_ancestors_any", {"value": ev["frame_ancestors"]}, ev)
        return Outcome("pass", "pass_csp", {"value": ev["frame_ancestors"] or "'none'"}, ev)
    if not xfo:
        return Outcome("fail", "fail_missing", {}, ev)
    value = xfo[0].strip().upper()
    if value in ("DENY", "SAMEORIGIN"):
        return Outcome("pass", "pass", {"value": value}, ev)
    return Outcome("fail", "fail_invalid", {"value": clip(xfo[0], 80)}, ev)
