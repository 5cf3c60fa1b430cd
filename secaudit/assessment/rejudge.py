"""Re-judging a bundle: its verdicts made again from what it recorded, with the rules shipped now.

``rejudge`` re-runs every check from the stored observations (secaudit/checks via scan.judge) and
re-decides every requirement from the recorded attestations, as of the bundle's own ``assessed_at``
(the checks' clock and the attestation expiry day), never today. Nothing is read from the machine:
evidence states are the ones recorded at assessment. Used by ``assess --rejudge`` (another
profile) and by the province summary (the bundle's own profiles, DESIGN §10 "Trust").

Bundles are untrusted input of two schemas (``secaudit.bundle/1`` and the compact ``/2``): every
field is read defensively and anything malformed is an InputError naming ``where``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import AttestationSet
from secaudit.core.errors import InputError
from secaudit.core.model import CHECK_STATUSES, Profile, Tailoring, TargetResult

TAILORED_PREFIX = "Tailored out by the profile"


@dataclass
class Judged:
    """One profile's re-made verdicts."""

    profile: Profile
    verdicts: list[Any]
    summary: dict[str, Any]

    @property
    def statuses(self) -> dict[str, str]:
        return {v.id: v.status for v in self.verdicts}


@dataclass
class Rejudged:
    targets: list[TargetResult]
    primary: Judged
    additional: list[Judged] = field(default_factory=list)


# --------------------------------------------------------------------------- reading the bundle


def v1_shape(a: dict[str, Any], lean: bool = False) -> dict[str, Any]:
    """A /2 assessment in the /1 shape this module reads (a /1 one as it is). ``lean``: without
    check titles and verdict check rows, which re-judging never reads (the summary's form)."""
    from secaudit.signing import bundle_view

    return bundle_view.as_v1(a, catalog=False, reasons=False, lean=lean)  # old reasons are never read


def _is_port(p: Any) -> bool:
    return isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536


def _ports_ok(ports: Any) -> bool:
    return ports is None or isinstance(ports, list) and all(map(_is_port, ports))


def _target_ok(t: Any, expected_ports: Any) -> bool:
    """The shape ``judge`` relies on: observations per probe are mappings, checks carry id and status."""
    if not isinstance(t, dict) or not isinstance(t.get("target"), str):
        return False
    obs, checks = t.get("observations") or {}, t.get("checks") or []
    return (
        isinstance(t.get("host", ""), str)
        and _is_port(t.get("port", 443))
        and isinstance(t.get("address") or "", str)
        and _ports_ok(expected_ports)
        and isinstance(obs, dict)
        and all(isinstance(v, dict) for v in obs.values())
        and isinstance(checks, list)
        and all(
            isinstance(c, dict) and isinstance(c.get("id"), str) and c.get("status") in CHECK_STATUSES
            for c in checks
        )
    )


def stored_targets(a: dict[str, Any], where: Any) -> list[TargetResult]:
    """The bundle's targets with their stored observations (checks are re-run from these)."""
    from secaudit.config.inventory_hosts import host_target, is_host_target
    from secaudit.config.targets import parse_target
    from secaudit.core.model import CheckResult

    sysd = a.get("system") if isinstance(a.get("system"), dict) else {}
    expected = sysd.get("expected_ports")
    targets = a.get("targets") or []
    if not isinstance(targets, list):
        raise InputError("gói kết quả có mục tiêu hỏng / bundle has a malformed target entry", where)
    out = []
    for t in targets:
        if not _target_ok(t, expected):
            raise InputError("gói kết quả có mục tiêu hỏng / bundle has a malformed target entry", where)
        # a declared host's pseudo-target (assessment/host_evidence.py) is no URL
        raw = t["target"]
        target = host_target(raw[len("host://") :]) if is_host_target(raw) else parse_target(raw)
        target.host, target.port = t.get("host", target.host), t.get("port", target.port)
        target.address = t.get("address")
        target.expected_ports = expected
        domains = sysd.get("domains")  # dns/mail checks are out of scope without (assessment/scope.py)
        target.domains = [d for d in domains if isinstance(d, str)] if isinstance(domains, list) else None
        checks = [CheckResult.from_dict(c) for c in t.get("checks") or []]
        out.append(TargetResult(target, checks, t.get("observations") or {}))
    return out


