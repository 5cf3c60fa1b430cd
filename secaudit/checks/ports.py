"""Port checks: pure judgements of the ports probe's observation (see probes/ports.py)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check


def _open(obs: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(p["port"]): p for p in obs["open"]}


def _label(port: int, service: str) -> str:
    return f"{port}/{service}" if service else str(port)


@check("ports.risky_services")
def risky_services(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    risky = {int(p): str(s) for p, s in (ctx.params.get("risky_ports") or {}).items()}
    open_ports = _open(obs)
    scanned = {int(p) for p in obs["scanned"]}
    exposed = [
        {
            "port": p,
            "service": risky[p],
            "detected": open_ports[p].get("service", ""),
            "product": open_ports[p].get("product", ""),
            "version": open_ports[p].get("version", ""),
        }
        for p in sorted(risky)
        if p in open_ports
    ]
    evidence: dict[str, Any] = {
        "address": obs.get("address"),
        "exposed": exposed,
        "risky_ports_checked": sorted(p for p in risky if p in scanned),
    }
    if exposed:
        labels = [_label(e["port"], e["service"]) for e in exposed]
        return Outcome("fail", "fail", {"ports": labels, "address": obs.get("address", "")}, evidence)
    # Re-judged under a profile listing ports that were never scanned: we cannot say "closed".
    unscanned = sorted(p for p in risky if p not in scanned)
    if unscanned:
        evidence["not_scanned"] = unscanned
        return Outcome("error", "not_scanned", {"ports": unscanned}, evidence)
    return Outcome("pass", "pass", {"count": len(risky), "address": obs.get("address", "")}, evidence)


@check("ports.unexpected_open")
def unexpected_open(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if ctx.expected_ports is None:
        reason = "no expected_ports declared / hệ thống chưa khai báo expected_ports"
        return Outcome("not_applicable", "not_declared", {"reason": reason}, {"reason": reason})
    # The port being audited is expected by definition, even if the list omits it.
    expected = sorted({int(p) for p in ctx.expected_ports} | {int(ctx.port)})
    open_ports = _open(obs)
    unexpected = [
        {"port": p, "service": open_ports[p].get("service", "")}
        for p in sorted(open_ports)
        if p not in expected
    ]
    evidence: dict[str, Any] = {
        "address": obs.get("address"),
        "expected": expected,
        "open": sorted(open_ports),
        "unexpected": unexpected,
        "scanned": obs["scanned"],
    }
    if unexpected:
        labels = [_label(u["port"], u["service"]) for u in unexpected]
        return Outcome("fail", "fail", {"ports": labels, "expected": expected}, evidence)
    return Outcome("pass", "pass", {"open": sorted(open_ports), "expected": expected}, evidence)
