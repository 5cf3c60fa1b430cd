"""The two regimes of the transition year: the plan's headline and readiness for the successor one.

A bundle judged under both regimes carries the second in ``assessment.additional``; a system is ready
for the successor regime when that verdict set is verified, trusted (re-judged consistently, profile
accepted: DESIGN §10 "Trust") and meets its level.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any

from secaudit.province.digest import (
    DEFAULT_TRANSITION_DEADLINE,
    NEW_REGIME_CATALOG,
    Digest,
    profile_catalog_id,
    shipped_catalog,
)


def _pct(n: int, total: int) -> float | None:
    return round(100.0 * n / total, 1) if total else None


def tailoring_problems(tailored: list[str], system: dict[str, Any] | None) -> list[str]:
    """Requirements tailored out that the inventory does not accept for the system."""
    accepted = set((system or {}).get("accepted_tailoring") or [])
    missing = [r for r in tailored if r not in accepted]
    if not missing:
        return []
    return [
        "loại trừ chưa được danh mục chấp nhận (accepted_tailoring) / tailoring not accepted by the "
        f"inventory: {', '.join(missing)}"
    ]


def level_problems(d: Digest, system: dict[str, Any] | None) -> list[str]:
    """A bundle assessed above the level the inventory declares still answers for the declared
    level: the shipped requirement sets are not nested (TCVN 11930's T.DES.* design requirements are
    level 3's only), so "level 4" must not be a way round level 3's requirements."""
    declared = (system or {}).get("level")
    if not isinstance(declared, int) or d.level is None or d.level <= declared:
        return []  # below the declared level is its own rule (below_declared_level)
    missing = [r for r in _required(d.catalog, declared) if r not in d.statuses]
    if not missing:
        return []
    shown = ", ".join(missing[:12]) + (f" (+{len(missing) - 12})" if len(missing) > 12 else "")
    return [
        f"đánh giá ở cấp độ {d.level} nhưng thiếu {len(missing)} yêu cầu của cấp độ {declared} đã khai báo / "
        f"assessed at level {d.level} but lacks {len(missing)} requirement(s) of its declared level "
        f"{declared}: {shown}"
    ]


@lru_cache(maxsize=32)
def _required(catalog_id: str, level: int) -> tuple[str, ...]:
    """Requirement ids of the shipped profile for ``level`` of ``catalog_id`` (() if none ships)."""
    from secaudit.config.acceptance import shipped_profile
    from secaudit.config.catalog import applicable

    shipped = shipped_profile(catalog_id, level)
    return tuple(r.id for r, _ in applicable(shipped)) if shipped is not None else ()


def scope_problems(
    assessed: list[str], system: dict[str, Any] | None, hosts: list[str] | None = None
) -> list[str]:
    """Domains (and servers, ``hosts``: the bundle's host:// targets) the inventory declares for the
    system that its bundle did not assess: leaving them out would put the dns/mail (host) checks out of
    scope (the agency's word must not narrow what is judged)."""

    def norm(name: str) -> str:
        return name.strip().rstrip(".").lower()

    done = {norm(x) for x in assessed}
    missing = [x for x in (system or {}).get("domains") or [] if norm(x) not in done]
    carried = {norm(x) for x in hosts or []}
    no_host = [x for x in (system or {}).get("hosts") or [] if hosts is not None and norm(x) not in carried]
    out = []
    if missing:
        out.append(
            "tên miền khai trong danh mục chưa được đánh giá / domains declared in the inventory were not "
            f"assessed: {', '.join(missing)}"
        )
    if no_host:
        out.append(
            "máy chủ khai trong danh mục không có trong gói / servers declared in the inventory are missing "
            f"from the bundle: {', '.join(no_host)}"
        )
    return out


def entry_problems(d: Digest, e: dict[str, Any], system: dict[str, Any] | None) -> list[str]:
    """Why an ``additional`` verdict set does not count (profile, tailoring, scope, trust)."""
    out = list(e.get("problems") or []) + tailoring_problems(list(e.get("tailored") or []), system)
    out += scope_problems(d.domains, system, d.hosts)
    if d.trust == "inconsistent":
        out.insert(0, d.trust_reason)
    return out


def trusted(d: Digest, e: dict[str, Any], system: dict[str, Any] | None) -> bool:
    return d.trust in ("consistent", "rejudged") and not entry_problems(d, e, system)


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
            "problems": d.profile_problems,
            "tailored": d.tailored,
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


def regimes(
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
    declared = {
        (a["id"], s["id"]): s for a in (inventory or {}).get("agencies") or [] for s in a.get("systems") or []
    }
    agencies = []
    n = Counter()
    for ag in summary["agencies"]:
        systems, adds = [], {"fail": set(), "not_reviewed": set(), "error": set()}
        for sy in ag["systems"]:
            d = chosen.get((ag["id"], sy["id"]))
            e = new_regime_entry(d, new_catalog) if d else None
            inv_sys = declared.get((ag["id"], sy["id"]))
            ready = bool(d and e and d.verified and e["meets_level"] and trusted(d, e, inv_sys))
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
                "problems": entry_problems(d, e, inv_sys) if d and e and d.verified else [],
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
                "problems": entry_problems(d, e, inv_sys) if d and e and d.verified else [],
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
