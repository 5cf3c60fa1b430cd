"""Shared infrastructure in the province summary (issue 14): providers, who depends on them, and a
provider's failing or expired requirement as ONE cause ("T.DES.07 hết hạn → ảnh hưởng 4 hệ thống").

``bundle_facts`` runs in the digest workers (province/trust.py) on the re-judged verdicts: a few
small dicts per bundle, only for requirements the bundle inherits. ``aggregate`` is pure, from the
inventory view and the chosen digests. Only verified, re-judged bundles say what a provider's
verdict is; the inventory says who depends on whom.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

# Worst first: the provider's verdict for a requirement over every system that inherits it.
_ORDER = ("fail", "not_reviewed", "error", "pass", "not_applicable")
_RECORD_KEYS = ("catalog", "requirement", "status", "note", "attested_by", "attested_at", "expires_at")


def _entry_digest(rec: Any) -> str | None:
    """A short digest of the provider's entry as one bundle carries it: bundles of several agencies
    must carry the same entry (an agency cannot speak for the data centre)."""
    if not isinstance(rec, dict):
        return None
    body = {k: rec.get(k) for k in _RECORD_KEYS}
    body["evidence"] = [
        (e.get("path"), e.get("sha256")) for e in rec.get("evidence") or [] if isinstance(e, dict)
    ]
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def bundle_facts(a: dict[str, Any], result: Any) -> dict[str, Any]:
    """{"declared": the bundle's system.inherits, "requirements": {REQ: {provider, status, cause,
    verdict, expires, entry}}} from a re-judged assessment ({} when it inherits nothing)."""
    from secaudit.assessment.inherit import declared

    try:
        decl = declared(a, None)
    except Exception:  # noqa: BLE001 - re-judging already said what is wrong with the bundle
        return {}
    if not decl:
        return {}
    reqs: dict[str, dict[str, Any]] = {}
    for judged in [result.primary, *result.additional]:
        for v in judged.verdicts:
            mark = getattr(v, "inherited_from", None)
            if not isinstance(mark, dict) or v.id in reqs:
                continue
            rec = v.attestation if isinstance(v.attestation, dict) else None
            reqs[v.id] = {
                "provider": mark.get("provider"),
                "status": mark.get("status"),  # the provider's half
                "cause": mark.get("cause"),
                "verdict": v.status,  # the system's verdict (checks on its own targets included)
                "expires": (rec or {}).get("effective_expires_at"),
                "entry": _entry_digest(rec),
            }
    return {"declared": decl, "requirements": reqs}


def declaration_problems(bundle_decl: Any, system: dict[str, Any] | None) -> list[str]:
    """The bundle's inheritance must be the inventory's: inheriting on one's own word would swap the
    system's answer for the data centre's (and leaving it out, the other way round)."""
    if system is None or "inherits" not in system:
        return []

    def norm(decl: Any) -> list[tuple[str, tuple[str, ...], bool]]:
        return sorted(
            (
                str(d.get("provider")),
                tuple(sorted(d.get("requirements") or [])),
                bool(d.get("require_review")),
            )
            for d in decl or []
            if isinstance(d, dict)
        )

    if norm(bundle_decl) == norm(system.get("inherits")):
        return []
    return [
        "kế thừa khác danh mục hệ thống / inheritance differs from the inventory (providers:, inherits:): "
        "đánh giá lại với đúng khai báo / assess again with the inventory's declaration"
    ]


def _worst(statuses: list[str]) -> str:
    return min(statuses, key=lambda s: _ORDER.index(s) if s in _ORDER else 0)


def aggregate(
    inventory: dict[str, Any] | None, chosen: list[tuple[str, Any]], agencies: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(providers, causes): every provider with the systems that depend on it and its verdict per
    inherited requirement; and each provider requirement that does not pass as one cause naming the
    systems it affects."""
    names = {(a["id"], s["id"]): s.get("name") or s["id"] for a in agencies for s in a["systems"]}
    by_key = {(aid, d.system): d for aid, d in chosen}
    declared: dict[str, dict[str, Any]] = {}
    for p in (inventory or {}).get("providers") or []:
        declared[p["id"]] = {"id": p["id"], "name": p["name"], "contact": p.get("contact") or ""}
    deps: dict[str, list[tuple[str, str, list[str]]]] = {}
    if inventory:
        for ag in inventory["agencies"]:
            for s in ag["systems"]:
                for d in s.get("inherits") or []:
                    deps.setdefault(d["provider"], []).append((ag["id"], s["id"], list(d["requirements"])))
    else:  # as the verified bundles declare it
        for (aid, sid), dg in by_key.items():
            for d in (dg.providers or {}).get("declared") or []:
                declared.setdefault(d["provider"], {"id": d["provider"], "name": d["name"], "contact": ""})
                deps.setdefault(d["provider"], []).append((aid, sid, list(d["requirements"])))
    providers, causes = [], []
    for pid, info in declared.items():
        systems, per_req = [], {}
        for aid, sid, reqs in deps.get(pid, []):
            dg = by_key.get((aid, sid))
            facts = (dg.providers or {}).get("requirements", {}) if dg is not None and dg.verified else {}
            systems.append(
                {
                    "agency": aid,
                    "system": sid,
                    "name": names.get((aid, sid), sid),
                    "requirements": reqs,
                    "verified": bool(dg is not None and dg.verified),
                }
            )
            for rid in reqs:
                row = per_req.setdefault(rid, {"id": rid, "seen": [], "systems": [], "entries": set()})
                f = facts.get(rid)
                row["systems"].append(f"{aid}/{sid}")
                if f is not None:
                    row["seen"].append((f"{aid}/{sid}", f))
                    if f.get("entry"):
                        row["entries"].add(f["entry"])
        reqs_out = []
        for rid in sorted(per_req):
            row = per_req[rid]
            seen = row["seen"]
            status = _worst([f["status"] for _, f in seen if f.get("status")]) if seen else None
            cause = Counter(f.get("cause") for _, f in seen if f.get("status") == status).most_common(1)
            affected = sorted(k for k, f in seen if f.get("status") not in ("pass", "not_applicable"))
            expires = sorted({f["expires"] for _, f in seen if isinstance(f.get("expires"), str)})
            out = {
                "id": rid,
                "status": status,  # None: no verified bundle says yet
                "cause": cause[0][0] if cause else None,
                "expires": expires[0] if expires else None,
                "systems": sorted(row["systems"]),
                "affected": affected,
                "assessed": len(seen),
                # Bundles of several agencies carrying different entries for the provider: flagged.
                "entries_differ": len(row["entries"]) > 1,
            }
            reqs_out.append(out)
            if affected:
                causes.append(
                    {
                        "provider": pid,
                        "name": info["name"],
                        "requirement": rid,
                        "status": status,
                        "cause": out["cause"],
                        "expires": out["expires"],
                        "systems": affected,
                        "n": len(affected),
                    }
                )
        providers.append({**info, "systems": systems, "requirements": reqs_out})
    causes.sort(key=lambda c: (-c["n"], c["provider"], c["requirement"]))
    return providers, causes


def inherited_label(d: Any, rid: str) -> str:
    """ " — kế thừa từ <provider> / inherited from <provider>" for a requirement the digest's system
    inherits (Mẫu 08's annex names where a verdict comes from), else ""."""
    facts = getattr(d, "providers", None) or {}
    f = (facts.get("requirements") or {}).get(rid)
    if not f:
        return ""
    names = {x.get("provider"): x.get("name") for x in facts.get("declared") or [] if isinstance(x, dict)}
    name = names.get(f.get("provider")) or f.get("provider")
    return f" — kế thừa từ {name} / inherited from {name}"


def annotate(requirements: list[dict[str, Any]], shared: list[dict[str, Any]]) -> None:
    """Each requirement row of the summary says how many systems take it from a provider
    (``inherited: [{provider, name, systems}]``): their verdicts are one provider answer, not N."""
    counts: dict[str, list[dict[str, Any]]] = {}
    for p in shared:
        for r in p["requirements"]:
            counts.setdefault(r["id"], []).append(
                {"provider": p["id"], "name": p["name"], "systems": len(r["systems"])}
            )
    for row in requirements:
        if row["id"] in counts:
            row["inherited"] = counts[row["id"]]
