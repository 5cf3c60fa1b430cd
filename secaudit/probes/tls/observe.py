"""sslyze's scan result -> the TLS observation (JSON-able facts; secaudit/checks/tls judges them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from typing import Any

from secaudit.probes.safe_text import escape_controls
from secaudit.probes.tls.crl import crl_status
from secaudit.probes.tls.facts import ephemeral_dh, name_free_validation, ocsp_of

Observation = dict[str, Any]

# sslyze scan command value -> protocol label used in observations and messages
PROTOCOL_COMMANDS: dict[str, str] = {
    "ssl_2_0_cipher_suites": "SSL 2.0",
    "ssl_3_0_cipher_suites": "SSL 3.0",
    "tls_1_0_cipher_suites": "TLS 1.0",
    "tls_1_1_cipher_suites": "TLS 1.1",
    "tls_1_2_cipher_suites": "TLS 1.2",
    "tls_1_3_cipher_suites": "TLS 1.3",
}


def trace_text(trace: Any) -> str:
    if trace is None:
        return ""
    text = "".join(trace.format_exception_only()).strip()
    # "sslyze.errors.ServerRejectedConnection: 127.0.0.1:443 -> "msg"." -> keep it readable; the
    # message may quote the server (an SMTP reply): escaped, never written to a terminal as is
    return escape_controls(text.split(": ", 1)[1] if ": " in text else text)


def _attempt(attempt: Any, plugin: str = "") -> tuple[Any, str | None]:
    """(result, error) of one scan command attempt; the error names the sslyze plugin."""
    where = f"sslyze {plugin}: " if plugin else ""
    if attempt is None:
        return None, f"{where}not scheduled"
    status = getattr(attempt.status, "value", str(attempt.status))
    if status == "COMPLETED" and attempt.result is not None:
        return attempt.result, None
    reason = getattr(attempt.error_reason, "value", "") or status
    detail = trace_text(attempt.error_trace)
    return None, where + (f"{reason}: {detail}" if detail else str(reason))


def _read(plugin: str, attempt: Any, read: Callable[[Any], Observation]) -> Observation:
    """One plugin's part of the observation; its failure (sslyze's or ours) is that part's error only."""
    result, err = _attempt(attempt, plugin)
    if err:
        return {"error": err}
    try:
        return read(result)
    except Exception as exc:  # a bug on an odd server (e.g. a strange certificate) stays in its plugin
        return {"error": f"sslyze {plugin}: cannot read the result: {type(exc).__name__}: {exc}"[:500]}


def observe(res: Any, mozilla_name: str, ca_file: str | None = None, crl_timeout: float = 5.0) -> Observation:
    sr = res.scan_result
    conn = res.connectivity_result
    obs: Observation = {
        "highest_protocol": _enum_label(conn.highest_tls_version_supported) if conn else None,
        "protocols": {},
        "accepted_protocols": [],
    }
    for cmd, label in PROTOCOL_COMMANDS.items():
        part = _read(cmd, getattr(sr, cmd, None), _suites)
        obs["protocols"][label] = part
        if part.get("accepted"):
            obs["accepted_protocols"].append(label)

    obs["certificate"] = _read(
        "certificate_info",
        sr.certificate_info,
        lambda r: _certificate_info(r, ca_file, res.server_location.hostname, crl_timeout),
    )

    for section, (attr, read) in _SECTIONS.items():
        obs[section] = _read(attr, getattr(sr, attr, None), read)
    try:
        obs["mozilla"] = _mozilla(res, mozilla_name)
    except Exception as exc:  # sslyze's checker on a result with a failed plugin
        obs["mozilla"] = {
            "config": mozilla_name,
            "error": f"sslyze Mozilla checker: {type(exc).__name__}: {exc}",
        }
    return obs


def _suites(result: Any) -> Observation:
    suites = [_suite(s) for s in result.accepted_cipher_suites]
    return {"accepted": bool(suites), "suites": suites}


