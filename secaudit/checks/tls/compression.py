"""tls.compression.disabled: TLS compression off (CRIME) (metadata: compression.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import TlsObservation


@check("tls.compression.disabled")
def compression(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    supported = need(obs.compression).supported
    return Outcome("fail" if supported else "pass", evidence={"supported": supported})
