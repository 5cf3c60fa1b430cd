"""tls.cipher.*: the cipher suites the server accepts (metadata: cipher.yaml)."""

from __future__ import annotations

import re
from typing import Any

from secaudit.checks import CheckContext, Outcome, check, shown
from secaudit.checks.observation import Broken, need
from secaudit.checks.tls.observation import ALL_PROTOCOLS, Suite, TlsObservation

MIN_DH_BITS = 2048  # finite-field DHE groups (Mozilla intermediate, BSI TR-02102-2, NIST SP 800-57)
MIN_ECDH_BITS = 256  # ECDHE curves
# X25519 (253-bit field) and X448 give 128/224-bit security: never "short".
STRONG_CURVES = {"X25519", "X448"}


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


def curve_bits(name: str) -> int | None:
    """Field size of a named curve ("secp224r1" -> 224, "prime256v1" -> 256); None if unknown."""
    if name in STRONG_CURVES:
        return None
    m = re.search(r"(\d{3})", name)
    return int(m.group(1)) if m else None


def key_exchange_weakness(suite: Suite) -> tuple[list[str], list[str]]:
    """(why the suite's ephemeral key fails, why it only warns) from the recorded key facts."""
    kex = suite.kex
    if kex is None:
        return [], []
    if kex.type == "DH":
        fail = [f"DHE-{kex.size} < {MIN_DH_BITS}"] if kex.size is not None and kex.size < MIN_DH_BITS else []
        if kex.dh_modulus == "composite":
            fail.append("DH modulus is not a prime")
        # A prime p with (p-1)/2 not prime has small subgroups a peer can force keys into
        # (Lim-Lee); judged warn, not fail: it is exploitable only with a key reused across
        # handshakes, which a server cannot be seen doing from outside.
        warn = ["DH prime is not a safe prime (small-subgroup risk)"] if kex.dh_modulus == "prime" else []
        return fail, warn
    if kex.type == "ECDH" and (kex.curve or "") not in STRONG_CURVES:
        bits = kex.size if kex.size is not None else curve_bits(kex.curve or "")
        if bits is not None and bits < MIN_ECDH_BITS:
            return [f"ECDHE {kex.curve or ''} {bits} < {MIN_ECDH_BITS}".replace("  ", " ")], []
    return [], []


@check("tls.cipher.weak_disabled")
def weak_disabled(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    protocols = need(obs.protocols)
    weak, warned = [], []
    for proto, s in protocols.suites():
        kex_fail, kex_warn = key_exchange_weakness(s)
        if why := weakness(s) + kex_fail:
            weak.append({"protocol": proto, "suite": s.name, "why": why})
        if kex_warn:
            warned.append({"protocol": proto, "suite": s.name, "why": kex_warn})
    curves = obs.curves.supported if obs.curves is not None and not isinstance(obs.curves, Broken) else ()
    short = [c for c in curves if (b := curve_bits(c)) is not None and b < MIN_ECDH_BITS]
    for c in short:
        weak.append(
            {"protocol": "ECDHE", "suite": c, "why": [f"curve {curve_bits(c)} < {MIN_ECDH_BITS} bits"]}
        )
    evidence: dict[str, Any] = {
        "weak_suites": weak,
        "min_dh_bits": MIN_DH_BITS,
        "min_ecdh_bits": MIN_ECDH_BITS,
    }
    if warned:
        evidence["warned_suites"] = warned
    if weak:
        listed = [f"{w['protocol']} {w['suite']} ({', '.join(w['why'])})" for w in weak]
        return Outcome("fail", "fail", {"suites": shown(listed), "count": len(weak)}, evidence)
    if errors := protocols.errors():
        return Outcome.error("; ".join(f"{p}: {e}" for p, e in errors.items()), evidence)
    count = sum(1 for _ in protocols.suites())
    if warned:
        listed = [f"{w['protocol']} {w['suite']}" for w in warned]
        return Outcome("warn", "warn_dh_group", {"suites": shown(listed), "count": len(warned)}, evidence)
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
