"""Province-wide aggregation of assessment bundles (DESIGN §7 "province summary", §9 "Summary").

``aggregate`` is a pure function from digests (see ``digest``) + inventory to the summary JSON.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.province import host_coverage, providers  # servers, shared infrastructure (issue 14)
from secaudit.province.changes import agency_score, system_score
from secaudit.province.digest import (
    NEW_REGIME_CATALOG,
    REVIEW_POLICY,
    SCHEMA,
    Digest,
    digest_dir,
    period_key,
    requirement_texts,
    shipped_catalog,
)
from secaudit.province.inventory_view import load_inventory_view
from secaudit.province.regimes import (
    catalog_of,
    level_problems,
    new_regime_entry,
    regimes,
    scope_problems,
    tailoring_problems,
)

__all__ = ["aggregate", "collect", "summarise", "load_inventory_view", "catalog_of", "new_regime_entry"]


# --------------------------------------------------------------------------- aggregation


def _pick(cands: list[Digest]) -> Digest:
    """Several bundles for one system and period: a verified one, then the latest assessment."""
    return max(cands, key=lambda d: (d.verified, d.assessed_at, d.file))


def _pct(n: int, total: int) -> float | None:
    return round(100.0 * n / total, 1) if total else None


def _trust(entry: dict[str, Any], d: Digest, declared: dict[str, Any] | None) -> None:
    """What the re-judging says of a verified bundle: its status, and why it does not count."""
    from secaudit import __version__

    if not d.verified:
        return
    problems = list(d.profile_problems) + tailoring_problems(d.tailored, declared)
    problems += scope_problems(d.domains, declared, d.hosts) + level_problems(d, declared)
    problems += providers.declaration_problems((d.providers or {}).get("declared"), declared)
    entry.update(
        trust=d.trust,
        trust_reason=d.trust_reason,
        differing=list(d.differing),
        profile_problems=problems,
        claimed_meets_level=d.stored_meets_level,
        rejudged_under=__version__ if d.trust == "rejudged" else None,
        tool_version=d.tool_version,
    )
    if d.trust == "inconsistent":
        entry["status"] = "inconsistent"
        entry["reason"] = d.trust_reason
        entry["meets_level"] = False  # DESIGN §10: never counts, so no format may say it meets
    elif problems:
        entry["status"] = "profile_not_accepted"
        entry["reason"] = "; ".join(problems)
        entry["meets_level"] = False  # not the shipped level-N profile: never meeting it
    elif d.trust == "rejudged":
        entry["reason"] = d.trust_reason


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

    meta = requirement_texts(digests)
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
                "warnings": [],  # "check id (target)" of each warn check (DESIGN §3: every report)
                "errors": [],
                "not_reviewed": [],
                "verified": False,
                "file": None,
                "reason": "",
                "automated_score": None,  # re-judged, verified bundles only (province/changes.py)
                "score_coverage": None,
                "score_weights": None,
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
                        "warnings": list(d.warnings),
                        "errors": d.by_status.get("error", []),
                        "not_reviewed": d.by_status.get("not_reviewed", []),
                        "verified": d.verified,
                        "file": d.file,
                        "sha256": d.sha256,  # what was read: a later export re-reads only that
                        "reason": d.verify_reason,
                        "assessed_at": d.assessed_at,
                        "profile": d.profile,
                        "reviews": dict(
                            getattr(d, "reviews", None) or {}
                        ),  # attested vs reviewed (re-judged)
                    }
                )
                entry.update(system_score(d))
                entry.update(host_coverage.entry(d, s if inventory is not None else None))  # issue 14
                _trust(entry, d, s if inventory is not None else None)
                # Meeting level 3 says nothing about a system the inventory declares at level 4.
                below = inventory is not None and d.level is not None and d.level < s["level"]
                entry["below_declared_level"] = below
                # The target counts systems *approved* at its level or higher (DESIGN §9): the
                # inventory's declared level is the approval; a bundle cannot raise it.
                approved = s["level"] if inventory is not None else level
                entry["meets_target"] = bool(
                    entry["status"] == "verified"
                    and d.meets_level
                    and not below
                    and approved is not None
                    and approved >= tlevel
                )
            elif other.get(key):
                entry["status"] = "other_period"
                entry["other_periods"] = sorted(other[key], key=period_key)
            systems_out.append(entry)
            tot["systems"] += 1
            tot["systems_meeting"] += entry["meets_target"]
            tot["missing"] += entry["status"] in ("missing", "other_period")
            tot["unverified"] += entry["status"] == "unverified"
            for k in ("inconsistent", "profile_not_accepted"):
                tot[k] += entry["status"] == k
            tot["rejudged"] += entry.get("trust") == "rejudged"
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
                **agency_score(systems_out),
                "reviews": {
                    k: sum((x.get("reviews") or {}).get(k, 0) for x in systems_out)
                    for k in ("attested", "reviewed")
                },
                "systems": systems_out,
            }
        )
        tot["agencies"] += 1
        tot["agencies_meeting"] += meets

    # Requirement statistics and the heat-map count every chosen bundle of the period; with a
    # keyring only the verified (re-judged) ones: a bundle that fails verification is its sender's
    # own claim, and its passes must not raise a cell (DESIGN §10 "never believes").
    per_agency: dict[str, Counter] = defaultdict(Counter)
    for agency_id, d in chosen:
        if d.verified or not keyring_given:
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
                cell[st] += n  # pass / fail / not_reviewed / error: awaited answers are not failures
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
                        "fail": heat[a["id"]][g]["fail"],
                        "not_reviewed": heat[a["id"]][g]["not_reviewed"],
                        "error": heat[a["id"]][g]["error"],
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
    if keyring_given:
        notes.append("rejudged_all")  # every verified bundle's verdicts were made again (DESIGN §10)
    if tot["rejudged"]:
        from secaudit import __version__

        notes.append("rejudged_older")
        out_rejudged = __version__
    else:
        out_rejudged = None
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
            "inconsistent": tot["inconsistent"],
            "profile_not_accepted": tot["profile_not_accepted"],
            "rejudged": tot["rejudged"],
        },
        "coverage": {
            "systems_declared": tot["systems"],
            "systems_with_bundle": with_bundle,
            "systems_verified": with_bundle - tot["unverified"],
            "pct_with_bundle": _pct(with_bundle, tot["systems"]),
        },
        "verification": {"keyring": keyring_given, "rejudged_under": out_rejudged},
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
    both = regimes(
        out, dict(((a, d.system), d) for a, d in chosen), inventory, today or date.today(), new_catalog
    )
    if both:
        out["regimes"] = both
    shared, causes = providers.aggregate(inventory, chosen, agencies_out)  # issue 14
    if shared:
        out["providers"], out["provider_causes"] = shared, causes
        providers.annotate(out["requirements"], shared)
    return out


def summarise(
    bundle_dir: str | Path,
    inventory: str | Path | None = None,
    keyring: str | Path | None = None,
    store: str | Path | None = None,
    period: str | None = None,
    workers: int | None = None,
    today: date | None = None,
    compare: str | None = None,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Everything ``secaudit summary`` does before rendering (``cache``: the incremental cache's
    folder, province/cache.py; None: none)."""
    return collect(bundle_dir, inventory, keyring, store, period, workers, today, compare, cache)[0]


