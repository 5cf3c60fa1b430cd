"""What the summary believes of a verified bundle (DESIGN §10 "Trust"): its re-judged verdicts.

``examine`` re-judges one assessment (assessment/rejudge.py) and checks its profile against the
shipped one for its level (config/acceptance.py). It runs in the digest worker processes and returns
only small facts: the re-judged statuses, the differing ids, the profile's problems and the
requirements it tailored out (whether the inventory accepts those is the aggregation's call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from secaudit.core.errors import InputError

MAX_LISTED = 12  # ids named in one problem text; the rest are counted


@dataclass
class Facts:
    """One profile entry (primary or additional) after re-judging."""

    profile: str
    catalog: str
    statuses: dict[str, str]
    counts: dict[str, int]
    compliance_pct: float | None
    meets_level: bool
    problems: list[str] = field(default_factory=list)  # why the profile is not accepted (no inventory)
    tailored: list[str] = field(default_factory=list)  # tailored out with a justification
    reviews: dict[str, int] = field(default_factory=dict)  # {"attested", "reviewed"} (reviews.py)
    score: dict[str, Any] = field(default_factory=dict)  # re-judged automated_score (core/score.public)
    expiries: dict[str, str] = field(default_factory=dict)  # requirement -> attestation valid until


@dataclass
class Trust:
    state: str  # consistent | rejudged | inconsistent
    tool_version: str
    differing: list[str] = field(default_factory=list)
    reason: str = ""
    primary: Facts | None = None
    additional: list[Facts] = field(default_factory=list)
    providers: dict[str, Any] = field(default_factory=dict)  # inherited verdicts (province/providers.py)
    warnings: list[str] = field(default_factory=list)  # re-judged warn checks: "check id (target)"


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_LISTED])
    return shown + (f" (+{len(ids) - MAX_LISTED})" if len(ids) > MAX_LISTED else "")


def _facts(judged: Any, system_level: int, stored_ids: set[str]) -> Facts:
    from secaudit.assessment.review_verdicts import review_counts
    from secaudit.config.acceptance import parameter_problems, shipped_profile
    from secaudit.config.catalog import applicable

    p = judged.profile
    s = judged.summary
    out = Facts(
        profile=p.id,
        catalog=p.catalog,
        statuses=judged.statuses,
        counts={k: int(v) for k, v in s["counts"].items()},
        compliance_pct=s["compliance_pct"],
        meets_level=bool(s["meets_level"]),
        reviews=review_counts(judged.verdicts),
        score={k: s.get(k) for k in ("automated_score", "score_coverage", "score_weights")},
        expiries=_expiries(judged.verdicts),
    )
    shipped = shipped_profile(p.catalog, system_level)
    if shipped is None:
        out.problems.append(f"no shipped profile for level {system_level} of {p.catalog}")
        return out
    required = [r.id for r, _ in applicable(shipped)]
    missing = [rid for rid in required if rid not in stored_ids or rid not in out.statuses]
    if missing:
        out.problems.append(
            f"thiếu {len(missing)} yêu cầu của hồ sơ {shipped.id} / lacks {len(missing)} requirement(s) "
            f"of the shipped profile {shipped.id}: {_names(missing)}"
        )
    for rid in required:
        t = p.tailoring.get(rid)
        if t is None:
            continue
        if not t.justification.strip():
            out.problems.append(f"loại trừ không có lý do / tailored out without a justification: {rid}")
        else:
            out.tailored.append(rid)
    for name, why in parameter_problems(shipped.parameters, p.parameters):
        values = _vi_values(shipped.parameters.get(name), p.parameters.get(name))
        out.problems.append(
            f"tham số {name} yếu hơn hồ sơ {shipped.id} ({values}) / "
            f"parameter {name} weaker than shipped: {why}"
        )
    return out


def _vi_values(shipped: Any, value: Any) -> str:
    """The two values side by side for the Vietnamese half of a weaker-parameter problem."""

    def short(v: Any) -> str:
        text = "không đặt" if v is None else repr(v)
        return text if len(text) <= 60 else text[:57] + "..."

    return f"hồ sơ đặt {short(value)}, hồ sơ ban hành đặt {short(shipped)}"


def _expiries(verdicts: list[Any]) -> dict[str, str]:
    """When each attested requirement's answer stops counting (for "evidence expiring", issue 11)."""
    out = {}
    for v in verdicts:
        att = getattr(v, "attestation", None)
        when = att.get("effective_expires_at") if isinstance(att, dict) else None
        if isinstance(when, str):
            out[v.id] = when
    return out


def examine(a: dict[str, Any], require_review: bool = False, reviewer_keys: Any = None) -> Trust:
    """Re-judge ``a`` (a verified assessment) and compare; never raises on bad bundle content."""
    from secaudit import __version__
    from secaudit.assessment.rejudge import differences, rejudge, stored_statuses, system_level, v1_shape

    tool = a.get("tool") if isinstance(a.get("tool"), dict) else {}
    version = str(tool.get("version") or "")
    try:
        a = v1_shape(a, lean=True)
        level = system_level(a, None)
        result = rejudge(a, require_review=require_review, reviewer_keys=reviewer_keys)
        extra = [e for e in (a.get("additional") or []) if isinstance(e, dict)]
        primary = _facts(result.primary, level, set(stored_statuses(a)))
        additional = [
            _facts(j, level, set(stored_statuses(e))) for j, e in zip(result.additional, extra, strict=False)
        ]
        diff = differences(a, result)
        from secaudit.province.providers import bundle_facts

        inherited = bundle_facts(a, result)  # issue 14: the providers' re-judged verdicts
        warned = warnings_of((tr.target.raw, tr.checks) for tr in result.targets)
    except Exception as exc:  # noqa: BLE001 - content an agency signed must not cost the whole summary
        why = exc.message if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
        return Trust("inconsistent", version, ["*"], f"không đánh giá lại được / cannot be re-judged: {why}")
    # A bundle without its resolved profile predates re-judging (this round): like an older tool's,
    # its re-judged verdicts count; dropping the record gains a forger nothing.
    if version == __version__ and isinstance(a.get("profile_resolved"), dict):
        state = "inconsistent" if diff else "consistent"
    else:
        state = "rejudged"
    reason = ""
    if state == "inconsistent":
        reason = (
            f"kết quả ghi trong gói khác kết quả đánh giá lại / the bundle's verdicts differ from "
            f"its re-judged ones: {_names(diff)}"
        )
    elif state == "rejudged":
        reason = f"đánh giá lại theo secaudit {__version__} / re-judged under secaudit {__version__}"
    # For a re-judged older bundle the ids are what the new rules changed (shown, not held against it).
    return Trust(state, version, diff, reason, primary, additional, inherited, warned)


def stored_warnings(targets: Any) -> list[str]:
    """The warnings a bundle's own target results record (an unverified bundle's, shown as its)."""
    rows = [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
    return warnings_of((str(t.get("target")), t.get("checks")) for t in rows)


def warnings_of(targets: Any) -> list[str]:
    """ "check id (target)" of every ``warn`` check result, sorted: DESIGN §3 carries a warning into
    every report, the province summary's included. ``targets``: (target, check results) pairs, the
    results CheckResults or their dicts."""
    out = set()
    for target, checks in targets:
        for c in checks if isinstance(checks, list) else []:
            status = c.get("status") if isinstance(c, dict) else getattr(c, "status", None)
            cid = c.get("id") if isinstance(c, dict) else getattr(c, "id", None)
            if status == "warn" and isinstance(cid, str):
                out.add(f"{cid} ({target})")
    return sorted(out)
