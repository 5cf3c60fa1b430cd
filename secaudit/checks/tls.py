"""tls.* checks: pure judgements of the TLS probe's observation (secaudit/probes/tls.py).

Messages, severities and remediation live in tls.yaml beside this file. A section of the
observation that sslyze could not fill (``{"error": ...}``) makes only the checks reading it
``error``; never a pass.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from typing import Any

from secaudit.checks import CheckContext, Outcome, check

LEGACY = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1")
ALL_PROTOCOLS = (*LEGACY, "TLS 1.2", "TLS 1.3")
SHOW_MAX = 8  # items listed in a summary; the evidence keeps them all

# Signature algorithm OIDs using MD2/MD5/SHA-1 (RSA, DSA, ECDSA), for certificates whose hash
# the parser could not name.
WEAK_SIGNATURE_OIDS = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.3.14.3.2.29": "sha1WithRSASignature",
    "1.2.840.10040.4.3": "dsa-with-sha1",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
}
WEAK_HASHES = {"md2", "md4", "md5", "sha1"}


# --------------------------------------------------------------------------- helpers


def _error(reason: str) -> Outcome:
    return Outcome("error", "error", {"reason": reason}, {"reason": reason})


def _section_error(obs: dict[str, Any], name: str) -> Outcome | None:
    section = obs.get(name)
    if section is None:
        return _error(f"observation has no {name!r} section")
    if isinstance(section, dict) and section.get("error"):
        return _error(f"{name}: {section['error']}")
    return None


def _shown(items: list[str]) -> list[str]:
    return items if len(items) <= SHOW_MAX else [*items[:SHOW_MAX], f"... (+{len(items) - SHOW_MAX})"]


def _protocol_state(obs: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """(accepted protocols, {protocol: error}) in ALL_PROTOCOLS order."""
    protocols = obs["protocols"]
    accepted, errors = [], {}
    for name in ALL_PROTOCOLS:
        p = protocols.get(name)
        if p is None:
            errors[name] = "not tested"
        elif p.get("error"):
            errors[name] = str(p["error"])
        elif not isinstance(p.get("accepted"), bool) or not isinstance(p.get("suites"), list):
            # neither refused nor accepted on record: unknown, never "refused"
            errors[name] = "incomplete observation (no accepted/suites)"
        elif p["accepted"]:
            accepted.append(name)
    return accepted, errors


def _accepted_suites(obs: dict[str, Any], names: tuple[str, ...] = ALL_PROTOCOLS):
    for proto in names:
        for suite in (obs["protocols"].get(proto) or {}).get("suites") or []:
            yield proto, suite


def _deployments(obs: dict[str, Any]) -> list[dict[str, Any]]:
    deps = obs["certificate"]["deployments"]
    if not deps or not deps[0].get("chain"):
        raise ValueError("no certificate was received")
    return deps


def _certs_to_judge(chain: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Leaf and intermediates; a self-issued root sent along is the trust anchor's business."""
    out = []
    for i, cert in enumerate(chain):
        if i > 0 and cert.get("self_issued"):
            continue
        out.append(("leaf" if i == 0 else f"intermediate {i}", cert))
    return out


def _now(ctx: CheckContext) -> datetime:
    # A fixed "now" may be given (tests, re-judging at a reference date).
    now = ctx.params.get("now")
    if isinstance(now, datetime):
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    if now:
        return _parse_time(str(now))
    return datetime.now(timezone.utc)


def _parse_time(s: str) -> datetime:
    t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------- protocols and suites


