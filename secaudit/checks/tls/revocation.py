"""The CRL part of a TLS deployment's observation (``deployments[i].crl``, written by
secaudit/probes/tls/crl.py), typed and validated once. Absent: no CRL applied (older bundles too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secaudit.checks.observation import Broken, as_dict, facet, get_dict, get_int, get_list, get_str


@dataclass(frozen=True)
class Crl:
    cert_status: str  # good | revoked | unknown (no CRL could be fetched or verified)
    revoked_source: str | None  # where the revoking CRL came from ("--ca-file" or its URL)
    revoked_certificate: int | None  # 0: the leaf, 1..: an intermediate
    revocation_reason: str | None
    revocation_time: str | None
    sources: tuple[dict[str, Any], ...]
    error: str | None = None  # the probe's own failure reading the CRLs


def crl_of(d: dict[str, Any], path: str) -> Crl | None | Broken:
    raw = d.get("crl")
    if raw is None:
        return None
    p = f"{path}.crl"

    def build() -> Crl:
        c = as_dict(raw, p)
        rev = get_dict(c, "revoked", p, None) or {}
        sources = tuple(as_dict(s, f"{p}.sources[{i}]") for i, s in enumerate(get_list(c, "sources", p, [])))
        return Crl(
            cert_status=get_str(c, "cert_status", p),
            revoked_source=get_str(rev, "source", f"{p}.revoked", None),
            revoked_certificate=get_int(rev, "certificate", f"{p}.revoked", None),
            revocation_reason=get_str(rev, "revocation_reason", f"{p}.revoked", None),
            revocation_time=get_str(rev, "revocation_time", f"{p}.revoked", None),
            sources=sources,
            error=get_str(c, "error", p, None),
        )

    return facet(build)


def crl_evidence(crl: Crl | None | Broken) -> dict[str, Any] | None:
    if crl is None:
        return None  # no CRL applied: evidence only, never a verdict by itself
    if isinstance(crl, Broken):
        return {"error": crl.reason}
    return {
        "cert_status": crl.cert_status,
        "source": crl.revoked_source,
        "certificate": crl.revoked_certificate,
        "revocation_reason": crl.revocation_reason,
        "revocation_time": crl.revocation_time,
        "sources": list(crl.sources),
        "error": crl.error,
    }
