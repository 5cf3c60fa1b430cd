"""mail.starttls (internet.nl "STARTTLS available" and the TLS tests of its mail category, required):
every MX offers STARTTLS and its TLS set-up passes the tls checks internet.nl requires for mail
(no legacy protocol or weak suite, TLS 1.2+, secure renegotiation, no compression, no known
vulnerability, a sound key and signature on the certificate). Trust chain, host name and expiry
are informational, as in internet.nl: mail servers authenticate MXs with DANE (mail.dane)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check, run_probe_checks
from secaudit.checks.dns.common import DomainsObservation, per_domain
from secaudit.checks.mail.common import both, judge_mx_servers
from secaudit.core.model import LANGS, Lang

# internet.nl's mail TLS tests and their weight (checks/scoring.py there): FAIL = required.
REQUIRED = (
    "tls.protocol.legacy_disabled",  # TLS version
    "tls.protocol.modern_enabled",
    "tls.cipher.weak_disabled",  # ciphers
    "tls.cipher.forward_secrecy",  # key exchange parameters
    "tls.renegotiation.secure",  # secure renegotiation
    "tls.compression.disabled",  # TLS compression
    "tls.cert.key",  # public key of the certificate
    "tls.cert.signature",  # signature of the certificate
    "tls.vuln.heartbleed",
    "tls.vuln.ccs_injection",
    "tls.vuln.robot",
)
# Informational for mail there (trust chain, host name): MTAs fall back to unauthenticated TLS,
# and DANE (mail.dane) is how a sender authenticates an MX. Kept in the evidence, never judged.
INFORMATIONAL = ("tls.cert.trusted", "tls.cert.hostname", "tls.cert.validity")


def _server(s: dict[str, Any], ctx: CheckContext) -> tuple[str, Lang, dict[str, Any]]:
    """(status, reason in vi/en, evidence) for one MX."""
    name = f"{s['exchange']}:{s['port']}"
    ev: dict[str, Any] = {"exchange": s["exchange"], "address": s.get("address"), "port": s["port"]}
    if s.get("error"):
        return "error", both(f"{name}: {s['error']}"), ev
    smtp = s["smtp"]
    if not smtp.get("connected"):
        err = smtp.get("error", "no connection")
        return (
            "error",
            {"vi": f"{name}: không kết nối được ({err})", "en": f"{name}: cannot connect ({err})"},
            ev,
        )
    if smtp.get("starttls") is not True:
        return (
            "fail",
            {
                "vi": f"{name}: không có STARTTLS (thư đi dạng rõ)",
                "en": f"{name}: no STARTTLS (mail travels in clear)",
            },
            ev,
        )
    tls = s["tls"]
    if tls.get("error"):
        err = tls["error"]
        return (
            "fail",
            {
                "vi": f"{name}: bắt tay STARTTLS thất bại ({err})",
                "en": f"{name}: STARTTLS handshake failed ({err})",
            },
            ev,
        )
    sub = CheckContext(host=s["exchange"], port=int(s["port"]), params=ctx.params, now=ctx.now)
    results = {r.id: r for r in run_probe_checks("tls", tls, sub)}
    ev["tls"] = {cid: r.status for cid, r in results.items()}
    failed = [cid for cid in REQUIRED if cid in results and results[cid].status == "fail"]
    errors = [cid for cid in REQUIRED if cid not in results or results[cid].status == "error"]
    ev["informational"] = {cid: results[cid].status for cid in INFORMATIONAL if cid in results}
    if failed:
        return (
            "fail",
            {
                lang: f"{name}: " + "; ".join(results[c].summary.get(lang, c) for c in failed)
                for lang in LANGS
            },
            ev,
        )
    if errors:
        ids = ", ".join(errors)
        return (
            "error",
            {"vi": f"{name}: chưa kiểm tra hết TLS ({ids})", "en": f"{name}: TLS not fully checked ({ids})"},
            ev,
        )
    return "pass", both(name), ev


@check("mail.starttls")
def starttls(obs: DomainsObservation, ctx: CheckContext) -> Outcome:
    return per_domain("mail.starttls", obs, lambda d: judge_mx_servers(d, lambda s: _server(s, ctx)))
