"""mail.dmarc (internet.nl "DMARC existence" and "DMARC policy", required): exactly one DMARC
record at ``_dmarc.<domain>`` with ``p=quarantine`` or ``p=reject`` (``p=none`` only monitors);
``pct`` below 100 and report addresses outside the domain that did not authorise it (RFC 7489
§7.1) are warnings. A domain that sends no mail needs ``p=reject``."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain
from secaudit.checks.mail.common import MxError, effective_policy, receives_no_mail


def _judge(d: dict[str, Any]) -> Outcome:
    dmarc = d["dmarc"]
    if dmarc.get("error"):
        return Outcome.error(str(dmarc["error"]))
    records = list(dmarc["records"])
    tags = dict(dmarc.get("tags") or {})
    evidence = {
        "inherited_from": dmarc.get("inherited_from"),
        "name": dmarc.get("name"),
        "records": records,
        "tags": tags,
        "external_reporting": dmarc.get("external_reporting", []),
    }
    if not records:
        return Outcome("fail", "missing", {"name": dmarc.get("name", "")}, evidence)
    if len(records) > 1:
        return Outcome("fail", "multiple", {"count": len(records)}, evidence)
    policy = effective_policy(dmarc)
    if tags.get("v") != "DMARC1" or policy not in ("none", "quarantine", "reject"):
        return Outcome("fail", "malformed", {"record": records[0]}, evidence)
    try:
        no_mail = receives_no_mail(d)
    except MxError as exc:
        return Outcome.error(exc.reason, evidence)
    if no_mail and policy != "reject":
        return Outcome("fail", "no_mail_open", {"policy": policy}, evidence)
    if policy == "none":
        return Outcome("fail", "monitor_only", {}, evidence)
    # internet.nl "DMARC policy": at the organisational domain an sp=none leaves every subdomain
    # spoofable, as insufficient as p=none (sp is ignored on a record below it, RFC 7489 §6.3)
    at_org = not dmarc.get("inherited_from") and dmarc.get("org_domain") == d.get("domain")
    if at_org and str(tags.get("sp", "")).lower() == "none":
        return Outcome("fail", "subdomains_open", {"policy": policy}, evidence)
    pct_text = str(tags.get("pct", "100"))
    pct = int(pct_text) if pct_text.isdigit() else -1
    if not 0 <= pct <= 100:
        return Outcome("fail", "malformed", {"record": records[0]}, evidence)
    if pct < 100:
        return Outcome("warn", "pct", {"policy": policy, "pct": pct}, evidence)
    unauthorised = [
        e["host"] for e in dmarc.get("external_reporting") or [] if e.get("authorized") is not True
    ]
    if unauthorised:
        return Outcome("warn", "external", {"policy": policy, "hosts": unauthorised}, evidence)
    params = {
        "policy": policy,
        "adkim": tags.get("adkim", "r"),
        "aspf": tags.get("aspf", "r"),
        "rua": tags.get("rua", "-"),
    }
    return Outcome("pass", "no_mail" if no_mail else "pass", params, evidence)


@check("mail.dmarc")
def dmarc(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("mail.dmarc", obs, _judge)
