"""dns.nameservers: at least two name servers (RFC 2182 §5), every address of each answers
authoritatively for the zone (no lame delegation), with the same SOA serial (a difference is a
warning); internet.nl's "Name servers: IPv6 addresses/reachability" (required) wants at least two
of them answering over IPv6."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain


def _judge(d: dict[str, Any]) -> Outcome:
    ns = d["nameservers"]
    if ns.get("error"):
        return Outcome.error(str(ns["error"]))
    names = list(ns["names"])
    servers = list(ns["servers"])
    evidence: dict[str, Any] = {"names": names, "servers": servers}
    if not names:
        return Outcome("fail", "none", {}, evidence)
    unreachable, lame, serials, v6 = [], [], set(), set()
    for s in servers:
        if not s["answers"]:
            unreachable.append(f"{s['name']} (no address: {s.get('lookup_error') or 'no A/AAAA'})")
        for a in s["answers"]:
            label = f"{s['name']} {a['address']}"
            if not a["ok"]:
                unreachable.append(f"{label} ({a.get('error', '')})")
            elif a["rcode"] != "NOERROR" or a["authoritative"] is not True:
                lame.append(f"{label} ({a['rcode']}, aa={a['authoritative']})")
            else:
                serials.add(a.get("serial"))
                if int(a["family"]) == 6:
                    v6.add(s["name"])
    evidence.update(lame=lame, unreachable=unreachable, serials=sorted(map(str, serials)), ipv6=sorted(v6))
    if lame:
        return Outcome("fail", "lame", {"servers": lame}, evidence)
    if len(names) < 2:
        return Outcome("fail", "single", {"names": names}, evidence)
    if unreachable:
        # cannot tell a dead server from our own network: say so rather than fail or pass
        return Outcome("error", "unreachable", {"servers": unreachable}, evidence)
    if len(serials) > 1:
        return Outcome("warn", "serials", {"serials": sorted(map(str, serials))}, evidence)
    if len(v6) < 2:
        return Outcome("fail", "ipv6", {"count": len(names), "ipv6": sorted(v6)}, evidence)
    return Outcome("pass", "pass", {"count": len(names), "names": names}, evidence)


@check("dns.nameservers")
def nameservers(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("dns.nameservers", obs, _judge)