# observation section -> (sslyze scan command attribute, reader of its result)
_SECTIONS: dict[str, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    "heartbleed": ("heartbleed", lambda r: {"vulnerable": bool(r.is_vulnerable_to_heartbleed)}),
    "ccs_injection": (
        "openssl_ccs_injection",
        lambda r: {"vulnerable": bool(r.is_vulnerable_to_ccs_injection)},
    ),
    "robot": ("robot", lambda r: {"result": _enum_value(r.robot_result)}),
    "renegotiation": (
        "session_renegotiation",
        lambda r: {
            "supports_secure_renegotiation": bool(r.supports_secure_renegotiation),
            "client_renegotiation_dos": bool(r.is_vulnerable_to_client_renegotiation_dos),
            "client_renegotiations_accepted": int(r.client_renegotiations_success_count),
        },
    ),
    "compression": ("tls_compression", lambda r: {"supported": bool(r.supports_compression)}),
    "elliptic_curves": (
        "elliptic_curves",
        lambda r: {
            "ecdh_supported": bool(r.supports_ecdh_key_exchange),
            "supported": [c.name for c in r.supported_curves or []],
        },
    ),
    "fallback_scsv": ("tls_fallback_scsv", lambda r: {"supported": bool(r.supports_fallback_scsv)}),
    "extended_master_secret": (
        "tls_extended_master_secret",
        lambda r: {"supported": bool(r.supports_ems_extension)},
    ),
}


def _enum_value(v: Any) -> str:
    return str(getattr(v, "value", v))


def _enum_label(v: Any) -> str:
    name = getattr(v, "name", str(v))  # TLS_1_2 -> TLS 1.2
    head, _, ver = name.partition("_")
    return f"{head} {ver.replace('_', '.')}" if ver else name


def _suite(accepted: Any) -> dict[str, Any]:
    cs = accepted.cipher_suite
    d: dict[str, Any] = {
        "name": cs.name,
        "openssl_name": cs.openssl_name,
        "key_size": cs.key_size,
        "anonymous": bool(cs.is_anonymous),
    }
    key = accepted.ephemeral_key
    if key is not None:
        d["ephemeral_key"] = {
            "type": getattr(key, "type_name", ""),
            "size": getattr(key, "size", None),
            "curve": getattr(key, "curve_name", None),
        }
        if (dh := ephemeral_dh(key)) is not None:  # the group's quality, judged from stored facts
            d["ephemeral_key"]["dh"] = dh
    return d


def _mozilla(res: Any, name: str) -> Observation:
    from sslyze.mozilla_tls_profile.tls_config_checker import (
        MozillaTlsConfiguration,
        ServerNotCompliantWithTlsConfiguration,
        ServerScanResultIncomplete,
        TlsConfigurationEnum,
    )

    try:
        config = MozillaTlsConfiguration.get(TlsConfigurationEnum(name))
    except ValueError:
        return {"config": name, "error": f"unknown Mozilla configuration {name!r} (modern|intermediate|old)"}
    from sslyze.mozilla_tls_profile.tls_config_checker import check_server_against_tls_configuration

    try:
        check_server_against_tls_configuration(res, config)
    except ServerNotCompliantWithTlsConfiguration as exc:
        # the issues quote the certificate's subject: escaped like every server-sent text
        issues = {str(k): _clip(str(v)) for k, v in exc.issues.items()}
        return {"config": name, "compliant": False, "issues": issues}
    except ServerScanResultIncomplete as exc:
        return {"config": name, "error": f"sslyze Mozilla checker: {exc}"}
    return {"config": name, "compliant": True, "issues": {}}


# A hostile server may send thousands of certificates, names or a huge subject (sslyze reads a
# Certificate message of megabytes): stored bounded, so one target cannot swell the bundle.
MAX_CHAIN = 16  # certificates stored per chain (real chains have 2-4)
MAX_SANS = 500  # names of each kind stored per certificate, plus those naming the host
MAX_NAME = 1024  # characters of a subject, issuer or name


def stored_chain(certs: list[Any], host: str | None) -> Observation:
    """``{"chain": [...]}`` of at most MAX_CHAIN certificates, plus ``chain_received`` when capped."""
    out: Observation = {"chain": [_cert(c, host) for c in certs[:MAX_CHAIN]]}
    if len(certs) > MAX_CHAIN:
        out["chain_received"] = len(certs)
    return out


