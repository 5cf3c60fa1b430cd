"""The TLS probe against real loopback servers (lab), one sslyze scan of every site, then the checks.

Each site has exactly one defect; the test asserts the verdicts it must cause (and that a good site
passes). Heartbleed, ROBOT, CCS injection, insecure renegotiation and compression cannot be served
by Python's ssl module: tests/test_tls_checks.py proves them from recorded observations.
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from typing import Any

import pytest

from secaudit.checks import CheckContext, checks_for_probe, run_check
from secaudit.core.model import CheckResult, Target
from secaudit.lab.sites import Lab, SiteSpec
from secaudit.probes import tls as tls_probe
from secaudit.probes.base import ProbeContext

ADDR = "127.0.0.{}"  # this module's loopback addresses: 127.0.0.130-145
PARAMS: dict[str, Any] = {
    "cert_expiry_warn_days": 30,
    "min_rsa_bits": 2048,
    "min_ec_bits": 256,
    "mozilla_config": "intermediate",
}
TIMEOUT = 2.0


@dataclass
class Scanned:
    target: Target
    obs: dict[str, Any]

    def verdict(self, check_id: str) -> CheckResult:
        ctx = CheckContext(host=self.target.host, port=self.target.port, params=PARAMS)
        return run_check(check_id, self.obs, ctx)

    def status(self, check_id: str) -> str:
        return self.verdict(check_id).status


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def scanned(lab: Lab) -> dict[str, Scanned]:
    ca, now, day = lab.ca, _now(), dt.timedelta(days=1)

    def site(name: str, n: int, hostname: str | None = None, **kw: Any) -> Target:
        addr = ADDR.format(n)
        s = lab.start(
            SiteSpec(name=f"tls-{name}", address=addr, hostname=hostname or addr, plain_http="none", **kw)
        )
        return Target(raw=s.url, host=s.hostname, port=s.https_port, address=addr)

    def leaf(n: int, **kw: Any):
        return ca.issue([ADDR.format(n)], **kw)

    legacy_tls = {"tls_min": ssl.TLSVersion.TLSv1, "tls_max": ssl.TLSVersion.TLSv1_2}
    targets = {
        "good": site("good", 130),
        "legacy": site("legacy", 131, **legacy_tls),
        "weak": site("weak", 132, ciphers="ALL:eNULL:aNULL:@SECLEVEL=0", **legacy_tls),
        "nofs": site("nofs", 133, ciphers="AES256-SHA:@SECLEVEL=0", tls_max=ssl.TLSVersion.TLSv1_2),
        "expired": site("expired", 134, cert=leaf(134, not_before=now - 100 * day, not_after=now - 10 * day)),
        "notyet": site("notyet", 135, cert=leaf(135, not_before=now + 10 * day, not_after=now + 100 * day)),
        "selfsigned": site("selfsigned", 136, cert=leaf(136, self_signed=True)),
        "wronghost": site("wronghost", 137, cert=ca.issue(["other.lab.test"])),
        "rsa1024": site("rsa1024", 138, cert=leaf(138, key_size=1024)),
        "sha1": site("sha1", 139, cert=leaf(139, sha1=True)),
        "nearexpiry": site("nearexpiry", 140, cert=leaf(140, not_after=now + 10 * day)),
        # --resolve: the name is used for SNI and the certificate; the address for the connection.
        "resolve": site("resolve", 141, hostname="portal.lab.test"),
    }
    dead = ADDR.format(142)
    targets["refused"] = Target(raw="refused", host=dead, port=lab.closed_port(dead))
    targets["silent"] = Target(raw="silent", host=dead, port=lab.silent_listener(dead))
    banner = lab.tcp_listener(dead, banner=b"+OK redis\r\n")
    targets["not_tls"] = Target(raw="not_tls", host=dead, port=banner)
    targets["no_dns"] = Target(raw="no_dns", host="no-such-host.invalid", port=443)

    names = list(targets)
    seen: list[str] = []
    ctx = ProbeContext(params=PARAMS, ca_file=lab.ca_file, timeout=TIMEOUT, progress=seen.append)
    observations = tls_probe.collect([targets[n] for n in names], ctx)
    assert len(observations) == len(names)
    assert len(seen) == len(names)  # one progress line per target
    return {n: Scanned(targets[n], o) for n, o in zip(names, observations, strict=True)}


def test_observation_shape_of_good_site(scanned: dict[str, Scanned]) -> None:
    obs = scanned["good"].obs
    assert "error" not in obs
    assert obs["sslyze_version"].startswith("6.")
    assert obs["accepted_protocols"] == ["TLS 1.2", "TLS 1.3"]
    assert obs["protocols"]["TLS 1.0"] == {"accepted": False, "suites": []}
    suites = obs["protocols"]["TLS 1.2"]["suites"]
    assert suites and all(s["name"].startswith("TLS_ECDHE_") and s["key_size"] >= 128 for s in suites)
    leaf = obs["certificate"]["deployments"][0]["chain"][0]
    assert leaf["san_ip"] == ["127.0.0.130"] and leaf["key_type"] == "RSA" and leaf["key_size"] == 2048
    assert leaf["signature_algorithm_oid"] == "1.2.840.113549.1.1.11" and len(leaf["sha256"]) == 64
    stores = {p["store"]: p for p in obs["certificate"]["deployments"][0]["path_validation"]}
    assert stores["Supplied CA file"]["ok"] is True  # --ca-file adds a store ...
    assert stores["Mozilla"]["ok"] is False  # ... the bundled stores stay
    assert obs["heartbleed"] == {"vulnerable": False}
    assert obs["compression"] == {"supported": False}
    assert obs["mozilla"]["config"] == "intermediate"


def test_good_site_passes_every_tls_check(scanned: dict[str, Scanned]) -> None:
    good = scanned["good"]
    statuses = {cid: good.status(cid) for cid in checks_for_probe("tls")}
    # The lab's good site offers P-256 only and 90-day certificates, so even sslyze's Mozilla
    # checker is satisfied (a bare Python server would offer X448 and fail tls_curves).
    assert statuses == {cid: "pass" for cid in statuses}
    assert len(statuses) == 15
    assert good.obs["mozilla"] == {"config": "intermediate", "compliant": True, "issues": {}}
    assert "Supplied CA file" in good.verdict("tls.cert.trusted").summary["en"]


def test_legacy_protocols_fail(scanned: dict[str, Scanned]) -> None:
    s = scanned["legacy"]
    r = s.verdict("tls.protocol.legacy_disabled")
    assert r.status == "fail"
    assert r.evidence["legacy_accepted"] == ["TLS 1.0", "TLS 1.1"]
    assert "TLS 1.0" in r.summary["vi"] and "TLS 1.1" in r.summary["en"]
    assert s.status("tls.protocol.modern_enabled") == "warn"  # TLS 1.2 but no TLS 1.3
    m = s.verdict("tls.mozilla.intermediate")
    assert m.status == "fail"
    assert set(m.evidence["issues"]) == {"tls_versions", "ciphers"}
    assert "TLSv1.1" in m.summary["en"]


def test_null_and_anonymous_suites_fail(scanned: dict[str, Scanned]) -> None:
    r = scanned["weak"].verdict("tls.cipher.weak_disabled")
    assert r.status == "fail"
    reasons = {w for item in r.evidence["weak_suites"] for w in item["why"]}
    assert {"NULL", "anonymous"} <= reasons
    assert "NULL" in r.summary["en"]


def test_static_rsa_suites_fail_forward_secrecy(scanned: dict[str, Scanned]) -> None:
    s = scanned["nofs"]
    r = s.verdict("tls.cipher.forward_secrecy")
    assert r.status == "fail"
    assert r.evidence["non_forward_secret_suites"] == ["TLS 1.2 TLS_RSA_WITH_AES_256_CBC_SHA"]
    assert s.status("tls.cipher.weak_disabled") == "pass"  # AES-256 is not weak, only not FS
    assert s.status("tls.protocol.modern_enabled") == "warn"


def test_expired_certificate(scanned: dict[str, Scanned]) -> None:
    s = scanned["expired"]
    r = s.verdict("tls.cert.validity")
    assert r.status == "fail" and "expired" in r.summary["en"]
    t = s.verdict("tls.cert.trusted")
    assert t.status == "fail"
    assert "not valid at validation time" in t.evidence["reason"]


def test_not_yet_valid_certificate(scanned: dict[str, Scanned]) -> None:
    r = scanned["notyet"].verdict("tls.cert.validity")
    assert r.status == "fail" and "not valid yet" in r.summary["en"]
    # DESIGN §9 (revised): the date is tls.cert.validity's defect; the chain validates inside it
    t = scanned["notyet"].verdict("tls.cert.trusted")
    assert t.status == "pass" and t.evidence["deployments"][0]["time_set_aside"] is True


def test_self_signed_certificate_is_untrusted(scanned: dict[str, Scanned]) -> None:
    s = scanned["selfsigned"]
    r = s.verdict("tls.cert.trusted")
    assert r.status == "fail"
    assert r.evidence["deployments"][0]["trusted_by"] == []
    assert r.evidence["reason"]  # the validator's reason is carried
    assert s.status("tls.cert.hostname") == "pass"
    assert s.status("tls.cert.validity") == "pass"


def test_wrong_host_name(scanned: dict[str, Scanned]) -> None:
    s = scanned["wronghost"]
    r = s.verdict("tls.cert.hostname")
    assert r.status == "fail"
    assert "other.lab.test" in r.summary["en"] and "127.0.0.137" in r.summary["en"]
    # DESIGN §9 (revised): the name is tls.cert.hostname's alone; the chain itself is trusted
    t = s.verdict("tls.cert.trusted")
    assert t.status == "pass", t.summary["en"]
    dep = t.evidence["deployments"][0]
    assert dep["name_set_aside"] is True and dep["trusted_by"] == ["Supplied CA file"]
    assert "subjectAltName" in dep["stores"][0]["error"]  # what sslyze's name-checking validator said


def test_rsa_1024_key_fails(scanned: dict[str, Scanned]) -> None:
    s = scanned["rsa1024"]
    r = s.verdict("tls.cert.key")
    assert r.status == "fail" and "RSA-1024" in r.summary["en"]
    assert s.status("tls.cert.trusted") == "pass"  # sslyze's verifier accepts it: judged here


def test_sha1_signed_leaf_fails(scanned: dict[str, Scanned]) -> None:
    s = scanned["sha1"]
    r = s.verdict("tls.cert.signature")
    assert r.status == "fail" and "sha1WithRSAEncryption" in r.summary["en"]
    # DESIGN §9 (revised): SHA-1 is tls.cert.signature's defect; the chain still leads to the CA
    t = s.verdict("tls.cert.trusted")
    assert t.status == "pass" and t.evidence["deployments"][0]["signature_set_aside"] is True
    assert "Forbidden signature algorithm" in t.evidence["deployments"][0]["stores"][0]["error"]


def test_near_expiry_warns(scanned: dict[str, Scanned]) -> None:
    r = scanned["nearexpiry"].verdict("tls.cert.validity")
    assert r.status == "warn"
    assert r.evidence["certificates"][0]["days_left"] in (9, 10)
    assert "30" in r.summary["en"]


def test_resolve_uses_name_for_sni_and_hostname(scanned: dict[str, Scanned]) -> None:
    s = scanned["resolve"]
    assert s.obs["address"] == "127.0.0.141"
    assert s.obs["certificate"]["sni"] == "portal.lab.test"
    assert s.status("tls.cert.hostname") == "pass"
    assert s.status("tls.cert.trusted") == "pass"  # the verifier checked the name too


@pytest.mark.parametrize(
    "name,needle",
    [
        ("refused", "refused"),
        ("silent", "no answer"),
        ("not_tls", "not a TLS service"),
        ("no_dns", "DNS"),
    ],
)
def test_unreachable_targets_are_errors(scanned: dict[str, Scanned], name: str, needle: str) -> None:
    s = scanned[name]
    assert needle in s.obs["error"]
    results = [s.verdict(cid) for cid in checks_for_probe("tls")]
    assert {r.status for r in results} == {"error"}
    assert needle in results[0].summary["en"]
