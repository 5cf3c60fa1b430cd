"""The issue-12 rules at their boundaries, from recorded observations (tests/data/tls/good.json,
edited one fact at a time): DH group size and quality, ECDH curve sizes, stapled OCSP, trust with
the host name set aside and lenient basicConstraints; and the primality test the DH facts use."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_parameters

from secaudit.checks import CheckContext, run_check
from secaudit.core.model import CheckResult
from secaudit.probes.tls.facts import dh_facts, is_probable_prime, known_groups, modulus_kind

DATA = Path(__file__).parent / "data"
GOOD: dict[str, Any] = json.loads((DATA / "tls" / "good.json").read_text())


def judge(obs: dict[str, Any], check_id: str) -> CheckResult:
    leaf = obs["certificate"]["deployments"][0]["chain"][0]
    now = dt.datetime.fromisoformat(leaf["not_before"]) + dt.timedelta(days=1)
    return run_check(check_id, obs, CheckContext(host=obs["host"], port=obs["port"], params={}, now=now))


def with_dhe(size: int, modulus: str = "safe_prime", group: str | None = None) -> dict[str, Any]:
    obs = copy.deepcopy(GOOD)
    suite = {
        "name": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        "openssl_name": "DHE-RSA-AES128-GCM-SHA256",
        "key_size": 128,
        "anonymous": False,
        "ephemeral_key": {
            "type": "DH",
            "size": size,
            "curve": None,
            "dh": {"modulus": modulus, "group": group},
        },
    }
    obs["protocols"]["TLS 1.2"]["suites"].append(suite)
    return obs


def test_recorded_good_site_still_passes() -> None:
    assert judge(GOOD, "tls.cipher.weak_disabled").status == "pass"
    assert judge(GOOD, "tls.cert.trusted").status == "pass"


@pytest.mark.parametrize("size,status", [(2047, "fail"), (2048, "pass"), (1024, "fail"), (4096, "pass")])
def test_dh_size_boundary(size: int, status: str) -> None:
    assert judge(with_dhe(size), "tls.cipher.weak_disabled").status == status


def test_dh_quality() -> None:
    assert judge(with_dhe(2048, "composite"), "tls.cipher.weak_disabled").status == "fail"
    r = judge(with_dhe(2048, "prime"), "tls.cipher.weak_disabled")
    assert r.status == "warn" and r.evidence["warned_suites"][0]["suite"].startswith("TLS_DHE_")
    assert judge(with_dhe(2048, "safe_prime", "ffdhe2048"), "tls.cipher.weak_disabled").status == "pass"
    # a short group fails even when it is also a non-safe prime: fail outranks warn
    assert judge(with_dhe(1024, "prime"), "tls.cipher.weak_disabled").status == "fail"


@pytest.mark.parametrize(
    "curve,size,status",
    [("secp224r1", 224, "fail"), ("secp256r1", 256, "pass"), ("X25519", 253, "pass"), ("X448", 448, "pass")],
)
def test_ecdh_curve_boundary(curve: str, size: int, status: str) -> None:
    obs = copy.deepcopy(GOOD)
    obs["protocols"]["TLS 1.2"]["suites"][0]["ephemeral_key"] = {"type": "ECDH", "size": size, "curve": curve}
    assert judge(obs, "tls.cipher.weak_disabled").status == status


@pytest.mark.parametrize(
    "curves,status", [(["secp256r1", "secp192r1"], "fail"), (["X25519", "secp384r1"], "pass")]
)
def test_supported_curves_are_judged(curves: list[str], status: str) -> None:
    obs = copy.deepcopy(GOOD)
    obs["elliptic_curves"]["supported"] = curves
    assert judge(obs, "tls.cipher.weak_disabled").status == status


def _ocsp(cert_status: str) -> dict[str, Any]:
    return {
        "response_status": "successful",
        "cert_status": cert_status,
        "responder": "CN=ocsp",
        "produced_at": "2026-01-01T00:00:00+00:00",
        "next_update": "2026-01-08T00:00:00+00:00",
        "revocation_reason": "key_compromise" if cert_status == "revoked" else None,
        "trusted": True,
    }


@pytest.mark.parametrize("cert_status,status", [("revoked", "fail"), ("good", "pass"), ("unknown", "pass")])
def test_stapled_ocsp(cert_status: str, status: str) -> None:
    obs = copy.deepcopy(GOOD)
    obs["certificate"]["deployments"][0]["ocsp"] = _ocsp(cert_status)
    r = judge(obs, "tls.cert.trusted")
    assert r.status == status
    assert r.evidence["deployments"][0]["ocsp"]["cert_status"] == cert_status


def test_malformed_ocsp_is_evidence_not_a_crash() -> None:
    obs = copy.deepcopy(GOOD)
    obs["certificate"]["deployments"][0]["ocsp"] = {"cert_status": "revoked"}  # no response_status
    r = judge(obs, "tls.cert.trusted")
    assert r.status == "pass" and "error" in r.evidence["deployments"][0]["ocsp"]


def _untrusted(name_free: dict[str, Any]) -> dict[str, Any]:
    obs = copy.deepcopy(GOOD)
    dep = obs["certificate"]["deployments"][0]
    for pv in dep["path_validation"]:
        pv["ok"], pv["error"] = False, "leaf certificate has no matching subjectAltName"
    dep["name_free_validation"] = name_free
    return obs


def test_name_free_validation_decides_trust() -> None:
    assert judge(_untrusted({"ok": True, "store": "Mozilla"}), "tls.cert.trusted").status == "pass"
    failed = judge(
        _untrusted({"ok": False, "store": None, "error": "candidates exhausted"}), "tls.cert.trusted"
    )
    assert failed.status == "fail" and failed.evidence["reason"] == "candidates exhausted"
    relaxed = {
        "ok": False,
        "error": "incorrect criticality",
        "relaxed": {"ok": True, "set_aside": "basicConstraints"},
    }
    assert judge(_untrusted(relaxed), "tls.cert.trusted").status == "warn"
    shifted = {"ok": False, "store": "Mozilla", "error": "cert is not valid", "time_set_aside": {"ok": True}}
    r = judge(_untrusted(shifted), "tls.cert.trusted")
    assert r.status == "pass" and r.evidence["deployments"][0]["time_set_aside"] is True
    sha1 = {"ok": False, "error": "Forbidden signature algorithm", "signature_set_aside": {"ok": True}}
    r = judge(_untrusted(sha1), "tls.cert.trusted")
    assert r.status == "pass" and r.evidence["deployments"][0]["signature_set_aside"] is True
    no_anchor = {"ok": False, "error": "Forbidden signature algorithm", "signature_set_aside": {"ok": False}}
    assert judge(_untrusted(no_anchor), "tls.cert.trusted").status == "fail"


def test_without_name_free_facts_sslyze_decides_as_before() -> None:
    obs = _untrusted({})
    del obs["certificate"]["deployments"][0]["name_free_validation"]
    assert judge(obs, "tls.cert.trusted").status == "fail"


# --------------------------------------------------------------------------- primality


CARMICHAEL = [561, 1105, 1729, 41041, 825265, 321197185, 5394826801, 232250619601]


@pytest.mark.parametrize(
    "n", CARMICHAEL + [3215031751, 3825123056546413051, 2**64 + 1, (2**61 - 1) * (2**89 - 1)]
)
def test_composites_including_pseudoprimes(n: int) -> None:
    assert not is_probable_prime(n)


@pytest.mark.parametrize("n", [2, 3, 1999, 2003, 2**61 - 1, 2**89 - 1, 2**127 - 1, 2**521 - 1])
def test_primes(n: int) -> None:
    assert is_probable_prime(n)


def _prime_of(pem: Path) -> tuple[int, int]:
    numbers = load_pem_parameters(pem.read_bytes()).parameter_numbers()
    return numbers.p, numbers.g


def test_known_group_table_matches_ffdhe2048_and_its_facts() -> None:
    p, g = _prime_of(DATA / "dh" / "ffdhe2048.pem")
    fp = hashlib.sha256(p.to_bytes(256, "big")).hexdigest()
    assert known_groups()[fp]["name"] == "ffdhe2048"
    assert is_probable_prime(p) and is_probable_prime((p - 1) // 2)  # the table's claim, checked
    assert dh_facts(p, g)["group"] == "ffdhe2048"


def test_dh_facts_of_the_test_groups() -> None:
    assert dh_facts(*_prime_of(DATA / "dh" / "dh1024-safe.pem"))["modulus"] == "safe_prime"
    facts = dh_facts(*_prime_of(DATA / "dh" / "dh2048-dsa-style.pem"))
    assert facts["modulus"] == "prime" and facts["group"] is None and facts["bits"] == 2048


@pytest.mark.parametrize(
    ("p", "kind"),
    [
        (5, "safe_prime"), (7, "safe_prime"), (11, "safe_prime"), (23, "safe_prime"),
        (2**127 - 1, "prime"),  # q = 2^126 - 1, divisible by 3: the Miller-Rabin branch
        (13, "prime"), (3, "prime"), (2, "prime"),
        (15, "composite"),  # q = 7 prime, 3 divides p
        (35, "composite"),  # q = 17 prime, 2^34 mod 35 = 9: Pocklington says composite
        (2 * 1999 + 1, "composite"),  # 3999 = 3 * 31 * 43, q = 1999 prime
        (561, "composite"), (1, "composite"), (4, "composite"),
    ],
)  # fmt: skip
def test_modulus_kind_boundaries(p: int, kind: str) -> None:
    assert modulus_kind(p) == kind
    # the two-step test agrees with testing p and q separately (the rule before the shortcut)
    both = is_probable_prime(p) and p > 3 and is_probable_prime((p - 1) // 2)
    assert kind == ("safe_prime" if both else "prime" if is_probable_prime(p) else "composite")


def test_modulus_kind_of_real_groups() -> None:
    assert modulus_kind(_prime_of(DATA / "dh" / "dh1024-safe.pem")[0]) == "safe_prime"
    assert modulus_kind(_prime_of(DATA / "dh" / "ffdhe2048.pem")[0]) == "safe_prime"
    assert modulus_kind(_prime_of(DATA / "dh" / "dh2048-dsa-style.pem")[0]) == "prime"
