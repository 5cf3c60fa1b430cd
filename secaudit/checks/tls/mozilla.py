"""tls.mozilla.intermediate: sslyze's Mozilla configuration checker, as recorded at scan time
(metadata: mozilla.yaml)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import TlsObservation


@check("tls.mozilla.intermediate")
def mozilla(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    m = need(obs.mozilla)
    wanted = str(ctx.params.get("mozilla_config") or "intermediate")
    evidence: dict[str, Any] = {"config": m.config, "issues": dict(m.issues)}
    if m.config != wanted:
        # sslyze's checker needs a live scan: a stored verdict for another configuration cannot be re-used.
        reason = f"observation was checked against Mozilla '{m.config}', the profile asks for '{wanted}'"
        return Outcome.error(reason, evidence)
    if need(m.compliant):  # a boolean: "false" would have read as compliant
        return Outcome("pass", "pass", {"config": m.config}, evidence)
    issues = [f"{k}: {v}" for k, v in sorted(m.issues.items())]
    return Outcome("fail", "fail", {"config": m.config, "issues": "; ".join(issues) or "-"}, evidence)
