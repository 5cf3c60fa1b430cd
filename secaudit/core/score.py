"""Automated score (DESIGN §10 "Scores and changes"): the severity-weighted share of passing checks.

A requirement stays ``not_reviewed`` until an auditor attests, so the compliance percentage does not
move when a finding is fixed; this score does, as soon as the check passes.

Rules (docs/scores.md):
- weights: critical 10, high 5, medium 3, low 1, info 0;
- ``pass`` and ``warn`` earn their weight (a warning does not fail a requirement, DESIGN §3),
  ``fail`` earns nothing;
- ``error`` and ``not_applicable`` are left out of the weights; ``coverage`` is the share of the
  weight of checks that ran (pass, warn, fail) over those plus the errored ones;
- no weighted check judged (only info checks, or every check errored) -> score None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

WEIGHTS = {"critical": 10, "high": 5, "medium": 3, "low": 1, "info": 0}
EARNS = ("pass", "warn")
JUDGED = ("pass", "warn", "fail")


def _status_severity(check: Any) -> tuple[str, str]:
    if isinstance(check, dict):
        return str(check.get("status")), str(check.get("severity") or "info")
    return str(check.status), str(check.severity or "info")


def score_of(checks: Iterable[Any]) -> dict[str, Any]:
    """{"automated_score", "coverage", "passed_weight", "judged_weight", "error_weight", "counts"} of
    check results (CheckResult objects or their dicts)."""
    passed = judged = errored = 0
    counts = {s: 0 for s in ("pass", "warn", "fail", "error", "not_applicable")}
    for c in checks:
        status, severity = _status_severity(c)
        if status in counts:
            counts[status] += 1
        w = WEIGHTS.get(severity, 0)
        if status in JUDGED:
            judged += w
            passed += w if status in EARNS else 0
        elif status == "error":
            errored += w
    return _score(passed, judged, errored, counts)


def _score(passed: int, judged: int, errored: int, counts: dict[str, int]) -> dict[str, Any]:
    """The score record from its weights: one shape for a target and for a combination."""
    return {
        "automated_score": ratio(passed, judged),
        "coverage": ratio(judged, judged + errored),
        "passed_weight": passed,
        "judged_weight": judged,
        "error_weight": errored,
        "counts": counts,
    }


def ratio(part: float, whole: float) -> float | None:
    """Percent with one decimal, None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def combine(scores: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """Several targets' or systems' scores as one (weights add up, so a big system weighs more)."""
    passed = judged = errored = 0
    counts: dict[str, int] = {}
    for s in scores:
        if not s:
            continue
        passed += int(s.get("passed_weight") or 0)
        judged += int(s.get("judged_weight") or 0)
        errored += int(s.get("error_weight") or 0)
        for k, v in (s.get("counts") or {}).items():
            counts[k] = counts.get(k, 0) + int(v)
    return _score(passed, judged, errored, counts)


def targets_score(targets: Iterable[Any]) -> dict[str, Any]:
    """The system's score over every check of every target (TargetResult objects or their dicts)."""
    out = []
    for t in targets:
        checks = t.get("checks") if isinstance(t, dict) else t.checks
        checks = checks if isinstance(checks, list) else []  # a bundle's targets are untrusted input
        out.append(score_of(c for c in checks if isinstance(c, dict) or hasattr(c, "status")))
    return combine(out)


def checks_status(rows: Iterable[dict[str, Any]]) -> str:
    """A requirement's automated part in one word: fail > error > pass (pass or warn) > none (no
    check, or none that applied)."""
    statuses = {str(r.get("status")) for r in rows if isinstance(r, dict)}
    if "fail" in statuses:
        return "fail"
    if "error" in statuses:
        return "error"
    if statuses & set(EARNS):
        return "pass"
    return "none"


def public(score: dict[str, Any]) -> dict[str, Any]:
    """What scan JSON, bundles and reports carry: the figures, with the weights behind them."""
    return {
        "automated_score": score["automated_score"],
        "score_coverage": score["coverage"],
        "score_weights": {
            "passed": score["passed_weight"],
            "judged": score["judged_weight"],
            "error": score["error_weight"],
        },
    }


def from_public(d: dict[str, Any] | None) -> dict[str, Any] | None:
    """The inverse of ``public`` (a stored summary or target), None when it has no score."""
    if not isinstance(d, dict) or not isinstance(d.get("score_weights"), dict):
        return None
    w = d["score_weights"]
    try:
        passed, judged, error = int(w.get("passed", 0)), int(w.get("judged", 0)), int(w.get("error", 0))
    except (TypeError, ValueError):
        return None
    return {
        "automated_score": ratio(passed, judged),
        "coverage": ratio(judged, judged + error),
        "passed_weight": passed,
        "judged_weight": judged,
        "error_weight": error,
        "counts": {},
    }
