"""tls.renegotiation.secure: RFC 5746 renegotiation, no client-initiated one
(metadata: renegotiation.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import TlsObservation


@check("tls.renegotiation.secure")
def renegotiation(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    r = need(obs.renegotiation)
    evidence = {
        "supports_secure_renegotiation": r.supports_secure_renegotiation,
        "client_renegotiation_dos": r.client_renegotiation_dos,
    }
    if not r.supports_secure_renegotiation:
        return Outcome("fail", "fail_insecure", {}, evidence)
    if r.client_renegotiation_dos:
        return Outcome("fail", "fail_client_initiated", {}, evidence)
    return Outcome("pass", "pass", {}, evidence)
