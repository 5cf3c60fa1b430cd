"""tls.protocol.*: which protocol versions the server accepts (metadata: protocol.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import LEGACY, TlsObservation


@check("tls.protocol.legacy_disabled")
def legacy_disabled(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    protocols = need(obs.protocols)
    accepted, errors = protocols.accepted(), protocols.errors()
    legacy = [p for p in accepted if p in LEGACY]
    evidence = {"accepted_protocols": accepted, "legacy_accepted": legacy}
    if legacy:
        return Outcome("fail", "fail", {"protocols": legacy}, evidence)
    untested = {p: e for p, e in errors.items() if p in LEGACY}
    if untested:
        return Outcome.error("; ".join(f"{p}: {e}" for p, e in untested.items()), evidence)
    return Outcome("pass", "pass", {"protocols": accepted}, evidence)


@check("tls.protocol.modern_enabled")
def modern_enabled(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    protocols = need(obs.protocols)
    accepted, errors = protocols.accepted(), protocols.errors()
    evidence = {"accepted_protocols": accepted}
    if "TLS 1.3" in accepted:
        return Outcome("pass", "pass", {"protocols": accepted}, evidence)
    if "TLS 1.3" in errors or "TLS 1.2" in errors:
        # TLS 1.2 alone would be a warn, but an untested TLS 1.3 cannot be said missing
        return Outcome.error(
            "; ".join(f"{p}: {errors[p]}" for p in ("TLS 1.2", "TLS 1.3") if p in errors), evidence
        )
    if "TLS 1.2" in accepted:
        return Outcome("warn", "warn", {"protocols": accepted}, evidence)
    return Outcome("fail", "fail", {"protocols": accepted}, evidence)
