"""dns.dnssec: the domain's zone is signed and validates from the trust anchor (internet.nl
"DNSSEC existence" and "DNSSEC validity", both required)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain


def _judge(d: dict[str, Any]) -> Outcome:
    sec = d["dnssec"]
    status, reason = str(sec["status"]), str(sec.get("reason") or "")
    evidence = {"dnssec": status, "reason": reason, "zone": sec.get("zone"), "chain": sec.get("chain", [])}
    if status == "secure":
        return Outcome("pass", "pass", {"zone": sec.get("zone", "")}, evidence)
    if status == "insecure":
        chain = [str(step.get("zone", "")) for step in sec.get("chain") or [] if isinstance(step, dict)]
        if len(chain) >= 2:  # the walk proved it: the parent is signed and holds no DS for the zone
            return Outcome("fail", "unsigned", {"zone": chain[-1], "parent": chain[-2]}, evidence)
        return Outcome("fail", "insecure", {"reason": reason}, evidence)
    if status == "bogus":
        return Outcome("fail", "bogus", {"reason": reason}, evidence)
    return Outcome("error", "error", {"reason": reason or f"status {status!r}"}, evidence)


@check("dns.dnssec")
def dnssec(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("dns.dnssec", obs, _judge)
