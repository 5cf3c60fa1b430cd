"""Facts several mail checks need about one domain's observation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from secaudit.checks import Outcome
from secaudit.core.model import LANGS, Lang


def mx_records(d: dict[str, Any]) -> list[dict[str, Any]]:
    mx = d["mx"]
    if mx.get("error"):
        raise MxError(str(mx["error"]))
    return [m for m in mx["records"] if m["exchange"]]


class MxError(Exception):
    """The MX lookup itself failed: nothing about the domain's mail can be judged."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def receives_no_mail(d: dict[str, Any]) -> bool:
    """No MX at all, or a null MX (RFC 7505)."""
    return bool(d["mx"].get("null_mx")) or not mx_records(d)


def spf_rejects_all(d: dict[str, Any]) -> bool:
    spf = d.get("spf") or {}
    return bool(spf.get("record")) and [t.lower() for t in spf.get("terms") or []] == ["-all"]


def effective_policy(dmarc: dict[str, Any]) -> str:
    """p=, or sp= when the record was inherited from the organisational domain (RFC 7489 §6.6.3)."""
    tags = dmarc.get("tags") or {}
    if dmarc.get("inherited_from") and tags.get("sp"):
        return str(tags["sp"]).lower()
    return str(tags.get("p", "")).lower()


def dmarc_policy(d: dict[str, Any]) -> str | None:
    dmarc = d.get("dmarc") or {}
    if dmarc.get("error") or len(dmarc.get("records") or []) != 1:
        return None
    return effective_policy(dmarc) or None


def locked_down(d: dict[str, Any]) -> bool:
    """The no-mail posture: null MX or ``v=spf1 -all``, plus DMARC ``p=reject``."""
    return (bool(d["mx"].get("null_mx")) or spf_rejects_all(d)) and dmarc_policy(d) == "reject"


def both(text: str) -> Lang:
    """A technical string (a host name, a library's message) shown as is in both languages."""
    return {lang: text for lang in LANGS}


def servers_outcome(per: list[tuple[str, Lang, dict[str, Any]]]) -> Outcome:
    """One result from each MX's (status, reason, evidence): the worst status, its MXs named."""
    # the reason in both languages: reports show the reader's copy (the `_vi`/`_en` convention)
    evidence = {
        "servers": [
            ev | {"status": st, "reason_vi": why["vi"], "reason_en": why["en"]} for st, why, ev in per
        ]
    }
    for status in ("fail", "error"):
        hit = [why for st, why, _ in per if st == status]
        if hit:
            params = {f"servers_{lang}": "; ".join(w[lang] for w in hit) for lang in LANGS}
            params["reason"] = params["servers_en"]
            return Outcome(status, f"mx_{status}", params, evidence)
    params = {f"servers_{lang}": ", ".join(w[lang] for _, w, _ in per) for lang in LANGS}
    return Outcome("pass", "pass", params, evidence)


ServerJudge = Callable[[dict[str, Any]], "tuple[str, Lang, dict[str, Any]]"]


def judge_mx_servers(d: dict[str, Any], server: ServerJudge) -> Outcome:
    """One domain's verdict from each scanned MX (mail.starttls, mail.dane alike): a domain without
    MX passes only when it is locked down; an unscanned MX keeps the verdict from passing."""
    try:
        if receives_no_mail(d):
            if locked_down(d):
                return Outcome("pass", "no_mail", {}, {"null_mx": d["mx"].get("null_mx")})
            reason = "tên miền không nhận thư (không có MX) / no MX: the domain receives no mail"
            return Outcome("not_applicable", "no_mx", {"reason": reason}, {"reason": reason})
        mx_records(d)
    except MxError as exc:
        return Outcome.error(exc.reason)
    out = servers_outcome([server(s) for s in d["servers"]])
    skipped = d["mx"].get("not_scanned") or []
    if skipped and out.status == "pass":  # unscanned MXs: we cannot say every MX is sound
        names = ", ".join(skipped)
        params = {"servers_vi": f"chưa quét {names}", "servers_en": f"not scanned: {names}", "reason": names}
        return Outcome("error", "mx_error", params, out.evidence)
    return out