def _requirement_lists(a: dict[str, Any]) -> list[tuple[str | None, list[Any]]]:
    """(catalogue id, requirements) of the primary assessment and of each ``additional`` entry."""
    out: list[tuple[str | None, list[Any]]] = []
    entries = [a] + [e for e in (a.get("additional") or []) if isinstance(e, dict)]
    for e in entries:
        cat = e.get("catalog")
        cid = cat.get("id") if isinstance(cat, dict) else cat if isinstance(cat, str) else None
        reqs = e.get("requirements")
        out.append((cid if isinstance(cid, str) else None, reqs if isinstance(reqs, list) else []))
    return out


def stored_attestations(a: dict[str, Any], where: Any) -> tuple[list[Any] | None, Any]:
    """The attestation entries a bundle recorded, one set per catalogue, and an evidence check that
    answers from the states recorded at assessment (a re-judge reads no file).

    Direct records come first; an entry known only as the source of a carried-over verdict (the
    crosswalk, possibly a requirement no profile lists itself) is rebuilt from that record."""
    from secaudit.assessment.attestations import KEYS, parse_entry
    from secaudit.config.catalog import DEFAULT_CATALOG

    agency = a.get("agency") if isinstance(a.get("agency"), dict) else {}
    system = a.get("system") if isinstance(a.get("system"), dict) else {}
    entries: dict[str, dict[str, Any]] = {}
    files: dict[str, str | None] = {}
    # Keyed by (path, recorded hash): two answers citing one file may have recorded different hashes,
    # and each keeps its own state (ok / changed / invalid).
    stored: dict[tuple[str, str | None], dict[str, Any]] = {}
    carried: list[tuple[str, str, dict[str, Any]]] = []
    source = Path(str(where or "bundle"))

    def add(catalog: str, rid: Any, rec: dict[str, Any]) -> None:
        if (
            not isinstance(rec.get("catalog") or "", str)
            or not isinstance(rec.get("file") or "", str)
            or not isinstance(rec.get("evidence") or [], list)
            or not isinstance(rid, str)
        ):
            raise InputError(
                "gói kết quả có bản ghi xác nhận hỏng / bundle has a malformed attestation record", where
            )
        if rid in entries.setdefault(catalog, {}):  # carried copies repeat the direct record
            return
        node = {k: rec.get(k) for k in KEYS}
        node["requirement"] = rid
        if rec.get("migrated_from"):  # part of the canonical entry a review signed
            node["migrated_from"] = rec["migrated_from"]
        node["evidence"] = [
            {"path": e.get("path"), "sha256": e.get("sha256")}
            for e in rec.get("evidence") or []
            if isinstance(e, dict)
        ]
        entries[catalog][rid] = parse_entry(node, source)
        files.setdefault(catalog, rec.get("file"))
        for e in rec.get("evidence") or []:
            if isinstance(e, dict):
                stored.setdefault((str(e.get("path")), e.get("sha256")), e)

    for list_cat, reqs in _requirement_lists(a):
        for r in reqs:
            rec = r.get("attestation") if isinstance(r, dict) else None
            if not isinstance(rec, dict) or rec.get("prefilled_from") or rec.get("inherited_from"):
                continue  # an inherited verdict's record is its provider's (assessment/inherit.py)
            if isinstance(rec.get("carried_from"), dict):
                carried.append((list_cat or DEFAULT_CATALOG, str(r.get("id")), rec))
                continue
            add(rec.get("catalog") or list_cat or DEFAULT_CATALOG, rec.get("requirement") or r.get("id"), rec)
    for _cat, _rid, rec in carried:
        cf = rec["carried_from"]
        src_cat = cf.get("catalog")
        if not isinstance(src_cat, str):
            raise InputError(
                "gói kết quả có bản ghi xác nhận hỏng / bundle has a malformed attestation record", where
            )
        ids = cf.get("requirements") if isinstance(cf.get("requirements"), list) else [cf.get("requirement")]
        sources = rec.get("sources") if isinstance(rec.get("sources"), list) else [rec]
        for sid, srec in zip(ids, sources, strict=False):
            if isinstance(srec, dict):
                add(src_cat, sid, srec)
    if not entries:
        return None, None

    def recorded(ev: Any, _base: Path, *_args: Any, **_kw: Any) -> dict[str, Any]:
        missing = {"path": ev.path, "sha256": ev.sha256, "state": "missing"}
        return dict(stored.get((ev.path, ev.sha256)) or missing)

    aid, sid = str(agency.get("id") or ""), str(system.get("id") or "")
    sets = [
        _StoredSet(aid, sid, e, Path(files[c]) if files.get(c) else None, catalog=c)
        for c, e in entries.items()
    ]
    return sets, recorded


