"""host.integrity.aide:
judged from imported engine results (checks/host/judge.py, mapping.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.host.judge import judge_host
from secaudit.checks.host.observation import HostObservation


@check("host.integrity.aide")
def aide(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.integrity.aide", obs, ctx)
