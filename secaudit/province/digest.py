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
from secaudit.core.files import inside_folder, read_input
from secaudit.core.jsonio import loads_strict
from secaudit.province.digest_intern import compact
from secaudit.province.host_coverage import host_targets
from secaudit.province.trust import stored_warnings
from secaudit.province.verifier import Verifier as Verifier  # callers' import
from secaudit.signing.bundle_view import requirement_meta

SCHEMA = "secaudit.summary/1"
BUNDLE_SCHEMA = "secaudit.bundle/1"  # the first; BUNDLE_SCHEMAS are all that are read
BUNDLE_SCHEMAS = ("secaudit.bundle/1", "secaudit.bundle/2")
_PARALLEL_FROM = 64  # below this many files a process pool costs more than it saves
# The successor regime's default catalogue: an `additional` entry assessed against it is "readiness".
NEW_REGIME_CATALOG = "tcvn-14423-2026"
DEFAULT_TRANSITION_DEADLINE = "2027-07-01"  # Law 116 Art. 45.1: 12 months from 01/07/2026


# --------------------------------------------------------------------------- bundle access


def check_bundle_shape(data: Any) -> str | None:
    """Why ``data`` is not a bundle, or None if it has the §7 shape the summary relies on (the same
    check as ``verify``'s: signing/shape.py)."""
    from secaudit.signing.shape import bundle_shape_problem

    return bundle_shape_problem(data)


def load_bundle_file(path: str | Path) -> dict[str, Any]:
    """Load one bundle for a per-system report; InputError if it is not one."""
    from secaudit.signing.bundle import load_bundle

    p = Path(path)
    data = load_bundle(p)
    why = check_bundle_shape(data)
    if why:
        raise InputError(f"không phải gói kết quả đánh giá / not an assessment bundle: {why}", p)
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
    # (catalogue id, sha256) of each /2 block: its requirement titles are the catalogue's (the
    # aggregation looks them up once per catalogue: requirement_texts), so they never travel.
    meta_refs: list[tuple[str | None, str | None]] = field(default_factory=list)
    # assessment.additional, one dict per profile: profile, catalog, meets_level, compliance_pct, counts,
    # statuses (id -> verdict), by_status (fail/error/not_reviewed -> sorted ids)
    additional: list[dict[str, Any]] = field(default_factory=list)
    # DESIGN §10 "Trust" (province/trust.py), set for verified bundles: consistent | rejudged |
    # inconsistent; the figures above are then the re-judged ones ("rejudged") or the bundle's own.
    tool_version: str = ""
    trust: str = ""
    trust_reason: str = ""
    differing: list[str] = field(default_factory=list)  # ids whose stored verdict differs
    profile_problems: list[str] = field(default_factory=list)  # why the profile is not accepted
    tailored: list[str] = field(default_factory=list)  # tailored out: needs the inventory's acceptance
    domains: list[str] = field(default_factory=list)  # the system's domains the bundle says it assessed
    hosts: list[str] = field(default_factory=list)  # the declared servers the bundle carries (host://)
    hosts_imported: list[str] = field(default_factory=list)  # those with imported results (issue 14)
    stored_meets_level: bool | None = None  # what the bundle itself claimed
    reviews: dict[str, int] = field(default_factory=dict)  # re-judged {"attested", "reviewed"} counts
    # Re-judged only (never the bundle's own figure): automated_score, score_coverage, score_weights;
    # and requirement -> date its attestation stops counting (issue 11 "what changed").
    score: dict[str, Any] = field(default_factory=dict)
    expiries: dict[str, str] = field(default_factory=dict)
    providers: dict[str, Any] = field(default_factory=dict)  # inherited verdicts, re-judged (providers.py)
    warnings: list[str] = field(default_factory=list)  # "check id (target)" of each warn (DESIGN §3)
    # False when titles came from the bundle itself (they travel once per worker: a cached copy
    # could not say them again), so the summary cache (province/cache.py) keeps no copy.
    cacheable: bool = True


# (agency, system) pairs whose inventory entry says require_review, and the province-wide flag: set by
# the summary before digesting (worker processes inherit it through fork).
REVIEW_POLICY: dict[str, Any] = {"all": False, "systems": set(), "exempt": set()}

_SEEN_META: set[str] = set()  # per process: requirement titles travel back once, not 10 000 times


