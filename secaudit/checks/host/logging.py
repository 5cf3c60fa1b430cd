"""host.logging.audit, host.logging.remote, host.logging.time:
judged from imported engine results (checks/host/judge.py, mapping.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.host.judge import judge_host
from secaudit.checks.host.observation import HostObservation


@check("host.logging.audit")
def audit(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.logging.audit", obs, ctx)


@check("host.logging.remote")
def remote(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.logging.remote", obs, ctx)


@check("host.logging.time")
def time(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.logging.time", obs, ctx)
