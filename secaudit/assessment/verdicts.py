"""Check results + attestations + profile -> one verdict per requirement, and the system summary.

The rules are documented in docs/verdicts.md; tests/test_evaluate.py walks the same table.
Pure functions: evidence hashes are computed by the caller-supplied ``evidence_check`` (I/O lives
in attest.check_evidence). Attestations made under another catalogue answer a requirement through
the crosswalk (carry-over, docs/verdicts.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.assessment import scope
from secaudit.assessment.attestations import (
    ATTESTATION_MAX_MONTHS,
    EXPIRING_SOON_DAYS,
    Attestation,
    AttestationSet,
    Evidence,
    check_evidence,
    with_limits,
)
from secaudit.assessment.crosswalk_sources import carry_sources
from secaudit.assessment.crosswalk_sources import crosswalk_between as crosswalk_between  # service's import
from secaudit.assessment.crosswalk_sources import standard_label as _standard
from secaudit.core.model import VERDICT_STATUSES, Catalog, Lang, Requirement, Tailoring, TargetResult
from secaudit.core.reasons import Reason
from secaudit.core.score import checks_status

EvidenceCheck = Callable[[Evidence, Path], dict[str, Any]]


@dataclass
class Verdict:
    id: str
    kind: str
    status: str
    reason: dict[str, Any]  # a core.reasons.Reason {"code", "params"} (older code: {"vi", "en"} text)
    title: Lang = field(default_factory=dict)
    section: str = ""
    checks: list[dict[str, str]] = field(default_factory=list)
    attestation: dict[str, Any] | None = None
    expiring_soon: bool = False
    group: str = ""
    evidence: Lang = field(default_factory=dict)  # what an auditor should look for (catalogue)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,  # a Reason keeps its check summaries until the bundle is written
            "title": dict(self.title),
            "section": self.section,
            "group": self.group,
            "evidence": dict(self.evidence),
            "checks": list(self.checks),
            "checks_status": checks_status(self.checks),  # the automated part alone (DESIGN §10)
            "attestation": self.attestation,
            "expiring_soon": self.expiring_soon,
        }


def _join(parts: list[Any]) -> Any:
    """Several reasons as one: ``combined`` (coded reasons), or joined texts when all are texts."""
    parts = [p for p in parts if p and (not isinstance(p, dict) or "code" in p or any(p.values()))]
    if all(isinstance(p, dict) and "code" not in p for p in parts):
        return {lang: " ".join(p[lang] for p in parts if p.get(lang)) for lang in ("vi", "en")}
    return parts[0] if len(parts) == 1 else Reason("combined", {"parts": parts})


def L(vi: str, en: str) -> Lang:  # noqa: N802 - reads like a literal
    return {"vi": vi, "en": en}


# --------------------------------------------------------------------------- checks part


def _check_part(req: Requirement, targets: list[TargetResult]) -> tuple[str, Any, list[dict[str, str]]]:
    """Status of a requirement's checks over all targets: fail > error > pass; none ran -> not_reviewed."""
    wanted = set(req.checks)
    rows: list[dict[str, str]] = []
    found: list[tuple[str, str, Any]] = []  # (check id, target, CheckResult)
    summaries: dict[tuple[str, str], Lang] = {}
    for tr in targets:
        for cr in tr.checks:
            if cr.id in wanted:
                rows.append({"id": cr.id, "target": tr.target.raw, "status": cr.status})
                found.append((cr.id, tr.target.raw, cr))
                summaries[(cr.id, tr.target.raw)] = cr.summary

    def where(status: str) -> list[dict[str, str]]:
        return [{"id": cid, "target": tgt} for cid, tgt, cr in found if cr.status == status]

    def R(code: str, **params: Any) -> Reason:  # noqa: N802 - reads like a literal
        return Reason(code, params, summaries)

    if not wanted:
        return "not_reviewed", R("no_checks"), rows
    judged = [f for f in found if f[2].status != "not_applicable"]
    ran = {(cid, tgt) for cid, tgt, _ in found}
    skipped = scope.unscoped(wanted, targets, ran)  # dns/mail checks of a system with no domains
    unscoped = [R(code, checks=ids) for code, ids in scope.why_unscoped(skipped, targets)]
    no_domain = _join(unscoped) if unscoped else None  # no domain / no host declared
    if scope.all_unscoped(wanted, targets, skipped):
        return "none", no_domain, rows  # nothing in scope: not_reviewed (auto), attestation (partial)
    if not found:
        return "not_reviewed", R("checks_not_run", checks=sorted(wanted)), rows
    if not judged:
        return "not_reviewed", R("checks_not_applicable", checks=where("not_applicable")), rows
    statuses = {f[2].status for f in judged}
    if "fail" in statuses:
        return "fail", R("check_failed", checks=where("fail")), rows
    if "error" in statuses:
        return "error", R("check_error", checks=where("error")), rows
    # A check that did not run on some target (its probe was disabled) leaves the requirement
    # unjudged: passing the checks that did run is not enough.
    missing = sorted({cid for cid in wanted for tr in targets if (cid, tr.target.raw) not in ran | skipped})
    if missing:
        return "not_reviewed", R("checks_missing", checks=missing), rows
    passed = R("checks_passed", n=len(judged), targets=len(targets), warnings=where("warn"))
    return "pass", _join([passed, no_domain]), rows


