"""ports.risky_services: no risky service (telnet, SMB, databases... the profile's list) is
exposed (metadata: risky_services.yaml)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.ports.observation import PortsObservation, label


@check("ports.risky_services")
def risky_services(obs: PortsObservation, ctx: CheckContext) -> Outcome:
    risky = {int(p): str(s) for p, s in (ctx.params.get("risky_ports") or {}).items()}
    scan = need(obs.scan)
    scanned = set(scan.scanned)
    exposed = [
        {
            "port": p,
            "service": risky[p],
            "detected": scan.open[p].service,
            "product": scan.open[p].product,
            "version": scan.open[p].version,
        }
        for p in sorted(risky)
        if p in scan.open
    ]
    evidence: dict[str, Any] = {
        "address": obs.address,
        "exposed": exposed,
        "risky_ports_checked": sorted(p for p in risky if p in scanned),
    }
    if exposed:
        labels = [label(e["port"], e["service"]) for e in exposed]
        return Outcome("fail", "fail", {"ports": labels, "address": obs.address or ""}, evidence)
    # Re-judged under a profile listing ports that were never scanned: we cannot say "closed".
    unscanned = sorted(p for p in risky if p not in scanned)
    if unscanned:
        evidence["not_scanned"] = unscanned
        return Outcome("error", "not_scanned", {"ports": unscanned}, evidence)
    return Outcome("pass", "pass", {"count": len(risky), "address": obs.address or ""}, evidence)
