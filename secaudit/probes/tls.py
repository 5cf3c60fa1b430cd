"""TLS probe: one sslyze scan of every target at once, turned into JSON-able observations.

Gathers facts only (protocols, suites, certificate chain, path validation, vulnerability tests,
sslyze's Mozilla verdict); secaudit/checks/tls.py judges them. sslyze is imported inside functions
so that `secaudit --help` stays fast.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone
from pathlib import Path
from typing import Any

from secaudit.core.model import Target

# sslyze scan command value -> protocol label used in observations and messages
PROTOCOL_COMMANDS: dict[str, str] = {
    "ssl_2_0_cipher_suites": "SSL 2.0",
    "ssl_3_0_cipher_suites": "SSL 3.0",
    "tls_1_0_cipher_suites": "TLS 1.0",
    "tls_1_1_cipher_suites": "TLS 1.1",
    "tls_1_2_cipher_suites": "TLS 1.2",
    "tls_1_3_cipher_suites": "TLS 1.3",
}

Observation = dict[str, Any]


def collect(
    targets: list[Target],
    params: dict,
    ca_file: Path | None,
    timeout: float,
    progress: Callable[[str], None] | None = None,
) -> list[Observation]:
    """Scan every target with sslyze (all queued at once); one observation per target, same order."""
    if not targets:
        return []
    _quiet_warnings()
    say = progress or (lambda _msg: None)
    results: list[Observation | None] = [None] * len(targets)

    # Pre-flight (concurrent): resolve, connect and see that *something* answers a ClientHello.
    # sslyze retries a silent port once per protocol and cipher list (~11 x timeout); this bounds it.
    with ThreadPoolExecutor(max_workers=min(16, len(targets))) as pool:
        pre = list(pool.map(lambda t: _preflight(t, timeout), targets))
    for i, (ip, err) in enumerate(pre):
        if err:
            results[i] = _base(targets[i], ip) | {"error": err}
            say(f"{targets[i].raw}: {err}")

    todo = [(i, pre[i][0]) for i in range(len(targets)) if results[i] is None]
    if todo:
        for i, obs in _scan(targets, todo, params, ca_file, timeout, say):
            results[i] = obs
    return [
        r if r is not None else _base(t, None) | {"error": "no result from sslyze"}
        for t, r in zip(targets, results, strict=True)
    ]


# --------------------------------------------------------------------------- network pre-flight


def _resolve(host: str, port: int) -> str:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return str(infos[0][4][0])


def _client_hello(server_name: str) -> bytes:
    """A real ClientHello (from Python's ssl, never sent through it) to see whether the port answers TLS."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sni = None if _is_ip(server_name) else server_name
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    except OSError:
        return False


def _preflight(target: Target, timeout: float) -> tuple[str | None, str | None]:
    """(ip, error): error is None when the port answered (anything: sslyze judges what)."""
    try:
        ip = _resolve(target.connect_address, target.port)
    except (OSError, UnicodeError) as exc:
        return None, f"DNS resolution failed for {target.connect_address}: {exc}"
    try:
        sock = socket.create_connection((ip, target.port), timeout=timeout)
    except ConnectionRefusedError:
        return ip, f"connection refused by {ip}:{target.port}"
    except TimeoutError:
        return ip, f"TCP connection to {ip}:{target.port} timed out after {timeout:g}s"
    except OSError as exc:
        return ip, f"cannot connect to {ip}:{target.port}: {exc.strerror or exc}"
    with sock:
        try:
            sock.sendall(_client_hello(target.host))
            first = sock.recv(8)
        except TimeoutError:
            return ip, (
                f"no answer to a TLS ClientHello from {ip}:{target.port} within {timeout:g}s "
                "(not a TLS service?)"
            )
        except OSError:
            return ip, None  # a reset may be a picky TLS server: let sslyze try its handshakes
    # A TLS server answers with a handshake (0x16) or alert (0x15) record, SSL 2.0 with a high bit set;
    # anything else (a banner, an HTTP error page) is another protocol.
    if first and first[0] not in (0x15, 0x16) and not first[0] & 0x80:
        return ip, f"not a TLS service at {ip}:{target.port} (it answered {first!r})"
    return ip, None


# --------------------------------------------------------------------------- sslyze scan


def _quiet_warnings() -> None:
    # Harmless: a bundled trust store has a root with a negative serial number (toolnotes).
    from cryptography.utils import CryptographyDeprecationWarning

    warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, message=".*serial number.*")


