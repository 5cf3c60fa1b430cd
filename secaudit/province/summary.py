"""Province-wide aggregation of assessment bundles (DESIGN §7 "province summary", §9 "Summary").

``aggregate`` is a pure function from digests (see ``digest``) + inventory to the summary JSON.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

# --------------------------------------------------------------------------- inventory
from secaudit.province.digest import (
    DEFAULT_TRANSITION_DEADLINE,
    NEW_REGIME_CATALOG,
    SCHEMA,
    Digest,
    digest_dir,
    period_key,
    profile_catalog_id,
    shipped_catalog,
)


def load_inventory_view(path: str | Path) -> dict[str, Any]:
    """The few inventory fields the summary needs (validated by inventory.load_inventory)."""
    from secaudit.config.inventory import load_inventory

    inv = load_inventory(path, check_profiles=False)  # profiles matter to assess, not to summarise
    goal = inv.goal_pct
    return {
        "province": inv.province,
        "period": str(inv.period),
        "due": inv.due,
        "target": {"level": inv.goal_level, "goal_pct": int(goal) if float(goal).is_integer() else goal},
        "reporting": dict(inv.reporting),
        "transition_deadline": inv.transition_deadline,
        "agencies": [
            {
                "id": a.id,
                "name": a.name,
                "type": a.type,
                "contact": a.contact,
                "representative": a.representative,
                "address": a.address,
                "phone": a.phone,
                "email": a.email,
                "security_unit": dict(a.security_unit),
                "systems": [_system_view(s, a.name) for s in a.systems],
            }
            for a in inv.agencies
        ],
    }


def _system_view(s: Any, agency_name: str) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "level": s.level,
        "profiles": list(s.profiles),
        "owner": s.owner or agency_name,
        "operator": s.operator,
        "approval_status": s.approval_status,
        "approval_decision": s.approval_decision,
        "quy_che_decision": s.quy_che_decision,
        "expected_approval_date": s.expected_approval_date,
        "deployment": s.deployment,
        "expected_deployment_date": s.expected_deployment_date,
        "check_type": s.check_type,
        "roadmap": dict(s.roadmap),
    }


# --------------------------------------------------------------------------- aggregation


def _pick(cands: list[Digest]) -> Digest:
    """Several bundles for one system and period: a verified one, then the latest assessment."""
    return max(cands, key=lambda d: (d.verified, d.assessed_at, d.file))


def _pct(n: int, total: int) -> float | None:
    return round(100.0 * n / total, 1) if total else None


def aggregate(
    digests: list[Digest],
    inventory: dict[str, Any] | None,
    period: str | None,
    keyring_given: bool,
    today: date | None = None,
    new_catalog: str = NEW_REGIME_CATALOG,
) -> dict[str, Any]:
    """The summary JSON (contract keys + extras) from digests; pure but for ``today`` (default: now)."""
    bundles = [d for d in digests if not d.error]
    if period is None:
        period = inventory["period"] if inventory and inventory.get("period") else None
    if period is None:
        period = max((d.period for d in bundles), key=period_key, default="")
    target = dict(inventory["target"]) if inventory else {"level": 3, "goal_pct": 100}
    tlevel = target["level"]

    by_sys: dict[tuple[str, str], list[Digest]] = defaultdict(list)
    other: dict[tuple[str, str], set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for d in bundles:
        names.setdefault(d.agency, d.agency_name)
        if d.period == period:
            by_sys[(d.agency, d.system)].append(d)
        else:
            other[(d.agency, d.system)].add(d.period)

    if inventory:
        declared = inventory["agencies"]
    else:  # agencies and systems as the bundles show them (any period)
        seen: dict[str, dict[str, Any]] = {}
        for d in sorted(bundles, key=lambda d: (d.agency, d.system)):
            ag = seen.setdefault(d.agency, {"id": d.agency, "name": names[d.agency], "systems": []})
            if all(s["id"] != d.system for s in ag["systems"]):
                ag["systems"].append({"id": d.system, "name": d.system_name, "level": d.level})
        declared = list(seen.values())

    meta: dict[str, tuple[dict[str, str], str]] = {}
    for d in digests:
        for rid, m in d.meta.items():
            meta.setdefault(rid, m)
    group_titles: dict[str, dict[str, str]] = {}
    for cid in sorted({d.catalog for d in bundles if d.catalog}):
        cat = shipped_catalog(cid)
        if cat is None:
            continue
        group_titles.update({g: dict(t) for g, t in cat.groups.items() if g not in group_titles})
        for rid, (title, group) in list(meta.items()):
            req = cat.get(rid)
            if req is not None:
                meta[rid] = (title or dict(req.title), group or req.group)

    agencies_out: list[dict[str, Any]] = []
    chosen: list[tuple[str, Digest]] = []
    duplicates: list[dict[str, Any]] = []
    declared_keys: set[tuple[str, str]] = set()
    tot = Counter()
    for ag in declared:
        systems_out = []
        for s in ag["systems"]:
            key = (ag["id"], s["id"])
            declared_keys.add(key)
            cands = by_sys.get(key, [])
            entry: dict[str, Any] = {
                "id": s["id"],
                "name": s["name"],
                "level": s["level"],
                "status": "missing",
                "meets_level": None,
                "meets_target": False,
                "compliance_pct": None,
                "counts": None,
                "failing": [],
                "errors": [],
                "not_reviewed": [],
                "verified": False,
                "file": None,
                "reason": "",
            }
            if cands:
                d = _pick(cands)
                if len(cands) > 1:
                    duplicates.append(
                        {
                            "agency": ag["id"],
                            "system": s["id"],
                            "used": d.file,
                            "ignored": sorted(c.file for c in cands if c is not d),
                        }
                    )
                chosen.append((ag["id"], d))
                level = d.level if d.level is not None else s["level"]
                entry.update(
                    {
                        "name": s["name"] or d.system_name,
                        "level": level,
                        "declared_level": s["level"],
                        "status": "verified" if d.verified else "unverified",
                        "meets_level": d.meets_level,
                        "compliance_pct": d.compliance_pct,
                        "counts": dict(d.counts),
                        "failing": d.by_status.get("fail", []),
                        "errors": d.by_status.get("error", []),
                        "not_reviewed": d.by_status.get("not_reviewed", []),
                        "verified": d.verified,
                        "file": d.file,
                        "reason": d.verify_reason,
                        "assessed_at": d.assessed_at,
                        "profile": d.profile,
                    }
                )
                # Meeting level 3 says nothing about a system the inventory declares at level 4.
                below = inventory is not None and d.level is not None and d.level < s["level"]
                entry["below_declared_level"] = below
                # The target counts systems *approved* at its level or higher (DESIGN §9): the
                # inventory's declared level is the approval; a bundle cannot raise it.
                approved = s["level"] if inventory is not None else level
                entry["meets_target"] = bool(
                    d.verified and d.meets_level and not below and approved is not None and approved >= tlevel
                )
            elif other.get(key):
                entry["status"] = "other_period"
                entry["other_periods"] = sorted(other[key], key=period_key)
            systems_out.append(entry)
            tot["systems"] += 1
            tot["systems_meeting"] += entry["meets_target"]
            tot["missing"] += entry["status"] in ("missing", "other_period")
            tot["unverified"] += entry["status"] == "unverified"
        meets = bool(systems_out) and all(x["meets_target"] for x in systems_out)
        statuses = {x["status"] for x in systems_out}
        agencies_out.append(
            {
                "id": ag["id"],
                "name": ag["name"],
                "meets_target": meets,
                "status": "meets"
                if meets
                else ("missing" if statuses <= {"missing", "other_period"} else "not_meeting"),
                "systems_meeting": sum(x["meets_target"] for x in systems_out),
                "systems": systems_out,
            }
        )
        tot["agencies"] += 1
        tot["agencies_meeting"] += meets

    # Requirement statistics and the heat-map count every chosen bundle of the period.
    per_agency: dict[str, Counter] = defaultdict(Counter)
    for agency_id, d in chosen:
        per_agency[agency_id].update(d.statuses.items())  # C-speed counting of (id, status) pairs
    req_counts: dict[str, Counter] = defaultdict(Counter)
    heat: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    group_of = {rid: m[1] or "?" for rid, m in meta.items()}
    for agency_id, pairs in per_agency.items():
        for (rid, st), n in pairs.items():
            req_counts[rid][st] += n
            if st != "not_applicable":
                cell = heat[agency_id][group_of.get(rid, "?")]
                cell["total"] += n
                if st == "pass":
                    cell["pass"] += n
    requirements = []
    for rid, c in req_counts.items():
        title, group = meta.get(rid, ({}, ""))
        requirements.append(
            {
                "id": rid,
                "fail": c["fail"],
                "not_reviewed": c["not_reviewed"],
                "error": c["error"],
                "pass": c["pass"],
                "title": title,
                "group": group,
            }
        )
    requirements.sort(key=lambda r: (-r["fail"], -r["not_reviewed"], -r["error"], r["id"]))
    groups = sorted({g for a in heat.values() for g in a})
    heatmap = {
        "groups": groups,
        "group_titles": {g: group_titles.get(g, {}) for g in groups},
        "agencies": [
            {
                "id": a["id"],
                "cells": [
                    {
                        "group": g,
                        "pass": heat[a["id"]][g]["pass"],
                        "total": heat[a["id"]][g]["total"],
                        "pct": _pct(heat[a["id"]][g]["pass"], heat[a["id"]][g]["total"]),
                    }
                    for g in groups
                ],
            }
            for a in agencies_out
        ],
    }

    with_bundle = tot["systems"] - tot["missing"]
    notes = []
    if not keyring_given:
        notes.append("no_keyring")
    if not inventory:
        notes.append("no_inventory")
    notes.append("requirements_scope")
    unexpected = [
        {"file": d.file, "agency": d.agency, "system": d.system, "period": d.period}
        for d in bundles
        if inventory and d.period == period and (d.agency, d.system) not in declared_keys
    ]
    out = {
        "schema": SCHEMA,
        "province": (inventory or {}).get("province")
        or next((d.province for d in bundles if d.province), ""),
        "period": period,
        "target": target,
        "totals": {
            "agencies": tot["agencies"],
            "agencies_meeting": tot["agencies_meeting"],
            "pct": _pct(tot["agencies_meeting"], tot["agencies"]),
            "systems": tot["systems"],
            "systems_meeting": tot["systems_meeting"],
            "missing": tot["missing"],
            "unverified": tot["unverified"],
        },
        "coverage": {
            "systems_declared": tot["systems"],
            "systems_with_bundle": with_bundle,
            "systems_verified": with_bundle - tot["unverified"],
            "pct_with_bundle": _pct(with_bundle, tot["systems"]),
        },
        "verification": {"keyring": keyring_given},
        "agencies": agencies_out,
        "requirements": requirements,
        "heatmap": heatmap,
        "trend": [],
        "notes": notes,
        "files": {
            "read": len(digests),
            "bundles": len(bundles),
            "other_periods": sum(1 for d in bundles if d.period != period),
        },
        "not_bundles": [{"file": d.file, "reason": d.error} for d in digests if d.error],
        "unexpected": unexpected,
        "duplicates": duplicates,
    }
    regimes = _regimes(
        out, dict(((a, d.system), d) for a, d in chosen), inventory, today or date.today(), new_catalog
    )
    if regimes:
        out["regimes"] = regimes
    return out


def catalog_of(profile: str, catalog: str) -> str:
    """The catalogue id of an assessment: as the bundle says, else via its (shipped) profile."""
    return catalog or profile_catalog_id(profile)


def new_regime_entry(d: Digest, new_catalog: str = NEW_REGIME_CATALOG) -> dict[str, Any] | None:
    """The digest's assessment under the successor regime (primary or additional), if any."""
    for e in d.additional:
        if catalog_of(e["profile"], e["catalog"]) == new_catalog:
            return e
    if catalog_of(d.profile, d.catalog) == new_catalog:
        return {
            "profile": d.profile,
            "catalog": new_catalog,
            "meets_level": d.meets_level,
            "compliance_pct": d.compliance_pct,
            "counts": d.counts,
            "statuses": d.statuses,
            "by_status": d.by_status,
        }
    return None