def collect(
    bundle_dir: str | Path,
    inventory: str | Path | None = None,
    keyring: str | Path | None = None,
    store: str | Path | None = None,
    period: str | None = None,
    workers: int | None = None,
    today: date | None = None,
    compare: str | None = None,
    cache: Path | None = None,
) -> tuple[dict[str, Any], list[Digest], dict[str, Any] | None]:
    """(summary JSON, the digests, the inventory view): what the Mẫu 08 report is built from."""
    bdir = Path(bundle_dir)
    if not bdir.is_dir():
        raise InputError("không phải thư mục chứa gói kết quả / not a directory of bundles", bdir)
    kdir = Path(keyring) if keyring else None
    if kdir is not None and not kdir.is_dir():
        raise InputError("thư mục khóa không phải thư mục / keyring is not a directory", kdir)
    if store and kdir is None:
        # History keeps only figures computed from verified bundles: a run without a keyring would
        # rewrite the period's headline to zero (DESIGN §10 "Trust").
        raise InputError(
            "--store cần --keyring: lịch sử chỉ ghi số liệu đã xác thực / --store needs --keyring: "
            "the history records only figures computed from verified bundles",
            store,
        )
    inv = load_inventory_view(inventory) if inventory else None
    _review_policy(inv)
    digests = digest_dir(bdir, kdir, workers, cache)
    result = aggregate(digests, inv, period, kdir is not None, today=today)
    from secaudit.province.changes import changes, previous_from_digests

    previous = previous_from_digests(digests, result["period"], compare) if compare else None
    if store:
        from secaudit.province.store import Store

        with Store(Path(store)) as st:
            # read before this run's bundles go in; the folder's bundles of --compare PERIOD win
            previous = {**st.previous(result["period"], compare), **(previous or {})}
            st.ingest([d for d in digests if not d.error])
            st.record_headline(result["period"], result["totals"])
            result["trend"] = st.trend()
    else:
        result["notes"].append("no_store")
    if previous is not None:  # what changed since the previous period (DESIGN §10), per agency
        by_file = {d.file: d for d in digests if not d.error}
        current = {
            (a["id"], s["id"]): by_file[s["file"]]
            for a in result["agencies"]
            for s in a["systems"]
            if s.get("file") in by_file
        }
        result["changes"] = changes(result["agencies"], current, previous, today or date.today())
    return result, digests, inv


def _review_policy(inv: dict[str, Any] | None) -> None:
    """Which systems the re-judging applies ``require_review`` to (read by the digest workers)."""
    systems = [(a["id"], s) for a in (inv or {}).get("agencies") or [] for s in a["systems"]]
    REVIEW_POLICY["all"] = bool(inv and inv.get("require_review"))
    REVIEW_POLICY["systems"] = {(a, s["id"]) for a, s in systems if s.get("require_review")}
    # a system's own "false" wins over the province-wide flag
    REVIEW_POLICY["exempt"] = {(a, s["id"]) for a, s in systems if s.get("require_review") is False}