_HERE = Path(".")


class _StoredSet(AttestationSet):
    """An attestation set rebuilt from a bundle: its file is the name the bundle recorded (no
    filesystem lookups: the summary re-judges thousands of these). It lives for one re-judging, so
    review states are worked out once per entry for every profile (reviews._entry_state)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.memo is None:  # the copies with_limits makes (dataclasses.replace) share it
            self.memo = {}

    @property
    def display_path(self) -> str | None:
        return self.path.as_posix() if self.path else None

    @property
    def base_dir(self) -> Path:
        return _HERE


def _tailored_in(reqs: list[Any]) -> dict[str, str]:
    """Requirement id -> justification, for verdicts a /1 bundle says its profile tailored out."""
    out = {}
    for r in reqs:
        if not isinstance(r, dict) or r.get("status") != "not_applicable" or r.get("attestation"):
            continue
        reason = r.get("reason")
        en = reason.get("en") if isinstance(reason, dict) else None
        code = reason.get("code") if isinstance(reason, dict) else None
        if isinstance(en, str) and en.startswith(TAILORED_PREFIX):
            out[str(r.get("id"))] = en.split(": ", 1)[1] if ": " in en else ""
        elif isinstance(code, str) and "tailor" in code:
            params = reason.get("params") if isinstance(reason.get("params"), dict) else {}
            out[str(r.get("id"))] = str(params.get("justification") or "")
    return out


def recorded_profile(entry: dict[str, Any], level: int) -> Profile:
    """The profile an assessment (or one ``additional`` entry) was judged under, as far as the bundle
    tells: its recorded resolution (``profile_resolved``), else the shipped profile of that name, else
    the shipped profile for ``level`` of its catalogue. Unknown catalogue -> InputError."""
    from secaudit.config.acceptance import shipped_profile

    rec = entry.get("profile_resolved")
    rec = rec if isinstance(rec, dict) else {}
    name = entry.get("profile") if isinstance(entry.get("profile"), str) else ""
    cat = entry.get("catalog")
    cat_id = rec.get("catalog") or (cat.get("id") if isinstance(cat, dict) else cat)
    base = _shipped(name) if name in _names()[0] else None
    if not isinstance(cat_id, str) or cat_id not in _names()[1]:
        cat_id = base.catalog if base else None
    if cat_id is None:
        raise InputError(
            f"hồ sơ {name!r} của gói kết quả không thuộc danh mục có sẵn nào / "
            f"the bundle's profile {name!r} names no shipped catalogue"
        )
    rec_level = rec.get("level")
    if isinstance(rec_level, int) and not isinstance(rec_level, bool) and 1 <= rec_level <= 5:
        plevel = rec_level
    else:
        plevel = base.level if base and base.catalog == cat_id else level
    shipped = shipped_profile(cat_id, plevel) or shipped_profile(cat_id, level)
    if shipped is None:
        raise InputError(
            f"không có hồ sơ có sẵn cho cấp độ {plevel} của {cat_id} / "
            f"no shipped profile for level {plevel} of {cat_id}"
        )
    params = rec.get("parameters")
    if not isinstance(params, dict):
        params = dict(base.parameters) if base and base.catalog == cat_id else dict(shipped.parameters)
    tailoring: dict[str, Tailoring] = {}
    rec_tail = rec.get("tailoring")
    if isinstance(rec_tail, list):
        for t in rec_tail:
            if isinstance(t, dict) and isinstance(t.get("requirement"), str):
                j = t.get("justification")
                tailoring[t["requirement"]] = Tailoring(t["requirement"], "not_applicable", str(j or ""))
    else:
        reqs = entry.get("requirements") if isinstance(entry.get("requirements"), list) else []
        for rid, j in _tailored_in(reqs).items():
            tailoring[rid] = Tailoring(rid, "not_applicable", j)
    return Profile(
        id=name or shipped.id,
        title=dict(shipped.title),
        catalog=cat_id,
        level=plevel,
        parameters=params,
        tailoring=tailoring,
        description=dict(shipped.description),
    )


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """(shipped profile names, shipped catalogue ids), listed once per process."""
    from secaudit.config.catalog import catalog_ids, profile_names

    return frozenset(profile_names()), frozenset(catalog_ids())


@lru_cache(maxsize=64)
def _shipped(name: str) -> Profile:
    """A shipped profile by name, loaded once per process (read only here)."""
    from secaudit.config.catalog import load_profile

    return load_profile(name)


def bundle_profiles(a: dict[str, Any], level: int) -> list[Profile]:
    """The bundle's own profiles: the primary one, then one per ``additional`` entry."""
    extra = [e for e in (a.get("additional") or []) if isinstance(e, dict)]
    return [recorded_profile(a, level)] + [recorded_profile(e, level) for e in extra]


