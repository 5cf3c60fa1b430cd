"""ports.unexpected_open: every open port is in the system's expected_ports (only judged when
declared) (metadata: unexpected_open.yaml)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.ports.observation import PortsObservation, label


@check("ports.unexpected_open")
def unexpected_open(obs: PortsObservation, ctx: CheckContext) -> Outcome:
    if ctx.expected_ports is None:
        reason = "hệ thống chưa khai báo expected_ports / no expected_ports declared"
        return Outcome("not_applicable", "not_declared", {"reason": reason}, {"reason": reason})
    scan = need(obs.scan)
    # The port being audited is expected by definition, even if the list omits it.
    expected = sorted({int(p) for p in ctx.expected_ports} | {int(ctx.port)})
    unexpected = [
        {"port": p, "service": scan.open[p].service} for p in sorted(scan.open) if p not in expected
    ]
    evidence: dict[str, Any] = {
        "address": obs.address,
        "expected": expected,
        "open": sorted(scan.open),
        "unexpected": unexpected,
        "scanned": list(scan.scanned),
    }
    if unexpected:
        labels = [label(u["port"], u["service"]) for u in unexpected]
        return Outcome("fail", "fail", {"ports": labels, "expected": expected}, evidence)
    return Outcome("pass", "pass", {"open": sorted(scan.open), "expected": expected}, evidence)
