"""DNS probe (dnspython): per domain the NS set and whether each server answers authoritatively
(over IPv4 and IPv6), the DNSSEC status validated from the trust anchors, the CAA records that
apply (RFC 8659 tree climbing); per target the web host's AAAA/A records and whether its IPv6
addresses accept a connection. Observations only; secaudit/checks/dns and checks/web judge them.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

from secaudit.core.model import Target
from secaudit.probes.dnssec import QueryError, Validator
from secaudit.probes.domains import (
    DomainOptions,
    Resolvers,
    domains_for,
    is_ip,
    no_domain,
    options_from,
    printable,
)

Observation = dict[str, Any]


def collect(targets: list[Target], context: Any) -> list[Observation]:
    options = options_from(context)
    resolvers = Resolvers(options, context)
    wanted = sorted({d for t in targets for d in domains_for(t, options)})
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(wanted) + len(targets)))) as pool:
        by_domain = dict(zip(wanted, pool.map(lambda d: observe_domain(d, resolvers), wanted), strict=True))
        webs = list(pool.map(lambda t: observe_web(t, resolvers), targets))
    out = []
    for t, web in zip(targets, webs, strict=True):
        names = domains_for(t, options)
        obs = {"domains": [by_domain[d] for d in names]} if names else no_domain(t)
        obs["web"] = web
        obs["resolver"] = [str(s) for s in options.dns_servers] or ["system"]
        out.append(obs)
    return out


def observe_domain(domain: str, resolvers: Resolvers) -> Observation:
    started = time.monotonic()
    v = resolvers.validator()
    obs: Observation = {"domain": domain}
    if resolvers.cancelled():
        return obs | {"error": "cancelled / đã dừng"}
    try:
        if (gone := _nxdomain(domain, v)) is not None:
            return obs | {"error": gone, "queries": v.q.count}
        obs["nameservers"] = _nameservers(domain, v, resolvers.options)
        obs["dnssec"] = _dnssec(domain, v)
        obs["caa"] = _caa(domain, v)
    except Exception as exc:  # noqa: BLE001 - a bug here is this domain's error, never a pass
        obs["error"] = f"dns probe failed: {type(exc).__name__}: {exc}"
    obs["queries"] = v.q.count
    obs["elapsed_s"] = round(time.monotonic() - started, 3)
    return obs


def _nxdomain(domain: str, v: Validator) -> str | None:
    """A domain that does not exist is an error for every check (a typo must not read as a list
    of failures); NODATA (a host name below the apex) is fine."""
    res = v.lookup(domain, "SOA")
    if res["rcode"] == "NXDOMAIN":
        return f"{domain} does not exist (NXDOMAIN) / tên miền không tồn tại"
    return None


def _texts(rrset: Any) -> list[str]:
    return [] if rrset is None else sorted(r.to_text() for r in rrset)


def addresses(v: Validator, host: str) -> tuple[list[str], list[str], str | None]:
    """(A, AAAA, error) of ``host`` through the scan's resolver."""
    found: dict[str, list[str]] = {"A": [], "AAAA": []}
    errors = []
    for rdtype in found:
        res = v.lookup(host, rdtype)
        if res["failed"]:
            errors.append(res["reason"])
        elif res["rcode"] == "NXDOMAIN" and not errors:
            errors.append(f"{host} does not exist (NXDOMAIN)")
        found[rdtype] = _texts(res["rrset"])
    return found["A"], found["AAAA"], "; ".join(dict.fromkeys(errors)) or None


