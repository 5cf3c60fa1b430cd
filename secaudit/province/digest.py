"""Reading bundles for the province summary: one bundle in, one small ``Digest`` out.

``digest_file`` parses and verifies ONE bundle and keeps only what the summary needs (a few hundred
bytes), so 10 000 bundles fit in memory and verification can run in worker processes. The store
and the aggregation both read digests, so this module sits below both (no import cycle).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.jsonio import loads as json_loads

SCHEMA = "secaudit.summary/1"
BUNDLE_SCHEMA = "secaudit.bundle/1"
_PARALLEL_FROM = 64  # below this many files a process pool costs more than it saves
# The successor regime's default catalogue: an `additional` entry assessed against it is "readiness".
NEW_REGIME_CATALOG = "tcvn-14423-2026"
DEFAULT_TRANSITION_DEADLINE = "2027-07-01"  # Law 116 Art. 45.1: 12 months from 01/07/2026


# --------------------------------------------------------------------------- bundle access


def check_bundle_shape(data: Any) -> str | None:
    """Why ``data`` is not a bundle, or None if it has the §7 shape the summary relies on."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("schema") != BUNDLE_SCHEMA:
        return f"schema is {data.get('schema')!r}, expected {BUNDLE_SCHEMA!r}"
    a = data.get("assessment")
    if not isinstance(a, dict):
        return "no assessment object"
    for key in ("agency", "system"):
        if not isinstance(a.get(key), dict) or not isinstance(a[key].get("id"), str):
            return f"assessment.{key}.id missing"
    if not isinstance(a.get("requirements"), list):
        return "assessment.requirements missing"
    s = a.get("summary")
    if not isinstance(s, dict):
        return "assessment.summary missing"
    # The summary and the reports read these as they are: a wrong type must not crash the run
    # (10 000 bundles, one malformed) nor read as meeting ("false" is a truthy string).
    if not isinstance(s.get("meets_level"), bool):
        return "assessment.summary.meets_level is not true/false"
    if not isinstance(s.get("counts", {}), dict):
        return "assessment.summary.counts is not a mapping"
    if s.get("compliance_pct") is not None and _number(s["compliance_pct"]) is None:
        return "assessment.summary.compliance_pct is not a number"
    return None


def load_bundle_file(path: str | Path) -> dict[str, Any]:
    """Load one bundle for a per-system report; InputError if it is not one."""
    from secaudit.signing.bundle import load_bundle

    p = Path(path)
    data = load_bundle(p)
    why = check_bundle_shape(data)
    if why:
        raise InputError(f"not an assessment bundle: {why}", p)
    return data


def shipped_catalog(catalog_id: Any) -> Any:
    """The shipped catalogue a bundle names (for titles, groups, evidence hints), or None.

    Only shipped ids are accepted: a bundle is untrusted input and must not make us read any path.
    """
    from secaudit.config.catalog import catalog_ids, load_catalog

    if not isinstance(catalog_id, str) or catalog_id not in catalog_ids():
        return None
    try:
        return load_catalog(catalog_id)
    except InputError:
        return None


@lru_cache(maxsize=64)
def profile_catalog_id(profile: str) -> str:
    """The catalogue a shipped profile selects from ("" for unknown names: bundles are untrusted)."""
    from secaudit.config.catalog import load_profile, profile_names

    if profile not in profile_names():
        return ""
    try:
        return load_profile(profile).catalog
    except InputError:
        return ""


class Verifier:
    """Checks bundles against DIR/<agency>.pub with bundle.verify_bundle (the one implementation)."""

    def __init__(self, keyring: Path) -> None:
        from secaudit.signing.bundle import verify_bundle

        self.keyring = keyring
        self._impl = verify_bundle

    def verify(self, bundle: dict[str, Any]) -> tuple[bool, str]:
        return self._impl(bundle, self.keyring)


# --------------------------------------------------------------------------- digests


@dataclass
class Digest:
    """What the summary keeps of one file in the bundle folder."""

    file: str
    sha256: str = ""
    error: str = ""  # non-empty: not a bundle, and why
    agency: str = ""
    agency_name: str = ""
    system: str = ""
    system_name: str = ""
    level: int | None = None
    period: str = ""
    province: str = ""
    assessed_at: str = ""
    profile: str = ""
    catalog: str = ""
    verified: bool = False
    verify_reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    compliance_pct: float | None = None
    meets_level: bool | None = None
    statuses: dict[str, str] = field(default_factory=dict)  # requirement id -> verdict
    by_status: dict[str, list[str]] = field(default_factory=dict)  # fail/error/not_reviewed -> sorted ids
    meta: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)  # id -> (title, group)
    # assessment.additional, one dict per profile: profile, catalog, meets_level, compliance_pct, counts,
    # statuses (id -> verdict), by_status (fail/error/not_reviewed -> sorted ids)
    additional: list[dict[str, Any]] = field(default_factory=list)


_SEEN_META: set[str] = set()  # per process: requirement titles travel back once, not 10 000 times


