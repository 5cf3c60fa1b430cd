"""Probe accuracy (issue 12) against real loopback servers of other TLS stacks: stapled OCSP,
DH group strength and quality, weak-only servers, trust vs host name, lenient internal CAs.

Servers: ``openssl s_server`` on this module's loopback addresses (127.0.9.1-40) and GnuTLS's
``gnutls-serv`` in a loopback-only network namespace bridged by socat (secaudit/lab/external.py).
One TLS probe run scans them all; each test asserts the verdicts its server must cause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from secaudit.checks import CheckContext, checks_for_probe, run_check
from secaudit.core.model import CheckResult, Target
from secaudit.lab.external import (
    ExternalServer,
    backdated_ca,
    gnutls_server,
    lenient_ca,
    malformed_san_leaf,
    ocsp_response,
    openssl_server,
)
from secaudit.lab.sites import Lab, SiteSpec
from secaudit.probes import tls as tls_probe
from secaudit.probes.base import ProbeContext

DH = Path(__file__).parent / "data" / "dh"
ADDR = "127.0.9.{}"
PARAMS: dict[str, Any] = {
    "cert_expiry_warn_days": 30,
    "min_rsa_bits": 2048,
    "min_ec_bits": 256,
    "mozilla_config": "intermediate",
}
TLS12_DHE = ["-no_tls1_3", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"]
GNUTLS_BASE = "NONE:+VERS-TLS1.2:+COMP-NULL:+SIGN-ALL:+CTYPE-X509:+SHA1:+AEAD"


@dataclass
class Scanned:
    target: Target
    obs: dict[str, Any]

    def verdict(self, check_id: str) -> CheckResult:
        ctx = CheckContext(host=self.target.host, port=self.target.port, params=PARAMS)
        return run_check(check_id, self.obs, ctx)

    def status(self, check_id: str) -> str:
        return self.verdict(check_id).status

    def statuses(self) -> dict[str, str]:
        return {cid: self.status(cid) for cid in checks_for_probe("tls")}


@pytest.fixture(scope="module")
def scanned(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Scanned]]:
    tmp = tmp_path_factory.mktemp("accuracy")
    ca, internal, old_ca = lab.ca, lenient_ca(), backdated_ca(400)
    (tmp / "cas.pem").write_bytes(ca.cert_pem + internal.cert_pem + old_ca.cert_pem)
    servers: dict[str, tuple[ExternalServer, str]] = {}

    def files(n: int, issuer: Any = ca, names: list[str] | None = None) -> tuple[Any, Path, Path, Path]:
        leaf = issuer.issue(names or [ADDR.format(n)])
        d = tmp / f"s{n}"
        d.mkdir()
        (d / "leaf.pem").write_bytes(leaf.cert_pem)
        (d / "key.pem").write_bytes(leaf.key_pem)
        (d / "ca.pem").write_bytes(issuer.cert_pem)
        return leaf, d / "leaf.pem", d / "key.pem", d / "ca.pem"

    def ossl(name: str, n: int, args: list[str], issuer: Any = ca, names: list[str] | None = None) -> Any:
        leaf, cert, key, chain = files(n, issuer, names)
        servers[name] = (openssl_server(ADDR.format(n), cert, key, args, chain=chain), ADDR.format(n))
        return leaf

    def gnutls(name: str, n: int, priority: str, dhparams: Path | None = None) -> None:
        _, cert, key, _ = files(n)
        servers[name] = (gnutls_server(ADDR.format(n), cert, key, priority, dhparams), ADDR.format(n))

    try:
        # 1. stapled OCSP: revoked, good; (the DH servers below staple nothing)
        leaf = ca.issue([ADDR.format(1)])
        revoked = ocsp_response(ca, leaf, tmp / "ocsp-revoked", revoked=True)
        _start_with_leaf(servers, "revoked", 1, leaf, ca, tmp, ["-status_file", str(revoked)])
        leaf = ca.issue([ADDR.format(2)])
        good = ocsp_response(ca, leaf, tmp / "ocsp-good", revoked=False)
        _start_with_leaf(servers, "stapled_good", 2, leaf, ca, tmp, ["-status_file", str(good)])
        # 2. DH groups
        ossl("dh_auto", 3, TLS12_DHE)  # OpenSSL 3's automatic group: modp_2048 (RFC 3526)
        ossl("dh_ffdhe2048", 15, [*TLS12_DHE, "-dhparam", str(DH / "ffdhe2048.pem")])  # RFC 7919
        ossl("dh1024", 4, [*TLS12_DHE, "-dhparam", str(DH / "dh1024-safe.pem")])
        ossl("dh_dsa_style", 5, [*TLS12_DHE, "-dhparam", str(DH / "dh2048-dsa-style.pem")])
        ossl("dh_composite", 6, [*TLS12_DHE, "-dhparam", str(DH / "dh2048-composite.pem")])
        # 3. weak-only servers (OpenSSL 3 has neither 3DES nor RC4: GnuTLS serves them)
        gnutls("only_3des", 7, GNUTLS_BASE + ":+RSA:+3DES-CBC")
        gnutls("only_rc4", 8, GNUTLS_BASE + ":+RSA:+ARCFOUR-128")
        ossl("only_null", 9, ["-no_tls1_3", "-cipher", "eNULL:@SECLEVEL=0"])
        gnutls("dhe512", 10, GNUTLS_BASE + ":+DHE-RSA:+AES-128-CBC", dhparams=DH / "dh512-safe.pem")
        # 4. trust vs host name; a lenient internal CA
        ossl("wrong_name", 11, [], names=["other.lab.test"])
        ossl("lenient_ca", 12, [], issuer=internal)
        ossl("lenient_ca_wrong_name", 13, [], issuer=internal, names=["other.lab.test"])
        ossl("self_signed", 14, [], issuer=_SelfSigned())

        targets = {n: Target(raw=n, host=a, port=s.port, address=a) for n, (s, a) in servers.items()}
        # 6. a certificate that makes sslyze's certificate_info plugin fail (Python lab server)
        a = ADDR.format(30)
        odd = lab.start(
            SiteSpec(name="odd-san", address=a, hostname=a, cert=malformed_san_leaf(ca, a), plain_http="none")
        )
        targets["plugin_fails"] = Target(raw="plugin_fails", host=a, port=odd.https_port, address=a)
        # an expired leaf from a CA that was valid all its life: validity's defect, not trust's
        a = ADDR.format(31)
        day = dt.timedelta(days=1)
        now = dt.datetime.now(dt.timezone.utc)
        old_leaf = old_ca.issue([a], not_before=now - 100 * day, not_after=now - 10 * day)
        old = lab.start(
            SiteSpec(name="expired-old-ca", address=a, hostname=a, cert=old_leaf, plain_http="none")
        )
        targets["expired"] = Target(raw="expired", host=a, port=old.https_port, address=a)
        ctx = ProbeContext(params=PARAMS, ca_file=tmp / "cas.pem", timeout=3.0, progress=lambda _m: None)
        names = list(targets)
        observations = tls_probe.collect([targets[n] for n in names], ctx)
        yield {n: Scanned(targets[n], o) for n, o in zip(names, observations, strict=True)}
    finally:
        for s, _ in servers.values():
            s.stop()


class _SelfSigned:
    """An issuer stand-in: a self-signed leaf (its own 'CA' file is the leaf itself)."""

    def __init__(self) -> None:
        self._ca: Any = None

    def issue(self, names: list[str]) -> Any:
        from secaudit.lab.certs import LabCA

        leaf = LabCA().issue(names, self_signed=True)
        self.cert_pem = leaf.cert_pem
        return leaf


def _start_with_leaf(
    servers: dict[str, Any], name: str, n: int, leaf: Any, ca: Any, tmp: Path, args: list[str]
) -> None:
    d = tmp / f"s{n}"
    d.mkdir()
    (d / "leaf.pem").write_bytes(leaf.cert_pem)
    (d / "key.pem").write_bytes(leaf.key_pem)
    (d / "ca.pem").write_bytes(ca.cert_pem)
    srv = openssl_server(ADDR.format(n), d / "leaf.pem", d / "key.pem", args, chain=d / "ca.pem")
    servers[name] = (srv, ADDR.format(n))


# --------------------------------------------------------------------------- 1. OCSP stapling


def test_revoked_certificate_fails_trusted_with_the_reason(scanned: dict[str, Scanned]) -> None:
    s = scanned["revoked"]
    ocsp = s.obs["certificate"]["deployments"][0]["ocsp"]
    assert ocsp["response_status"] == "successful" and ocsp["cert_status"] == "revoked"
    assert ocsp["revocation_reason"] == "key_compromise"
    assert ocsp["responder"] and ocsp["produced_at"] and ocsp["next_update"]
    r = s.verdict("tls.cert.trusted")
    assert r.status == "fail"
    assert "revoked" in r.summary["en"] and "thu hồi" in r.summary["vi"]
    assert "key_compromise" in r.evidence["reason"]
    assert s.status("tls.cert.hostname") == "pass"  # nothing else is blamed


def test_good_stapled_response_is_evidence_only(scanned: dict[str, Scanned]) -> None:
    s = scanned["stapled_good"]
    r = s.verdict("tls.cert.trusted")
    assert r.status == "pass"
    assert r.evidence["deployments"][0]["ocsp"]["cert_status"] == "good"


def test_no_stapling_is_evidence_only(scanned: dict[str, Scanned]) -> None:
    s = scanned["dh_ffdhe2048"]
    r = s.verdict("tls.cert.trusted")
    assert r.status == "pass" and r.evidence["deployments"][0]["ocsp"] is None


# --------------------------------------------------------------------------- 2. DH strength


def _dh(s: Scanned) -> dict[str, Any]:
    suites = s.obs["protocols"]["TLS 1.2"]["suites"]
    assert suites, s.obs["protocols"]
    return suites[0]["ephemeral_key"]


@pytest.mark.parametrize("name,group", [("dh_ffdhe2048", "ffdhe2048"), ("dh_auto", "modp_2048")])
def test_standard_groups_pass(scanned: dict[str, Scanned], name: str, group: str) -> None:
    s = scanned[name]
    key = _dh(s)
    assert key["size"] == 2048 and key["dh"]["group"] == group and key["dh"]["modulus"] == "safe_prime"
    assert s.status("tls.cipher.weak_disabled") == "pass"


def test_dhe_1024_fails_weak_disabled(scanned: dict[str, Scanned]) -> None:
    s = scanned["dh1024"]
    key = _dh(s)
    assert key["size"] == 1024 and key["dh"]["modulus"] == "safe_prime" and key["dh"]["group"] is None
    r = s.verdict("tls.cipher.weak_disabled")
    assert r.status == "fail" and "DHE-1024 < 2048" in r.summary["en"]


def test_non_safe_prime_warns(scanned: dict[str, Scanned]) -> None:
    s = scanned["dh_dsa_style"]
    assert _dh(s)["dh"]["modulus"] == "prime" and _dh(s)["size"] == 2048
    r = s.verdict("tls.cipher.weak_disabled")
    assert r.status == "warn", r.summary["en"]
    assert "safe prime" in r.summary["en"] and "nguyên tố an toàn" in r.summary["vi"]


def test_composite_modulus_fails(scanned: dict[str, Scanned]) -> None:
    s = scanned["dh_composite"]
    assert _dh(s)["dh"]["modulus"] == "composite"
    r = s.verdict("tls.cipher.weak_disabled")
    assert r.status == "fail" and "not a prime" in r.summary["en"]


def test_dh_facts_rejudge_from_the_stored_observation(scanned: dict[str, Scanned]) -> None:
    import json

    s = scanned["dh_composite"]
    again = Scanned(s.target, json.loads(json.dumps(s.obs)))
    assert (
        again.verdict("tls.cipher.weak_disabled").to_dict() == s.verdict("tls.cipher.weak_disabled").to_dict()
    )


# --------------------------------------------------------------------------- 3. weak-only servers


@pytest.mark.parametrize(
    "name,suite,why",
    [
        ("only_3des", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES/3DES"),
        ("only_rc4", "TLS_RSA_WITH_RC4_128_SHA", "RC4"),
        ("only_null", "TLS_RSA_WITH_NULL_SHA256", "NULL"),
    ],
)
def test_weak_only_server_is_judged_not_error(
    scanned: dict[str, Scanned], name: str, suite: str, why: str
) -> None:
    s = scanned[name]
    assert "error" not in s.obs, s.obs.get("error")
    r = s.verdict("tls.cipher.weak_disabled")
    assert r.status == "fail"
    assert any(w["suite"] == suite and why in w["why"] for w in r.evidence["weak_suites"])
    statuses = s.statuses()
    assert statuses["tls.cert.trusted"] == "pass" and statuses["tls.cert.hostname"] == "pass"
    assert statuses["tls.protocol.modern_enabled"] in ("pass", "warn")
    assert list(statuses.values()).count("error") <= 3  # only what such a server cannot show


# --------------------------------------------------------------------------- 4. trust vs host name


def test_wrong_name_fails_hostname_only(scanned: dict[str, Scanned]) -> None:
    s = scanned["wrong_name"]
    assert s.status("tls.cert.hostname") == "fail"
    t = s.verdict("tls.cert.trusted")
    assert t.status == "pass", t.summary["en"]
    assert t.evidence["deployments"][0]["name_set_aside"] is True


def test_lenient_internal_ca_warns_with_the_validator_reason(scanned: dict[str, Scanned]) -> None:
    s = scanned["lenient_ca"]
    r = s.verdict("tls.cert.trusted")
    assert r.status == "warn", r.summary["en"]
    assert "basicConstraints" in r.summary["en"] and "basicConstraints" in r.summary["vi"]
    assert "criticality" in r.evidence["reason"]  # the strict validator's own words
    assert "critical, CA:true" in r.remediation["en"] and "critical, CA:true" in r.remediation["vi"]
    assert s.status("tls.cert.hostname") == "pass"


def test_lenient_ca_and_wrong_name_are_told_apart(scanned: dict[str, Scanned]) -> None:
    s = scanned["lenient_ca_wrong_name"]
    assert s.status("tls.cert.trusted") == "warn"
    assert s.status("tls.cert.hostname") == "fail"


def test_self_signed_still_fails_trusted(scanned: dict[str, Scanned]) -> None:
    s = scanned["self_signed"]
    r = s.verdict("tls.cert.trusted")
    assert r.status == "fail" and r.evidence["reason"]
    assert s.status("tls.cert.hostname") == "pass"


# --------------------------------------------------------------------------- 6. one plugin fails


def test_one_failing_plugin_errors_only_its_checks(scanned: dict[str, Scanned]) -> None:
    s = scanned["plugin_fails"]
    assert "certificate_info" in s.obs["certificate"]["error"]
    statuses = s.statuses()
    cert_checks = {c for c in statuses if c.startswith("tls.cert.")}
    assert {statuses[c] for c in cert_checks} == {"error"}
    for c in cert_checks:
        assert "certificate_info" in s.verdict(c).summary["en"]  # the plugin is named
    # sslyze's Mozilla checker needs that plugin's result: it errors too, saying so
    assert statuses["tls.mozilla.intermediate"] == "error"
    others = {c: v for c, v in statuses.items() if c not in cert_checks and c != "tls.mozilla.intermediate"}
    assert set(others.values()) == {"pass"}, others


def test_dhe_512_only_server_is_judged_from_its_offer(scanned: dict[str, Scanned]) -> None:
    """No client finishes a handshake with it (OpenSSL refuses DH < 768 bits): the offer is read
    from the server's first flight and judged; what needs a finished handshake stays unknown."""
    s = scanned["dhe512"]
    assert "error" not in s.obs, s.obs.get("error")
    assert "could not find a TLS version" in s.obs["legacy_handshake"]["why"]
    assert s.obs["accepted_protocols"] == ["TLS 1.2"]
    [suite] = s.obs["protocols"]["TLS 1.2"]["suites"]
    assert suite["name"] == "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" and suite["ephemeral_key"]["size"] == 512
    r = s.verdict("tls.cipher.weak_disabled")
    assert r.status == "fail" and "DHE-512 < 2048" in r.summary["en"]
    statuses = s.statuses()
    assert statuses["tls.protocol.legacy_disabled"] == "pass"
    assert statuses["tls.protocol.modern_enabled"] == "warn"  # TLS 1.2, no TLS 1.3
    assert statuses["tls.cert.trusted"] == "pass" and statuses["tls.cert.hostname"] == "pass"
    assert statuses["tls.cert.key"] == "pass" and statuses["tls.cert.validity"] == "pass"
    assert statuses["tls.vuln.heartbleed"] == "error"  # not claimed without a finished handshake
    assert "no TLS client can complete a handshake" in s.verdict("tls.vuln.heartbleed").summary["en"]