def _scan(
    targets: list[Target],
    todo: list[tuple[int, str | None]],
    params: dict,
    ca_file: Path | None,
    timeout: float,
    say: Callable[[str], None],
):
    from sslyze import (
        CertificateInfoExtraArgument,
        ScanCommand,
        ScanCommandsExtraArguments,
        Scanner,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
        ServerScanStatusEnum,
    )
    from sslyze.__version__ import __version__ as sslyze_version

    commands = {
        ScanCommand.SSL_2_0_CIPHER_SUITES,
        ScanCommand.SSL_3_0_CIPHER_SUITES,
        ScanCommand.TLS_1_0_CIPHER_SUITES,
        ScanCommand.TLS_1_1_CIPHER_SUITES,
        ScanCommand.TLS_1_2_CIPHER_SUITES,
        ScanCommand.TLS_1_3_CIPHER_SUITES,
        ScanCommand.CERTIFICATE_INFO,
        ScanCommand.HEARTBLEED,
        ScanCommand.OPENSSL_CCS_INJECTION,
        ScanCommand.ROBOT,
        ScanCommand.SESSION_RENEGOTIATION,
        ScanCommand.TLS_COMPRESSION,
        ScanCommand.ELLIPTIC_CURVES,
        ScanCommand.TLS_FALLBACK_SCSV,
        ScanCommand.TLS_EXTENDED_MASTER_SECRET,
    }
    extra = ScanCommandsExtraArguments(
        certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(ca_file)) if ca_file else None
    )
    requests = []
    by_uuid: dict[Any, int] = {}
    for i, ip in todo:
        t = targets[i]
        req = ServerScanRequest(
            server_location=ServerNetworkLocation(hostname=t.host, port=t.port, ip_address=ip),
            network_configuration=ServerNetworkConfiguration(
                tls_server_name_indication=t.host, network_timeout=timeout
            ),  # type: ignore[arg-type]
            scan_commands=commands,
            scan_commands_extra_arguments=extra,
        )
        requests.append(req)
        by_uuid[req.uuid] = i

    scanner = Scanner()
    scanner.queue_scans(requests)
    mozilla_name = str(params.get("mozilla_config") or "intermediate")
    for res in scanner.get_results():
        i = by_uuid[res.uuid]
        t = targets[i]
        obs = _base(t, res.server_location.ip_address) | {"sslyze_version": sslyze_version}
        if res.scan_status != ServerScanStatusEnum.COMPLETED or res.scan_result is None:
            obs["error"] = _trace_text(res.connectivity_error_trace) or "TLS connection failed"
            say(f"{t.raw}: {obs['error']}")
            yield i, obs
            continue
        try:
            obs.update(_observe(res, mozilla_name))
        except Exception as exc:  # a bug here must not stop the other targets
            obs["error"] = f"cannot read sslyze result: {type(exc).__name__}: {exc}"
        say(t.raw)
        yield i, obs


def _base(t: Target, ip: str | None) -> Observation:
    return {"host": t.host, "port": t.port, "address": ip, "sni": t.host}


def _trace_text(trace: Any) -> str:
    if trace is None:
        return ""
    text = "".join(trace.format_exception_only()).strip()
    # "sslyze.errors.ServerRejectedConnection: 127.0.0.1:443 -> "msg"." -> keep it readable
    return text.split(": ", 1)[1] if ": " in text else text


def _attempt(attempt: Any) -> tuple[Any, str | None]:
    """(result, error) of one scan command attempt."""
    if attempt is None:
        return None, "not scheduled"
    status = getattr(attempt.status, "value", str(attempt.status))
    if status == "COMPLETED" and attempt.result is not None:
        return attempt.result, None
    reason = getattr(attempt.error_reason, "value", "") or status
    detail = _trace_text(attempt.error_trace)
    return None, f"{reason}: {detail}" if detail else str(reason)


def _observe(res: Any, mozilla_name: str) -> Observation:
    sr = res.scan_result
    conn = res.connectivity_result
    obs: Observation = {
        "highest_protocol": _enum_label(conn.highest_tls_version_supported) if conn else None,
        "protocols": {},
        "accepted_protocols": [],
    }
    for cmd, label in PROTOCOL_COMMANDS.items():
        result, err = _attempt(getattr(sr, cmd, None))
        if err:
            obs["protocols"][label] = {"error": err}
            continue
        suites = [_suite(s) for s in result.accepted_cipher_suites]
        obs["protocols"][label] = {"accepted": bool(suites), "suites": suites}
        if suites:
            obs["accepted_protocols"].append(label)

    result, err = _attempt(sr.certificate_info)
    obs["certificate"] = {"error": err} if err else _certificate_info(result)

    for section, (attr, read) in _SECTIONS.items():
        result, err = _attempt(getattr(sr, attr, None))
        obs[section] = {"error": err} if err else read(result)
    obs["mozilla"] = _mozilla(res, mozilla_name)
    return obs


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
        return {"config": name, "compliant": False, "issues": {str(k): str(v) for k, v in exc.issues.items()}}
    except ServerScanResultIncomplete as exc:
        return {"config": name, "error": f"sslyze Mozilla checker: {exc}"}
    return {"config": name, "compliant": True, "issues": {}}


# --------------------------------------------------------------------------- certificates


def _certificate_info(result: Any) -> Observation:
    deployments = []
    for dep in result.certificate_deployments:
        chain = [_cert(c) for c in dep.received_certificate_chain]
        deployments.append(
            {
                "chain": chain,
                "path_validation": [
                    {
                        "store": pv.trust_store.name,
                        "version": pv.trust_store.version,
                        "ok": bool(pv.was_validation_successful),
                        "error": pv.validation_error,
                    }
                    for pv in dep.path_validation_results
                ],
                "chain_has_valid_order": dep.received_chain_has_valid_order,
            }
        )
    return {"sni": result.hostname_used_for_server_name_indication, "deployments": deployments}


def _cert(cert: Any) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    d: dict[str, Any] = {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
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
    d["common_name"] = str(cns[0].value) if cns else None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        d["san_dns"] = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        d["san_ip"] = [str(a) for a in san.get_values_for_type(x509.IPAddress)]
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
