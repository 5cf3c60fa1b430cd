"""http.hsts: Strict-Transport-Security with max-age >= the profile's minimum (metadata: hsts.yaml)."""

from __future__ import annotations

import re

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, clip
from secaudit.checks.observation import need

_MAX_AGE = re.compile(r'^\s*max-age\s*=\s*"?(\d+)"?\s*$', re.I)


def parse_hsts(value: str) -> tuple[int | None, list[str]]:
    """(max-age or None when invalid, other directives lower-cased)."""
    max_age: int | None = None
    seen_max_age = 0
    others: list[str] = []
    for part in value.split(";"):
        if not part.strip():
            continue
        m = _MAX_AGE.match(part)
        if m:
            seen_max_age += 1
            max_age = int(m.group(1))
        elif part.strip().lower().startswith("max-age"):
            return None, others
        else:
            others.append(part.strip().lower())
    return (max_age if seen_max_age == 1 else None), others


@check("http.hsts")
def hsts(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    minimum = int(ctx.params.get("hsts_min_max_age", 15552000))
    ev = obs.base_evidence(sec) | {"minimum": minimum}
    if need(obs.scheme) != "https":
        return Outcome("fail", "fail_not_https", {}, ev)
    values = sec.values("Strict-Transport-Security")
    if not values:
        return Outcome("fail", "fail_missing", {"minimum": minimum}, ev)
    ev["header"] = clip(values[0])  # browsers honour the first header only
    max_age, directives = parse_hsts(values[0])
    ev["directives"] = directives
    if max_age is None:
        return Outcome("fail", "fail_invalid", {"value": ev["header"]}, ev)
    ev["max_age"] = max_age
    # the minimum itself is enough: max-age=15552000 passes a 15552000 minimum
    if max_age < minimum:
        return Outcome("fail", "fail_short", {"max_age": max_age, "minimum": minimum}, ev)
    return Outcome("pass", "pass", {"max_age": max_age}, ev)
