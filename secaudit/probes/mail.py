"""Mail probe: per mail domain the MX set (or null MX, RFC 7505), SPF (evaluated by pyspf, the
RFC 7208 reference implementation, through our resolver), DMARC (RFC 7489 tags, external report
authorisation), and for each MX the STARTTLS handshake and TLS set-up through sslyze's SMTP
opportunistic TLS plus the TLSA records (DANE, RFC 7672) and the certificate digests they are
matched against. Observations only; secaudit/checks/mail judges them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from secaudit.core.model import Target
from secaudit.probes import smtp_session
from secaudit.probes.dns import addresses
from secaudit.probes.dnssec import Validator
from secaudit.probes.domains import Resolvers, domains_for, mail_domain, no_domain, options_from
from secaudit.probes.mail_auth import dmarc_observation, org_domain, parse_dmarc, spf_observation
from secaudit.probes.safe_text import escape_controls
from secaudit.probes.tls.runner import Incomplete, scan_one

Observation = dict[str, Any]
EHLO_NAME = "secaudit.invalid"
# sslyze opens one connection per tested suite; each SMTP one costs a greeting and EHLO first, so
# allow more in parallel than its default 5 (measured: 6.0 s -> 3.7 s per MX on loopback).
CONNECTIONS_PER_MX = 10
MAX_MX = 6  # MX hosts scanned per domain (by preference); more are listed as not scanned


def collect(targets: list[Target], context: Any) -> list[Observation]:
    options = options_from(context)
    resolvers = Resolvers(options, context)
    per_target = [list(dict.fromkeys(mail_domain(d) for d in domains_for(t, options))) for t in targets]
    wanted = sorted({d for names in per_target for d in names})
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(wanted)))) as pool:
        by_domain = dict(zip(wanted, pool.map(lambda d: observe_domain(d, resolvers), wanted), strict=True))
    out = []
    for t, names in zip(targets, per_target, strict=True):
        obs = {"domains": [by_domain[d] for d in names]} if names else no_domain(t)
        obs["smtp_port"] = options.smtp_port
        out.append(obs)
    return out


def observe_domain(domain: str, resolvers: Resolvers) -> Observation:
    started = time.monotonic()
    v = resolvers.validator()
    obs: Observation = {"domain": domain}
    if resolvers.cancelled():
        return obs | {"error": "cancelled / đã dừng"}
    try:
        obs["mx"] = _mx(domain, v)
        if obs["mx"].get("rcode") == "NXDOMAIN":
            return obs | {
                "error": f"{domain} does not exist (NXDOMAIN) / tên miền không tồn tại",
                "queries": v.q.count,
            }
        obs["spf"] = spf_observation(domain, v)
        obs["dmarc"] = dmarc_observation(domain, v)
        hosts = [m for m in obs["mx"].get("records", []) if m["exchange"]]
        if len(hosts) > MAX_MX:  # bounded: the rest are named, not scanned (the check says so)
            obs["mx"]["not_scanned"] = [m["exchange"] for m in hosts[MAX_MX:]]
            hosts = hosts[:MAX_MX]
        # the MXs of one domain at once: each STARTTLS scan waits mostly on the network
        with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
            obs["servers"] = list(pool.map(lambda m: _server_safely(m, v, resolvers), hosts))
    except Exception as exc:  # noqa: BLE001 - a bug here is this domain's error, never a pass
        obs["error"] = f"mail probe failed: {type(exc).__name__}: {exc}"
    obs["queries"] = v.q.count
    obs["elapsed_s"] = round(time.monotonic() - started, 3)
    return obs


# --------------------------------------------------------------------------- MX


def _mx(domain: str, v: Validator) -> Observation:
    res = v.lookup(domain, "MX")
    if res["failed"]:
        return {"error": res["reason"]}
    records = sorted(
        ({"preference": r.preference, "exchange": str(r.exchange).rstrip(".")} for r in res["rrset"] or []),
        key=lambda m: (m["preference"], m["exchange"]),
    )
    null_mx = len(records) == 1 and records[0]["exchange"] == "" and records[0]["preference"] == 0
    return {"records": records, "null_mx": null_mx, "rcode": res["rcode"], "dnssec": res["status"]}


# --------------------------------------------------------------------------- MX servers


def _server_safely(mx: Observation, v: Validator, resolvers: Resolvers) -> Observation:
    try:
        key = ("mx", mx["exchange"].lower(), resolvers.options.smtp_port)
        found = resolvers.once(key, lambda: _server(mx, v, resolvers))
        return found | {"preference": mx["preference"]}
    except Exception as exc:  # noqa: BLE001 - one MX's trouble is that MX's error
        return {
            "exchange": mx["exchange"],
            "port": resolvers.options.smtp_port,
            "error": f"{type(exc).__name__}: {exc}",
        }


def _server(mx: Observation, v: Validator, resolvers: Resolvers) -> Observation:
    host = mx["exchange"]
    port = resolvers.options.smtp_port
    a, aaaa, err = addresses(v, host)
    out: Observation = {"exchange": host, "preference": mx["preference"], "port": port, "a": a, "aaaa": aaaa}
    tlsa = v.lookup(f"_{port}._tcp.{host}", "TLSA")
    out["tlsa"] = {
        "name": f"_{port}._tcp.{host}",
        "status": tlsa["status"],
        "reason": tlsa["reason"],
        "records": [
            {"usage": r.usage, "selector": r.selector, "mtype": r.mtype, "data": r.cert.hex()}
            for r in tlsa["rrset"] or []
        ],
    }
    out["dnssec"] = v.chain(host).to_dict()
    address = (a + aaaa)[0] if a + aaaa else None
    out["address"] = address
    if address is None:
        out["error"] = err or f"{host} has no A/AAAA record"
        return out
    out["smtp"] = _ehlo(address, port, resolvers.options.timeout)
    if out["smtp"].get("starttls") and not resolvers.cancelled():
        try:
            out["tls"], out["certificates"] = _starttls(host, address, port, resolvers)
        except Incomplete as exc:  # stalled or cancelled: no verdict on its TLS, so an error
            out["error"] = f"STARTTLS: {exc}"
    return out


def _ehlo(address: str, port: int, timeout: float) -> Observation:
    """Does the server greet and offer STARTTLS? (sslyze alone cannot tell a refusal from no offer).
    Bounded per reply (smtplib is not: an endless greeting or EHLO reply held the scan for ever)."""
    return smtp_session.ehlo(address, port, EHLO_NAME, timeout)


def _starttls(
    host: str, address: str, port: int, resolvers: Resolvers
) -> tuple[Observation, list[Observation]]:
    from sslyze import (
        ProtocolWithOpportunisticTlsEnum,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
        ServerScanStatusEnum,
    )
    from sslyze.__version__ import __version__ as sslyze_version

    observe, trace_text = _tls_reader()
    commands = tls_probe_commands()
    req = ServerScanRequest(
        server_location=ServerNetworkLocation(hostname=host, port=port, ip_address=address),
        network_configuration=ServerNetworkConfiguration(
            tls_server_name_indication=host,
            tls_opportunistic_encryption=ProtocolWithOpportunisticTlsEnum.SMTP,
            smtp_ehlo_hostname=EHLO_NAME,
            network_timeout=max(1, int(resolvers.options.timeout)),
        ),
        scan_commands=commands,
    )
    base = {"host": host, "port": port, "address": address, "sni": host, "sslyze_version": sslyze_version}
    # the tls probe's runner: its deadlines bound an MX that stalls the handshakes after STARTTLS
    # (sslyze alone retried for ~11 x --timeout and then blamed the suites); raises Incomplete
    bounds = _Bounds(timeout=resolvers.options.timeout, cancelled=resolvers.cancelled)
    res = scan_one(req, bounds, connections=CONNECTIONS_PER_MX)  # type: ignore[arg-type]
    if res.scan_status != ServerScanStatusEnum.COMPLETED or res.scan_result is None:
        return base | {"error": trace_text(res.connectivity_error_trace) or "STARTTLS failed"}, []
    try:
        obs = base | observe(res, "intermediate")
    except Exception as exc:  # noqa: BLE001
        return base | {"error": f"cannot read sslyze result: {type(exc).__name__}: {exc}"}, []
    return obs, _digests(res)


@dataclass
class _Bounds:
    """What the tls probe's runner reads from a ProbeContext."""

    timeout: float
    cancelled: Callable[[], bool]
    budget: float | None = None