# --------------------------------------------------------------------------- attestation part


def _attestation_part(
    req: Requirement,
    att: Attestation | None,
    atts: AttestationSet | None,
    today: date,
    evidence_check: EvidenceCheck,
) -> tuple[str, Lang, dict[str, Any] | None, bool]:
    """(status, reason, attestation record for the bundle, expiring_soon). The same for every
    requirement the entry answers (directly or carried over): a re-judged set (``atts.memo``)
    works it out once; callers get their own copy of the record (reviews are added to it)."""
    memo = atts.memo if atts is not None and att is not None else None
    if memo is None:
        return _attestation_part_of(att, atts, today, evidence_check)
    key = ("part", id(att), today, atts.max_months, evidence_check)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = _attestation_part_of(att, atts, today, evidence_check)
    status, reason, record, soon = hit
    return status, reason, (dict(record) if record is not None else None), soon


def _attestation_part_of(
    att: Attestation | None, atts: AttestationSet | None, today: date, evidence_check: EvidenceCheck
) -> tuple[str, Lang, dict[str, Any] | None, bool]:
    if att is None or att.status is None:
        where = atts.display_path if atts and atts.path else None
        return "not_reviewed", Reason("no_attestation", {"file": where}), None, False
    record = att.to_dict()
    record["file"] = atts.display_path if atts else None
    record["catalog"] = atts.catalog if atts else None
    max_months = atts.max_months if atts else ATTESTATION_MAX_MONTHS
    expiry = att.expiry_within(max_months)
    record["effective_expires_at"] = expiry.isoformat() if expiry else None
    base = atts.base_dir if atts else Path.cwd()
    checked = [evidence_check(ev, base) for ev in att.evidence]
    record["evidence"] = checked
    who = {"by": att.attested_by or "?", "at": att.attested_at.isoformat() if att.attested_at else "?"}
    if att.attested_at is None:
        return "not_reviewed", Reason("attestation_undated"), record, False
    problem = att.date_problem(today, max_months)  # dated after the assessment, or valid too long
    if problem is not None:
        return "not_reviewed", Reason(*problem), record, False
    if expiry is not None and expiry < today:
        return (
            "not_reviewed",
            Reason("attestation_expired", {**who, "expired": expiry.isoformat()}),
            record,
            False,
        )
    soon = expiry is not None and (expiry - today).days <= EXPIRING_SOON_DAYS
    record["expiring_soon"] = soon
    soon_at = expiry.isoformat() if soon and expiry is not None else None
    invalid = [{"path": e["path"], "why": e.get("reason") or "?"} for e in checked if e["state"] == "invalid"]
    if invalid:  # DESIGN §10: whatever the answer, evidence outside the folder, a device, a FIFO... leaves
        # the requirement not_reviewed (as an attestation dated wrongly does); not_applicable would count
        return "not_reviewed", Reason("evidence_invalid", {"evidence": invalid}), record, soon
    if att.status == "non_compliant":
        params = {**who, "note": att.note, "expires_soon": soon_at}
        return "fail", Reason("attested_non_compliant", params), record, soon
    if att.status == "not_applicable":
        params = {**who, "note": att.note, "expires_soon": soon_at}
        return "not_applicable", Reason("attested_not_applicable", params), record, soon
    # compliant
    bad = [e for e in checked if e["state"] in ("changed", "missing")]
    if bad:
        names = [{"path": e["path"], "state": e["state"]} for e in bad]
        return "not_reviewed", Reason("evidence_bad", {"evidence": names}), record, soon
    if not att.note and not att.evidence:
        return "not_reviewed", Reason("attested_no_support", who), record, soon
    params = {**who, "evidence": len(att.evidence) or None, "note": att.note, "expires_soon": soon_at}
    return "pass", Reason("attested_compliant", params), record, soon


