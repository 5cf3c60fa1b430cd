"""mail.spf (internet.nl "SPF existence" and "SPF policy", both required): one valid SPF record,
at most 10 DNS-querying terms (RFC 7208 §4.6.4), ending in ``-all`` or ``~all`` (internet.nl calls
both sufficiently strict); a domain that sends no mail needs ``v=spf1 -all`` exactly."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain
from secaudit.checks.mail.common import MxError, receives_no_mail

MAX_LOOKUPS = 10


def _effective_all(spf: dict[str, Any]) -> str | None:
    """The ``all`` that ends evaluation: the record's own, else its redirect's (RFC 7208 §6.1)."""
    if spf.get("all"):
        return str(spf["all"])
    target = spf.get("redirect")
    for inc in spf.get("includes") or []:
        if target and inc.get("domain") == target and inc.get("record"):
            return _effective_all(inc)
    return None


def _judge(d: dict[str, Any]) -> Outcome:
    spf = d["spf"]
    if spf.get("error"):
        return Outcome.error(str(spf["error"]))
    evidence = {
        k: spf.get(k) for k in ("record", "result", "lookups", "void_lookups", "all", "problem", "includes")
    }
    record = spf.get("record")
    if spf.get("result") == "temperror":
        return Outcome.error(str(spf.get("problem") or "SPF temperror"), evidence)
    if not record:
        if spf.get("result") == "permerror":
            return Outcome("fail", "permerror", {"problem": spf.get("problem", "")}, evidence)
        return Outcome("fail", "missing", {}, evidence)
    lookups = int(spf.get("lookups") or 0)
    if lookups > MAX_LOOKUPS:
        return Outcome("fail", "too_many", {"lookups": lookups, "record": record}, evidence)
    if spf.get("result") == "permerror":
        return Outcome("fail", "permerror", {"problem": spf.get("problem", ""), "record": record}, evidence)
    try:
        no_mail = receives_no_mail(d)
    except MxError as exc:
        return Outcome.error(exc.reason, evidence)
    terms = [str(t).lower() for t in spf.get("terms") or []]
    if no_mail:
        if terms == ["-all"]:
            return Outcome("pass", "no_mail", {"record": record}, evidence)
        return Outcome("fail", "no_mail_open", {"record": record}, evidence)
    final = _effective_all(spf)
    if final in ("-all", "~all"):
        return Outcome("pass", "pass", {"record": record, "all": final, "lookups": lookups}, evidence)
    return Outcome("fail", "weak", {"record": record, "all": final or "(none: neutral)"}, evidence)


@check("mail.spf")
def spf(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("mail.spf", obs, _judge)
