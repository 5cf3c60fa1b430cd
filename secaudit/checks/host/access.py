"""host.access.ssh, host.access.session:
judged from imported engine results (checks/host/judge.py, mapping.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.host.judge import judge_host
from secaudit.checks.host.observation import HostObservation


@check("host.access.ssh")
def ssh(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.access.ssh", obs, ctx)


@check("host.access.session")
def session(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.access.session", obs, ctx)