# --------------------------------------------------------------------------- carry-over


@dataclass
class Carried:
    """How attestations of another catalogue bear on one requirement."""

    status: str  # the attestation-part status (pass|fail|not_applicable|not_reviewed)
    reason: Lang
    record: dict[str, Any]
    expiring_soon: bool = False


def _answered(atts: AttestationSet, rid: str) -> Attestation | None:
    a = atts.get(rid)
    return a if a is not None and a.status is not None else None


def _carried(
    req: Requirement,
    foreign: list[AttestationSet],
    to_catalog: str,
    today: date,
    evidence_check: EvidenceCheck,
) -> Carried | None:
    """An equivalent mapping whose answered source attestations agree decides; a partial one (or an
    equivalent one short of its sources) only pre-fills: not_reviewed, naming the candidates."""
    prefill: list[tuple[AttestationSet, str, Attestation, str]] = []
    for atts in foreign:
        relation, deciding, candidates, need_all = carry_sources(req.id, to_catalog, atts.catalog)
        answered = [s for s in deciding if _answered(atts, s)]
        if answered and (not need_all or len(answered) == len(deciding)):
            return _decide(req, atts, answered, today, evidence_check)
        for s in deciding + candidates:
            a = _answered(atts, s)
            if a is not None:
                prefill.append((atts, s, a, "equivalent" if s in deciding else relation))
    if not prefill:
        return None
    names = [
        {"requirement": s, "standard": _standard(at.catalog), "relation": rel, "status": a.status}
        for at, s, a, rel in prefill
    ]
    cands = [
        {
            "catalog": at.catalog,
            "requirement": s,
            "relation": rel,
            "status": a.status,
            "note": a.note or None,
            "file": at.display_path,
        }
        for at, s, a, rel in prefill
    ]
    return Carried(
        "not_reviewed",
        Reason("prefilled", {"sources": names}),
        {"requirement": req.id, "status": None, "prefilled_from": cands},
    )


def _decide(
    req: Requirement, atts: AttestationSet, sources: list[str], today: date, evidence_check: EvidenceCheck
) -> Carried:
    parts = []
    for s in sources:
        st, reason, record, soon = _attestation_part(req, atts.get(s), atts, today, evidence_check)
        parts.append((s, st, reason, record or {}, soon))
    statuses = {p[1] for p in parts}
    if "fail" in statuses:
        status = "fail"
    elif "not_reviewed" in statuses:
        status = "not_reviewed"
    elif statuses == {"not_applicable"}:
        status = "not_applicable"
    else:
        status = "pass"
    shown = [p for p in parts if p[1] == status] or parts
    std = _standard(atts.catalog)
    shown_reasons = [{"requirement": p[0], "reason": p[2]} if len(parts) > 1 else p[2] for p in shown]
    reason = Reason(
        "carried", {"requirements": [p[0] for p in parts], "standard": std, "parts": shown_reasons}
    )
    record = dict(shown[0][3])
    record["requirement"] = req.id
    record["carried_from"] = {
        "catalog": atts.catalog,
        "standard": std,
        "requirement": parts[0][0],
        "requirements": [p[0] for p in parts],
        "relation": "equivalent",
    }
    if len(parts) > 1:
        record["sources"] = [p[3] for p in parts]
    return Carried(status, reason, record, any(p[4] for p in parts))


# --------------------------------------------------------------------------- verdicts


AttestationInput = AttestationSet | list[AttestationSet] | None


def _split(
    atts: AttestationInput, catalog: Catalog | None
) -> tuple[list[AttestationSet], list[AttestationSet]]:
    """(sets answering the catalogue directly, sets of other catalogues)."""
    sets = [] if atts is None else [atts] if isinstance(atts, AttestationSet) else list(atts)
    if catalog is None:
        return sets, []
    return [s for s in sets if s.catalog == catalog.id], [s for s in sets if s.catalog != catalog.id]


