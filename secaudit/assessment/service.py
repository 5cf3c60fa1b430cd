"""The assess service: scan every selected system, judge, evaluate, build and write one bundle each.

Systems are scanned a few at a time (assessment/pipeline.py), each system's observations judged under
each of its profiles as of the run's ``assessed_at``, and its bundle written atomically and logged in
the run log (assessment/runlog.py) as soon as it is judged: a killed run loses only the systems in
flight and ``--resume LOG`` continues it. ``--shard I/N`` keeps one machine's share
(assessment/shard.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

Say = Callable[[str], None]


@dataclass
class AssessOptions:
    attestations: Path | None = None
    agency: str | None = None
    key: Path | None = None
    ca_file: Path | None = None
    extra_ports: list[int] | None = None
    timeout: float = 10.0
    probes: set[str] = field(default_factory=set)
    progress: bool = True
    out_dir: Path = Path(".")
    keyring: Path | None = None  # reviews: checks reviewers' keys (KEYRING/reviewers/) at assess time
    unsigned_warning: str = ""  # said once the input is known good, before scanning, when key is None
    domain_options: Any = None  # dns/mail probes' options (secaudit.probes.domains.DomainOptions)
    domain_probes: bool = True  # systems listing domains: also get dns,mail (unless --probes was given)
    shard: Any = None  # assessment.shard.Shard: only this machine's share of the systems
    log: Path | None = None  # the run log (default: OUT/secaudit-run[...].jsonl)
    resume: Path | None = None  # continue the run this log records
    assessed_at: str | None = None  # the run's date (default: now; a resumed run keeps its log's)
    in_flight: int = 10  # systems scanned at once (--parallel)


@dataclass
class Written:
    """One bundle written: what the command reports on its line."""

    agency: str
    system: str
    level: int
    summary: dict[str, Any]
    path: Path


@dataclass
class _Job:
    agency: Any
    system: Any
    targets: list[Any]
    atts: Any


def local_day(assessed_at: str) -> date:
    """The calendar day an assessment speaks for, in the local time zone.

    expires_at dates are written in the auditor's time zone (UTC+7 in Vietnam), and the UTC day would
    keep an expired attestation valid for hours."""
    return datetime.fromisoformat(assessed_at.replace("Z", "+00:00")).astimezone().date()


def key_for(key: Path | None, agency: str) -> Path | None:
    if key is None:
        return None
    return key / f"{agency}.key" if key.is_dir() else key


def check_keys(key: Path | None, agencies: list[str], say: Say) -> None:
    from secaudit.signing.keys import load_private_key

    if key is None:
        return
    if not key.exists():
        raise InputError("--key: không thấy tệp hoặc thư mục / file or folder not found", key)
    for aid in agencies:
        kp = key_for(key, aid)
        assert kp is not None
        load_private_key(kp)  # InputError if missing or not Ed25519
    if key.is_file() and len(agencies) > 1:
        say(
            "secaudit: cảnh báo/warning: one key signs the bundles of several agencies; `verify` checks "
            "each bundle against its own agency's key (use --key DIR with DIR/<agency>.key)"
        )


def profile_record(profile: Any) -> dict[str, Any]:
    """The resolved profile as a bundle records it: what re-judging and profile acceptance read.

    JSON-native (mapping keys as text, e.g. risky_ports): the signed bytes must be the ones read back."""
    return {
        "id": profile.id,
        "catalog": profile.catalog,
        "level": profile.level,
        "parameters": json.loads(json.dumps(profile.parameters, default=str)),
        "tailoring": [
            {"requirement": t.requirement, "justification": t.justification}
            for t in sorted(profile.tailoring.values(), key=lambda t: t.requirement)
        ],
    }


def evaluate_profile(
    profile: Any,
    level: int,
    trs: list[Any],
    atts: Any,
    today: date,
    rejudge: bool,
    evidence_check: Any = None,
    now: str | None = None,
    require_review: bool = False,
    reviewer_keys: Any = None,
    inherited: Any = None,
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """(target results judged under ``profile``, verdicts, summary). ``now`` fixes the checks' clock
    (re-judging as of the assessment, not today)."""
    from secaudit.assessment.scan import judge
    from secaudit.assessment.verdicts import evaluate, summarize
    from secaudit.config.catalog import applicable, profile_catalog
    from secaudit.core.model import TargetResult

    if rejudge:
        judged_as = profile
        if now is not None:
            from secaudit.assessment.judging import with_params

            judged_as = with_params(profile, {**profile.parameters, "now": now})
        trs = [
            TargetResult(tr.target, judge(tr.target, tr.observations, judged_as), tr.observations)
            for tr in trs
        ]
    ev = {"evidence_check": evidence_check} if evidence_check else {}
    cat, params = profile_catalog(profile), profile.parameters
    verdicts = evaluate(applicable(profile), level, trs, atts, today, **ev, catalog=cat, params=params)
    verdicts = apply_reviews(verdicts, atts, require_review, reviewer_keys)
    from secaudit.assessment.inherit import apply_inheritance  # issue 14: the providers' verdicts

    verdicts = apply_inheritance(verdicts, inherited, profile, level, trs, today, reviewer_keys)
    from secaudit.core.score import public, targets_score

    # automated_score moves with every fix, before any auditor attests (DESIGN §10).
    return trs, verdicts, {**summarize(verdicts), **public(targets_score(trs))}


def apply_reviews(
    verdicts: list[Any], atts: Any, require_review: bool, reviewer_keys: Any = None
) -> list[Any]:
    """Reviews (issue 10 point 5): every attested verdict records its review state; with
    ``require_review`` an attested pass needs a valid approving review (assessment/reviews.py)."""
    from secaudit.assessment import review_verdicts

    return review_verdicts.apply_reviews(verdicts, atts, require_review, reviewer_keys)


def build_system_assessment(
    inv_fields: dict[str, Any],
    agency: dict[str, Any],
    system: dict[str, Any],
    profiles: list[Any],
    level: int,
    trs: list[Any],
    atts: Any,
    assessed_at: str,
    scanned_with: str | None,
    evidence_check: Any = None,
    now: str | None = None,
    require_review: bool = False,
    reviewer_keys: Any = None,
    inherited: Any = None,  # assessment/inherit.Source list: requirements a provider answers
    **extra: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(assessment object of DESIGN §7, primary summary) for one system under its profiles."""
    from secaudit import __version__
    from secaudit.config.catalog import profile_catalog
    from secaudit.signing.bundle import build_assessment

    today = local_day(assessed_at)
    from secaudit.assessment.inherit import bundle_reviews  # the system's and its providers' reviews

    kw = {"evidence_check": evidence_check, "now": now, "require_review": require_review}
    kw["reviewer_keys"], kw["inherited"] = reviewer_keys, inherited
    if require_review:  # the bundle says which rule its verdicts were made under
        system = {**system, "require_review": True}
    primary = profiles[0]
    trs0, verdicts, summary = evaluate_profile(
        primary, level, trs, atts, today, primary.id != scanned_with, **kw
    )
    additional = []
    for p in profiles[1:]:
        _, v2, s2 = evaluate_profile(p, level, trs, atts, today, True, **kw)
        additional.append(
            {
                "profile": p.id,
                "catalog": profile_catalog(p).header(),
                "profile_resolved": profile_record(p),
                "requirements": [v.to_dict() for v in v2],
                "summary": s2,
            }
        )
    a = build_assessment(
        province=inv_fields["province"],
        agency=agency,
        system=system,
        profile=primary.id,
        period=inv_fields["period"],
        assessed_at=assessed_at,
        tool_version=__version__,
        targets=[tr.to_dict() for tr in trs0],
        requirements=[v.to_dict() for v in verdicts],
        summary=summary,
        catalog=profile_catalog(primary).header(),
        profile_resolved=profile_record(primary),
        profiles=profiles,
        due=inv_fields.get("due"),
        additional=additional or None,
        reviews=bundle_reviews(atts, inherited),  # every review record once (verdicts hold only their state)
        **extra,
    )
    return a, summary


