"""mail.starttls (internet.nl "STARTTLS available" and the TLS tests of its mail category, required):
every MX offers STARTTLS and its TLS set-up passes the tls checks internet.nl requires for mail
(no legacy protocol or weak suite, TLS 1.2+, secure renegotiation, no compression, no known
vulnerability). Certificate and forward-secrecy findings are warnings: internet.nl does not score
mail certificates unless DANE is used (mail.dane), and MTAs fall back to plain text otherwise."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check, run_probe_checks
from secaudit.checks.dns.common import DomainsObservation, per_domain
from secaudit.checks.mail.common import MxError, locked_down, mx_records, receives_no_mail

REQUIRED = (
    "tls.protocol.legacy_disabled",
    "tls.protocol.modern_enabled",
    "tls.cipher.weak_disabled",
    "tls.renegotiation.secure",
    "tls.compression.disabled",
    "tls.vuln.heartbleed",
    "tls.vuln.ccs_injection",
    "tls.vuln.robot",
)
RECOMMENDED = ("tls.cipher.forward_secrecy", "tls.cert.key", "tls.cert.signature", "tls.cert.validity")


def _server(s: dict[str, Any], ctx: CheckContext) -> tuple[str, str, dict[str, Any]]:
    """(status, reason, evidence) for one MX."""
    name = f"{s['exchange']}:{s['port']}"
    ev: dict[str, Any] = {"exchange": s["exchange"], "address": s.get("address"), "port": s["port"]}
    if s.get("error"):
        return "error", f"{name}: {s['error']}", ev
    smtp = s["smtp"]
    if not smtp.get("connected"):
        return "error", f"{name}: {smtp.get('error', 'no connection')}", ev
    if smtp.get("starttls") is not True:
        return "fail", f"{name}: no STARTTLS / không có STARTTLS", ev
    tls = s["tls"]
    if tls.get("error"):
        return "fail", f"{name}: STARTTLS handshake failed ({tls['error']})", ev
    sub = CheckContext(host=s["exchange"], port=int(s["port"]), params=ctx.params, now=ctx.now)
    results = {r.id: r for r in run_probe_checks("tls", tls, sub)}
    ev["tls"] = {cid: r.status for cid, r in results.items()}
    failed = [cid for cid in REQUIRED if cid in results and results[cid].status == "fail"]
    errors = [cid for cid in REQUIRED if cid not in results or results[cid].status == "error"]
    weak = [cid for cid in RECOMMENDED if cid in results and results[cid].status in ("fail", "warn")]
    if failed:
        return "fail", f"{name}: " + "; ".join(results[c].summary.get("en", c) for c in failed), ev
    if errors:
        return "error", f"{name}: TLS not fully checked ({', '.join(errors)})", ev
    if weak:
        return "warn", f"{name}: " + "; ".join(results[c].summary.get("en", c) for c in weak), ev
    return "pass", name, ev


def _judge_with(ctx: CheckContext):
    def judge(d: dict[str, Any]) -> Outcome:
        try:
            if receives_no_mail(d):
                if locked_down(d):
                    return Outcome("pass", "no_mail", {}, {"null_mx": d["mx"].get("null_mx")})
                reason = "no MX: the domain receives no mail / tên miền không nhận thư"
                return Outcome("not_applicable", "no_mx", {"reason": reason}, {"reason": reason})
            mx_records(d)
        except MxError as exc:
            return Outcome.error(exc.reason)
        per = [_server(s, ctx) for s in d["servers"]]
        evidence = {"servers": [ev | {"status": st, "reason": why} for st, why, ev in per]}
        for status in ("fail", "error", "warn"):
            hit = [why for st, why, _ in per if st == status]
            if hit:
                return Outcome(status, status, {"servers": hit, "reason": "; ".join(hit)}, evidence)
        return Outcome("pass", "pass", {"servers": [why for _, why, _ in per]}, evidence)

    return judge


@check("mail.starttls")
def starttls(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("mail.starttls", obs, _judge_with(ctx))
