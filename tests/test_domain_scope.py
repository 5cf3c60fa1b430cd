"""dns/mail checks of a system that declares no domains are out of scope (docs/verdicts.md §2, §4):
never a pass on their own, never "checks not run"; declared domains whose probe erred are `error`."""

from __future__ import annotations

from datetime import date

import pytest

from secaudit.assessment.attestations import Attestation, AttestationSet
from secaudit.assessment.scope import is_domain_check, partial_status
from secaudit.assessment.verdicts import evaluate
from secaudit.core.model import CheckResult, Requirement, Target, TargetResult

TODAY = date(2026, 10, 20)
RAW = "https://portal.example.vn"


def req(kind: str, checks: list[str]) -> Requirement:
    return Requirement(
        id="R",
        sections={3: "7.1.1"},
        title={"vi": "R", "en": "R"},
        description={},
        group="g",
        family="technical",
        kind=kind,
        checks=checks,
        evidence={},
        source="test",
        confidence="verified",
    )


def target(domains: list[str] | None, **statuses: str) -> TargetResult:
    checks = [
        CheckResult(k.replace("_", "."), v, "high", {"vi": v, "en": v}, {}, {}) for k, v in statuses.items()
    ]
    return TargetResult(Target(raw=RAW, host="portal.example.vn", port=443, domains=domains), checks, {})


def attested(status: str | None) -> AttestationSet:
    a = Attestation("R", status, "Quy chế 12/QĐ", [], "Nguyễn Văn A", date(2026, 5, 1), None)
    return AttestationSet("ag", "sys", {"R": a}, None)


def judge(kind: str, checks: list[str], tr: TargetResult, att: str | None = None) -> dict:
    (v,) = evaluate([(req(kind, checks), None)], 3, [tr], attested(att) if att else None, TODAY)
    return v.to_dict()


def test_domain_checks_are_recognised() -> None:
    assert all(map(is_domain_check, ("dns.dnssec", "mail.spf", "mail.dane", "web.ipv6")))
    assert not any(map(is_domain_check, ("tls.cert.key", "http.hsts", "ports.unexpected_open", "web")))


@pytest.mark.parametrize("att", ["compliant", "non_compliant", None])
def test_partial_without_domains_is_decided_by_the_attestation(att: str | None) -> None:
    v = judge("partial", ["mail.spf", "mail.dmarc"], target(None), att)
    assert v["checks_status"] == "none"
    assert v["status"] == {"compliant": "pass", "non_compliant": "fail", None: "not_reviewed"}[att]
    assert "Chưa khai báo tên miền" in v["reason"]["vi"] and "No domain declared" in v["reason"]["en"]


def test_auto_without_domains_never_passes() -> None:
    v = judge("auto", ["dns.dnssec"], target(None))
    assert v["status"] == "not_reviewed" and "No domain declared" in v["reason"]["en"]


def test_other_checks_decide_and_the_reason_names_the_missing_domains() -> None:
    v = judge("auto", ["tls.cert.key", "mail.starttls"], target(None, tls_cert_key="pass"))
    assert v["status"] == "pass" and "mail.starttls" in v["reason"]["en"]
    assert "No domain declared" in v["reason"]["en"]
    v = judge("auto", ["tls.cert.key", "mail.starttls"], target(None, tls_cert_key="fail"))
    assert v["status"] == "fail"


def test_declared_domains_without_results_are_not_run_not_out_of_scope() -> None:
    """Domains declared but the probe disabled (--probes tls): the requirement waits for it."""
    v = judge("partial", ["dns.dnssec"], target(["example.vn"]), "compliant")
    assert v["status"] == "not_reviewed" and "No domain declared" not in v["reason"]["en"]
    v = judge("auto", ["tls.cert.key", "dns.dnssec"], target(["example.vn"], tls_cert_key="pass"))
    assert v["status"] == "not_reviewed"


@pytest.mark.parametrize("domains", [["example.vn"], None])
def test_an_errored_probe_is_error_and_a_failure_fails(domains: list[str] | None) -> None:
    """A result that exists is judged as usual, declared or not (scan --probes dns on the host)."""
    assert (
        judge("partial", ["dns.dnssec"], target(domains, dns_dnssec="error"), "compliant")["status"]
        == "error"
    )
    assert (
        judge("partial", ["dns.dnssec"], target(domains, dns_dnssec="fail"), "compliant")["status"] == "fail"
    )
    assert (
        judge("partial", ["dns.dnssec"], target(domains, dns_dnssec="pass"), "compliant")["status"] == "pass"
    )
    assert (
        judge("partial", ["dns.dnssec"], target(domains, dns_dnssec="pass"), None)["status"] == "not_reviewed"
    )


def test_partial_table() -> None:
    assert partial_status("none", "pass") == "pass"
    assert partial_status("none", "not_reviewed") == "not_reviewed"
    assert partial_status("none", "not_applicable") == "not_applicable"
    assert partial_status("not_reviewed", "pass") == "not_reviewed"
    assert partial_status("error", "fail") == "fail" and partial_status("error", "pass") == "error"


def test_rejudging_reads_the_declared_domains() -> None:
    from secaudit.assessment.rejudge import stored_targets

    t = {"target": RAW, "host": "portal.example.vn", "port": 443, "checks": [], "observations": {}}
    (with_domains,) = stored_targets({"system": {"domains": ["example.vn"]}, "targets": [t]}, "b.json")
    (without,) = stored_targets({"system": {}, "targets": [t]}, "b.json")
    assert with_domains.target.domains == ["example.vn"] and without.target.domains is None