def write(assessment: dict[str, Any], key: Path | None, out_dir: Path) -> Path:
    from secaudit.signing.bundle import make_bundle, write_bundle

    return write_bundle(make_bundle(assessment, key), out_dir)


def exit_code(summaries: list[dict[str, Any]]) -> int:
    from secaudit.assessment.verdicts import system_exit_status

    codes = {system_exit_status(s) for s in summaries}
    return 1 if 1 in codes else 3 if 3 in codes else 0


def warn_unbridged(atts: Any, profiles: list[Any], say: Say) -> None:
    """Say so when a profile's catalogue can neither read the file directly nor through a crosswalk."""
    from secaudit.assessment.verdicts import crosswalk_between
    from secaudit.config.catalog import profile_catalog

    for p in profiles:
        cat = profile_catalog(p).id
        if cat != atts.catalog and crosswalk_between(cat, atts.catalog) is None:
            say(
                f"secaudit: cảnh báo/warning: {atts.display_path}: catalogue {atts.catalog} has no "
                f"crosswalk to {cat} (profile {p.id}): its attestations do not count there"
            )


def warn_unread(root: Path | None, inv: Any, agencies: list[Any], say: Say) -> None:
    """Say which attestation files no system reads (att/bao/portl.yaml for portal): their answers
    would otherwise silently not count."""
    from secaudit.config.inventory_providers import PROVIDERS_AGENCY

    if root is None or not Path(root).is_dir():
        return
    known = {(a.id, s.id) for a in agencies for s in a.systems}
    known |= {(PROVIDERS_AGENCY, p.id) for p in getattr(inv, "providers", None) or []}
    chosen = {a.id for a in agencies} if len(agencies) < len(inv.agencies) else None  # --agency
    for p in sorted(Path(root).glob("*/*.y*ml")):
        if (p.parent.name, p.stem) not in known and (chosen is None or p.parent.name in chosen):
            rel = f"{p.parent.name}/{p.name}"
            say(f"secaudit: cảnh báo/warning: {rel}: không hệ thống nào trong danh mục đọc tệp này / "
                "no system of the inventory reads this file: its answers are not read")  # fmt: skip


