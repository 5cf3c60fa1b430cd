"""host.hardening.packages, host.hardening.patches:
judged from imported engine results (checks/host/judge.py, mapping.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.host.judge import judge_host
from secaudit.checks.host.observation import HostObservation


@check("host.hardening.packages")
def packages(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.hardening.packages", obs, ctx)


@check("host.hardening.patches")
def patches(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.hardening.patches", obs, ctx)