def _nameservers(domain: str, v: Validator, options: DomainOptions) -> Observation:
    """The NS set of the domain's zone: a host name below the apex (www.agency.vn) has none of its
    own, so climb to the closest name that has one (as internet.nl does), never above the TLD."""
    name = dns.name.from_text(domain)
    while True:
        res = v.lookup(name, "NS")
        if res["failed"]:
            return {"error": res["reason"]}
        if res["rrset"] is not None or len(name.labels) <= 3:
            break
        name = name.parent()
    zone = name.to_text().rstrip(".") if res["rrset"] is not None else domain
    names = sorted(str(r.target).rstrip(".") for r in res["rrset"] or [])
    servers = []
    for ns in names:
        a, aaaa, err = addresses(v, ns)
        servers.append({"name": ns, "a": a, "aaaa": aaaa, "lookup_error": err, "answers": []})
    # every address at once: an unreachable one (often IPv6) costs one timeout, not one each
    asks = [(s, addr) for s in servers for addr in s["a"] + s["aaaa"]]
    if asks:
        with ThreadPoolExecutor(max_workers=min(8, len(asks))) as pool:
            answers = list(
                pool.map(lambda p: _ask_authoritative(zone, p[1], options.ns_port, options.timeout), asks)
            )
        for (s, _addr), answer in zip(asks, answers, strict=True):
            s["answers"].append(answer)
    return {"names": names, "zone": zone, "rcode": res["rcode"], "servers": servers, "port": options.ns_port}


def _ask_authoritative(domain: str, address: str, port: int, timeout: float) -> Observation:
    q = dns.message.make_query(domain, "SOA")
    q.flags &= ~dns.flags.RD  # an authoritative server must answer without recursion
    out: Observation = {"address": address, "family": 6 if ":" in address else 4}
    try:
        resp = dns.query.udp(q, address, port=port, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - timeouts, unreachable networks: recorded as such
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        return out
    soa = [r for r in resp.answer if r.rdtype == dns.rdatatype.SOA]
    out.update(
        ok=True,
        rcode=dns.rcode.to_text(resp.rcode()),
        authoritative=bool(resp.flags & dns.flags.AA),
        serial=soa[0][0].serial if soa else None,
    )
    return out


def _dnssec(domain: str, v: Validator) -> Observation:
    chain = v.chain(domain)
    soa = v.lookup(domain, "SOA")
    out = chain.to_dict()
    # the apex SOA must validate too (a signed zone with a broken signature on its data is bogus)
    out["soa"] = {"status": soa["status"], "reason": soa["reason"]}
    if chain.status == "secure" and soa["status"] != "secure":
        out.update(status=soa["status"], reason=soa["reason"])
    out["anchors"] = sorted(a.to_text() for a in v.anchors)
    return out


def _caa(domain: str, v: Validator) -> Observation:
    """RFC 8659 §3: the CAA set of the closest name (the domain, then its parents) that has one."""
    name = dns.name.from_text(domain)
    tried = []
    while len(name.labels) > 2:  # stop above the TLD: a TLD's CAA is not the agency's
        res = v.lookup(name, "CAA")
        tried.append(name.to_text().rstrip("."))
        if res["failed"]:
            return {"error": res["reason"], "tried": tried}
        if res["rrset"] is not None:
            records = [
                {
                    "flags": r.flags,
                    "tag": printable(r.tag.decode(errors="replace"), 64),
                    "value": printable(r.value.decode(errors="replace"), 512),
                }
                for r in res["rrset"]
            ]
            return {"found_at": tried[-1], "records": records, "dnssec": res["status"], "tried": tried}
        name = name.parent()
    return {"found_at": None, "records": [], "tried": tried}


def observe_web(target: Target, resolvers: Resolvers) -> Observation:
    host = target.host
    out: Observation = {"host": host, "port": target.port}
    if is_ip(host):
        out["ip_literal"] = True
        return out
    v = resolvers.validator()
    a, aaaa, err = addresses(v, host)
    out.update(a=a, aaaa=aaaa, lookup_error=err, ipv6_connect=[])
    for addr in aaaa:
        out["ipv6_connect"].append(_connect(addr, target.port, resolvers.options.timeout))
    return out


def _connect(address: str, port: int, timeout: float) -> Observation:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return {"address": address, "port": port, "ok": True}
    except OSError as exc:
        return {"address": address, "port": port, "ok": False, "error": exc.strerror or str(exc)}


__all__ = ["collect", "observe_domain", "observe_web", "addresses", "QueryError"]