def digest_bytes(name: str, raw: bytes, verifier: Verifier | None) -> Digest:
    d = Digest(file=name, sha256=hashlib.sha256(raw).hexdigest())
    try:
        data = loads_strict(raw)  # the one strict reader, as verify's (DESIGN §10 "Trust")
    except InputError as exc:
        d.error = f"không phải gói kết quả / not a bundle: {exc.message}"
        return d
    why = check_bundle_shape(data)
    if why:
        d.error = f"không phải gói kết quả đánh giá / not an assessment bundle: {why}"
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
    texts = requirement_meta(cat) if data.get("schema") != BUNDLE_SCHEMA else {}  # /2: from the catalogue
    _meta_ref(d, cat, texts)
    for r in a["requirements"]:
        if not isinstance(r, dict) or not isinstance(r.get("id"), str):
            continue
        rid = r["id"]
        d.statuses[rid] = str(r.get("status"))
        _own_meta(d, r, texts)
    for st in ("fail", "error", "not_reviewed"):  # computed here, in the worker processes
        d.by_status[st] = sorted(r for r, v in d.statuses.items() if v == st)
    for extra in a.get("additional") or []:
        entry = _digest_additional(extra, d)
        if entry:
            d.additional.append(entry)
    tool = a.get("tool") if isinstance(a.get("tool"), dict) else {}
    d.tool_version = str(tool.get("version") or "")
    domains = a["system"].get("domains")
    d.domains = [x for x in domains if isinstance(x, str)] if isinstance(domains, list) else []
    d.hosts, d.hosts_imported = host_targets(a.get("targets"))  # declared servers, those with results
    d.stored_meets_level = d.meets_level
    if verifier is None:
        d.verify_reason = "no keyring"
    else:
        try:
            d.verified, d.verify_reason = verifier.verify(data, raw)
        except (KeyError, TypeError, ValueError) as exc:
            d.verified, d.verify_reason = False, f"malformed signature: {exc}"
    if d.verified:  # the summary never believes a bundle's own verdicts (DESIGN §10 "Trust")
        _apply_trust(d, a, verifier.reviewer_keys)
    else:  # shown as the bundle's own, like its statuses
        d.warnings = stored_warnings(a.get("targets"))
    return d


def _meta_ref(d: Digest, cat: Any, texts: dict[str, Any]) -> None:
    if texts:
        ref = (cat.get("id"), cat.get("sha256"))
        if ref not in d.meta_refs:
            d.meta_refs.append(ref)


def _own_meta(d: Digest, r: dict[str, Any], texts: dict[str, Any]) -> None:
    """A verdict's own title (a /1 bundle's, or one its catalogue does not know), once per process."""
    rid = r["id"]
    title = r.get("title") if isinstance(r.get("title"), dict) else {}
    if not title and rid in texts:
        return  # the catalogue's, through meta_refs
    d.cacheable = False
    if rid not in _SEEN_META:
        _SEEN_META.add(rid)
        d.meta[rid] = (title, str(r.get("group") or ""))


def requirement_texts(digests: list[Digest], titled: bool = False) -> dict[str, tuple[dict[str, str], str]]:
    """requirement id -> (title, group): the first digest (in file order) that names it wins, by its
    own texts or its catalogue's (looked up once per catalogue version); ``titled``: the first one
    with a title."""
    meta: dict[str, tuple[dict[str, str], str]] = {}
    applied: set[Any] = set()
    for d in digests:
        pairs = list(d.meta.items())
        for ref in d.meta_refs:
            if ref not in applied:
                applied.add(ref)
                pairs += requirement_meta({"id": ref[0], "sha256": ref[1]}).items()
        for rid, m in pairs:
            if m[0] or not titled:
                meta.setdefault(rid, m)
    return meta


def _statuses_view(statuses: dict[str, str]) -> dict[str, list[str]]:
    return {st: sorted(r for r, v in statuses.items() if v == st) for st in ("fail", "error", "not_reviewed")}


