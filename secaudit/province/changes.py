"""Scores per system and agency, and what changed since the previous period (DESIGN §10 "Scores and
changes", issue 11).

``summary["changes"][agency_id]`` =
``{"previous_period", "newly_failing", "fixed", "evidence_expired", "evidence_expiring",
"score_before", "score_after", "score_change"}``; list entries are ``{"system", "requirement", …}``.

- newly_failing: ``fail`` now, not ``fail`` in the system's previous period (or new system);
- fixed: ``fail`` before, not ``fail`` now (``now`` says what it is: pass, not_reviewed, …);
- evidence_expired / evidence_expiring: an attestation's validity ended before the summary's
  ``today`` / ends within ``EXPIRING_DAYS`` days of it (re-judged verdicts' records);
- scores: the agency's automated score over all its systems (weights add up), before and after.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from secaudit.core.score import combine, from_public, public

EXPIRING_DAYS = 30


def system_score(d: Any) -> dict[str, Any]:
    """The re-judged score of a digest; none for a bundle that was not verified."""
    if not getattr(d, "verified", False) or not getattr(d, "score", None):
        return {"automated_score": None, "score_coverage": None, "score_weights": None}
    return {k: d.score.get(k) for k in ("automated_score", "score_coverage", "score_weights")}


def agency_score(systems: list[dict[str, Any]]) -> dict[str, Any]:
    parts = [from_public(s) for s in systems]
    if not any(parts):
        return {"automated_score": None, "score_coverage": None, "score_weights": None}
    return public(combine(parts))


def snapshot(d: Any) -> dict[str, Any]:
    """What the next period compares against: statuses and the score's weights."""
    return {
        "period": d.period,
        "statuses": dict(d.statuses),
        "score_weights": (system_score(d).get("score_weights")),
    }


def _score_of(weights: Any) -> float | None:
    s = from_public({"score_weights": weights}) if isinstance(weights, dict) else None
    return s["automated_score"] if s else None


def changes(
    agencies: list[dict[str, Any]],
    current: dict[tuple[str, str], Any],
    previous: dict[tuple[str, str], dict[str, Any]],
    today: date,
) -> dict[str, dict[str, Any]]:
    """Per agency id: what changed (see the module doc). ``current``: (agency, system) -> digest of
    this period; ``previous``: (agency, system) -> snapshot of the period compared against."""
    out: dict[str, dict[str, Any]] = {}
    soon = today + timedelta(days=EXPIRING_DAYS)
    for ag in agencies:
        entry: dict[str, Any] = {
            "previous_period": None,
            "newly_failing": [],
            "fixed": [],
            "evidence_expired": [],
            "evidence_expiring": [],
        }
        before_w, after_w = [], []
        for s in ag["systems"]:
            key = (ag["id"], s["id"])
            d, prev = current.get(key), previous.get(key)
            if prev is not None:
                entry["previous_period"] = entry["previous_period"] or prev.get("period")
                before_w.append(prev.get("score_weights"))
            if d is None or not getattr(d, "verified", False):
                continue  # an unverified bundle's verdicts are never believed (DESIGN §10 "Trust")
            after_w.append(system_score(d).get("score_weights"))
            old = (prev or {}).get("statuses") or {}
            for rid, st in sorted(d.statuses.items()):
                if st == "fail" and old.get(rid) != "fail":
                    entry["newly_failing"].append(
                        {"system": s["id"], "requirement": rid, "before": old.get(rid)}
                    )
                elif old.get(rid) == "fail" and st != "fail":
                    entry["fixed"].append({"system": s["id"], "requirement": rid, "now": st})
            for rid, until in sorted((getattr(d, "expiries", None) or {}).items()):
                try:
                    when = date.fromisoformat(until)
                except ValueError:
                    continue
                item = {"system": s["id"], "requirement": rid, "until": until}
                if when < today:
                    entry["evidence_expired"].append(item)
                elif when <= soon:
                    entry["evidence_expiring"].append(item)
        before = _combined(before_w)
        after = _combined(after_w)
        entry["score_before"], entry["score_after"] = before, after
        entry["score_change"] = round(after - before, 1) if before is not None and after is not None else None
        out[ag["id"]] = entry
    return out


def _combined(weights: list[Any]) -> float | None:
    parts = [from_public({"score_weights": w}) for w in weights if isinstance(w, dict)]
    return combine(parts)["automated_score"] if parts else None


def previous_from_digests(
    digests: list[Any], period: str, compare: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """``--compare PERIOD`` without a store: the folder's verified bundles of that period."""
    best: dict[tuple[str, str], Any] = {}
    for d in digests:
        if d.error or not d.verified or d.period != compare or d.period == period:
            continue  # what an unverified bundle says is never compared against
        k = (d.agency, d.system)
        if k not in best or (d.verified, d.assessed_at, d.file) > (
            best[k].verified,
            best[k].assessed_at,
            best[k].file,
        ):
            best[k] = d
    return {k: snapshot(d) for k, d in best.items()}


__all__ = ["EXPIRING_DAYS", "agency_score", "changes", "previous_from_digests", "snapshot", "system_score"]
