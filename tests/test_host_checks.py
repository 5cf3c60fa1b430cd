"""host.* checks (checks/host/judge.py + mapping.yaml) on imported results: the recorded real ARF and
Lynis report, and server variants derived from them (tests/host_samples.py). Pure: every verdict is
judged as of an explicit date, never today."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from host_samples import server_arf, server_lynis

from secaudit.assessment.host_evidence import host_observation
from secaudit.checks import CheckContext, run_probe_checks
from secaudit.config.catalog import load_profile
from secaudit.config.inventory_hosts import HostSpec
from secaudit.probes.host.normalise import read_result

RAN = "2026-12-01T08:15:46+00:00"  # the sample's end-time
AT = datetime(2026, 12, 2, tzinfo=timezone.utc)
_PARAMS: dict[str, dict] = {}


def _record(tmp_path: Path, text: str, name: str) -> dict:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return read_result(p)


def judge(
    records: list[dict], now: datetime = AT, profile: str = "level3", os: str = ""
) -> dict[str, object]:
    obs = host_observation(HostSpec("vm", os), records)
    params = _PARAMS.setdefault(profile, load_profile(profile).parameters)
    ctx = CheckContext(host="vm", port=443, params=params, now=now)
    return {c.id: c for c in run_probe_checks("host", obs, ctx)}


PW = {  # every rule host.auth.password_policy maps, as a server that complies would report them
    "accounts_password_pam_minlen": "pass",
    "accounts_password_pam_minclass": "pass",
    "no_empty_passwords": "pass",
    "no_empty_passwords_etc_shadow": "notapplicable",  # not counted
    "accounts_password_pam_unix_remember": "pass",
}


def test_every_mapped_rule_that_applies_must_pass(tmp_path: Path) -> None:
    ok = judge([_record(tmp_path, server_arf(PW), "a.xml")])["host.auth.password_policy"]
    assert ok.status == "pass" and (ok.evidence["sources"][0].startswith("openscap 1.3.7 DEBIAN-12 0.1.76 ("))
    assert ok.evidence["rules"]["accounts_password_pam_minlen"] == "pass"
    assert "no_empty_passwords_etc_shadow" not in ok.evidence["rules"]  # notapplicable: not counted
    bad = judge([_record(tmp_path, server_arf(PW | {"no_empty_passwords": "fail"}), "b.xml")])
    assert bad["host.auth.password_policy"].status == "fail"
    assert "no_empty_passwords" in bad["host.auth.password_policy"].summary["en"]
    for res in ("notchecked", "error", "unknown"):
        err = judge([_record(tmp_path, server_arf(PW | {"no_empty_passwords": res}), f"{res}.xml")])
        assert err["host.auth.password_policy"].status == "error", res
    # a fail outweighs an error: it is a definite problem
    both = server_arf(PW | {"no_empty_passwords": "fail", "accounts_password_pam_minlen": "notchecked"})
    assert judge([_record(tmp_path, both, "both.xml")])["host.auth.password_policy"].status == "fail"
    na = {r: "notapplicable" for r in PW}
    none = judge([_record(tmp_path, server_arf(na), "na.xml")])["host.auth.password_policy"]
    assert none.status == "error" and "not applicable" in none.summary["en"]
    # an engine that maps nothing to the check (no Lynis report: malware protection) -> error
    assert judge([_record(tmp_path, server_arf(PW), "m.xml")])["host.malware.protection"].status == "error"


def _minlen(xml: str, value: str | None, var: str = "var_password_pam_minlen") -> str:
    if value is None:
        return re.sub(rf'<set-value idref="[^"]*content_value_{var}">[^<]*</set-value>', "", xml)
    return re.sub(rf'(content_value_{var}">)[^<]*', rf"\g<1>{value}", xml)


def test_a_pass_judged_with_weaker_thresholds_does_not_count(tmp_path: Path) -> None:
    arf = server_arf(PW)
    # secaudit's 11930 default is 12 characters: a pass judged with minlen 11 does not count
    got = judge([_record(tmp_path, _minlen(arf, "11"), "w.xml")])["host.auth.password_policy"]
    assert got.status == "error" and "weaker" in got.summary["en"]
    assert (
        judge([_record(tmp_path, _minlen(arf, "12"), "12.xml")])["host.auth.password_policy"].status == "pass"
    )
    got = judge([_record(tmp_path, _minlen(arf, None), "g.xml")])["host.auth.password_policy"]
    assert got.status == "error" and "not recorded" in got.summary["en"]
    # TCVN 14423 level 3 asks 14 characters and 4 classes (profile parameters)
    at14 = _minlen(_minlen(arf, "14"), "4", "var_password_pam_minclass")
    assert (
        judge([_record(tmp_path, at14, "14.xml")], profile="tcvn14423-level3")[
            "host.auth.password_policy"
        ].status
        == "pass"
    )
    at13 = _minlen(at14, "13")
    r13 = judge([_record(tmp_path, at13, "13.xml")], profile="tcvn14423-level3")["host.auth.password_policy"]
    assert r13.status == "error" and "weaker than the profile's 14" in r13.summary["en"]


@pytest.mark.parametrize(("days", "counts"), [(90, True), (91, False)])
def test_results_older_than_the_profile_allows_do_not_count(tmp_path: Path, days: int, counts: bool) -> None:
    from datetime import timedelta

    rules = {"package_telnet-server_removed": "pass", "package_nis_removed": "pass"}
    rec = _record(tmp_path, server_arf(rules), "age.xml")
    ran = datetime.fromisoformat(RAN)
    got = judge([rec], now=ran + timedelta(days=days))["host.hardening.packages"]
    if counts:
        assert got.status != "error", got.summary
    else:
        assert (
            got.status == "error" and "expired" in got.summary["en"] and "91 days > 90" in got.summary["en"]
        )


def test_a_result_dated_after_the_assessment_does_not_count(tmp_path: Path) -> None:
    rec = _record(tmp_path, server_arf({"package_nis_removed": "pass"}), "late.xml")
    got = judge([rec], now=datetime(2026, 11, 30, tzinfo=timezone.utc))["host.hardening.packages"]
    assert got.status == "error" and "after the assessment" in got.summary["en"]


def test_container_and_foreign_content_are_no_evidence(tmp_path: Path) -> None:
    from host_samples import real_arf

    real = judge([_record(tmp_path, real_arf(), "real.xml")])  # the recorded container scan
    assert {c.status for c in real.values()} == {"error"}
    assert "148 of 220 rules not applicable" in real["host.auth.lockout"].summary["en"]
    foreign = _record(tmp_path, server_arf({"package_nis_removed": "pass"}, benchmark="DEBIAN-11"), "d11.xml")
    got = judge([foreign], os="debian-12")["host.hardening.packages"]
    assert got.status == "error" and "foreign content" in got.summary["en"]
    # without os: in the inventory, the host's OS comes from its Lynis report
    lyn = _record(tmp_path, server_lynis(), "lynis-report.dat")
    got = judge([foreign, lyn])["host.hardening.packages"]
    assert got.status == "error" and "debian-11" in got.summary["en"]


def test_lynis_judges_named_facts_only_silence_is_no_pass(tmp_path: Path) -> None:
    from host_samples import LYNIS

    container = judge([_record(tmp_path, LYNIS.read_text(encoding="utf-8"), "c.dat")])
    assert container["host.malware.protection"].status == "error"
    assert "container" in container["host.malware.protection"].summary["en"]
    server = _record(
        tmp_path, server_lynis({"malware_scanner_installed": "1", "firewall_active": "0"}), "s.dat"
    )
    got = judge([server])
    assert got["host.malware.protection"].status == "pass"
    assert got["host.firewall"].status == "fail"
    assert got["host.logging.remote"].status == "error"  # remote_syslog_configured not recorded
    assert "not recorded" in got["host.logging.remote"].summary["en"]
    off = judge([_record(tmp_path, server_lynis({"malware_scanner_installed": "0"}), "o.dat")])
    assert off["host.malware.protection"].status == "fail"


def test_declared_host_without_import_is_error_never_pass() -> None:
    obs = host_observation(HostSpec("db01"), [])
    ctx = CheckContext(host="db01", port=443, params={}, now=AT)
    results = run_probe_checks("host", obs, ctx)
    assert results and {r.status for r in results} == {"error"}
    assert all("No result imported for host db01" in r.summary["en"] for r in results)


def test_malformed_stored_observation_is_error_not_crash() -> None:
    ctx = CheckContext(host="x", port=443, params={}, now=AT)
    for obs in ({"host": "x"}, {"host": "x", "imports": [{"engine": 3}]}, {"host": "x", "imports": "no"}):
        assert {r.status for r in run_probe_checks("host", obs, ctx)} == {"error"}
    bad = {"host": "x", "imports": [{"engine": "openscap", "ran_at": RAN, "results": {"a": "maybe"}}]}
    assert {r.status for r in run_probe_checks("host", bad, ctx)} == {"error"}