def system_level(a: dict[str, Any], where: Any) -> int:
    sysd = a.get("system") if isinstance(a.get("system"), dict) else {}
    lvl = sysd.get("level")
    if isinstance(lvl, bool) or not isinstance(lvl, int) or not 1 <= lvl <= 5:
        raise InputError(
            f"gói kết quả có cấp độ hệ thống hỏng / bundle has a malformed system level {lvl!r}", where
        )
    return lvl


# --------------------------------------------------------------------------- re-judging


def rejudge(
    assessment: dict[str, Any],
    profiles: list[Profile] | None = None,
    *,
    where: Any = None,
    attestations: Any = None,
    require_review: bool = False,
    reviewer_keys: Any = None,
) -> Rejudged:
    """Re-make the verdicts of ``assessment`` under ``profiles`` (default: the bundle's own), from its
    stored observations and attestations (or ``attestations``: sets loaded from a folder), as of its
    ``assessed_at``. Pure: reads no file but the shipped rules."""
    from secaudit.assessment.judging import judge_targets
    from secaudit.assessment.service import evaluate_profile, local_day

    assessment = v1_shape(assessment)
    level = system_level(assessment, where)
    assessed_at = assessment.get("assessed_at")
    if not isinstance(assessed_at, str):
        raise InputError("gói kết quả thiếu assessed_at / bundle has no assessed_at", where)
    try:
        today = local_day(assessed_at)
    except ValueError:
        raise InputError(
            f"gói kết quả có assessed_at hỏng / bundle has a malformed assessed_at {assessed_at!r}", where
        ) from None
    trs = stored_targets(assessment, where)
    evidence_check = None
    if attestations is None:
        from secaudit.assessment.review_store import attach_bundle_reviews

        attestations, evidence_check = stored_attestations(assessment, where)
        attach_bundle_reviews(attestations, assessment)  # reviews are re-verified, never believed
    profiles = profiles if profiles is not None else bundle_profiles(assessment, level)
    from secaudit.assessment.inherit import from_bundle

    inherited = from_bundle(assessment, where, stored_attestations)  # the providers' entries it carries
    judged: list[Judged] = []
    targets, reads = judge_targets(trs, profiles[0], assessed_at) if profiles else (trs, None)
    for i, p in enumerate(profiles):
        # A probe's checks run again only for a profile that changes a parameter they read.
        trs_p = targets if i == 0 or reads is None else reads.for_profile(p)
        _, verdicts, summary = evaluate_profile(
            p, level, trs_p, attestations, today, False, evidence_check,
            assessed_at, require_review, reviewer_keys, inherited,
        )  # fmt: skip
        judged.append(Judged(p, verdicts, summary))
    return Rejudged(targets, judged[0], judged[1:])


def stored_statuses(entry: dict[str, Any]) -> dict[str, str]:
    """Requirement id -> status as the bundle (or one ``additional`` entry) says."""
    reqs = entry.get("requirements") if isinstance(entry.get("requirements"), list) else []
    ok = [r for r in reqs if isinstance(r, dict) and isinstance(r.get("id"), str)]
    return {r["id"]: str(r.get("status")) for r in ok}


def stored_meets(entry: dict[str, Any]) -> Any:
    s = entry.get("summary")
    return s.get("meets_level") if isinstance(s, dict) else None


def differences(assessment: dict[str, Any], result: Rejudged) -> list[str]:
    """Requirement ids whose stored verdict differs from the re-judged one (any profile), plus
    ``summary.meets_level`` when the stored headline differs."""
    assessment = v1_shape(assessment)
    extra = [e for e in (assessment.get("additional") or []) if isinstance(e, dict)]
    out: set[str] = set()
    for entry, j in zip([assessment, *extra], [result.primary, *result.additional], strict=False):
        stored, now = stored_statuses(entry), j.statuses
        out.update(rid for rid in stored.keys() | now.keys() if stored.get(rid) != now.get(rid))
        if stored_meets(entry) is not j.summary["meets_level"]:
            out.add("meets_level")
    return sorted(out)