def _catalog_head(catalog_id: str) -> dict[str, Any]:
    cat = shipped_catalog(catalog_id)
    if cat is None:
        return {"catalog": catalog_id, "standard": catalog_id, "regime": "", "regime_title": {}}
    return {
        "catalog": cat.id,
        "standard": cat.standard,
        "regime": cat.regime,
        "regime_title": dict(cat.regime_title),
    }


def _regimes(
    summary: dict[str, Any],
    chosen: dict[tuple[str, str], Digest],
    inventory: dict[str, Any] | None,
    today: date,
    new_catalog: str,
) -> dict[str, Any] | None:
    """Both headlines when some bundle of the period was also assessed under the successor regime."""
    if not any(new_regime_entry(d, new_catalog) and d.additional for d in chosen.values()):
        return None
    primary = Counter(catalog_of(d.profile, d.catalog) for d in chosen.values())
    tot, tgt = summary["totals"], summary["target"]
    current = {
        "kind": "plan_target",
        **_catalog_head(primary.most_common(1)[0][0]),
        "level": tgt["level"],
        "goal_pct": tgt["goal_pct"],
        "agencies": tot["agencies"],
        "agencies_meeting": tot["agencies_meeting"],
        "pct": tot["pct"],
    }
    deadline_s = (inventory or {}).get("transition_deadline") or DEFAULT_TRANSITION_DEADLINE
    deadline = date.fromisoformat(deadline_s)
    agencies = []
    n = Counter()
    for ag in summary["agencies"]:
        systems, adds = [], {"fail": set(), "not_reviewed": set(), "error": set()}
        for sy in ag["systems"]:
            d = chosen.get((ag["id"], sy["id"]))
            e = new_regime_entry(d, new_catalog) if d else None
            ready = bool(d and e and d.verified and e["meets_level"])
            row = {
                "id": sy["id"],
                "name": sy["name"],
                "level": sy["level"],
                "assessed": e is not None,
                "verified": bool(d and d.verified),
                "profile": e["profile"] if e else None,
                "meets_level": e["meets_level"] if e else None,
                "compliance_pct": e["compliance_pct"] if e else None,
                "ready": ready,
                "failing": e["by_status"]["fail"] if e else [],
                "not_reviewed": e["by_status"]["not_reviewed"] if e else [],
                "errors": e["by_status"]["error"] if e else [],
            }
            for k, key in (("fail", "failing"), ("not_reviewed", "not_reviewed"), ("error", "errors")):
                adds[k].update(row[key])
            systems.append(row)
            n["systems"] += 1
            n["systems_assessed"] += e is not None
            n["systems_ready"] += ready
        ready = bool(systems) and all(x["ready"] for x in systems)
        n["agencies"] += 1
        n["agencies_ready"] += ready
        agencies.append(
            {
                "id": ag["id"],
                "name": ag["name"],
                "ready": ready,
                "adds": {k: sorted(v) for k, v in adds.items()},
                "systems": systems,
            }
        )
    new = {
        "kind": "readiness",
        **_catalog_head(new_catalog),
        "agencies": n["agencies"],
        "agencies_meeting": n["agencies_ready"],
        "pct": _pct(n["agencies_ready"], n["agencies"]),
        "systems": n["systems"],
        "systems_assessed": n["systems_assessed"],
        "systems_meeting": n["systems_ready"],
        "transition_deadline": deadline.isoformat(),
        "as_of": today.isoformat(),
        "days_left": (deadline - today).days,
    }
    return {"current": current, "new": new, "agencies": agencies}