def _apply_trust(d: Digest, a: dict[str, Any], reviewer_keys: Any) -> None:
    from secaudit.province.trust import examine

    key = (d.agency, d.system)
    # The inventory's rule, or the bundle's own (assess records require_review in the system entry).
    review = key in REVIEW_POLICY["systems"] or (REVIEW_POLICY["all"] and key not in REVIEW_POLICY["exempt"])
    review = review or a["system"].get("require_review") is True
    t = examine(a, require_review=review, reviewer_keys=reviewer_keys)
    d.trust, d.trust_reason, d.differing = t.state, t.reason, t.differing
    d.providers = t.providers
    if t.primary is None:  # not re-judged: its own warnings, like its own verdicts
        d.warnings = stored_warnings(a.get("targets"))
        return
    d.warnings = t.warnings
    d.profile_problems, d.tailored = t.primary.problems, t.primary.tailored
    d.reviews = dict(t.primary.reviews)
    d.score, d.expiries = dict(t.primary.score), dict(t.primary.expiries)
    by_profile = {f.profile: f for f in t.additional}
    # The re-judged verdicts are what the summary shows (an inconsistent bundle's never count anyway).
    if t.state in ("rejudged", "inconsistent"):
        f = t.primary
        d.counts, d.compliance_pct, d.meets_level = f.counts, f.compliance_pct, f.meets_level
        d.statuses, d.by_status = f.statuses, _statuses_view(f.statuses)
    for e in d.additional:
        f = by_profile.get(e["profile"])
        if f is None:
            e["problems"] = ["không đánh giá lại được / not re-judged"]
            continue
        e["problems"], e["tailored"] = f.problems, f.tailored
        if t.state in ("rejudged", "inconsistent"):
            e.update(counts=f.counts, compliance_pct=f.compliance_pct, meets_level=f.meets_level)
            e.update(statuses=f.statuses, by_status=_statuses_view(f.statuses))


def _digest_additional(extra: Any, d: Digest) -> dict[str, Any] | None:
    """One ``assessment.additional`` entry, reduced like the primary one (None if malformed)."""
    if not isinstance(extra, dict) or not isinstance(extra.get("requirements"), list):
        return None
    summ = extra.get("summary") if isinstance(extra.get("summary"), dict) else {}
    cat = extra.get("catalog")
    statuses: dict[str, str] = {}
    texts = requirement_meta(cat)  # /2 verdicts carry no titles ({} for /1 and unknown catalogues)
    _meta_ref(d, cat, texts)
    for r in extra["requirements"]:
        if isinstance(r, dict) and isinstance(r.get("id"), str):
            statuses[r["id"]] = str(r.get("status"))
            _own_meta(d, r, texts)
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


def digest_file(path: Path, verifier: Verifier | None, cache: Any = None) -> Digest:
    """One folder entry's digest; with ``cache`` (province/cache.py) the cached one when the file's
    SHA-256 has an entry, else a new one with ``d.cache_entry`` set for the main process to store."""
    # A folder entry: a symlink out of the folder is reported, never read; a FIFO or device is
    # refused without blocking (read_input), and a huge file is not read whole.
    shown = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if shown != path.name:  # bytes that are not UTF-8: every output (JSON, CSV, the store) is UTF-8
        return Digest(
            file=shown, error="tên tệp không phải UTF-8, không đọc / file name is not UTF-8, not read"
        )
    if not inside_folder(path.parent, path):
        return Digest(
            file=path.name,
            error=(
                "liên kết ra ngoài thư mục gói kết quả, không đọc / "
                "symlink leaves the bundle folder, not read"
            ),
        )
    try:
        from secaudit.signing.bundle import MAX_BUNDLE_BYTES

        raw = read_input(path, "a bundle (.json)", MAX_BUNDLE_BYTES)
    except InputError as exc:
        return Digest(file=path.name, error=exc.message)
    if cache is None:
        return digest_bytes(path.name, raw, verifier)
    sha = hashlib.sha256(raw).hexdigest()
    hit = cache.lookup(path.name, sha)
    if hit is not None:
        return hit
    d = digest_bytes(path.name, raw, verifier)
    d.cache_entry = cache.entry(d)  # an attribute, not a field: never stored, never compared
    return d


_WORKER_VERIFIER: Verifier | None = None
_WORKER_CACHE: Any = None


def _init_worker(keyring: str | None, cache: Any = None) -> None:
    global _WORKER_VERIFIER, _WORKER_CACHE
    _WORKER_VERIFIER = Verifier(Path(keyring)) if keyring else None
    _WORKER_CACHE = cache
    _SEEN_META.clear()