def evaluate(
    rows: list[tuple[Requirement, Tailoring | None]],
    level: int,
    targets: list[TargetResult],
    atts: AttestationInput,
    today: date,
    evidence_check: EvidenceCheck = check_evidence,
    catalog: Catalog | None = None,
    params: dict[str, Any] | None = None,
) -> list[Verdict]:
    """One verdict per applicable requirement (``rows`` = catalog.applicable(profile)).

    ``catalog`` is the catalogue of ``rows``: attestation sets of other catalogues answer through
    the crosswalk. Without it every set is taken as answering ``rows`` directly. ``params``: the
    profile's parameters (attestation_max_months, evidence_max_bytes; defaults 12 and 50 MB)."""
    sets, evidence_check = with_limits(atts, evidence_check, params)
    direct, foreign = _split(sets, catalog)
    to_id = catalog.id if catalog is not None else ""
    return [
        _verdict(req, tailoring, level, targets, direct, foreign, to_id, today, evidence_check)
        for req, tailoring in rows
    ]


def _manual_part(
    req: Requirement,
    direct: list[AttestationSet],
    foreign: list[AttestationSet],
    to_id: str,
    today: date,
    evidence_check: EvidenceCheck,
) -> tuple[str, Lang, dict[str, Any] | None, bool]:
    """The attestation half: a direct answer always wins over a carried one."""
    for atts in direct:
        if _answered(atts, req.id):
            return _attestation_part(req, atts.get(req.id), atts, today, evidence_check)
    if foreign:
        c = _carried(req, foreign, to_id, today, evidence_check)
        if c is not None:
            return c.status, c.reason, c.record, c.expiring_soon
    first = direct[0] if direct else None
    return _attestation_part(req, first.get(req.id) if first else None, first, today, evidence_check)


def _verdict(
    req: Requirement,
    tailoring: Tailoring | None,
    level: int,
    targets: list[TargetResult],
    direct: list[AttestationSet],
    foreign: list[AttestationSet],
    to_id: str,
    today: date,
    evidence_check: EvidenceCheck,
) -> Verdict:
    v = Verdict(
        id=req.id,
        kind=req.kind,
        status="not_reviewed",
        reason={},
        title=dict(req.title),
        section=req.section(level),
        group=req.group,
        evidence=dict(req.evidence),
    )
    if tailoring is not None:
        v.status = "not_applicable"
        v.reason = Reason(
            "tailored_out",  # source: the profile's file name, no machine's path in a signed bundle
            {"source": Path(tailoring.source).name or None, "justification": tailoring.justification},
        )
        return v
    if req.kind == "auto":
        status, v.reason, v.checks = _check_part(req, targets)
        v.status = "not_reviewed" if status == "none" else status  # never a pass on nothing in scope
        return v
    a_status, a_reason, record, soon = _manual_part(req, direct, foreign, to_id, today, evidence_check)
    v.attestation, v.expiring_soon = record, soon
    if req.kind == "manual":
        v.status, v.reason = a_status, a_reason
        return v
    # partial: needs both; a failing check fails regardless, an errored check is error unless
    # something fails (a non-compliant attestation counts as failing); none in scope: attestation.
    c_status, c_reason, v.checks = _check_part(req, targets)
    v.status, v.reason = scope.partial_status(c_status, a_status), _join([c_reason, a_reason])
    return v


def summarize(verdicts: list[Verdict]) -> dict[str, Any]:
    counts = {s: 0 for s in VERDICT_STATUSES}
    for v in verdicts:
        counts[v.status] += 1
    applicable = len(verdicts) - counts["not_applicable"]
    pct = round(counts["pass"] / applicable * 100, 1) if applicable else None
    return {
        "counts": counts,
        "compliance_pct": pct,
        "meets_level": all(v.status in ("pass", "not_applicable") for v in verdicts),
        "expiring_soon": sum(1 for v in verdicts if v.expiring_soon),
    }


def system_exit_status(summary: dict[str, Any]) -> int:
    """0 meets its level, 1 a fail or not_reviewed stands in the way, 3 only errors do."""
    if summary["meets_level"]:
        return 0
    c = summary["counts"]
    if c["fail"] or c["not_reviewed"]:
        return 1
    return 3
