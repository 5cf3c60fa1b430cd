"""http.csp: a Content-Security-Policy is enforced; warn if scripts are left open (metadata: csp.yaml)."""

from __future__ import annotations

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, clip
from secaudit.checks.observation import need

# Sources that let any origin (of that scheme) in.
ANY_SOURCE = ("*", "http:", "https:")


def parse_csp(value: str) -> dict[str, list[str]]:
    """Directive -> sources (lower-cased); the first occurrence of a directive wins (CSP3)."""
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name not in out:
            out[name] = [t.lower() for t in tokens[1:]]
    return out


def script_risks(policy: dict[str, list[str]]) -> list[str]:
    """What this one policy lets scripts do: unrestricted | unsafe-inline | unsafe-eval | data:."""
    sources = policy.get("script-src", policy.get("default-src"))
    if sources is None:
        return ["unrestricted"]
    risks: list[str] = []
    # A nonce or hash makes browsers ignore 'unsafe-inline' (CSP2+): it is then a fallback only.
    hashed = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in sources)
    if "'unsafe-inline'" in sources and not hashed:
        risks.append("'unsafe-inline'")
    if "'unsafe-eval'" in sources:
        risks.append("'unsafe-eval'")
    if "data:" in sources:
        risks.append("data:")
    if any(s in ANY_SOURCE for s in sources):
        risks.append("any-source")
    return risks


@check("http.csp")
def csp(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    ev = obs.base_evidence(sec)
    values = sec.values("Content-Security-Policy")
    if not values:
        report_only = sec.values("Content-Security-Policy-Report-Only")
        if report_only:
            ev["report_only"] = clip(report_only[0])
            return Outcome("fail", "fail_report_only", {}, ev)
        return Outcome("fail", "fail_missing", {}, ev)
    ev["policies"] = [clip(v) for v in values]
    # Several policies are all enforced: a risk exists only if every policy allows it.
    per_policy = [set(script_risks(parse_csp(v))) for v in values]
    risks = sorted(set.intersection(*per_policy))
    if "unrestricted" in risks:
        risks = ["unrestricted"]
    ev["script_risks"] = risks
    if risks:
        return Outcome("warn", "warn_unsafe", {"risks": risks}, ev)
    return Outcome("pass", "pass", {}, ev)
