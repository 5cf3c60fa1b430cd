"""mail.dane (internet.nl "DANE existence" and "DANE validity", required): every MX publishes
TLSA records at ``_<port>._tcp.<mx>`` in a DNSSEC-secure zone, and at least one of them matches
the certificate the MX presents (RFC 7672: DANE-EE(3) against the leaf, DANE-TA(2) against a CA
certificate of the chain; PKIX usages 0/1 are not used for SMTP)."""

from __future__ import annotations

import hashlib
from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain
from secaudit.checks.mail.common import MxError, locked_down, mx_records, receives_no_mail

_FIELD = {(0, 1): "cert_sha256", (0, 2): "cert_sha512", (1, 1): "spki_sha256", (1, 2): "spki_sha512"}


def _matches(rec: dict[str, Any], certs: list[dict[str, Any]]) -> bool:
    usage, selector, mtype = int(rec["usage"]), int(rec["selector"]), int(rec["mtype"])
    data = str(rec["data"]).lower()
    if usage == 3:
        candidates = certs[:1]
    elif usage == 2:
        candidates = certs[1:]
    else:
        return False
    if mtype == 0:  # full data: compare its digest with the certificate's / key's
        mtype, data = 1, hashlib.sha256(bytes.fromhex(data)).hexdigest()
    key = _FIELD.get((selector, mtype))
    return key is not None and any(str(c[key]).lower() == data for c in candidates)


def _server(s: dict[str, Any]) -> tuple[str, str]:
    name = s["exchange"]
    tlsa = s["tlsa"]
    records = list(tlsa["records"])
    status = tlsa["status"]
    if status == "error":
        return "error", f"{name}: {tlsa.get('reason', '')}"
    if status == "bogus":
        return "fail", f"{name}: TLSA bogus ({tlsa.get('reason', '')})"
    if not records:
        if status == "insecure":
            return "fail", f"{name}: no TLSA, and the MX zone is not DNSSEC-signed"
        return "fail", f"{name}: no TLSA record at {tlsa['name']}"
    if status != "secure":
        return "fail", f"{name}: TLSA in a zone that is not DNSSEC-secure ({status}): ignored by senders"
    certs = list(s.get("certificates") or [])
    if not certs:
        return "error", f"{name}: no certificate to compare (STARTTLS failed?)"
    if any(_matches(r, certs) for r in records):
        return "pass", f"{name}: TLSA matches"
    return "fail", f"{name}: no TLSA record matches the certificate presented"


def _judge(d: dict[str, Any]) -> Outcome:
    try:
        if receives_no_mail(d):
            if locked_down(d):
                return Outcome("pass", "no_mail", {}, {"null_mx": d["mx"].get("null_mx")})
            reason = "no MX: the domain receives no mail / tên miền không nhận thư"
            return Outcome("not_applicable", "no_mx", {"reason": reason}, {"reason": reason})
        mx_records(d)
    except MxError as exc:
        return Outcome.error(exc.reason)
    per = [(s, *_server(s)) for s in d["servers"]]
    evidence = {
        "servers": [
            {"exchange": s["exchange"], "tlsa": s["tlsa"], "status": st, "reason": why} for s, st, why in per
        ]
    }
    for status in ("fail", "error"):
        hit = [why for _, st, why in per if st == status]
        if hit:
            return Outcome(status, status, {"servers": hit, "reason": "; ".join(hit)}, evidence)
    return Outcome("pass", "pass", {"servers": [s["exchange"] for s, _, _ in per]}, evidence)


@check("mail.dane")
def dane(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("mail.dane", obs, _judge)
