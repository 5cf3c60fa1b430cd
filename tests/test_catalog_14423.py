"""The TCVN 14423:2026 catalogue and its tcvn14423-level1..5 profiles: every level-3 row of the
research note (§4) and every decree duty (§5) is there, loads through secaudit.config.catalog, carries its
per-level clauses, and states the §6 thresholds through profile parameters."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.config.catalog import applicable, load_catalog, load_profile, profile_names
from secaudit.config.thresholds import format_value, statements
from secaudit.core.model import CONFIDENCES, FAMILIES, KINDS
from secaudit.core.resources import data_dir
from secaudit.core.yamlio import load_yaml

CID = "tcvn-14423-2026"
# research/tcvn14423.md §4: rows per group (N3.<GROUP>.<NN> there, ANM.<GROUP>.<NN> here).
ROWS_PER_GROUP = {
    "RISK": 5,
    "HW": 5,
    "SW": 3,
    "INFO": 11,
    "CFG": 6,
    "IAM": 12,
    "VULN": 6,
    "LOG": 6,
    "WEB": 3,
    "MAL": 5,
    "BAK": 5,
    "NET": 16,
    "MON": 6,
    "HR": 5,
    "SUP": 2,
    "IR": 5,
    "SDL": 6,
    "PT": 2,
}
DUTIES = {
    "ND331.QC.01",
    "ND331.DEP.01",
    "ND331.CLD.01",
    "ND331.ASS.01",
    "ND331.ASS.02",
    "ND331.INC.01",
    "ND331.DRL.01",
    "ND331.MON.01",
    "ND331.RSK.01",
    "ND331.RPT.01",
    "LAW116.BUD.01",
}
# Level-3 group number per group prefix (§3.1) and the shifted numbers at other levels (§3.2).
L3_GROUP = {p: i + 1 for i, p in enumerate(ROWS_PER_GROUP)}


@pytest.fixture(scope="module")
def cat():
    return load_catalog(CID)


def expected_ids() -> set[str]:
    return {f"ANM.{g}.{i:02d}" for g, n in ROWS_PER_GROUP.items() for i in range(1, n + 1)} | DUTIES


def test_header(cat):
    assert cat.id == CID and cat.standard == "TCVN 14423:2026" and cat.version == "2026.11"
    assert cat.regime == "nd331-2026"
    assert "116/2025" in cat.regime_title["vi"] and "331/2026" in cat.regime_title["en"]
    assert "secondary" in cat.notice["en"] or "thứ cấp" in cat.notice["vi"]


def test_every_research_row_and_duty_is_there(cat):
    ids = [r.id for r in cat.requirements]
    assert len(ids) == len(set(ids)) == 120
    assert set(ids) == expected_ids()


def test_all_level3_rows_apply_at_level3_with_their_group_clause(cat):
    for r in cat.requirements:
        if r.id.startswith("ANM."):
            assert 3 in r.sections, r.id
            group_no = L3_GROUP[r.id.split(".")[1]]
            assert r.sections[3].startswith(f"5.{group_no}"), (r.id, r.sections[3])
    assert {r.id for r in cat.for_level(3)} == expected_ids()


def test_group_shift_between_levels(cat):
    # incident response is 5.16 at L3 but 6.17 at L4; secure development 5.17 -> 6.16 (research §3.2)
    assert cat.get("ANM.IR.01").sections == {3: "5.16.1", 4: "6.17.1", 5: "7.17.1"}
    assert cat.get("ANM.SDL.01").sections[4].startswith("6.16.")
    hr = cat.get("ANM.HR.04").sections
    assert hr[1].startswith("3.13.") and hr[3].startswith("5.14.")
    # groups new at level 3 have no clause below it
    for r in cat.requirements:
        if r.group in ("monitoring", "testing") or r.id in ("ANM.SDL.01", "ANM.SDL.03"):
            assert min(r.sections) == 3, r.id
    # a row starting at L1 exists at every level, with the same sub-clause
    assert cat.get("ANM.IAM.05").sections == {
        1: "3.6.2.2 b",
        2: "4.6.2.2 b",
        3: "5.6.2.2 b",
        4: "6.6.2.2 b",
        5: "7.6.2.2 b",
    }


def test_fields_vocabulary_and_provenance(cat):
    for r in cat.requirements:
        assert r.family in FAMILIES and r.kind in KINDS and r.confidence in CONFIDENCES
        assert r.title["vi"] != r.title["en"] and r.description["vi"] and r.description["en"]
        assert len(r.description["en"]) > len(r.title["en"]), r.id  # says more than its title
        assert r.evidence["vi"] and r.evidence["en"]
        if r.id.startswith("ANM."):
            assert r.confidence == "secondary" and "TCVN 14423:2026 5." in r.source and "[S]" in r.source
        else:
            assert r.group == "decree" and r.confidence == "verified" and "[V" in r.source
            assert all(("Art." in s) for s in r.sections.values()), r.id


def test_automated_evidence_where_a_probe_sees_it(cat):
    transit = cat.get("ANM.INFO.06")
    assert transit.kind == "auto" and "tls.protocol.legacy_disabled" in transit.checks
    assert {"http.hsts", "http.https_redirect", "http.cookies"} <= set(transit.checks)
    assert cat.get("ANM.CFG.02").kind == "partial" and "ports.risky_services" in cat.get("ANM.CFG.02").checks
    assert "http.sensitive_paths" in cat.get("ANM.SDL.05").checks
    # log review is people's work: no probe or engine sees it
    assert cat.get("ANM.LOG.06").kind == "manual" and not cat.get("ANM.LOG.06").checks
    # central log collection: only the host's forwarding is seen (imported engine results, issue 14)
    assert cat.get("ANM.LOG.04").kind == "partial" and cat.get("ANM.LOG.04").checks == ["host.logging.remote"]


def test_security_txt_is_partial_evidence_for_incident_contact_and_vulnerability_intake(cat):
    # research/tcvn14423.md: N3.IR.03 (5.16.2.1 b-c) and N3.SDL.03 (5.17.2.2) map P-DNS-05 security.txt
    mapped = {r.id for r in cat.requirements if "http.security_txt" in r.checks}
    assert mapped == {"ANM.IR.03", "ANM.SDL.03"}
    for rid, clause in (("ANM.IR.03", "5.16.2.1"), ("ANM.SDL.03", "5.17.2.2")):
        req = cat.get(rid)
        assert req.kind == "partial" and req.checks == ["http.security_txt"]
        assert req.sections[3].startswith(clause)
    # in the 2017 regime security.txt is supplementary only: no requirement names it
    assert not [r.id for r in load_catalog("tcvn-11930-2017").requirements if "http.security_txt" in r.checks]


def test_profiles_load_and_select_the_2026_catalogue():
    names = [f"tcvn14423-level{n}" for n in range(1, 6)]
    assert set(names) <= set(profile_names())
    for n, name in enumerate(names, start=1):
        p = load_profile(name)
        assert p.catalog == CID and p.level == n and p.id == name
        assert len(applicable(p)) == len(load_catalog(CID).for_level(n))
        # the automated-check thresholds are those of the 2017 profiles
        assert p.param("min_rsa_bits") == 2048 and p.param("hsts_min_max_age") == 15552000


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "tcvn14423-level1",
            {
                "password_min_length_with_mfa": 8,
                "password_min_length_without_mfa": 14,
                "lockout_max_failures": 10,
                "log_retention_months": None,
                "vuln_scan_interval_months": 12,
                "inactive_account_disable_days": 45,
            },
        ),
        ("tcvn14423-level2", {"lockout_max_failures": 5, "log_retention_months": 1, "network_zones_min": 5}),
        (
            "tcvn14423-level3",
            {
                "password_min_length_without_mfa": 14,
                "password_char_classes_without_mfa": 4,
                "admin_password_max_age_months": 2,
                "admin_password_history": 10,
                "lockout_max_failures": 5,
                "lockout_max_failures_devices": 10,
                "session_lock_minutes": 15,
                "session_lock_minutes_admin": 5,
                "log_retention_months": 3,
                "vuln_scan_interval_months": 6,
                "account_review_interval_months": 6,
                "network_zones_min": 7,
                "pentest_interval_months": None,
                "incident_initial_notice_hours": 24,
                "incident_report_hours": 72,
                "security_budget_min_pct": 15,
            },
        ),
        (
            "tcvn14423-level4",
            {
                "log_retention_months": 6,
                "vuln_scan_interval_months": 3,
                "pentest_interval_months": 12,
                "log_review_interval_months": 1,
            },
        ),
        ("tcvn14423-level5", {"log_retention_months": 12, "pentest_interval_months": 12}),
    ],
)
def test_section6_thresholds_per_level(name, expected):
    params = load_profile(name).parameters
    for key, value in expected.items():
        assert params[key] == value, (name, key)


def test_every_threshold_is_worded_stated_by_a_requirement_and_set_at_every_level(cat):
    check_params = set(load_yaml(data_dir("profiles") / "level1.yaml")["parameters"])
    stated = {p for r in cat.requirements for p in r.parameters}
    assert stated == set(cat.parameters)  # no unworded and no orphan threshold
    for name, wording in cat.parameters.items():
        assert "{value}" in wording["vi"] and "{value}" in wording["en"], name
    for n in range(1, 6):
        params = load_profile(f"tcvn14423-level{n}").parameters
        assert set(params) - check_params == set(cat.parameters), n  # declared (maybe null) at every level


def test_attestation_texts_state_the_level_values(cat):
    l3 = load_profile("tcvn14423-level3").parameters
    pw = statements(cat.get("ANM.IAM.05"), cat, l3, "en")
    assert pw == [
        "minimum password length with MFA (characters, suggested): 8",
        "minimum password length without MFA (characters, suggested): 14",
        "character classes required without MFA: 4",
    ]
    assert statements(cat.get("ANM.LOG.05"), cat, l3, "vi") == ["thời gian lưu nhật ký tối thiểu (tháng): 3"]
    l4 = load_profile("tcvn14423-level4").parameters
    assert statements(cat.get("ANM.LOG.05"), cat, l4, "en") == ["minimum log retention (months): 6"]
    # open at level 3 (self-chosen pentest frequency): said so, not left blank or "None"
    assert statements(cat.get("ANM.PT.01"), cat, l3, "en")[0].endswith("not set at this level")
    assert statements(cat.get("ANM.RISK.03"), cat, l3, "en") == []
    assert format_value(True, "vi") == "có" and format_value(None, "en") == "not set at this level"


def show(level: int):
    return CliRunner().invoke(
        main, ["checklist", "show", "--catalog", CID, "--level", str(level), "--format", "json"]
    )


def test_checklist_show_level4_reports_the_level4_clause():
    res = show(4)
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    reqs = {r["id"]: r for r in data["requirements"]}
    assert reqs["ANM.IR.01"]["section"] == "6.17.1"
    assert reqs["ANM.IAM.05"]["parameters"] == [
        "password_min_length_with_mfa",
        "password_min_length_without_mfa",
        "password_char_classes_without_mfa",
    ]
    assert "ND331.CLD.01" in reqs and "ANM.HW.05" in reqs
    res1 = show(1)
    ids1 = {r["id"] for r in json.loads(res1.stdout)["requirements"]}
    assert "ANM.MON.01" not in ids1 and "ND331.CLD.01" not in ids1 and "ANM.IAM.05" in ids1


def test_check_thresholds_stay_in_step_with_the_2017_profiles():
    # the automated checks judge the same way under both regimes: a change to profiles/level1.yaml
    # must be copied into profiles/tcvn14423-level1.yaml
    old = load_profile("level1").parameters
    new = load_profile("tcvn14423-level1").parameters
    assert {k: new.get(k) for k in old} == old
    assert old["security_txt_warn_days"] == 30
