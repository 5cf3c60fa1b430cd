"""Facts the TLS probe derives at scan time from what sslyze received (stored, so re-judging works
from the observation alone): stapled OCSP, Diffie-Hellman group quality, trust without the name.

- OCSP: the stapled response's status, responder and dates (sslyze parses it; it drops nothing).
- DH groups: a well-known group (data/dh_groups.yaml) is named; any other prime is tested here.
  Primality is Miller-Rabin with fixed bases (the first 12 primes) plus 20 bases derived from
  SHA-256 of the number (q = (p-1)/2 first: if it is prime, one Fermat test proves p, see
  modulus_kind): deterministic, so the same prime always gets the same answer on every
  machine and at every re-judgement, and a composite built to fool a fixed public base set cannot
  anticipate the derived ones; a random composite passes 32 rounds with probability < 4^-32.
  No dependency (cryptography does not expose a primality test; sympy is not needed for this).
- Trust without the name: sslyze's path validation includes the host-name check, so a wrong name
  also reads "untrusted". The chain sslyze received is validated again with cryptography's verifier
  against sslyze's trust stores (+ --ca-file), with the name check set aside; and, if that fails,
  once more accepting a CA whose basicConstraints is not marked critical (OpenSSL accepts it,
  RFC 5280 / the Web PKI do not), so that case can be told apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml
from secaudit.probes.safe_text import escape_controls
from secaudit.probes.tls.lenient import openssl_accepts, set_aside

SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
DERIVED_BASES = 20
TRIAL_PRIMES = tuple(p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2)))
# Store preference when several refuse: the user's own CA file, else Mozilla's.
STORE_PREFERENCE = ("Supplied CA file", "Mozilla")
SET_ASIDE_BC = "basicConstraints not marked critical on a CA certificate (RFC 5280 4.2.1.9)"


# --------------------------------------------------------------------------- OCSP


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.timezone.utc).isoformat()


def ocsp_of(deployment: Any) -> dict[str, Any] | None:
    """The stapled OCSP response of one deployment, or None when the server staples nothing."""
    from cryptography.x509.ocsp import OCSPResponseStatus

    resp = getattr(deployment, "ocsp_response", None)
    if resp is None:
        return None
    out: dict[str, Any] = {
        "response_status": resp.response_status.name.lower(),
        "trusted": getattr(deployment, "ocsp_response_is_trusted", None),
        "must_staple": bool(getattr(deployment, "leaf_certificate_has_must_staple_extension", False)),
    }
    if resp.response_status != OCSPResponseStatus.SUCCESSFUL:
        return out
    try:
        name = resp.responder_name
        out["responder"] = (  # the server's text: escaped like every name it sends
            escape_controls(name.rfc4514_string()[:1024])
            if name is not None
            else f"key {resp.responder_key_hash.hex()}"
        )
        out["cert_status"] = resp.certificate_status.name.lower()  # good | revoked | unknown
        out["serial"] = format(resp.serial_number, "x")
        out["produced_at"] = _iso(resp.produced_at_utc)
        out["this_update"] = _iso(resp.this_update_utc)
        out["next_update"] = _iso(resp.next_update_utc)
        if out["cert_status"] == "revoked":
            out["revocation_time"] = _iso(resp.revocation_time_utc)
            reason = resp.revocation_reason
            out["revocation_reason"] = reason.name if reason is not None else None
    except ValueError as exc:  # an odd response: keep what was read, say what was not
        out["error"] = f"cannot read the stapled OCSP response: {exc}"
    return out


# --------------------------------------------------------------------------- DH groups


@lru_cache(maxsize=1)
def known_groups() -> dict[str, dict[str, Any]]:
    return {str(k): dict(v) for k, v in (load_yaml(package_file("data/dh_groups.yaml")) or {}).items()}


def _bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")


def is_probable_prime(n: int) -> bool:
    """Deterministic Miller-Rabin (see the module docstring for the bases and why)."""
    if n < 2:
        return False
    for p in (2, *TRIAL_PRIMES):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    seed = hashlib.sha256(_bytes(n)).digest()
    derived = [
        2 + int.from_bytes(hashlib.sha256(seed + bytes([i])).digest(), "big") % (n - 3)
        for i in range(DERIVED_BASES)
    ]
    for a in (*SMALL_PRIMES, *derived):
        a %= n
        if a in (0, 1, n - 1):
            continue
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


@lru_cache(maxsize=64)
def dh_facts(prime: int, generator: int) -> dict[str, Any]:
    """{"bits", "generator", "modulus": safe_prime|prime|composite, "group": name or None}."""
    fp = hashlib.sha256(_bytes(prime)).hexdigest()
    facts: dict[str, Any] = {"bits": prime.bit_length(), "generator": generator, "sha256": fp}
    known = known_groups().get(fp)
    if known is not None:
        return facts | {"modulus": "safe_prime", "group": known["name"], "group_source": known["source"]}
    return facts | {"modulus": modulus_kind(prime), "group": None}


def modulus_kind(p: int) -> str:
    """safe_prime | prime | composite. q = (p - 1) / 2 is tested first: when q is prime, p = 2q + 1
    is prime exactly when 3 does not divide it and 2^(p-1) = 1 mod p (Pocklington's criterion, q
    being above the square root of p), so a safe prime costs one Miller-Rabin run, not two (a
    custom 4096-bit group, `openssl dhparam 4096`, took ~10 s of the scan, holding the GIL)."""
    if p > 3 and is_probable_prime((p - 1) // 2):
        return "safe_prime" if p % 3 and pow(2, p - 1, p) == 1 else "composite"
    return "prime" if is_probable_prime(p) else "composite"


def ephemeral_dh(key: Any) -> dict[str, Any] | None:
    """DH facts of sslyze's DhEphemeralKeyInfo (None for ECDH or no key)."""
    prime, gen = getattr(key, "prime", None), getattr(key, "generator", None)
    if not isinstance(prime, (bytes, bytearray)) or not prime:
        return None
    g = int.from_bytes(gen, "big") if isinstance(gen, (bytes, bytearray)) else int(gen or 0)
    return dh_facts(int.from_bytes(prime, "big"), g)