def test_http_headers_are_read_over_a_null_cipher_and_marked(scanned: dict[str, Scanned], lab: Lab) -> None:
    from secaudit.probes import http as http_probe

    t = scanned["only_null"].target
    target = Target(
        raw=f"https://{t.host}:{t.port}", host=t.host, port=t.port, http_port=lab.closed_port(t.host)
    )
    [obs] = http_probe.collect([target], ProbeContext(params={}, ca_file=lab.ca_file, timeout=3.0))
    assert obs["verified"] is False and obs["https"]["status"] == 200, obs
    ctx = CheckContext(host=t.host, port=t.port, params={})
    hsts = run_check("http.hsts", obs, ctx)
    assert hsts.status == "fail"  # judged, not error: s_server sends no HSTS
    assert "NULL" in hsts.evidence["observed_over_legacy_cipher"]
    assert run_check("http.mixed_content", obs, ctx).status == "pass"


@pytest.mark.parametrize("name,needle", [("only_3des", "DES-CBC3"), ("only_rc4", "RC4")])
def test_http_headers_over_ciphers_openssl_3_lacks(
    scanned: dict[str, Scanned], lab: Lab, name: str, needle: str
) -> None:
    """OpenSSL 3 has no 3DES/RC4: the main page is read with nassl's legacy client, marked."""
    from secaudit.probes import http as http_probe

    t = scanned[name].target
    target = Target(
        raw=f"https://{t.host}:{t.port}", host=t.host, port=t.port, http_port=lab.closed_port(t.host)
    )
    [obs] = http_probe.collect([target], ProbeContext(params={}, ca_file=lab.ca_file, timeout=3.0))
    assert obs["verified"] is False and obs["https"]["status"] == 200, obs
    hsts = run_check("http.hsts", obs, CheckContext(host=t.host, port=t.port, params={}))
    assert hsts.status == "fail"  # judged: gnutls-serv --http sends no HSTS
    assert needle in hsts.evidence["observed_over_legacy_cipher"]


def test_expired_leaf_fails_validity_only(scanned: dict[str, Scanned]) -> None:
    """DESIGN §9 (revised): expiry is tls.cert.validity's defect, so its fix (renew) is offered;
    the chain is validated again at an instant inside its validity to judge trust."""
    s = scanned["expired"]
    assert s.status("tls.cert.validity") == "fail"
    t = s.verdict("tls.cert.trusted")
    assert t.status == "pass", t.summary["en"]
    dep = t.evidence["deployments"][0]
    assert dep["time_set_aside"] is True and dep["trusted_by"] == ["Supplied CA file"]
    assert "not valid at validation time" in dep["stores"][0]["error"]  # what sslyze said
