"""tls.cert.*: the certificate chain(s) the server sends (metadata: cert.yaml).

sslyze may report several deployments (e.g. an RSA and an ECDSA chain): every one is judged, and
the worst decides - one untrusted or expired chain fails the check even if another is fine.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from secaudit.checks import CheckContext, Outcome, check, shown
from secaudit.checks.observation import Broken, need
from secaudit.checks.tls.observation import Cert, Deployment, TlsObservation
from secaudit.checks.tls.revocation import crl_evidence

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
# The reason users act on: their own CA file's, else Mozilla's, else any store's.
STORE_PREFERENCE = ("Supplied CA file", "Mozilla")


def _deployments(obs: TlsObservation) -> tuple[Deployment, ...]:
    return need(obs.certificate).deployments


# --------------------------------------------------------------------------- trust


def _ocsp_evidence(dep: Deployment) -> dict[str, Any] | None:
    o = dep.ocsp
    if o is None:
        return None  # nothing stapled: evidence only, never a verdict by itself
    if isinstance(o, Broken):
        return {"error": o.reason}
    return {
        "response_status": o.response_status,
        "cert_status": o.cert_status,
        "responder": o.responder,
        "produced_at": o.produced_at,
        "next_update": o.next_update,
        "revocation_reason": o.revocation_reason,
        "trusted": o.trusted,
    }


def _trust_of(dep: Deployment) -> dict[str, Any]:
    stores = need(dep.trust)
    ok = [s.store for s in stores if s.ok]
    failed = [s for s in stores if not s.ok]
    pick = next((s for name in STORE_PREFERENCE for s in failed if s.store == name), None) or (
        failed[0] if failed else None
    )
    out: dict[str, Any] = {
        "leaf": dep.leaf.subject,
        "trusted_by": ok,
        "reason": None if ok else (pick.error if pick else None),
        "stores": [{"store": s.store, "ok": s.ok, "error": s.error} for s in stores],
        "ocsp": _ocsp_evidence(dep),
        "relaxed": None,
    }
    if (crl := crl_evidence(dep.crl)) is not None:
        out["crl"] = crl
    nf = dep.name_free
    if ok or nf is None or isinstance(nf, Broken):
        return out
    # sslyze's validation includes the host name; judge the chain as validated without it
    out["name_free_validation"] = {"ok": nf.ok, "store": nf.store, "error": nf.error}
    if nf.ok:
        out["trusted_by"] = [f"{nf.store}"]
        out["name_set_aside"] = True  # a name mismatch is tls.cert.hostname's alone
        out["reason"] = None
    elif nf.time_ok:
        out["trusted_by"] = [f"{nf.store}"]
        out["name_set_aside"] = True
        out["time_set_aside"] = True  # expired / not yet valid: tls.cert.validity's alone
        out["reason"] = None
    elif nf.signature_ok:
        out["trusted_by"] = ["path to a trust anchor, weak signature hash set aside"]
        out["name_set_aside"] = True
        out["signature_set_aside"] = True  # SHA-1 / MD5: tls.cert.signature's alone
        out["reason"] = None
    elif nf.relaxed_ok:
        out["relaxed"] = {"set_aside": nf.set_aside, "strict_error": nf.error}
    elif nf.error:
        out["reason"] = nf.error
    return out


@check("tls.cert.trusted")
def cert_trusted(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    results = [_trust_of(dep) for dep in _deployments(obs)]
    evidence: dict[str, Any] = {"deployments": results}
    revoked = [r for r in results if (r["ocsp"] or {}).get("cert_status") == "revoked"]
    if revoked:
        o = revoked[0]["ocsp"]
        reason = f"stapled OCSP response: revoked ({o.get('revocation_reason') or 'unspecified'})"
        evidence["reason"] = reason
        params = {"subject": revoked[0]["leaf"], "responder": o.get("responder") or "-", "reason": reason}
        return Outcome("fail", "fail_revoked", params, evidence)
    by_crl = [r for r in results if (r.get("crl") or {}).get("cert_status") == "revoked"]
    if by_crl:
        c = by_crl[0]["crl"]
        which = f"intermediate {c['certificate']}" if c.get("certificate") else "leaf"
        why = c.get("revocation_reason") or "unspecified"
        reason = f"CRL {c.get('source')}: {which} revoked ({why}) at {c.get('revocation_time')}"
        evidence["reason"] = reason
        params = {"subject": by_crl[0]["leaf"], "source": c.get("source") or "-", "reason": reason}
        return Outcome("fail", "fail_revoked_crl", params, evidence)
    bad = [r for r in results if not r["trusted_by"] and not r["relaxed"]]
    if bad:
        reason = str(bad[0]["reason"] or "no trust store validated the chain")
        evidence["reason"] = reason
        return Outcome("fail", "fail", {"reason": reason, "subject": bad[0]["leaf"]}, evidence)
    relaxed = [r for r in results if r["relaxed"]]
    if relaxed:
        r = relaxed[0]["relaxed"]
        evidence["reason"] = str(r["strict_error"])
        params = {"subject": relaxed[0]["leaf"], "set_aside": r["set_aside"], "reason": r["strict_error"]}
        return Outcome("warn", "warn_relaxed", params, evidence)
    return Outcome("pass", "pass", {"stores": results[0]["trusted_by"]}, evidence)


# --------------------------------------------------------------------------- host name


def host_matches(
    host: str, san_dns: tuple[str, ...] | list[str], san_ip: tuple[str, ...] | list[str]
) -> bool:
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
    return any(dns_matches(host, pattern) for pattern in san_dns)


def dns_matches(host: str, pattern: str) -> bool:
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
def cert_hostname(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    host = ctx.host
    checked = []
    for dep in _deployments(obs):
        leaf = dep.leaf
        names = need(leaf.names)
        checked.append(
            {
                "subject": leaf.subject,
                "san": [*names.san_dns, *names.san_ip],
                "common_name": names.common_name,
                "matches": host_matches(host, names.san_dns, names.san_ip),
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
    return Outcome("fail", "fail", {"host": host, "names": shown(first["san"])}, evidence)


# --------------------------------------------------------------------------- validity


@check("tls.cert.validity")
def cert_validity(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    deployments = _deployments(obs)
    now = ctx.reference_time()
    warn_days = int(ctx.params.get("cert_expiry_warn_days", 30))
    certs = []
    for dep in deployments:
        for role, cert in dep.judged():
            v = need(cert.validity)
            certs.append(
                {
                    "role": role,
                    "subject": cert.subject,
                    "not_before": v.not_before_text,
                    "not_after": v.not_after_text,
                    # whole days left, rounded down: 29 days 23 hours is 29
                    "days_left": (v.not_after - now).days,
                    # valid up to and including the notAfter instant (RFC 5280 §4.1.2.5)
                    "expired": v.not_after < now,
                    "not_yet_valid": v.not_before > now,
                }
            )
    evidence: dict[str, Any] = {"now": now.isoformat(), "warn_days": warn_days, "certificates": certs}
    for c in certs:
        if c["expired"]:
            params = {"subject": c["subject"], "not_after": c["not_after"], "role": c["role"]}
            return Outcome("fail", "fail_expired", params, evidence)
    for c in certs:
        if c["not_yet_valid"]:
            params = {"subject": c["subject"], "not_before": c["not_before"], "role": c["role"]}
            return Outcome("fail", "fail_not_yet_valid", params, evidence)
    soonest = min(certs, key=lambda c: c["days_left"])
    params = {
        "days": soonest["days_left"],
        "not_after": soonest["not_after"],
        "subject": soonest["subject"],
        "warn_days": warn_days,
    }
    # warn while fewer than warn_days whole days are left; exactly warn_days left is a pass
    if soonest["days_left"] < warn_days:
        return Outcome("warn", "warn", params, evidence)
    return Outcome("pass", "pass", params, evidence)


# --------------------------------------------------------------------------- key and signature


@check("tls.cert.key")
def cert_key(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    deployments = _deployments(obs)
    min_rsa = int(ctx.params.get("min_rsa_bits", 2048))
    min_ec = int(ctx.params.get("min_ec_bits", 256))
    keys, weak = [], []
    for dep in deployments:
        for role, cert in dep.judged():
            key = need(cert.key)
            keys.append({"role": role, "subject": cert.subject, "key_type": key.type, "key_size": key.size})
            limit = min_rsa if key.type in ("RSA", "DSA") else min_ec if key.type == "EC" else None
            if limit is not None and (key.size is None or key.size < limit):
                weak.append(f"{role} {key.type}-{key.size} < {limit}")
    evidence: dict[str, Any] = {"keys": keys, "min_rsa_bits": min_rsa, "min_ec_bits": min_ec}
    if weak:
        return Outcome("fail", "fail", {"keys": weak}, evidence)
    leaf = keys[0]
    return Outcome("pass", "pass", {"key_type": leaf["key_type"], "key_size": leaf["key_size"]}, evidence)


def weak_signature(cert: Cert) -> str | None:
    sig = need(cert.signature)
    if (sig.hash or "").lower() in WEAK_HASHES:
        return sig.algorithm or sig.hash
    return WEAK_SIGNATURE_OIDS.get(str(sig.oid))


@check("tls.cert.signature")
def cert_signature(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    sigs, weak = [], []
    for dep in _deployments(obs):
        for role, cert in dep.judged():
            sig = need(cert.signature)
            algo = sig.algorithm or sig.oid
            sigs.append({"role": role, "subject": cert.subject, "algorithm": algo, "oid": sig.oid})
            if bad := weak_signature(cert):
                weak.append(f"{role} ({cert.subject}): {bad}")
    evidence: dict[str, Any] = {"signatures": sigs}
    if weak:
        return Outcome("fail", "fail", {"certs": weak}, evidence)
    return Outcome("pass", "pass", {"algorithms": sorted({str(s["algorithm"]) for s in sigs})}, evidence)