def digest_bytes(name: str, raw: bytes, verifier: Verifier | None) -> Digest:
    d = Digest(file=name, sha256=hashlib.sha256(raw).hexdigest())
    try:
        data = json_loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        d.error = f"not valid JSON: {exc}"
        return d
    why = check_bundle_shape(data)
    if why:
        d.error = f"not an assessment bundle: {why}"
        return d
    a = data["assessment"]
    d.agency, d.agency_name = a["agency"]["id"], str(a["agency"].get("name") or a["agency"]["id"])
    d.system, d.system_name = a["system"]["id"], str(a["system"].get("name") or a["system"]["id"])
    lvl = a["system"].get("level")
    d.level = lvl if isinstance(lvl, int) else None
    d.period = str(a.get("period") or "")
    d.assessed_at = str(a.get("assessed_at") or "")
    d.province = str(a.get("province") or "")
    d.profile = str(a.get("profile") or "")
    cat = a.get("catalog")
    d.catalog = str(cat.get("id") or "") if isinstance(cat, dict) else ""
    s = a["summary"]
    d.counts = {k: int(v) for k, v in (s.get("counts") or {}).items() if isinstance(v, int)}
    d.compliance_pct = s.get("compliance_pct")
    d.meets_level = s["meets_level"]
    for r in a["requirements"]:
        if not isinstance(r, dict) or not isinstance(r.get("id"), str):
            continue
        rid = r["id"]
        d.statuses[rid] = str(r.get("status"))
        if rid not in _SEEN_META:
            _SEEN_META.add(rid)
            title = r.get("title") if isinstance(r.get("title"), dict) else {}
            d.meta[rid] = (title, str(r.get("group") or ""))
    for st in ("fail", "error", "not_reviewed"):  # computed here, in the worker processes
        d.by_status[st] = sorted(r for r, v in d.statuses.items() if v == st)
    for extra in a.get("additional") or []:
        entry = _digest_additional(extra, d)
        if entry:
            d.additional.append(entry)
    if verifier is None:
        d.verify_reason = "no keyring"
    else:
        try:
            d.verified, d.verify_reason = verifier.verify(data)
        except (KeyError, TypeError, ValueError) as exc:
            d.verified, d.verify_reason = False, f"malformed signature: {exc}"
    return d


def _digest_additional(extra: Any, d: Digest) -> dict[str, Any] | None:
    """One ``assessment.additional`` entry, reduced like the primary one (None if malformed)."""
    if not isinstance(extra, dict) or not isinstance(extra.get("requirements"), list):
        return None
    summ = extra.get("summary") if isinstance(extra.get("summary"), dict) else {}
    cat = extra.get("catalog")
    statuses: dict[str, str] = {}
    for r in extra["requirements"]:
        if isinstance(r, dict) and isinstance(r.get("id"), str):
            statuses[r["id"]] = str(r.get("status"))
            if r["id"] not in _SEEN_META:
                _SEEN_META.add(r["id"])
                title = r.get("title") if isinstance(r.get("title"), dict) else {}
                d.meta[r["id"]] = (title, str(r.get("group") or ""))
    counts = summ.get("counts") if isinstance(summ.get("counts"), dict) else {}
    return {
        "profile": str(extra.get("profile") or ""),
        "catalog": str(cat.get("id") or "") if isinstance(cat, dict) else "",
        "meets_level": summ.get("meets_level") is True,
        "compliance_pct": _number(summ.get("compliance_pct")),
        "counts": {k: int(v) for k, v in counts.items() if isinstance(v, int)},
        "statuses": statuses,
        "by_status": {
            st: sorted(r for r, v in statuses.items() if v == st) for st in ("fail", "error", "not_reviewed")
        },
    }


def _number(v: Any) -> float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def digest_file(path: Path, verifier: Verifier | None) -> Digest:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Digest(file=path.name, error=f"cannot read: {exc.strerror}")
    return digest_bytes(path.name, raw, verifier)


_WORKER_VERIFIER: Verifier | None = None


def _init_worker(keyring: str | None) -> None:
    global _WORKER_VERIFIER
    _WORKER_VERIFIER = Verifier(Path(keyring)) if keyring else None
    _SEEN_META.clear()


def _work(path: str) -> Digest:
    return digest_file(Path(path), _WORKER_VERIFIER)


def digest_dir(bundle_dir: Path, keyring: Path | None, workers: int | None = None) -> list[Digest]:
    """Digest every *.json in the folder (sorted by name), in parallel when there are many."""
    paths = sorted(p for p in bundle_dir.glob("*.json") if p.is_file())
    _SEEN_META.clear()
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1 or len(paths) < _PARALLEL_FROM:
        verifier = Verifier(keyring) if keyring else None
        return [digest_file(p, verifier) for p in paths]
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(n, _init_worker, (str(keyring) if keyring else None,)) as pool:
        return pool.map(_work, [str(p) for p in paths], chunksize=max(1, len(paths) // (n * 8)))


def period_key(period: str) -> tuple[tuple[int, Any], ...]:
    """Sort periods naturally: "2025" < "2026" < "2026-2" < "2026-10"."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", period) if p)
