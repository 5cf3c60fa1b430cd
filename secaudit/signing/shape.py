"""Is a parsed JSON value an assessment bundle? One answer for ``verify`` and ``summary``.

A bundle can carry a valid signature over content of any shape (an agency signs what it likes);
``verify`` and the province summary both refuse the same shapes with the same reason, so that they
agree on every file (DESIGN §10 "Trust").
"""

from __future__ import annotations

from typing import Any

from secaudit.signing.bundle_view import SCHEMAS


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def bundle_shape_problem(data: Any) -> str | None:
    """Why ``data`` is not a bundle, or None if it has the §7 shape the summary relies on."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("schema") not in SCHEMAS:
        return f"schema is {data.get('schema')!r}, expected one of {', '.join(map(repr, SCHEMAS))}"
    a = data.get("assessment")
    if not isinstance(a, dict):
        return "no assessment object"
    for key in ("agency", "system"):
        if not isinstance(a.get(key), dict) or not isinstance(a[key].get("id"), str):
            return f"assessment.{key}.id missing"
    if not isinstance(a.get("requirements"), list):
        return "assessment.requirements missing"
    s = a.get("summary")
    if not isinstance(s, dict):
        return "assessment.summary missing"
    # The summary and the reports read these as they are: a wrong type must not crash the run
    # (10 000 bundles, one malformed) nor read as meeting ("false" is a truthy string).
    if not isinstance(s.get("meets_level"), bool):
        return "assessment.summary.meets_level is not true/false"
    if not isinstance(s.get("counts", {}), dict):
        return "assessment.summary.counts is not a mapping"
    if s.get("compliance_pct") is not None and not _number(s["compliance_pct"]):
        return "assessment.summary.compliance_pct is not a number"
    return None