@check("tls.protocol.legacy_disabled")
def legacy_disabled(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    accepted, errors = _protocol_state(obs)
    legacy = [p for p in accepted if p in LEGACY]
    evidence = {"accepted_protocols": accepted, "legacy_accepted": legacy}
    if legacy:
        return Outcome("fail", "fail", {"protocols": legacy}, evidence)
    untested = {p: e for p, e in errors.items() if p in LEGACY}
    if untested:
        reason = "; ".join(f"{p}: {e}" for p, e in untested.items())
        return Outcome("error", "error", {"reason": reason}, evidence | {"reason": reason})
    return Outcome("pass", "pass", {"protocols": accepted}, evidence)


@check("tls.protocol.modern_enabled")
def modern_enabled(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    accepted, errors = _protocol_state(obs)
    evidence = {"accepted_protocols": accepted}
    if "TLS 1.3" in accepted:
        return Outcome("pass", "pass", {"protocols": accepted}, evidence)
    if "TLS 1.3" in errors or ("TLS 1.2" in errors and "TLS 1.2" not in accepted):
        reason = "; ".join(f"{p}: {errors[p]}" for p in ("TLS 1.2", "TLS 1.3") if p in errors)
        return Outcome("error", "error", {"reason": reason}, evidence | {"reason": reason})
    if "TLS 1.2" in accepted:
        return Outcome("warn", "warn", {"protocols": accepted}, evidence)
    return Outcome("fail", "fail", {"protocols": accepted}, evidence)


def _weakness(suite: dict[str, Any]) -> list[str]:
    name = str(suite.get("name", "")).upper()
    why = []
    if "NULL" in name:
        why.append("NULL")
    if suite.get("anonymous") or "_ANON_" in name:
        why.append("anonymous")
    if "EXPORT" in name:
        why.append("EXPORT")
    if "RC4" in name:
        why.append("RC4")
    if "3DES" in name or "_DES_" in name or "_DES40_" in name:
        why.append("DES/3DES")
    size = suite.get("key_size")
    if isinstance(size, int) and size < 128 and "NULL" not in why:
        why.append(f"{size}-bit")
    return why


@check("tls.cipher.weak_disabled")
def weak_disabled(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    _accepted, errors = _protocol_state(obs)
    weak = [
        {"protocol": proto, "suite": s["name"], "why": why}
        for proto, s in _accepted_suites(obs)
        if (why := _weakness(s))
    ]
    evidence: dict[str, Any] = {"weak_suites": weak}
    if weak:
        shown = [f"{w['protocol']} {w['suite']} ({', '.join(w['why'])})" for w in weak]
        return Outcome("fail", "fail", {"suites": _shown(shown), "count": len(weak)}, evidence)
    if errors:
        reason = "; ".join(f"{p}: {e}" for p, e in errors.items())
        return Outcome("error", "error", {"reason": reason}, evidence | {"reason": reason})
    count = sum(1 for _ in _accepted_suites(obs))
    return Outcome("pass", "pass", {"count": count}, evidence | {"accepted_suites": count})


def _is_forward_secret(suite: dict[str, Any]) -> bool:
    name = str(suite.get("name", ""))
    ossl = str(suite.get("openssl_name", ""))
    return name.startswith(("TLS_ECDHE_", "TLS_DHE_")) or ossl.startswith(("ECDHE-", "DHE-", "EDH-"))


@check("tls.cipher.forward_secrecy")
def forward_secrecy(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    # TLS 1.3 suites are always (EC)DHE; judge every suite of TLS 1.2 and older.
    _accepted, errors = _protocol_state(obs)
    older = tuple(p for p in ALL_PROTOCOLS if p != "TLS 1.3")
    non_fs = [
        f"{proto} {s['name']}" for proto, s in _accepted_suites(obs, older) if not _is_forward_secret(s)
    ]
    evidence: dict[str, Any] = {"non_forward_secret_suites": non_fs}
    if non_fs:
        return Outcome("fail", "fail", {"suites": _shown(non_fs), "count": len(non_fs)}, evidence)
    if "TLS 1.2" in errors:
        return _error(f"TLS 1.2: {errors['TLS 1.2']}")
    return Outcome("pass", "pass", {}, evidence)


# --------------------------------------------------------------------------- certificate


@check("tls.cert.trusted")
def cert_trusted(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "certificate"):
        return err
    results = []
    for dep in _deployments(obs):
        stores = dep.get("path_validation") or []
        if not stores:
            return _error("sslyze ran no path validation")
        ok = [s["store"] for s in stores if s.get("ok")]
        failed = [s for s in stores if not s.get("ok")]
        # The reason users act on: the supplied CA file's (their own CA), else Mozilla's, else any.
        pick = (
            next((s for s in failed if s["store"] == "Supplied CA file"), None)
            or next((s for s in failed if s["store"] == "Mozilla"), None)
            or (failed[0] if failed else None)
        )
        results.append(
            {
                "leaf": dep["chain"][0].get("subject"),
                "trusted_by": ok,
                "reason": None if ok else (pick or {}).get("error"),
                "stores": [
                    {"store": s["store"], "ok": bool(s.get("ok")), "error": s.get("error")} for s in stores
                ],
            }
        )
    bad = [r for r in results if not r["trusted_by"]]
    evidence: dict[str, Any] = {"deployments": results}
    if bad:
        reason = str(bad[0]["reason"] or "no trust store validated the chain")
        evidence["reason"] = reason
        return Outcome("fail", "fail", {"reason": reason, "subject": bad[0]["leaf"]}, evidence)
    return Outcome("pass", "pass", {"stores": results[0]["trusted_by"]}, evidence)


def _host_matches(host: str, san_dns: list[str], san_ip: list[str]) -> bool:
    host = host.strip().rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        for value in san_ip:
            try:
                if ipaddress.ip_address(value) == ip:
                    return True
            except ValueError:
                continue
        return False
    return any(_dns_matches(host, pattern) for pattern in san_dns)


def _dns_matches(host: str, pattern: str) -> bool:
    pattern = pattern.strip().rstrip(".").lower()
    if "*" not in pattern:
        return host == pattern
    # RFC 6125 as browsers apply it: "*" is the whole left-most label, matches exactly one label,
    # and needs at least two labels after it ("*.com" matches nothing).
    first, _, rest = pattern.partition(".")
    if first != "*" or "*" in rest or rest.count(".") < 1:
        return False
    head, _, host_rest = host.partition(".")
    return bool(head) and host_rest == rest


@check("tls.cert.hostname")
def cert_hostname(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "certificate"):
        return err
    host = ctx.host
    leaves = [dep["chain"][0] for dep in _deployments(obs)]
    checked = []
    for leaf in leaves:
        names = list(leaf.get("san_dns") or []) + list(leaf.get("san_ip") or [])
        checked.append(
            {
                "subject": leaf.get("subject"),
                "san": names,
                "common_name": leaf.get("common_name"),
                "matches": _host_matches(host, leaf.get("san_dns") or [], leaf.get("san_ip") or []),
            }
        )
    evidence: dict[str, Any] = {"host": host, "leaves": checked}
    bad = [c for c in checked if not c["matches"]]
    if not bad:
        return Outcome("pass", "pass", {"host": host, "names": checked[0]["san"]}, evidence)
    first = bad[0]
    if not first["san"]:
        # Browsers ignore the subject CN since 2017: a certificate without SAN matches nothing.
        return Outcome("fail", "fail_no_san", {"host": host, "cn": first["common_name"] or "-"}, evidence)
    return Outcome("fail", "fail", {"host": host, "names": _shown(first["san"])}, evidence)


@check("tls.cert.validity")
def cert_validity(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "certificate"):
        return err
    now = _now(ctx)
    warn_days = int(ctx.params.get("cert_expiry_warn_days", 30))
    certs = []
    for dep in _deployments(obs):
        for role, cert in _certs_to_judge(dep["chain"]):
            nb, na = _parse_time(cert["not_before"]), _parse_time(cert["not_after"])
            certs.append(
                {
                    "role": role,
                    "subject": cert.get("subject"),
                    "not_before": cert["not_before"],
                    "not_after": cert["not_after"],
                    "days_left": (na - now).days,
                    "expired": na < now,
                    "not_yet_valid": nb > now,
                }
            )
    evidence: dict[str, Any] = {"now": now.isoformat(), "warn_days": warn_days, "certificates": certs}
    for c in certs:
        if c["expired"]:
            return Outcome(
                "fail",
                "fail_expired",
                {"subject": c["subject"], "not_after": c["not_after"], "role": c["role"]},
                evidence,
            )
    for c in certs:
        if c["not_yet_valid"]:
            return Outcome(
                "fail",
                "fail_not_yet_valid",
                {"subject": c["subject"], "not_before": c["not_before"], "role": c["role"]},
                evidence,
            )
    soonest = min(certs, key=lambda c: c["days_left"])
    params = {
        "days": soonest["days_left"],
        "not_after": soonest["not_after"],
        "subject": soonest["subject"],
        "warn_days": warn_days,
    }
    if soonest["days_left"] < warn_days:
        return Outcome("warn", "warn", params, evidence)
    return Outcome("pass", "pass", params, evidence)


@check("tls.cert.key")
def cert_key(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "certificate"):
        return err
    min_rsa = int(ctx.params.get("min_rsa_bits", 2048))
    min_ec = int(ctx.params.get("min_ec_bits", 256))
    keys, weak = [], []
    for dep in _deployments(obs):
        for role, cert in _certs_to_judge(dep["chain"]):
            ktype, size = cert.get("key_type"), cert.get("key_size")
            entry = {"role": role, "subject": cert.get("subject"), "key_type": ktype, "key_size": size}
            keys.append(entry)
            limit = min_rsa if ktype in ("RSA", "DSA") else min_ec if ktype == "EC" else None
            if limit is not None and (size is None or size < limit):
                weak.append(f"{role} {ktype}-{size} < {limit}")
    evidence: dict[str, Any] = {"keys": keys, "min_rsa_bits": min_rsa, "min_ec_bits": min_ec}
    leaf = keys[0]
    if weak:
        return Outcome("fail", "fail", {"keys": weak}, evidence)
    return Outcome("pass", "pass", {"key_type": leaf["key_type"], "key_size": leaf["key_size"]}, evidence)


def _weak_signature(cert: dict[str, Any]) -> str | None:
    h = (cert.get("signature_hash") or "").lower()
    if h in WEAK_HASHES:
        return cert.get("signature_algorithm") or h
    return WEAK_SIGNATURE_OIDS.get(str(cert.get("signature_algorithm_oid")))


@check("tls.cert.signature")
def cert_signature(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "certificate"):
        return err
    sigs, weak = [], []
    for dep in _deployments(obs):
        for role, cert in _certs_to_judge(dep["chain"]):
            algo = cert.get("signature_algorithm") or cert.get("signature_algorithm_oid")
            sigs.append(
                {
                    "role": role,
                    "subject": cert.get("subject"),
                    "algorithm": algo,
                    "oid": cert.get("signature_algorithm_oid"),
                }
            )
            if bad := _weak_signature(cert):
                weak.append(f"{role} ({cert.get('subject')}): {bad}")
    evidence: dict[str, Any] = {"signatures": sigs}
    if weak:
        return Outcome("fail", "fail", {"certs": weak}, evidence)
    return Outcome("pass", "pass", {"algorithms": sorted({str(s["algorithm"]) for s in sigs})}, evidence)


# --------------------------------------------------------------------------- vulnerabilities and features


def _vulnerable_check(section: str):
    def judge(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
        if err := _section_error(obs, section):
            return err
        vulnerable = obs[section]["vulnerable"]
        if not isinstance(vulnerable, bool):
            raise TypeError(f"{section}.vulnerable is not a boolean")
        return Outcome("fail" if vulnerable else "pass", evidence={"vulnerable": vulnerable})

    return judge


check("tls.vuln.heartbleed")(_vulnerable_check("heartbleed"))
check("tls.vuln.ccs_injection")(_vulnerable_check("ccs_injection"))


@check("tls.vuln.robot")
def robot(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "robot"):
        return err
    result = str(obs["robot"]["result"])
    evidence = {"result": result}
    if result.startswith("VULNERABLE"):
        return Outcome("fail", "fail", {"result": result}, evidence)
    if result.startswith("NOT_VULNERABLE"):
        return Outcome("pass", "pass", {"result": result}, evidence)
    # UNKNOWN_INCONSISTENT_RESULTS: the oracle test was not conclusive; not a pass.
    reason = f"ROBOT test inconclusive ({result})"
    return Outcome("error", "error", {"reason": reason}, evidence | {"reason": reason})


@check("tls.renegotiation.secure")
def renegotiation(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "renegotiation"):
        return err
    r = obs["renegotiation"]
    evidence = {k: r[k] for k in ("supports_secure_renegotiation", "client_renegotiation_dos") if k in r}
    if not r["supports_secure_renegotiation"]:
        return Outcome("fail", "fail_insecure", {}, evidence)
    if r["client_renegotiation_dos"]:
        return Outcome("fail", "fail_client_initiated", {}, evidence)
    return Outcome("pass", "pass", {}, evidence)


@check("tls.compression.disabled")
def compression(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "compression"):
        return err
    supported = obs["compression"]["supported"]
    if not isinstance(supported, bool):
        raise TypeError("compression.supported is not a boolean")
    return Outcome("fail" if supported else "pass", evidence={"supported": supported})


@check("tls.mozilla.intermediate")
def mozilla(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    if err := _section_error(obs, "mozilla"):
        return err
    m = obs["mozilla"]
    config = str(m.get("config") or "intermediate")
    wanted = str(ctx.params.get("mozilla_config") or "intermediate")
    evidence: dict[str, Any] = {"config": config, "issues": dict(m.get("issues") or {})}
    if config != wanted:
        # sslyze's checker needs a live scan: a stored verdict for another configuration cannot be re-used.
        reason = f"observation was checked against Mozilla '{config}', the profile asks for '{wanted}'"
        return Outcome("error", "error", {"reason": reason}, evidence | {"reason": reason})
    if not isinstance(m["compliant"], bool):
        raise TypeError("mozilla.compliant is not a boolean")  # "false" would read as compliant
    if m["compliant"]:
        return Outcome("pass", "pass", {"config": config}, evidence)
    issues = [f"{k}: {v}" for k, v in sorted(evidence["issues"].items())]
    return Outcome("fail", "fail", {"config": config, "issues": "; ".join(issues) or "-"}, evidence)