# --------------------------------------------------------------------------- trust without the name


@lru_cache(maxsize=16)
def _store_certs(path: str) -> tuple[Any, ...]:
    from cryptography import x509

    try:
        return tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    except (OSError, ValueError):
        return ()


def _stores(ca_file: str | None) -> list[tuple[str, tuple[Any, ...]]]:
    from sslyze.plugins.certificate_info.trust_stores.trust_store_repository import TrustStoresRepository

    out = [(s.name, _store_certs(str(s.path))) for s in TrustStoresRepository.get_default().get_all_stores()]
    if ca_file:
        out.insert(0, ("Supplied CA file", _store_certs(str(ca_file))))
    return [(n, c) for n, c in out if c]


def _policies(lenient_bc: bool) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from cryptography.x509.verification import Criticality, ExtensionPolicy

    def server_eku(_policy: Any, _cert: Any, eku: Any) -> None:
        if eku is not None and not {
            ExtendedKeyUsageOID.SERVER_AUTH,
            ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
        } & set(eku):
            raise ValueError("the leaf's extendedKeyUsage does not allow TLS server authentication")

    # The leaf's names are tls.cert.hostname's business: a SAN may be absent here.
    ee = (
        ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, server_eku)
    )
    ca = ExtensionPolicy.webpki_defaults_ca()
    if lenient_bc:

        def is_ca(_policy: Any, _cert: Any, bc: Any) -> None:
            if not bc.ca:
                raise ValueError("basicConstraints cA is false")

        ca = ca.require_present(x509.BasicConstraints, Criticality.AGNOSTIC, is_ca)
    return ca, ee