def _tls_reader() -> tuple[Any, Any]:
    """The tls probe's reader of an sslyze result, so the tls checks judge the MX's set-up alike."""
    from secaudit.probes.tls import _quiet_warnings
    from secaudit.probes.tls.observe import observe, trace_text

    _quiet_warnings()
    return observe, trace_text


def tls_probe_commands() -> set[Any]:
    """The same sslyze scan commands as the tls probe (its checks read the same sections)."""
    from secaudit.probes.tls import scan_commands

    return scan_commands()


def _digests(res: Any) -> list[Observation]:
    """Per certificate of the served chain, what TLSA records are compared with (RFC 6698 §2.1)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    attempt = res.scan_result.certificate_info
    if attempt is None or attempt.result is None or not attempt.result.certificate_deployments:
        return []
    out = []
    from secaudit.probes.tls.observe import MAX_CHAIN

    for cert in attempt.result.certificate_deployments[0].received_certificate_chain[:MAX_CHAIN]:
        der = cert.public_bytes(Encoding.DER)
        spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        out.append(
            {
                "subject": escape_controls(cert.subject.rfc4514_string()),
                "cert_sha256": hashlib.sha256(der).hexdigest(),
                "cert_sha512": hashlib.sha512(der).hexdigest(),
                "spki_sha256": hashlib.sha256(spki).hexdigest(),
                "spki_sha512": hashlib.sha512(spki).hexdigest(),
            }
        )
    return out


__all__ = ["collect", "observe_domain", "spf_observation", "dmarc_observation", "parse_dmarc", "org_domain"]
