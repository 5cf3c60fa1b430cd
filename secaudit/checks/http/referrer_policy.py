"""http.referrer_policy: a Referrer-Policy that does not leak full URLs cross-origin
(metadata: referrer_policy.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, clip
from secaudit.checks.observation import need

REFERRER_SAFE = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
# The Observatory's "unsafe" set: each sends the full URL, or the origin over a downgrade.
REFERRER_UNSAFE = ("unsafe-url", "no-referrer-when-downgrade", "origin-when-cross-origin", "origin")


@check("http.referrer_policy")
def referrer_policy(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    ev = obs.base_evidence(sec)
    values = sec.values("Referrer-Policy")
    if not values:
        # Browsers default to strict-origin-when-cross-origin, so the Observatory passes this;
        # we warn: the behaviour then depends on the visitor's browser, not on the agency.
        return Outcome("warn", "warn_missing", {}, ev)
    ev["header"] = clip(", ".join(values))
    # Browsers take the last token they recognise (comma list and repeated headers alike).
    tokens = [t.strip().lower() for v in values for t in v.split(",") if t.strip()]
    known = [t for t in tokens if t in REFERRER_SAFE or t in REFERRER_UNSAFE]
    if not known:
        return Outcome("fail", "fail_invalid", {"value": clip(ev["header"], 80)}, ev)
    effective = known[-1]
    ev["effective"] = effective
    if effective in REFERRER_UNSAFE:
        return Outcome("fail", "fail_unsafe", {"value": effective}, ev)
    return Outcome("pass", "pass", {"value": effective}, ev)
