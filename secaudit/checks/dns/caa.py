"""dns.caa: CAA records name the CAs allowed to issue for the domain (internet.nl "CAA",
recommended: a missing or issue-less CAA set is a warning; a critical unknown tag blocks every
CA, so it fails)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain

KNOWN_TAGS = {"issue", "issuewild", "iodef", "contactemail", "contactphone", "issuemail", "issuevmc"}


def _judge(d: dict[str, Any]) -> Outcome:
    caa = d["caa"]
    if caa.get("error"):
        return Outcome.error(str(caa["error"]))
    records = list(caa["records"])
    evidence = {"found_at": caa.get("found_at"), "records": records, "tried": caa.get("tried", [])}
    if not records:
        return Outcome("warn", "missing", {}, evidence)
    critical = [
        r["tag"] for r in records if int(r["flags"]) & 128 and str(r["tag"]).lower() not in KNOWN_TAGS
    ]
    if critical:
        return Outcome("fail", "critical_unknown", {"tags": critical}, evidence)
    issuers = sorted(
        {
            str(r["value"]).split(";")[0].strip() or ";"
            for r in records
            if str(r["tag"]).lower() in ("issue", "issuewild")
        }
    )
    # RFC 8659 §4.3: issuewild governs wildcard names only, so without an issue tag any CA may issue
    # for the domain itself (internet.nl requires the issue tag)
    if not any(str(r["tag"]).lower() == "issue" for r in records):
        return Outcome("warn", "no_issue", {"found_at": caa.get("found_at")}, evidence)
    return Outcome("pass", "pass", {"issuers": issuers, "found_at": caa.get("found_at")}, evidence)


@check("dns.caa")
def caa(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("dns.caa", obs, _judge)