def _probes(opts: AssessOptions, system: Any) -> set[str]:
    """The probes for one system: a system that lists ``domains:`` also gets dns and mail."""
    extra = {"dns", "mail"} if opts.domain_probes and getattr(system, "domains", None) else set()
    return set(opts.probes) | extra


def _require_review(inv: Any, system: Any) -> bool:
    """``require_review`` of the inventory (province-wide or per system), when the inventory has it."""
    own = getattr(system, "require_review", None)
    return bool(own if own is not None else getattr(inv, "require_review", False))


def assess_inventory(inventory: Path, opts: AssessOptions, say: Say) -> list[Written]:
    """Scan, judge and write every selected system's bundle; the written bundles, in order."""
    from secaudit.assessment import inherit
    from secaudit.assessment.attestations import load_for_system, validate_catalog
    from secaudit.assessment.host_evidence import load_records
    from secaudit.assessment.review_store import attach_reviews
    from secaudit.assessment.reviews import load_reviewer_keys
    from secaudit.config.catalog import profile_catalog
    from secaudit.config.inventory import load_inventory, system_targets

    inv = load_inventory(inventory)
    agencies = inv.select(opts.agency)
    check_keys(opts.key, [a.id for a in agencies], say)
    reviewer_keys = load_reviewer_keys(opts.keyring) if opts.keyring is not None else None
    inherit.load_provider_sets(inv, opts.attestations)  # _providers/<id>.yaml: bad input stops here

    # Load everything that can be wrong before the first packet is sent.
    jobs: list[_Job] = []
    for ag in agencies:
        for sysm in ag.systems:
            atts = load_for_system(opts.attestations, ag.id, sysm.id)
            if atts is not None:
                validate_catalog(atts, [profile_catalog(inv.profile(p)) for p in sysm.profiles])
                attach_reviews(atts)
                warn_unbridged(atts, [inv.profile(p) for p in sysm.profiles], say)
            for host in getattr(sysm, "hosts", None) or []:  # imported host results: read again later
                load_records(opts.attestations, ag.id, sysm.id, host.name)
            jobs.append(_Job(ag, sysm, system_targets(sysm), atts))

    warn_unread(opts.attestations, inv, agencies, say)
    from secaudit.assessment.shard import select  # this machine's share of the systems (--shard)

    jobs = select(jobs, opts.shard, lambda j: (j.agency.id, j.system.id))
    return _run(inventory, inv, jobs, opts, reviewer_keys, say)


