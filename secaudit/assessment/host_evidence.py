"""Host evidence in an assessment: each declared host (inventory ``hosts:``) becomes one pseudo-target
``host://NAME`` whose ``host`` observation holds the engine results imported for it (probes/host/).

What the bundle carries of a stored record: the engine, its version, the content (benchmark) id and
version, profile, when it ran, the file's SHA-256, the counts per result, and only the results,
set-values and facts the shipped map (checks/host/mapping.yaml) reads; the full record stays in the
attestations folder. A declared host with no record gets ``{"imports": []}``, so:
its host checks are ``error``, never a pass, and its requirements stay partial (docs/host-evidence.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

_KEEP = ("engine", "engine_version", "format", "benchmark", "content_version", "profile", "ran_at", "os")
_KEEP_FACTS = ("vmtype", "container", "os_name", "os_version", "hostname")


def compact(rec: dict[str, Any]) -> dict[str, Any]:
    """What the bundle carries of one stored record (what the checks read, and where it came from)."""
    from secaudit.checks.host.judge import host_map, mapped_facts, mapped_rules

    hmap = host_map()
    rules = set(mapped_rules()) | set(hmap["container_sentinels"])
    out: dict[str, Any] = {k: rec.get(k, "") for k in _KEEP}
    out["container"] = rec.get("container") is True
    out["sha256"] = str((rec.get("file") or {}).get("sha256") or "")
    out["file"] = str((rec.get("file") or {}).get("name") or "")
    out["counts"] = dict(rec.get("counts") or {})
    if rec.get("engine") == "lynis":
        keep = set(mapped_facts()) | set(_KEEP_FACTS)
        out["facts"] = {k: v for k, v in (rec.get("facts") or {}).items() if k in keep}
        out["warnings"] = list(rec.get("warnings") or [])
    else:
        out["results"] = {k: v for k, v in (rec.get("results") or {}).items() if k in rules}
        out["set_values"] = {k: v for k, v in (rec.get("set_values") or {}).items() if k in hmap["values"]}
        out["unmapped_results"] = len(rec.get("results") or {}) - len(out["results"])
    return out


def load_records(attestations: Path | None, agency: str, system: str, host: str) -> list[dict[str, Any]]:
    """The stored records of one host, one per engine (a malformed one is bad input)."""
    from secaudit.core.files import read_input
    from secaudit.core.jsonio import loads_strict
    from secaudit.probes.host.normalise import ENGINE_FILES, SCHEMA, host_dir

    if attestations is None:
        return []
    folder = host_dir(attestations, agency, system, host)
    out = []
    for engine in ENGINE_FILES:
        p = folder / f"{engine}.json"
        try:
            p.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:  # a host folder the user may not enter: bad input, as an unreadable record
            raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", folder) from None
        rec = loads_strict(read_input(p, "a host result record"), p)
        if not isinstance(rec, dict) or rec.get("schema") != SCHEMA or rec.get("engine") != engine:
            raise InputError(
                f"không phải bản ghi {SCHEMA} của {engine} (hãy chạy lại secaudit host import) / "
                f"not a {SCHEMA} record for {engine} (re-run secaudit host import)",
                p,
            )
        out.append(rec)
    return out


def host_observation(spec: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    base = {"host": spec.name, **({"os": spec.os} if spec.os else {})}
    if not records:  # every host check: error "no result imported for host X" (checks/host/judge.py)
        return {**base, "imports": []}
    return {**base, "imports": [compact(r) for r in records]}


def host_targets(
    attestations: Path | None, agency: str, system: Any, profile: Any, assessed_at: str
) -> list[Any]:
    """One judged TargetResult per declared host of ``system`` (none without ``hosts:``), judged as
    of ``assessed_at`` under ``profile`` (its ``host_result_max_age_days``)."""
    from secaudit.assessment.scan import judge
    from secaudit.config.inventory_hosts import host_target
    from secaudit.core.model import TargetResult

    now = datetime.fromisoformat(assessed_at.replace("Z", "+00:00"))
    out = []
    for spec in getattr(system, "hosts", None) or []:
        obs = {"host": host_observation(spec, load_records(attestations, agency, system.id, spec.name))}
        target = host_target(spec.name)
        out.append(TargetResult(target, judge(target, obs, profile, now=now), obs))
    return out


def host_summary(trs: list[Any]) -> dict[str, Any]:
    """Declared and imported hosts of an assessment (reports show both)."""
    from secaudit.config.inventory_hosts import is_host_target

    declared, imported = [], []
    for tr in trs:
        if not is_host_target(tr.target):
            continue
        declared.append(tr.target.host)
        obs = tr.observations.get("host") or {}
        if isinstance(obs, dict) and obs.get("imports"):
            imported.append(tr.target.host)
    return {"declared": declared, "imported": imported}


def host_record(system: Any) -> dict[str, Any]:
    """``{"hosts": [...]}`` for the bundle's system entry when the inventory declares hosts."""
    hosts = getattr(system, "hosts", None) or []
    return {"hosts": [{"name": h.name, "os": h.os, "role": h.role} for h in hosts]} if hosts else {}
