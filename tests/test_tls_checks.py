"""tls.* checks judged from recorded observations (tests/data/tls/*.json, recorded from lab sites
with secaudit.probes.tls) and from edits of them for what a loopback server cannot show
(Heartbleed, CCS injection, ROBOT, insecure renegotiation, compression)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from design_ids import SECTION4_IDS

from secaudit.checks import (
    CheckContext,
    checks_for_probe,
    metadata,
    run_check,
    run_probe_checks,
    validate_metadata,
)
from secaudit.checks.tls.cert import dns_matches, host_matches
from secaudit.checks.tls.cipher import weakness
from secaudit.checks.tls.observation import Suite
from secaudit.core.jsonio import loads_strict
from secaudit.core.model import CheckResult
from secaudit.signing.bundle import canonical_json

DATA = Path(__file__).parent / "data" / "tls"
PARAMS: dict[str, Any] = {
    "cert_expiry_warn_days": 30,
    "min_rsa_bits": 2048,
    "min_ec_bits": 256,
    "mozilla_config": "intermediate",
}
CONTRACT_IDS = set(SECTION4_IDS["tls"])


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def leaf(obs: dict[str, Any]) -> dict[str, Any]:
    return obs["certificate"]["deployments"][0]["chain"][0]


def t(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def judge(obs: dict[str, Any], check_id: str, host: str | None = None, **params: Any) -> CheckResult:
    # A fixed "now" (a day into the recorded leaf's life) keeps the recordings valid forever.
    now = params.pop("now", None)
    if now is None and obs.get("certificate", {}).get("deployments"):
        now = t(leaf(obs)["not_before"]) + dt.timedelta(days=1)
    ctx = CheckContext(host=host or obs["host"], port=obs["port"], params=PARAMS | {"now": now} | params)
    return run_check(check_id, obs, ctx)


@pytest.fixture
def good() -> dict[str, Any]:
    return load("good")


# --------------------------------------------------------------------------- metadata


def test_every_contract_id_has_metadata_and_a_function() -> None:
    validate_metadata()
    assert set(checks_for_probe("tls")) == CONTRACT_IDS
    for cid in CONTRACT_IDS:
        meta = metadata()[cid]
        assert meta["severity"] in ("critical", "high", "medium", "low", "info")
        for field in ("title", "remediation"):
            assert meta[field]["vi"] and meta[field]["en"], (cid, field)
        for key, msg in meta["messages"].items():
            assert msg["vi"] and msg["en"] and msg["vi"] != msg["en"], (cid, key)


# --------------------------------------------------------------------------- recorded sites


def test_recorded_good_site_passes_everything(good: dict[str, Any]) -> None:
    results = {cid: judge(good, cid) for cid in CONTRACT_IDS}
    assert {cid: r.status for cid, r in results.items()} == {cid: "pass" for cid in CONTRACT_IDS}
    for r in results.values():  # every summary was fully formatted, in both languages
        assert "{" not in r.summary["vi"] + r.summary["en"], r.id
    assert "portal.lab.test" in results["tls.cert.hostname"].summary["vi"]


def test_rejudging_stored_observations_gives_the_scan_verdicts(good: dict[str, Any]) -> None:
    """A bundle stores observations as canonical JSON, re-judging reads them with the strict
    reader and judges check by check; a scan types the observation once for all its checks."""
    now = t(leaf(good)["not_before"]) + dt.timedelta(days=1)
    ctx = CheckContext(host=good["host"], port=good["port"], params=PARAMS, now=now)
    at_scan = run_probe_checks("tls", good, ctx)
    stored = loads_strict(canonical_json({"observations": {"tls": good}}))["observations"]["tls"]
    again = [run_check(cid, stored, ctx) for cid in checks_for_probe("tls")]
    assert [r.to_dict() for r in again] == [r.to_dict() for r in at_scan]
    assert [r.id for r in at_scan] == checks_for_probe("tls") and {r.status for r in at_scan} == {"pass"}


def test_recorded_legacy_weak_site() -> None:
    obs = load("legacy_weak")
    legacy = judge(obs, "tls.protocol.legacy_disabled")
    assert legacy.status == "fail" and legacy.evidence["legacy_accepted"] == ["TLS 1.0", "TLS 1.1"]
    weak = judge(obs, "tls.cipher.weak_disabled")
    assert weak.status == "fail"
    names = {w["suite"] for w in weak.evidence["weak_suites"]}
    assert {"TLS_RSA_WITH_NULL_SHA", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"} <= names
    assert "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" not in names
    fs = judge(obs, "tls.cipher.forward_secrecy")
    assert fs.status == "fail"
    assert "TLS 1.2 TLS_RSA_WITH_AES_256_GCM_SHA384" in fs.evidence["non_forward_secret_suites"]
    assert judge(obs, "tls.protocol.modern_enabled").status == "warn"
    moz = judge(obs, "tls.mozilla.intermediate")
    assert moz.status == "fail" and {"tls_versions", "ciphers", "tls_curves"} == set(moz.evidence["issues"])
    # our own bilingual words, not sslyze's English sentences with Python sets (issue 11)
    assert "phiên bản TLS cần tắt nhưng vẫn bật: TLSv1" in moz.summary["vi"]
    assert "TLS versions still enabled" in moz.summary["en"]
    assert not {"{", "}", "tls_versions", "should be rejected"} & set(moz.summary["vi"].split())
    assert "{" not in moz.summary["vi"] and "should be rejected" not in moz.summary["vi"]


def test_recorded_sha1_rsa1024_self_signed_site() -> None:
    obs = load("sha1_rsa1024_selfsigned")
    key = judge(obs, "tls.cert.key")
    assert key.status == "fail" and "leaf RSA-1024 < 2048" in key.summary["en"]
    sig = judge(obs, "tls.cert.signature")
    assert sig.status == "fail" and "sha1WithRSAEncryption" in sig.summary["vi"]
    trusted = judge(obs, "tls.cert.trusted")
    assert trusted.status == "fail" and trusted.evidence["reason"]
    assert judge(obs, "tls.cert.key", min_rsa_bits=1024).status == "pass"  # thresholds come from the profile


# --------------------------------------------------------------------------- certificate rules


def test_validity_window(good: dict[str, Any]) -> None:
    nb, na = t(leaf(good)["not_before"]), t(leaf(good)["not_after"])
    assert "expired" in judge(good, "tls.cert.validity", now=na + dt.timedelta(seconds=1)).summary["en"]
    assert judge(good, "tls.cert.validity", now=na + dt.timedelta(days=1)).status == "fail"
    early = judge(good, "tls.cert.validity", now=nb - dt.timedelta(hours=1))
    assert early.status == "fail" and "not valid yet" in early.summary["en"]
    soon = judge(good, "tls.cert.validity", now=na - dt.timedelta(days=10, hours=1))
    assert soon.status == "warn" and soon.evidence["certificates"][0]["days_left"] == 10
    assert "10" in soon.summary["vi"]
    assert (
        judge(
            good, "tls.cert.validity", now=na - dt.timedelta(days=10, hours=1), cert_expiry_warn_days=7
        ).status
        == "pass"
    )


def test_hostname_against_recorded_leaf(good: dict[str, Any]) -> None:
    assert judge(good, "tls.cert.hostname", host="PORTAL.lab.test.").status == "pass"
    wrong = judge(good, "tls.cert.hostname", host="www.lab.test")
    assert wrong.status == "fail" and "portal.lab.test" in wrong.summary["en"]
    assert judge(good, "tls.cert.hostname", host="127.0.0.150").status == "pass"  # IP SAN
    assert judge(good, "tls.cert.hostname", host="127.0.0.151").status == "fail"


def test_hostname_without_san_fails_even_if_cn_matches(good: dict[str, Any]) -> None:
    leaf(good).update(san_dns=[], san_ip=[], common_name="portal.lab.test")
    r = judge(good, "tls.cert.hostname")
    assert r.status == "fail" and "subjectAltName" in r.summary["en"]


@pytest.mark.parametrize(
    "host,pattern,ok",
    [
        ("a.lab.test", "*.lab.test", True),
        ("lab.test", "*.lab.test", False),
        ("a.b.lab.test", "*.lab.test", False),
        ("a.test", "*.test", False),
        ("foo.lab.test", "f*.lab.test", False),
        ("a.lab.test", "a.*.test", False),
        ("portal.lab.test", "Portal.Lab.Test.", True),
    ],
)
def test_wildcard_rules(host: str, pattern: str, ok: bool) -> None:
    assert dns_matches(host, pattern) is ok


def test_ip_hosts_match_ip_sans_only() -> None:
    assert host_matches("::1", [], ["0:0:0:0:0:0:0:1"])
    assert host_matches("[::1]", [], ["::1"])
    assert not host_matches("127.0.0.1", ["127.0.0.1"], [])  # an IP in a DNS SAN does not count


def test_intermediate_with_sha1_and_small_ec_key_fail(good: dict[str, Any]) -> None:
    chain = good["certificate"]["deployments"][0]["chain"]
    inter = copy.deepcopy(chain[0]) | {
        "subject": "CN=Inter",
        "self_issued": False,
        "key_type": "EC",
        "key_size": 224,
        "signature_hash": None,
        "signature_algorithm": "ecdsa-with-SHA1",
        "signature_algorithm_oid": "1.2.840.10045.4.1",
    }
    chain.insert(1, inter)
    assert judge(good, "tls.cert.key").status == "fail"
    assert "intermediate 1 EC-224 < 256" in judge(good, "tls.cert.key").summary["en"]
    sig = judge(good, "tls.cert.signature")
    assert sig.status == "fail" and "ecdsa-with-SHA1" in sig.summary["en"]


def test_trusted_by_any_store_and_reason_when_none(good: dict[str, Any]) -> None:
    stores = good["certificate"]["deployments"][0]["path_validation"]
    r = judge(good, "tls.cert.trusted")
    assert r.status == "pass" and r.evidence["deployments"][0]["trusted_by"] == ["Supplied CA file"]
    for s in stores:
        if s["store"] == "Supplied CA file":
            s.update(ok=False, error="validation failed: cert is not valid at validation time")
    r = judge(good, "tls.cert.trusted")
    assert r.status == "fail" and r.evidence["reason"].endswith("not valid at validation time")
    assert "not valid at validation time" in r.summary["vi"]


# --------------------------------------------------------------------------- what loopback cannot show


@pytest.mark.parametrize(
    "section,check_id,severity",
    [
        ("heartbleed", "tls.vuln.heartbleed", "critical"),
        ("ccs_injection", "tls.vuln.ccs_injection", "high"),
    ],
)
def test_vulnerable_servers_fail(good: dict[str, Any], section: str, check_id: str, severity: str) -> None:
    good[section] = {"vulnerable": True}
    r = judge(good, check_id)
    assert (r.status, r.severity) == ("fail", severity)
    assert "IS vulnerable" in r.summary["en"] and r.remediation["vi"]


@pytest.mark.parametrize(
    "result,status",
    [
        ("VULNERABLE_STRONG_ORACLE", "fail"),
        ("VULNERABLE_WEAK_ORACLE", "fail"),
        ("NOT_VULNERABLE_NO_ORACLE", "pass"),
        ("NOT_VULNERABLE_RSA_NOT_SUPPORTED", "pass"),
        ("UNKNOWN_INCONSISTENT_RESULTS", "error"),  # inconclusive is never a pass
    ],
)
def test_robot(good: dict[str, Any], result: str, status: str) -> None:
    good["robot"] = {"result": result}
    r = judge(good, "tls.vuln.robot")
    assert r.status == status and r.evidence["result"] == result


def test_renegotiation(good: dict[str, Any]) -> None:
    good["renegotiation"] = {"supports_secure_renegotiation": False, "client_renegotiation_dos": False}
    r = judge(good, "tls.renegotiation.secure")
    assert r.status == "fail" and "RFC 5746" in r.summary["en"]
    good["renegotiation"] = {"supports_secure_renegotiation": True, "client_renegotiation_dos": True}
    r = judge(good, "tls.renegotiation.secure")
    assert r.status == "fail" and "client-initiated" in r.summary["en"]


def test_compression_on_fails(good: dict[str, Any]) -> None:
    good["compression"] = {"supported": True}
    r = judge(good, "tls.compression.disabled")
    assert r.status == "fail" and "CRIME" in r.summary["en"]


def test_weak_suite_classification() -> None:
    def why(name: str, size: int = 128, anon: bool = False) -> list[str]:
        return weakness(Suite(name=name, openssl_name="", key_size=size, anonymous=anon))

    assert why("TLS_RSA_WITH_RC4_128_SHA") == ["RC4"]
    assert why("TLS_RSA_WITH_3DES_EDE_CBC_SHA", 168) == ["DES/3DES"]
    assert why("TLS_RSA_WITH_DES_CBC_SHA", 56) == ["DES/3DES", "56-bit"]
    assert why("TLS_RSA_EXPORT_WITH_RC4_40_MD5", 40) == ["EXPORT", "RC4", "40-bit"]
    assert why("TLS_DH_anon_WITH_AES_128_GCM_SHA256", anon=True) == ["anonymous"]
    assert why("TLS_RSA_WITH_NULL_SHA", 0) == ["NULL"]
    assert why("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == []


# --------------------------------------------------------------------------- errors are never passes


def test_failed_section_only_errors_its_checks(good: dict[str, Any]) -> None:
    good["heartbleed"] = {"error": "CONNECTIVITY_ISSUE: timed out"}
    statuses = {cid: judge(good, cid).status for cid in CONTRACT_IDS}
    assert statuses.pop("tls.vuln.heartbleed") == "error"
    assert set(statuses.values()) == {"pass"}
    assert "timed out" in judge(good, "tls.vuln.heartbleed").summary["en"]


def test_untested_legacy_protocol_is_an_error(good: dict[str, Any]) -> None:
    good["protocols"]["SSL 3.0"] = {"error": "BUG_IN_SSLYZE: boom"}
    assert judge(good, "tls.protocol.legacy_disabled").status == "error"
    assert judge(good, "tls.cipher.weak_disabled").status == "error"
    assert judge(good, "tls.protocol.modern_enabled").status == "pass"


def test_certificate_section_error(good: dict[str, Any]) -> None:
    good["certificate"] = {"error": "CONNECTIVITY_ISSUE: reset"}
    for cid in (
        "tls.cert.trusted",
        "tls.cert.hostname",
        "tls.cert.validity",
        "tls.cert.key",
        "tls.cert.signature",
    ):
        assert judge(good, cid).status == "error", cid


def test_incomplete_observation_is_an_error(good: dict[str, Any]) -> None:
    del good["protocols"]
    del good["robot"]["result"]
    assert judge(good, "tls.protocol.legacy_disabled").status == "error"
    assert judge(good, "tls.vuln.robot").status == "error"


def test_mozilla_verdict_for_another_configuration_is_not_reused(good: dict[str, Any]) -> None:
    r = judge(good, "tls.mozilla.intermediate", mozilla_config="modern")
    assert r.status == "error" and "modern" in r.summary["en"]
    good["mozilla"] = {"config": "intermediate", "error": "sslyze Mozilla checker: robot result missing"}
    assert judge(good, "tls.mozilla.intermediate").status == "error"


def test_unreachable_target_errors_every_check() -> None:
    obs = {"host": "h", "port": 443, "address": None, "sni": "h", "error": "connection refused"}
    ctx = CheckContext(host="h", port=443, params=PARAMS)
    assert {run_check(cid, obs, ctx).status for cid in CONTRACT_IDS} == {"error"}


def test_odd_shaped_observation_is_an_error_not_a_crash(good: dict[str, Any]) -> None:
    """A hand-edited or truncated bundle (re-judged by ``assess --rejudge``) must give ``error``
    for the checks it breaks, never an exception that stops the run."""
    deps = good["certificate"]["deployments"]
    deps.append({**copy.deepcopy(deps[0]), "chain": []})  # a second deployment without a chain
    for cid in ("tls.cert.trusted", "tls.cert.hostname"):
        r = judge(good, cid)
        assert r.status == "error" and "incomplete observation" in r.summary["en"], cid
    ctx = CheckContext(host="h", port=443, params=PARAMS)
    for odd in (["not", "a", "mapping"], "text", 42):
        assert {run_check(cid, odd, ctx).status for cid in CONTRACT_IDS} == {"error"}  # type: ignore[arg-type]


def test_protocol_entry_without_its_facts_is_an_error(good: dict[str, Any]) -> None:
    """An entry that says neither accepted nor error (hand-edited, truncated) was read as refused."""
    good["protocols"]["TLS 1.0"] = {}
    r = judge(good, "tls.protocol.legacy_disabled")
    assert r.status == "error" and "TLS 1.0" in r.summary["en"]
    good["protocols"]["TLS 1.0"] = {"accepted": False, "suites": []}
    good["protocols"]["TLS 1.2"] = {"accepted": True}  # accepted, but which suites?
    assert judge(good, "tls.cipher.weak_disabled").status == "error"
    assert judge(good, "tls.cipher.forward_secrecy").status == "error"
    assert judge(good, "tls.protocol.legacy_disabled").status == "pass"


def test_mozilla_verdict_must_be_a_boolean(good: dict[str, Any]) -> None:
    for odd in ("false", None, 0):
        good["mozilla"]["compliant"] = odd  # e.g. a hand-edited bundle
        assert judge(good, "tls.mozilla.intermediate").status == "error", odd