def _verify(
    chain: list[Any], stores: list[tuple[str, tuple[Any, ...]]], now: dt.datetime, lenient: bool
) -> dict[str, Any]:
    from cryptography.x509.verification import PolicyBuilder, Store

    ca_policy, ee_policy = _policies(lenient)
    errors: dict[str, str] = {}
    for name, certs in stores:
        builder = PolicyBuilder().store(Store(list(certs))).time(now)
        verifier = builder.extension_policies(
            ca_policy=ca_policy, ee_policy=ee_policy
        ).build_client_verifier()
        try:
            verifier.verify(chain[0], chain[1:])
            return {"ok": True, "store": name}
        except Exception as exc:  # VerificationError, or a certificate the verifier cannot parse
            errors[name] = escape_controls(str(exc)[:300])  # it quotes the certificate's names
    pick = next((errors[n] for n in STORE_PREFERENCE if n in errors), None) or next(
        iter(errors.values()), None
    )
    return {"ok": False, "store": None, "error": pick or "no trust store to validate against"}


def name_free_validation(
    chain: list[Any], ca_file: str | None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Path validation of the received chain without the host-name check (see the docstring)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if not chain:
        return {"ok": False, "store": None, "error": "no certificate received"}
    stores = _stores(ca_file)
    strict = _verify(chain, stores, now, lenient=False)
    if strict["ok"]:
        return strict
    when = now
    inside = _inside_validity(chain, now)
    if inside is not None:
        # expired / not yet valid is tls.cert.validity's defect: is the chain trusted otherwise?
        again = _verify(chain, stores, inside, lenient=False)
        strict["time_set_aside"] = {"ok": again["ok"], "at": inside.isoformat(), "store": again["store"]}
        if again["ok"]:
            strict["store"] = again["store"]
            return strict
        strict["error"], when = again["error"], inside  # the reason that is trust's own
    relaxed = _verify(chain, stores, when, lenient=True)
    if relaxed["ok"]:
        strict["relaxed"] = {"ok": True, "store": relaxed["store"], "set_aside": SET_ASIDE_BC}
    elif "signature algorithm" in str(strict.get("error", "")).lower():
        # cryptography refuses SHA-1 signatures outright: that is tls.cert.signature's defect
        strict["signature_set_aside"] = _anchored(chain, stores)
    elif (rule := set_aside(str(strict.get("error")))) and (lax := openssl_accepts(chain, stores))["ok"]:
        # another RFC 5280 rule OpenSSL does not enforce (a CA without keyUsage...): warn (lenient.py)
        strict["relaxed"] = {"ok": True, "store": lax["store"], "set_aside": rule}
    return strict


def _anchored(chain: list[Any], stores: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
    """Does the chain lead, signature by signature (any hash), to a trust anchor? Only used when
    the verifier refused a weak signature algorithm, to tell that defect from "untrusted"."""
    from cryptography import x509

    def signed_by(cert: Any, issuer: Any) -> bool:
        # verify_directly_issued_by refuses SHA-1 too: check the signature with the key itself
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa

        try:
            key, h = issuer.public_key(), cert.signature_hash_algorithm
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), h)
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(h))
            elif isinstance(key, dsa.DSAPublicKey):
                key.verify(cert.signature, cert.tbs_certificate_bytes, h)
            else:
                cert.verify_directly_issued_by(issuer)
            return True
        except Exception:  # wrong issuer, bad signature, unsupported key or padding (e.g. PSS)
            return False

    def is_ca(cert: Any) -> bool:
        try:
            return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        except (x509.ExtensionNotFound, ValueError):
            return False

    cur, pool = chain[0], list(chain[1:])
    for _ in range(8):
        for name, anchors in stores:
            if any(a.subject == cur.issuer and signed_by(cur, a) for a in anchors):
                return {"ok": True, "store": name}
        nxt = next((c for c in pool if c.subject == cur.issuer and is_ca(c) and signed_by(cur, c)), None)
        if nxt is None:
            break
        pool.remove(nxt)
        cur = nxt
    return {"ok": False, "store": None}


def _inside_validity(chain: list[Any], now: dt.datetime) -> dt.datetime | None:
    """An instant inside every received certificate's validity, when ``now`` is outside one."""
    start = max(c.not_valid_before_utc for c in chain)
    end = min(c.not_valid_after_utc for c in chain)
    if start <= now <= end or start >= end:
        return None
    return start + (end - start) / 2
