"""host.firewall:
judged from imported engine results (checks/host/judge.py, mapping.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.host.judge import judge_host
from secaudit.checks.host.observation import HostObservation


@check("host.firewall")
def firewall(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.firewall", obs, ctx)
