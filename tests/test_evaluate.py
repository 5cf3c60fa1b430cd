"""Verdict rules (docs/verdicts.md), table-driven from recorded check results and attestations."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from secaudit.assessment.attestations import Attestation, AttestationSet, Evidence, validate_against
from secaudit.assessment.verdicts import evaluate, summarize, system_exit_status
from secaudit.core.errors import InputError
from secaudit.core.model import CheckResult, Requirement, Tailoring, Target, TargetResult

TODAY = date(2026, 10, 20)
T1, T2 = "https://a.example.vn", "https://b.example.vn:8443"


def req(rid: str, kind: str, checks: list[str] | None = None) -> Requirement:
    return Requirement(
        id=rid,
        sections={3: "7.1.1"},
        title={"vi": "Tiêu đề " + rid, "en": "Title " + rid},
        description={},
        group="g",
        family="technical",
        kind=kind,
        checks=checks or [],
        evidence={},
        source="TCVN 11930:2017",
        confidence="verified",
    )


def tr(raw: str, **statuses: str) -> TargetResult:
    """A target with check results: tr(T1, c1="pass") (underscores in names stand for dots)."""
    checks = [
        CheckResult(
            id=k.replace("_", "."),
            status=v,
            severity="high",
            summary={"vi": f"tóm tắt {v}", "en": f"summary {v}"},
            evidence={},
            remediation={},
        )
        for k, v in statuses.items()
    ]
    return TargetResult(Target(raw=raw, host=raw.split("//")[1].split(":")[0], port=443), checks, {})


def att(
    status: str | None,
    note: str = "Quy chế số 12/QĐ",
    evidence: list[Evidence] | None = None,
    attested_at: date | None = date(2026, 5, 1),
    expires_at: date | None = None,
) -> Attestation:
    return Attestation(
        requirement="R",
        status=status,
        note=note,
        evidence=evidence or [],
        attested_by="Nguyễn Văn A",
        attested_at=attested_at,
        expires_at=expires_at,
    )


def atts_of(a: Attestation | None, base: Path | None = None) -> AttestationSet | None:
    if a is None:
        return None
    return AttestationSet("ag", "sys", {"R": a}, (base / "sys.yaml") if base else None)


def verdict(
    kind: str,
    targets: list[TargetResult],
    a: Attestation | None = None,
    checks: tuple[str, ...] = ("c.one", "c.two"),
    tailoring: Tailoring | None = None,
):
    [v] = evaluate([(req("R", kind, list(checks)), tailoring)], 3, targets, atts_of(a), TODAY)
    return v


AUTO = [
    ("all pass", [tr(T1, c_one="pass", c_two="pass"), tr(T2, c_one="pass", c_two="pass")], "pass", "All 4"),
    ("warn carried", [tr(T1, c_one="pass", c_two="warn")], "pass", "Warning: c.two on " + T1),
    (
        "fail on 2nd target",
        [tr(T1, c_one="pass", c_two="pass"), tr(T2, c_one="fail", c_two="pass")],
        "fail",
        "c.one on " + T2,
    ),
    ("error, no fail", [tr(T1, c_one="error", c_two="pass")], "error", "c.one on " + T1),
    ("fail beats error", [tr(T1, c_one="error", c_two="fail")], "fail", "c.two on " + T1),
    ("probe disabled", [tr(T1, other="pass")], "not_reviewed", "No check ran"),
    ("half the checks ran", [tr(T1, c_one="pass")], "not_reviewed", "not run"),
    ("ran on one target only", [tr(T1, c_one="pass", c_two="pass"), tr(T2)], "not_reviewed", "not run"),
    (
        "all not_applicable",
        [tr(T1, c_one="not_applicable", c_two="not_applicable")],
        "not_reviewed",
        "do not apply",
    ),
    ("n/a ignored beside pass", [tr(T1, c_one="not_applicable", c_two="pass")], "pass", "All 1"),
]


@pytest.mark.parametrize("name,targets,status,reason", AUTO, ids=[c[0] for c in AUTO])
def test_auto(name: str, targets: list[TargetResult], status: str, reason: str) -> None:
    v = verdict("auto", targets)
    assert v.status == status
    assert reason in v.reason["en"]
    assert v.reason["vi"]
    assert {(c["id"], c["target"]) for c in v.checks} == {
        (c.id, t.target.raw) for t in targets for c in t.checks if c.id.startswith("c.")
    }


def test_auto_attestation_is_ignored_and_na_rejected() -> None:
    v = verdict("auto", [tr(T1, c_one="fail", c_two="pass")], att("compliant"))
    assert v.status == "fail" and v.attestation is None
    bad = AttestationSet("ag", "sys", {"R": att("not_applicable")}, Path("x.yaml"))
    with pytest.raises(InputError, match="cannot be attested not_applicable"):
        validate_against(bad, {"R": req("R", "auto")})
    validate_against(bad, {"R": req("R", "manual")})  # allowed for manual
    with pytest.raises(InputError, match="unknown requirement"):
        validate_against(bad, {})


MANUAL = [
    ("compliant with note", att("compliant"), "pass", "Attested compliant (Nguyễn Văn A, 2026-05-01)"),
    ("compliant, nothing to show", att("compliant", note=""), "not_reviewed", "no note or evidence"),
    ("non compliant", att("non_compliant"), "fail", "non-compliant"),
    (
        "not applicable",
        att("not_applicable", note="Không có máy chủ thư"),
        "not_applicable",
        "Không có máy chủ thư",
    ),
    ("missing", None, "not_reviewed", "No manual attestation"),
    ("unanswered", att(None), "not_reviewed", "No manual attestation"),
    ("undated", att("compliant", attested_at=None), "not_reviewed", "no date"),
    (
        "expired (explicit)",
        att("compliant", expires_at=date(2026, 10, 1)),
        "not_reviewed",
        "expired on 2026-10-01",
    ),
    (
        "expired (default 12 months)",
        att("compliant", attested_at=date(2025, 10, 19)),
        "not_reviewed",
        "expired on 2026-10-19",
    ),
    (
        "default expiry not reached",
        att("compliant", attested_at=date(2025, 11, 10)),
        "pass",
        "Expires soon: 2026-11-10",
    ),
    (
        "expired non-compliance is stale",
        att("non_compliant", expires_at=date(2026, 1, 1)),
        "not_reviewed",
        "expired",
    ),
]


@pytest.mark.parametrize("name,a,status,reason", MANUAL, ids=[c[0] for c in MANUAL])
def test_manual(name: str, a: Attestation | None, status: str, reason: str) -> None:
    v = verdict("manual", [tr(T1, c_one="fail")], a, checks=())
    assert v.status == status
    assert reason in v.reason["en"] or reason in v.reason["vi"]
    assert v.checks == []


def test_expiring_soon_flag() -> None:
    soon = verdict("manual", [], att("compliant", expires_at=TODAY + timedelta(days=30)), checks=())
    later = verdict("manual", [], att("compliant", expires_at=TODAY + timedelta(days=31)), checks=())
    assert soon.status == later.status == "pass"
    assert soon.expiring_soon and soon.attestation["expiring_soon"] is True
    assert (TODAY + timedelta(days=30)).isoformat() in soon.reason["vi"]
    assert not later.expiring_soon and "Expires soon" not in later.reason["en"]
    assert summarize([soon, later])["expiring_soon"] == 1


@pytest.mark.parametrize(
    "expires_at,status",
    [
        (TODAY + timedelta(days=1), "pass"),
        (TODAY, "pass"),  # valid through its expires_at day: the assessment day itself still counts
        (TODAY - timedelta(days=1), "not_reviewed"),
    ],
)
def test_attestation_expiry_on_the_day_itself(expires_at: date, status: str) -> None:
    a = att("compliant", attested_at=TODAY - timedelta(days=100), expires_at=expires_at)
    v = verdict("manual", [], a, checks=())
    assert v.status == status, v.reason["en"]
    assert (("expired on " + expires_at.isoformat()) in v.reason["en"]) is (status == "not_reviewed")


@pytest.mark.parametrize(
    "attested_at,status",
    [
        (date(2025, 10, 21), "pass"),  # the default 12 months end tomorrow
        (date(2025, 10, 20), "pass"),  # ... end today: still valid
        (date(2025, 10, 19), "not_reviewed"),  # ... ended yesterday
    ],
)
def test_default_expiry_edges(attested_at: date, status: str) -> None:
    assert TODAY == date(2026, 10, 20)
    assert verdict("manual", [], att("compliant", attested_at=attested_at), checks=()).status == status


@pytest.mark.parametrize(
    "attested_at,status",
    [(TODAY - timedelta(days=1), "pass"), (TODAY, "pass"), (TODAY + timedelta(days=1), "not_reviewed")],
)
def test_attestation_dated_after_the_assessment_is_invalid(attested_at: date, status: str) -> None:
    v = verdict("manual", [], att("compliant", attested_at=attested_at), checks=())
    assert v.status == status, v.reason["en"]


PARTIAL = [
    ("both pass", {"c_one": "pass", "c_two": "warn"}, att("compliant"), "pass"),
    ("check fails, attested", {"c_one": "fail", "c_two": "pass"}, att("compliant"), "fail"),
    ("check fails, no attestation", {"c_one": "fail", "c_two": "pass"}, None, "fail"),
    ("check fails, attested n/a", {"c_one": "fail", "c_two": "pass"}, att("not_applicable"), "fail"),
    ("checks pass, no attestation", {"c_one": "pass", "c_two": "pass"}, None, "not_reviewed"),
    ("check error, attested", {"c_one": "error", "c_two": "pass"}, att("compliant"), "error"),
    ("check error, no attestation", {"c_one": "error", "c_two": "pass"}, None, "error"),
    ("check error, non compliant", {"c_one": "error", "c_two": "pass"}, att("non_compliant"), "fail"),
    ("checks pass, non compliant", {"c_one": "pass", "c_two": "pass"}, att("non_compliant"), "fail"),
    (
        "checks pass, attested n/a",
        {"c_one": "pass", "c_two": "pass"},
        att("not_applicable"),
        "not_applicable",
    ),
    ("probe disabled, attested", {"other": "pass"}, att("compliant"), "not_reviewed"),
    (
        "checks pass, expired",
        {"c_one": "pass", "c_two": "pass"},
        att("compliant", expires_at=date(2026, 1, 1)),
        "not_reviewed",
    ),
]


@pytest.mark.parametrize("name,checks,a,status", PARTIAL, ids=[c[0] for c in PARTIAL])
def test_partial(name: str, checks: dict[str, str], a: Attestation | None, status: str) -> None:
    v = verdict("partial", [tr(T1, **checks)], a)
    assert v.status == status
    # The reason always covers both halves: the checks and the attestation.
    assert ("c.one" in v.reason["en"] or "check" in v.reason["en"]) and "attest" in v.reason["en"].lower()


def test_tailoring_wins_with_justification() -> None:
    t = Tailoring("R", "not_applicable", "Hệ thống không có giao diện web", "profiles/custom.yaml")
    for kind in ("auto", "manual", "partial"):
        v = verdict(kind, [tr(T1, c_one="fail", c_two="fail")], att("non_compliant"), tailoring=t)
        assert v.status == "not_applicable"
        assert "Hệ thống không có giao diện web" in v.reason["vi"] and "custom.yaml" in v.reason["en"]


def test_evidence_hash_ok_changed_missing(tmp_path: Path) -> None:
    doc = tmp_path / "evidence" / "quy-che.pdf"
    doc.parent.mkdir()
    doc.write_bytes(b"%PDF quy che 2026")
    good = hashlib.sha256(doc.read_bytes()).hexdigest()

    def run(ev: list[Evidence]):
        a = att("compliant", note="", evidence=ev)
        [v] = evaluate([(req("R", "manual"), None)], 3, [], atts_of(a, tmp_path), TODAY)
        return v

    ok = run([Evidence("evidence/quy-che.pdf", good)])
    assert ok.status == "pass" and ok.attestation["evidence"][0]["state"] == "ok"
    unrecorded = run([Evidence("evidence/quy-che.pdf")])
    assert unrecorded.status == "pass"
    assert unrecorded.attestation["evidence"][0] == {
        "path": "evidence/quy-che.pdf",
        "sha256": None,
        "actual_sha256": good,
        "state": "unrecorded",
    }
    doc.write_bytes(b"%PDF quy che 2026!")  # one byte more
    changed = run([Evidence("evidence/quy-che.pdf", good)])
    assert changed.status == "not_reviewed" and "changed" in changed.reason["en"]
    assert changed.attestation["evidence"][0]["state"] == "changed"
    doc.unlink()
    missing = run([Evidence("evidence/quy-che.pdf", good)])
    assert missing.status == "not_reviewed" and "quy-che.pdf (missing)" in missing.reason["en"]


def _v(status: str):
    v = verdict("manual", [], None, checks=())
    v.status = status
    return v


SUMMARY = [
    (["pass", "pass", "fail"], 66.7, False, 1),
    (["pass", "not_applicable"], 100.0, True, 0),
    (["not_applicable", "not_applicable"], None, True, 0),
    ([], None, True, 0),
    (["pass", "error", "not_applicable"], 50.0, False, 3),
    (["pass", "error", "not_reviewed"], 33.3, False, 1),
    (["pass", "pass", "pass", "pass", "pass", "pass", "fail"], 85.7, False, 1),
]


@pytest.mark.parametrize("statuses,pct,meets,code", SUMMARY)
def test_summary(statuses: list[str], pct: float | None, meets: bool, code: int) -> None:
    s = summarize([_v(x) for x in statuses])
    assert s["counts"] == {
        k: statuses.count(k) for k in ("pass", "fail", "not_reviewed", "not_applicable", "error")
    }
    assert s["compliance_pct"] == pct
    assert s["meets_level"] is meets
    assert system_exit_status(s) == code
