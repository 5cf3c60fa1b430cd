"""tls.cipher.*: the cipher suites the server accepts (metadata: cipher.yaml)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check, shown
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import ALL_PROTOCOLS, Suite, TlsObservation


def weakness(suite: Suite) -> list[str]:
    """Why a suite is weak (empty: it is not): NULL, anonymous, EXPORT, RC4, DES/3DES, < 128 bits."""
    name = suite.name.upper()
    why = []
    if "NULL" in name:
        why.append("NULL")
    if suite.anonymous or "_ANON_" in name:
        why.append("anonymous")
    if "EXPORT" in name:
        why.append("EXPORT")
    if "RC4" in name:
        why.append("RC4")
    if "3DES" in name or "_DES_" in name or "_DES40_" in name:
        why.append("DES/3DES")
    if suite.key_size is not None and suite.key_size < 128 and "NULL" not in why:
        why.append(f"{suite.key_size}-bit")
    return why


@check("tls.cipher.weak_disabled")
def weak_disabled(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    protocols = need(obs.protocols)
    weak = [
        {"protocol": proto, "suite": s.name, "why": why}
        for proto, s in protocols.suites()
        if (why := weakness(s))
    ]
    evidence: dict[str, Any] = {"weak_suites": weak}
    if weak:
        listed = [f"{w['protocol']} {w['suite']} ({', '.join(w['why'])})" for w in weak]
        return Outcome("fail", "fail", {"suites": shown(listed), "count": len(weak)}, evidence)
    if errors := protocols.errors():
        return Outcome.error("; ".join(f"{p}: {e}" for p, e in errors.items()), evidence)
    count = sum(1 for _ in protocols.suites())
    return Outcome("pass", "pass", {"count": count}, evidence | {"accepted_suites": count})


def is_forward_secret(suite: Suite) -> bool:
    return suite.name.startswith(("TLS_ECDHE_", "TLS_DHE_")) or suite.openssl_name.startswith(
        ("ECDHE-", "DHE-", "EDH-")
    )


@check("tls.cipher.forward_secrecy")
def forward_secrecy(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    # TLS 1.3 suites are always (EC)DHE; judge every suite of TLS 1.2 and older.
    protocols = need(obs.protocols)
    older = tuple(p for p in ALL_PROTOCOLS if p != "TLS 1.3")
    non_fs = [f"{proto} {s.name}" for proto, s in protocols.suites(older) if not is_forward_secret(s)]
    evidence: dict[str, Any] = {"non_forward_secret_suites": non_fs}
    if non_fs:
        return Outcome("fail", "fail", {"suites": shown(non_fs), "count": len(non_fs)}, evidence)
    errors = protocols.errors()
    if "TLS 1.2" in errors:
        return Outcome.error(f"TLS 1.2: {errors['TLS 1.2']}")
    return Outcome("pass", "pass", {}, evidence)
