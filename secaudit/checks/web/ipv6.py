"""web.ipv6 (internet.nl "IPv6 addresses for web server" and "IPv6 reachability of web server",
required): the web host has an AAAA record and a TCP connection to the target port succeeds on
every IPv6 address. (internet.nl's "same website on IPv4 and IPv6" is not compared here.)"""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation


@check("web.ipv6")
def ipv6(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    web = obs.raw.get("web")
    if not isinstance(web, dict):
        return Outcome.error("observation has no 'web' section")
    host = str(web.get("host", ctx.host))
    if web.get("ip_literal"):
        if ":" in host:
            return Outcome("pass", "literal", {"host": host}, {"host": host})
        reason = (
            f"mục tiêu {host} là địa chỉ IPv4, không phải tên máy chủ / "
            f"{host} is an IPv4 address, not a host name"
        )
        return Outcome("not_applicable", "not_applicable", {"reason": reason}, {"reason": reason})
    aaaa = list(web["aaaa"])
    evidence = {"host": host, "a": web.get("a", []), "aaaa": aaaa, "connect": web.get("ipv6_connect", [])}
    if not aaaa:
        if web.get("lookup_error"):
            return Outcome.error(str(web["lookup_error"]), evidence)
        return Outcome("fail", "no_aaaa", {"host": host}, evidence)
    failed = [
        f"[{c['address']}]:{c['port']} ({c.get('error', '')})"
        for c in web["ipv6_connect"]
        if c["ok"] is not True
    ]
    if failed:
        return Outcome("fail", "unreachable", {"host": host, "failed": failed}, evidence)
    return Outcome("pass", "pass", {"host": host, "aaaa": aaaa}, evidence)