def _capped_names(values: list[str], host: str | None, key: str, d: dict[str, Any]) -> None:
    """The first MAX_SANS of ``values`` as ``d[key]``, plus any equal to the host or its wildcard
    (so the host-name check still finds its match); ``<key>_total`` when some were left out."""
    names = [_clip(v) for v in values]
    if len(names) > MAX_SANS:
        h = (host or "").strip("[]").rstrip(".").lower()
        wanted = {h, "*." + h.partition(".")[2]}
        d[key + "_total"] = len(names)
        names = names[:MAX_SANS] + [n for n in names[MAX_SANS:] if n.rstrip(".").lower() in wanted][:5]
    d[key] = names


def _clip(text: str) -> str:
    head = escape_controls(text[:MAX_NAME])  # the server's text: no escape sequence reaches a terminal
    return head if len(text) <= MAX_NAME else head + "…"


def _certificate_info(
    result: Any, ca_file: str | None = None, host: str | None = None, crl_timeout: float = 5.0
) -> Observation:
    deployments = []
    for dep in result.certificate_deployments:
        received = list(dep.received_certificate_chain)
        extra: Observation = {"ocsp": ocsp_of(dep)}
        anchored = any(pv.was_validation_successful for pv in dep.path_validation_results)
        if not anchored:
            # sslyze's validation includes the name: validate again without it (facts.py)
            nf = extra["name_free_validation"] = name_free_validation(received[:MAX_CHAIN], ca_file)
            anchored = (
                any(
                    bool((nf.get(k) or {}).get("ok"))
                    for k in ("time_set_aside", "relaxed", "signature_set_aside")
                )
                or nf["ok"]
            )
        # DESIGN §9: revoked by stapled OCSP *or a CRL*. Distribution points are fetched only for a
        # chain that leads to a trust anchor: a hostile self-made certificate picks no URL for us.
        crl = crl_status(received[:MAX_CHAIN], ca_file, crl_timeout, fetch=anchored)
        if crl is not None:
            extra["crl"] = crl
        deployments.append(
            extra
            | stored_chain(received, host)
            | {
                "path_validation": [
                    {
                        "store": pv.trust_store.name,
                        "version": pv.trust_store.version,
                        "ok": bool(pv.was_validation_successful),
                        "error": _clip(pv.validation_error) if pv.validation_error else None,
                    }
                    for pv in dep.path_validation_results
                ],
                "chain_has_valid_order": dep.received_chain_has_valid_order,
            }
        )
    return {"sni": result.hostname_used_for_server_name_indication, "deployments": deployments}


def _cert(cert: Any, host: str | None = None) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    d: dict[str, Any] = {
        "subject": _clip(cert.subject.rfc4514_string()),
        "issuer": _clip(cert.issuer.rfc4514_string()),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.astimezone(timezone.utc).isoformat(),
        "not_after": cert.not_valid_after_utc.astimezone(timezone.utc).isoformat(),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        "signature_algorithm_oid": cert.signature_algorithm_oid.dotted_string,
        "signature_algorithm": getattr(cert.signature_algorithm_oid, "_name", "")
        or cert.signature_algorithm_oid.dotted_string,
        "self_issued": cert.subject == cert.issuer,
    }
    try:
        h = cert.signature_hash_algorithm
        d["signature_hash"] = h.name if h else None
    except Exception:  # unsupported algorithm: the OID above still tells
        d["signature_hash"] = None
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    d["common_name"] = _clip(str(cns[0].value)) if cns else None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        _capped_names([str(n) for n in san.get_values_for_type(x509.DNSName)], host, "san_dns", d)
        _capped_names([str(a) for a in san.get_values_for_type(x509.IPAddress)], host, "san_ip", d)
    except x509.ExtensionNotFound:
        d["san_dns"], d["san_ip"] = [], []
    try:
        key = cert.public_key()
    except Exception as exc:
        d["key_type"], d["key_size"] = f"unknown ({exc})", None
        return d
    if isinstance(key, rsa.RSAPublicKey):
        d["key_type"], d["key_size"] = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        d["key_type"], d["key_size"], d["key_curve"] = "EC", key.key_size, key.curve.name
    elif isinstance(key, dsa.DSAPublicKey):
        d["key_type"], d["key_size"] = "DSA", key.key_size
    elif isinstance(key, ed25519.Ed25519PublicKey):
        d["key_type"], d["key_size"] = "Ed25519", 256
    elif isinstance(key, ed448.Ed448PublicKey):
        d["key_type"], d["key_size"] = "Ed448", 456
    else:
        d["key_type"], d["key_size"] = type(key).__name__, None
    return d
