"""Mail probe: per mail domain the MX set (or null MX, RFC 7505), SPF (evaluated by pyspf, the
RFC 7208 reference implementation, through our resolver), DMARC (RFC 7489 tags, external report
authorisation), and for each MX the STARTTLS handshake and TLS set-up through sslyze's SMTP
opportunistic TLS plus the TLSA records (DANE, RFC 7672) and the certificate digests they are
matched against. Observations only; secaudit/checks/mail judges them.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dns.rdatatype

from secaudit.core.model import Target
from secaudit.probes.dns import addresses
from secaudit.probes.dnssec import ERROR, QueryError, Validator
from secaudit.probes.domains import Resolvers, domains_for, mail_domain, no_domain, options_from, printable

Observation = dict[str, Any]
SPF_TEST_IP = "192.0.2.1"  # RFC 5737 TEST-NET-1: matches no real sender, so every term is evaluated
MAX_INCLUDE_DEPTH = 10
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
        obs["spf"] = spf_observation(domain, v)
        obs["dmarc"] = _dmarc(domain, v)
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
    if res["status"] == ERROR:
        return {"error": res["reason"]}
    records = sorted(
        ({"preference": r.preference, "exchange": str(r.exchange).rstrip(".")} for r in res["rrset"] or []),
        key=lambda m: (m["preference"], m["exchange"]),
    )
    null_mx = len(records) == 1 and records[0]["exchange"] == "" and records[0]["preference"] == 0
    return {"records": records, "null_mx": null_mx, "rcode": res["rcode"], "dnssec": res["status"]}


# --------------------------------------------------------------------------- SPF (pyspf)

_local = threading.local()  # pyspf looks names up through one module-level hook: ours, per thread


def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 20) -> list[Any]:
    import spf

    v: Validator = _local.validator
    try:
        resp = v.q.ask(name, qtype)
    except QueryError as exc:
        raise spf.TempError(f"DNS {exc}") from None
    out = []
    for rrset in resp.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            continue
        for r in rrset:
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                out.append(((name, qtype), r.address))
            elif rrset.rdtype == dns.rdatatype.MX:
                out.append(((name, qtype), (r.preference, r.exchange)))
            elif rrset.rdtype == dns.rdatatype.PTR:
                out.append(((name, qtype), r.target.to_text(True)))
            elif rrset.rdtype == dns.rdatatype.TXT:
                out.append(((name, qtype), list(r.strings)))
    return out


def _pyspf() -> Any:
    import spf

    spf.DNSLookup = _spf_lookup
    return spf


_ALL = re.compile(r"^([+\-~?]?)all$", re.IGNORECASE)
_QUAL = {"": "+all", "+": "+all", "-": "-all", "~": "~all", "?": "?all"}


def spf_observation(domain: str, v: Validator) -> Observation:
    spf = _pyspf()
    _local.validator = v
    q = spf.query(i=SPF_TEST_IP, s=f"postmaster@{domain}", h=domain, strict=False, timeout=v.q.timeout * 4)
    try:
        record = q.dns_spf(domain)
    except spf.TempError as exc:
        return {"error": f"temperror: {exc}"}
    except spf.PermError as exc:
        return {"record": None, "result": "permerror", "problem": str(exc)}
    if record is None:
        return {"record": None, "result": "none"}
    record = printable(record)
    result, _code, explanation = q.check()
    out: Observation = {
        "record": record,
        "result": result,  # what a receiver would conclude for a host the record does not list
        "explanation": explanation,
        "lookups": q.lookups,
        "void_lookups": getattr(q, "void_lookups", 0),
        "problem": q.prob if result in ("permerror", "temperror") else None,
    }
    out.update(_terms(record))
    out["includes"] = _includes(q, spf, out, set([domain]), 1)
    return out


def _terms(record: str) -> Observation:
    terms = record.split()[1:]
    all_q = next((_QUAL[m.group(1)] for t in terms if (m := _ALL.match(t))), None)
    redirect = next((t.split("=", 1)[1] for t in terms if t.lower().startswith("redirect=")), None)
    return {"terms": terms, "all": all_q, "redirect": redirect}


def _includes(q: Any, spf: Any, parent: Observation, seen: set[str], depth: int) -> list[Observation]:
    """The records ``include:``/``redirect=`` name, resolved (so a report can show the whole tree)."""
    names = [
        t.split(":", 1)[1] for t in parent.get("terms", []) if t.lower().lstrip("+-~?").startswith("include:")
    ]
    if parent.get("redirect"):
        names.append(parent["redirect"])
    out = []
    for name in names:
        entry: Observation = {"domain": name}
        if "%" in name or name in seen or depth > MAX_INCLUDE_DEPTH:
            entry["skipped"] = "macro" if "%" in name else "loop or too deep"
            out.append(entry)
            continue
        seen.add(name)
        try:
            record = q.dns_spf(name)
        except (spf.TempError, spf.PermError) as exc:
            entry["error"] = str(exc)
            out.append(entry)
            continue
        entry["record"] = record = printable(record) if record else record
        if record:
            entry.update(_terms(record))
            entry["includes"] = _includes(q, spf, entry, seen, depth + 1)
        out.append(entry)
    return out


# --------------------------------------------------------------------------- DMARC


def _txt(v: Validator, name: str) -> tuple[list[str] | None, str, str | None]:
    """(TXT strings, DNSSEC status, error)."""
    res = v.lookup(name, "TXT")
    if res["status"] == ERROR:
        return None, ERROR, res["reason"]
    texts = [printable(b"".join(r.strings).decode("utf-8", errors="replace")) for r in res["rrset"] or []]
    return texts, res["status"], None


def parse_dmarc(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in record.split(";"):
        if "=" in part:
            k, _, val = part.partition("=")
            tags.setdefault(k.strip().lower(), val.strip())
    return tags


def org_domain(domain: str) -> str:
    """The organisational domain (RFC 7489 §3.2) from the Public Suffix List shipped offline."""
    from publicsuffixlist import PublicSuffixList

    return str(_psl(PublicSuffixList).privatesuffix(domain) or domain)


_PSL: list[Any] = []


def _psl(cls: Any) -> Any:
    if not _PSL:
        _PSL.append(cls())  # parsing the list takes ~0.1 s: once per process
    return _PSL[0]


def _dmarc_records(v: Validator, name: str) -> tuple[list[str], str, str | None]:
    texts, status, err = _txt(v, name)
    return [t for t in texts or [] if t.strip().lower().startswith("v=dmarc1")], status, err


def _dmarc(domain: str, v: Validator) -> Observation:
    name = f"_dmarc.{domain}"
    records, status, err = _dmarc_records(v, name)
    if err:
        return {"error": err, "name": name}
    out: Observation = {"name": name, "records": records, "dnssec": status}
    org = org_domain(domain)
    if not records and org != domain:
        # RFC 7489 §6.6.3: no record at the domain -> the organisational domain's, whose sp= applies
        records, status, err = _dmarc_records(v, f"_dmarc.{org}")
        if err:
            return {"error": err, "name": f"_dmarc.{org}"}
        if records:
            out.update(records=records, dnssec=status, inherited_from=org, name=f"_dmarc.{org}")
    if len(records) == 1:
        tags = parse_dmarc(records[0])
        out["tags"] = tags
        out["external_reporting"] = _external(domain, tags, v)
    return out


def _external(domain: str, tags: dict[str, str], v: Validator) -> list[Observation]:
    """RFC 7489 §7.1: a report address outside the domain must authorise it."""
    out = []
    for uri in (tags.get("rua", "") + "," + tags.get("ruf", "")).split(","):
        uri = uri.strip()
        if not uri.lower().startswith("mailto:") or "@" not in uri:
            continue
        host = uri.split("@", 1)[1].split("!", 1)[0].strip().rstrip(".").lower()
        # §7.1: only a destination in another organisational domain must authorise the reports
        if org_domain(host) == org_domain(domain) or any(e["host"] == host for e in out):
            continue
        texts, _status, err = _txt(v, f"{domain}._report._dmarc.{host}")
        ok = any(t.strip().lower().startswith("v=dmarc1") for t in texts or [])
        out.append({"host": host, "authorized": ok, "error": err})
    return out


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
        out["tls"], out["certificates"] = _starttls(host, address, port, resolvers)
    return out


def _ehlo(address: str, port: int, timeout: float) -> Observation:
    """Does the server greet and offer STARTTLS? (sslyze alone cannot tell a refusal from no offer)."""
    try:
        with smtplib.SMTP(address, port, local_hostname=EHLO_NAME, timeout=timeout) as s:
            code, _msg = s.ehlo()
            return {"connected": True, "ehlo": code, "starttls": bool(s.has_extn("starttls"))}
    except (OSError, smtplib.SMTPException) as exc:
        return {"connected": False, "error": f"{type(exc).__name__}: {exc}"}


def _starttls(
    host: str, address: str, port: int, resolvers: Resolvers
) -> tuple[Observation, list[Observation]]:
    from sslyze import (
        ProtocolWithOpportunisticTlsEnum,
        Scanner,
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
    scanner = Scanner(per_server_concurrent_connections_limit=CONNECTIONS_PER_MX)
    scanner.queue_scans([req])
    base = {"host": host, "port": port, "address": address, "sni": host, "sslyze_version": sslyze_version}
    for res in scanner.get_results():
        if res.scan_status != ServerScanStatusEnum.COMPLETED or res.scan_result is None:
            return base | {"error": trace_text(res.connectivity_error_trace) or "STARTTLS failed"}, []
        try:
            obs = base | observe(res, "intermediate")
        except Exception as exc:  # noqa: BLE001
            return base | {"error": f"cannot read sslyze result: {type(exc).__name__}: {exc}"}, []
        return obs, _digests(res)
    return base | {"error": "no result from sslyze"}, []


def _tls_reader() -> tuple[Any, Any]:
    """The tls probe's reader of an sslyze result, so the tls checks judge the MX's set-up alike."""
    import warnings

    try:
        from cryptography.utils import CryptographyDeprecationWarning

        warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)
    except ImportError:  # pragma: no cover
        pass
    try:
        from secaudit.probes.tls.observe import observe, trace_text
    except ImportError:  # the single-module layout
        from secaudit.probes.tls import _observe as observe  # type: ignore[attr-defined,no-redef]
        from secaudit.probes.tls import _trace_text as trace_text  # type: ignore[attr-defined,no-redef]
    return observe, trace_text


def tls_probe_commands() -> set[Any]:
    from sslyze import ScanCommand

    return {
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


def _digests(res: Any) -> list[Observation]:
    """Per certificate of the served chain, what TLSA records are compared with (RFC 6698 §2.1)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    attempt = res.scan_result.certificate_info
    if attempt is None or attempt.result is None or not attempt.result.certificate_deployments:
        return []
    out = []
    for cert in attempt.result.certificate_deployments[0].received_certificate_chain:
        der = cert.public_bytes(Encoding.DER)
        spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        out.append(
            {
                "subject": cert.subject.rfc4514_string(),
                "cert_sha256": hashlib.sha256(der).hexdigest(),
                "cert_sha512": hashlib.sha512(der).hexdigest(),
                "spki_sha256": hashlib.sha256(spki).hexdigest(),
                "spki_sha512": hashlib.sha512(spki).hexdigest(),
            }
        )
    return out


__all__ = ["collect", "observe_domain", "spf_observation", "parse_dmarc"]
