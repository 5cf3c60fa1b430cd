"""host.auth.password_policy, host.auth.lockout:
judged from imported engine results (checks/host/judge.py, mapping.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.host.judge import judge_host
from secaudit.checks.host.observation import HostObservation


@check("host.auth.password_policy")
def password_policy(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.auth.password_policy", obs, ctx)


@check("host.auth.lockout")
def lockout(obs: HostObservation, ctx: CheckContext) -> Outcome:
    return judge_host("host.auth.lockout", obs, ctx)
