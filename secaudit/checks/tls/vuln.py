"""tls.vuln.*: Heartbleed, OpenSSL CCS injection, ROBOT (metadata: vuln.yaml).

A loopback server cannot show these; tests prove them from recorded observations.
"""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import TlsObservation


@check("tls.vuln.heartbleed")
def heartbleed(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    vulnerable = need(obs.heartbleed).vulnerable
    return Outcome("fail" if vulnerable else "pass", evidence={"vulnerable": vulnerable})


@check("tls.vuln.ccs_injection")
def ccs_injection(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    vulnerable = need(obs.ccs_injection).vulnerable
    return Outcome("fail" if vulnerable else "pass", evidence={"vulnerable": vulnerable})


@check("tls.vuln.robot")
def robot(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    result = need(obs.robot).result
    evidence = {"result": result}
    if result.startswith("VULNERABLE"):
        return Outcome("fail", "fail", {"result": result}, evidence)
    if result.startswith("NOT_VULNERABLE"):
        return Outcome("pass", "pass", {"result": result}, evidence)
    # UNKNOWN_INCONSISTENT_RESULTS: the oracle test was not conclusive; not a pass.
    return Outcome.error(f"ROBOT test inconclusive ({result})", evidence)
