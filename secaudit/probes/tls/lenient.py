"""DESIGN §9: "A CA that a strict RFC 5280 validator refuses but OpenSSL accepts ... is `warn` with
that reason, not `fail` untrusted." cryptography's verifier (sslyze 6) is the strict one; this asks
OpenSSL (nassl's, bundled with sslyze: X509_verify_cert, no host name) about the same chain.

Home-made CAs trip the strict validator in a few ways OpenSSL lets pass: `openssl req -x509` with
Debian's defaults makes a CA without keyUsage; hand-written extension files leave out
authorityKeyIdentifier; `openssl x509 -req` without extensions makes a version-1 leaf.
"""

from __future__ import annotations

from typing import Any

# The strict validator's words -> the rule set aside (said in the verdict, so the fix is clear).
RULES = (
    ("2.5.29.19", "basicConstraints not marked critical on a CA certificate (RFC 5280 4.2.1.9)"),
    ("2.5.29.15", "keyUsage missing or not allowing this use, e.g. keyCertSign on a CA (RFC 5280 4.2.1.3)"),
    ("2.5.29.35", "authorityKeyIdentifier missing (RFC 5280 4.2.1.1)"),
    ("2.5.29.14", "subjectKeyIdentifier missing on a CA certificate (RFC 5280 4.2.1.2)"),
    ("X509v3", "not an X.509 version 3 certificate (RFC 5280 4.1.2.1)"),
)
# OpenSSL's "not yet valid" and "expired": dates are tls.cert.validity's defects, not trust's.
TIME_ERRORS = {9, 10}


def set_aside(strict_error: str) -> str | None:
    """The rule the strict validator applied, when it is one OpenSSL may waive; None otherwise (an
    unknown issuer, a bad signature, dates... are never waived)."""
    return next((rule for needle, rule in RULES if needle in strict_error), None)


def _serves_tls(leaf: Any) -> bool:
    """OpenSSL without a purpose ignores extendedKeyUsage; a leaf not meant for TLS servers stays
    untrusted (browsers refuse it)."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    except ValueError:
        return False
    return bool({ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(eku))


def openssl_accepts(chain: list[Any], stores: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
    """``{"ok": True, "store": NAME}`` when OpenSSL validates ``chain`` (leaf first) against a store."""
    from cryptography.hazmat.primitives import serialization
    from nassl._nassl import X509
    from nassl.cert_chain_verifier import CertificateChainVerificationFailed, CertificateChainVerifier

    if not chain or not _serves_tls(chain[0]):
        return {"ok": False, "store": None}

    def pem(cert: Any) -> str:
        return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    try:
        received = [X509(pem(c)) for c in chain]
    except Exception:  # a certificate OpenSSL cannot parse: no lenient answer
        return {"ok": False, "store": None}
    for name, certs in stores:
        try:
            CertificateChainVerifier([X509(pem(c)) for c in certs]).verify(received)
            return {"ok": True, "store": name}
        except CertificateChainVerificationFailed as exc:
            if exc.openssl_error_code in TIME_ERRORS:
                return {"ok": True, "store": name}
        except Exception:  # an anchor nassl cannot load: try the next store
            continue
    return {"ok": False, "store": None}
