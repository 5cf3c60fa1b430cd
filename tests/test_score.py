"""automated_score (DESIGN §10 "Scores and changes"): weights, what counts, coverage, boundaries."""

from __future__ import annotations

import pytest

from secaudit.core.model import CheckResult, ScanResult, Target, TargetResult
from secaudit.core.score import WEIGHTS, checks_status, combine, from_public, public, score_of


def c(status: str, severity: str) -> dict[str, str]:
    return {"status": status, "severity": severity}


def test_weights_are_the_contract() -> None:
    assert WEIGHTS == {"critical": 10, "high": 5, "medium": 3, "low": 1, "info": 0}


@pytest.mark.parametrize(
    ("checks", "score"),
    [
        ([c("pass", "critical"), c("fail", "high")], 66.7),  # 10 / 15
        ([c("pass", "high"), c("fail", "critical")], 33.3),  # 5 / 15
        ([c("pass", "low"), c("fail", "medium")], 25.0),  # 1 / 4
        ([c("pass", "medium"), c("fail", "low")], 75.0),  # 3 / 4
        ([c("fail", "critical")] + [c("pass", "low")] * 10, 50.0),  # ten lows weigh one critical
        ([c("pass", "info"), c("fail", "low")], 0.0),  # info weighs nothing
        ([c("fail", "info"), c("pass", "low")], 100.0),
        ([c("warn", "high"), c("fail", "high")], 50.0),  # a warning earns its weight
    ],
)
def test_severity_weighted_share(checks: list[dict[str, str]], score: float) -> None:
    assert score_of(checks)["automated_score"] == score


def test_error_and_not_applicable_are_left_out_and_reported_as_coverage() -> None:
    base = [c("pass", "high"), c("fail", "high")]
    s = score_of(base + [c("error", "critical"), c("not_applicable", "critical")])
    assert s["automated_score"] == 50.0  # unchanged by the errored and not-applicable checks
    assert s["coverage"] == 50.0  # 10 judged of 20 that apply
    assert s["error_weight"] == 10 and s["judged_weight"] == 10
    assert score_of(base)["coverage"] == 100.0


def test_nothing_weighted_judged_is_no_score() -> None:
    assert score_of([])["automated_score"] is None
    assert score_of([c("pass", "info")])["automated_score"] is None
    only_errors = score_of([c("error", "high")])
    assert only_errors["automated_score"] is None and only_errors["coverage"] == 0.0


def test_one_fix_moves_the_score() -> None:
    before = [c("fail", "high"), c("fail", "medium"), c("pass", "critical")]
    after = [c("pass", "high"), c("fail", "medium"), c("pass", "critical")]
    assert score_of(before)["automated_score"] == 55.6  # 10 / 18
    assert score_of(after)["automated_score"] == 83.3  # 15 / 18


def test_combine_adds_weights_and_public_round_trips() -> None:
    a, b = score_of([c("pass", "critical")]), score_of([c("fail", "low")] * 10)
    both = combine([a, b, None])
    assert both["automated_score"] == 50.0 and both["judged_weight"] == 20
    back = from_public(public(both))
    assert back is not None and back["automated_score"] == 50.0 and back["coverage"] == 100.0
    assert from_public({"automated_score": 99}) is None  # a bare figure without weights is not believed


@pytest.mark.parametrize(
    ("rows", "word"),
    [
        ([], "none"),
        ([{"status": "not_applicable"}], "none"),
        ([{"status": "pass"}, {"status": "warn"}], "pass"),
        ([{"status": "pass"}, {"status": "error"}], "error"),
        ([{"status": "error"}, {"status": "fail"}], "fail"),
    ],
)
def test_checks_status(rows: list[dict[str, str]], word: str) -> None:
    assert checks_status(rows) == word


def _check(cid: str, status: str, severity: str) -> CheckResult:
    return CheckResult(cid, status, severity, {"vi": "x", "en": "x"}, {}, {"vi": "", "en": ""})


def test_scan_json_has_a_score_per_target_and_overall() -> None:
    t1 = TargetResult(Target("https://a.vn", "a.vn", 443), [_check("x", "pass", "high")], {})
    t2 = TargetResult(Target("b.vn:8443", "b.vn", 8443), [_check("x", "fail", "high")], {})
    d = ScanResult("level3", "t0", "t1", [t1, t2]).to_dict()
    assert [t["automated_score"] for t in d["targets"]] == [100.0, 0.0]
    assert d["automated_score"] == 50.0 and d["score_coverage"] == 100.0
    assert d["targets"][0]["target"] == "https://a.vn"  # the contract keys stay as they were


def test_verdicts_carry_checks_status_beside_status() -> None:
    from secaudit.assessment.verdicts import Verdict

    v = Verdict("R1", "partial", "not_reviewed", {}, checks=[{"id": "x", "target": "t", "status": "pass"}])
    d = v.to_dict()
    assert d["status"] == "not_reviewed" and d["checks_status"] == "pass"
    assert Verdict("R2", "manual", "pass", {}).to_dict()["checks_status"] == "none"