def _work_many(paths: list[str]) -> list[Digest]:
    return [digest_file(Path(p), _WORKER_VERIFIER, _WORKER_CACHE) for p in paths]


CACHE_STATS: dict[str, Any] = {}  # the last digest_dir's cache use (hits, stored), for -v and the bench


def digest_dir(
    bundle_dir: Path, keyring: Path | None, workers: int | None = None, cache_dir: Path | None = None
) -> list[Digest]:
    """Digest every *.json in the folder (sorted by name), in parallel when there are many; with
    ``cache_dir`` unchanged files come from the summary cache (province/cache.py)."""
    paths = sorted(p for p in bundle_dir.glob("*.json") if not p.is_dir())  # FIFOs etc. are reported
    _SEEN_META.clear()
    cache = _open_cache(cache_dir, keyring)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n > 1 and len(paths) >= _PARALLEL_FROM:
        out = _pooled(paths, n, keyring, cache)
        while len(out) < len(paths):  # a worker died: the files it may have held, one at a time
            window = paths[len(out) : len(out) + n * pool_chunk(len(paths), n)]
            got = _pooled(window, 1, keyring, cache, chunk=1)
            out += got
            if len(got) < len(window):  # that worker died too, on exactly this file: named, not counted
                out.append(Digest(file=window[len(got)].name, error=WORKER_DIED))
            if len(out) < len(paths):
                out += _pooled(paths[len(out) :], n, keyring, cache)  # the rest at full speed again
    else:  # a small folder: a pool costs more than it saves
        verifier = Verifier(keyring) if keyring else None
        out = [_took(digest_file(p, verifier, cache), cache) for p in paths]
    return _stored(out, cache)


WORKER_DIED = (
    "tiến trình đọc tệp này bị dừng đột ngột (lỗi thư viện hoặc hết bộ nhớ), tệp không được tính / "
    "the process reading this file died (a crash in a library, or out of memory): not counted"
)


def _pooled(
    paths: list[Path], n: int, keyring: Path | None, cache: Any, chunk: int | None = None
) -> list[Digest]:
    """The digests of ``paths`` in order from ``n`` worker processes; fewer (a prefix) when a worker
    was killed or crashed mid-task (province/pool_watch.py). With one worker and ``chunk=1`` the
    first file missing is the one that worker died on."""
    import multiprocessing

    from secaudit.province.pool_watch import WorkerLost, children, watched

    out: list[Digest] = []
    init = (str(keyring) if keyring else None, cache)
    before = children()
    with multiprocessing.get_context("fork").Pool(n, _init_worker, init) as pool:
        started = children() - before
        c = chunk or pool_chunk(len(paths), n)  # chunks of our own: imap's chunked iterator has no timeout
        results = pool.imap(_work_many, [[str(p) for p in paths[i : i + c]] for i in range(0, len(paths), c)])
        try:  # compacted as they arrive (requirement ids and statuses shared): 10 000 in ~140 MB
            for chunk in watched(results, started):
                out.extend(_took(compact(d), cache) for d in chunk)
        except WorkerLost:
            pass
    return out


def pool_chunk(count: int, workers: int) -> int:
    """Files per task sent to a worker: a worker holds a whole chunk's digests until it sends them
    back, so chunks stay small (625 of 10 000 held ~30 MB per worker); 32 still makes the
    messages few."""
    return max(1, min(32, count // (workers * 8)))


def _open_cache(cache_dir: Path | None, keyring: Path | None) -> Any:
    CACHE_STATS.clear()
    if cache_dir is None:
        return None
    from secaudit.province import cache as c

    ctx = c.context(keyring, {"require_review": c.review_options(REVIEW_POLICY)})
    cache = c.Cache(cache_dir, ctx, Digest)
    CACHE_STATS.update(dir=str(cache_dir), usable=cache.prepare(), hits=0, stored=0)
    return cache if CACHE_STATS["usable"] else None


def _took(d: Digest, cache: Any) -> Digest:
    return d if cache is None else cache.took(d)  # its new entry is written soon, never held


def _stored(digests: list[Digest], cache: Any) -> list[Digest]:
    if cache is not None:
        CACHE_STATS.update(cache.finish())
    return digests


def period_key(period: str) -> tuple[tuple[int, Any], ...]:
    """Sort periods naturally: "2025" < "2026" < "2026-2" < "2026-10"."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", period) if p)