def summarise(
    bundle_dir: str | Path,
    inventory: str | Path | None = None,
    keyring: str | Path | None = None,
    store: str | Path | None = None,
    period: str | None = None,
    workers: int | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Everything ``secaudit summary`` does before rendering."""
    return collect(bundle_dir, inventory, keyring, store, period, workers, today)[0]


def collect(
    bundle_dir: str | Path,
    inventory: str | Path | None = None,
    keyring: str | Path | None = None,
    store: str | Path | None = None,
    period: str | None = None,
    workers: int | None = None,
    today: date | None = None,
) -> tuple[dict[str, Any], list[Digest], dict[str, Any] | None]:
    """(summary JSON, the digests, the inventory view): what the Mẫu 08 report is built from."""
    bdir = Path(bundle_dir)
    if not bdir.is_dir():
        raise InputError("not a directory of bundles", bdir)
    kdir = Path(keyring) if keyring else None
    if kdir is not None and not kdir.is_dir():
        raise InputError("keyring is not a directory", kdir)
    inv = load_inventory_view(inventory) if inventory else None
    digests = digest_dir(bdir, kdir, workers)
    result = aggregate(digests, inv, period, kdir is not None, today=today)
    if store:
        from secaudit.province.store import Store

        with Store(Path(store)) as st:
            st.ingest([d for d in digests if not d.error])
            st.record_headline(result["period"], result["totals"])
            result["trend"] = st.trend()
    else:
        result["notes"].append("no_store")
    return result, digests, inv