def _run(
    inventory: Path, inv: Any, jobs: list[_Job], opts: AssessOptions, reviewer_keys: Any, say: Say
) -> Any:
    """Scan, judge, write and log each system in turn (assessment/pipeline.py); the written ones."""
    from secaudit.assessment import pipeline

    keyed = [(f"{j.agency.id}/{j.system.id}", j) for j in jobs]
    log, assessed_at, finished = pipeline.open_log(inventory, inv, keyed, opts, say)  # a bad log stops here
    if opts.key is None and opts.unsigned_warning:  # before a long scan, not after it
        say(opts.unsigned_warning)
    n_targets = sum(len(j.targets) for j in jobs)
    say(
        f"secaudit: {len(jobs)} hệ thống/systems, {n_targets} mục tiêu/targets, probes "
        f"{','.join(sorted(set().union(*(_probes(opts, j.system) for j in jobs)) or opts.probes))}"
        + (f", shard {opts.shard}" if opts.shard is not None else "")
        + f", log {log.path}"
    )

    def scan_job(job: _Job, cancel: Any) -> tuple[list[Any], str | None]:
        from secaudit.assessment.scan import ScanOptions, scan

        options = ScanOptions(
            ca_file=opts.ca_file,
            timeout=opts.timeout,
            extra_ports=opts.extra_ports,
            progress=opts.progress and len(keyed) - len(finished) == 1,  # else one line per system
            domain_options=opts.domain_options,
            cancel=cancel,
        )
        return scan(job.targets, inv.profile(job.system.profile), _probes(opts, job.system), options), None

    def build_job(job: _Job, trs: list[Any], scanned_with: str | None) -> tuple[Any, Any, int, Any]:
        a, summary = assess_job(inv, opts, job, trs, scanned_with, assessed_at, reviewer_keys)
        return a, key_for(opts.key, job.agency.id), job.system.level, summary

    done = pipeline.run(
        keyed, finished, log, scan_job, build_job, opts.out_dir, say, opts.progress, opts.in_flight
    )
    out = _Outcome(Written(*d.key.split("/", 1), d.level, d.summary, d.path) for d in done)
    out.failed = done.failed
    return out


class _Outcome(list):  # type: ignore[type-arg]
    failed: list[tuple[str, str]]  # (agency/system, reason) of systems left without a bundle


def assess_job(
    inv: Any,
    opts: AssessOptions,
    job: _Job,
    trs: list[Any],
    scanned_with: str | None,
    assessed_at: str,
    reviewer_keys: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One system's assessment and primary summary. ``scanned_with`` None: every check is judged
    again as of ``assessed_at`` (a resumed run's systems judge as of the run's date, like the
    summary's re-judging does)."""
    from secaudit.assessment import inherit

    ag, sysm = job.agency, job.system
    profiles = [inv.profile(p) for p in sysm.profiles]
    from secaudit.assessment.host_evidence import host_record, host_targets

    # declared hosts: one pseudo-target each, with the engine results imported for it (issue 14)
    trs = [*trs, *host_targets(opts.attestations, ag.id, sysm, profiles[0], assessed_at)]
    system = {
        "id": sysm.id,
        "name": sysm.name,
        "level": sysm.level,
        "level_reason": sysm.level_reason,
        "profiles": [p.id for p in profiles],
        "expected_ports": sysm.expected_ports,
        # re-judging tells "no domain declared" (dns/mail out of scope) from "probe disabled"
        **({"domains": list(sysm.domains)} if getattr(sysm, "domains", None) else {}),
        **host_record(sysm),  # the declared hosts (assessment/host_evidence.py)
        **({"inherits": rec} if (rec := inherit.system_record(inv, sysm)) else {}),  # re-judging reads it
    }
    inv_fields = {"province": inv.province, "period": inv.period, "due": inv.due}
    return build_system_assessment(
        inv_fields,
        {"id": ag.id, "name": ag.name, "type": ag.type},
        system,
        profiles,
        sysm.level,
        trs,
        job.atts,
        assessed_at,
        scanned_with,
        now=assessed_at if scanned_with is None else None,
        require_review=_require_review(inv, sysm),
        reviewer_keys=reviewer_keys,
        inherited=inherit.sources_for(inv, sysm, opts.attestations),
        probes=sorted(_probes(opts, sysm)),
        authority=getattr(inv, "authority", None),  # the report names its recipient (issue 11)
    )
