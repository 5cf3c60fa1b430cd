"""mail.dane (internet.nl "DANE existence" and "DANE validity", required): every MX publishes
TLSA records at ``_<port>._tcp.<mx>`` in a DNSSEC-secure zone, and at least one of them matches
the certificate the MX presents (RFC 7672: DANE-EE(3) against the leaf, DANE-TA(2) against a CA
certificate of the chain; PKIX usages 0/1 are not used for SMTP)."""

from __future__ import annotations

import hashlib
from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.dns.common import DomainsObservation, per_domain
from secaudit.checks.mail.common import both, judge_mx_servers
from secaudit.core.model import Lang

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


def _server(s: dict[str, Any]) -> tuple[str, Lang, dict[str, Any]]:
    name = s["exchange"]
    tlsa = s["tlsa"]
    records = list(tlsa["records"])
    status = tlsa["status"]
    ev = {"exchange": name, "tlsa": tlsa}
    if status == "error":
        return "error", both(f"{name}: {tlsa.get('reason', '')}"), ev
    if status == "bogus":
        why = tlsa.get("reason", "")
        return (
            "fail",
            {"vi": f"{name}: TLSA hỏng chữ ký DNSSEC ({why})", "en": f"{name}: TLSA bogus ({why})"},
            ev,
        )
    if not records:
        if status == "insecure":
            return (
                "fail",
                {
                    "vi": f"{name}: không có TLSA, vùng của MX chưa ký DNSSEC",
                    "en": f"{name}: no TLSA, and the MX zone is not DNSSEC-signed",
                },
                ev,
            )
        return (
            "fail",
            {
                "vi": f"{name}: không có bản ghi TLSA tại {tlsa['name']}",
                "en": f"{name}: no TLSA record at {tlsa['name']}",
            },
            ev,
        )
    if status != "secure":
        return (
            "fail",
            {
                "vi": f"{name}: TLSA nằm trong vùng chưa an toàn DNSSEC ({status}): bên gửi bỏ qua",
                "en": f"{name}: TLSA in a zone that is not DNSSEC-secure ({status}): ignored by senders",
            },
            ev,
        )
    certs = list(s.get("certificates") or [])
    if not certs:
        return (
            "error",
            {
                "vi": f"{name}: không có chứng thư để so (STARTTLS lỗi?)",
                "en": f"{name}: no certificate to compare (STARTTLS failed?)",
            },
            ev,
        )
    if any(_matches(r, certs) for r in records):
        return "pass", both(name), ev
    return (
        "fail",
        {
            "vi": f"{name}: không bản ghi TLSA nào khớp chứng thư MX đưa ra",
            "en": f"{name}: no TLSA record matches the certificate presented",
        },
        ev,
    )


@check("mail.dane")
def dane(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("mail.dane", obs, lambda d: judge_mx_servers(d, _server))
