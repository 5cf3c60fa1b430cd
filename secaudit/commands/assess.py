"""``secaudit assess``: scan every selected system, judge, evaluate, write one bundle per system.

All targets of all selected systems go to the scanner together (concurrent probes); each system's
observations are then judged under each of its profiles. ``--rejudge`` re-evaluates a stored
bundle's observations under another profile without scanning.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from secaudit.core.errors import InputError

# Profile parameters that change what a probe collects (the rest only change how checks judge).
PROBE_PARAMS = ("sensitive_paths", "http_max_redirects", "risky_ports", "service_detection")


@dataclass
class _Job:
    agency: Any
    system: Any
    targets: list[Any]
    atts: Any


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _key_for(key: Path | None, agency: str) -> Path | None:
    if key is None:
        return None
    if key.is_dir():
        return key / f"{agency}.key"
    return key


def _check_keys(key: Path | None, agencies: list[str]) -> None:
    from secaudit.signing.keys import load_private_key

    if key is None:
        return
    if not key.exists():
        raise InputError("--key: file or folder not found", key)
    for aid in agencies:
        kp = _key_for(key, aid)
        assert kp is not None
        load_private_key(kp)  # InputError if missing or not Ed25519
    if key.is_file() and len(agencies) > 1:
        _say(
            "secaudit: cảnh báo/warning: one key signs the bundles of several agencies; `verify` checks "
            "each bundle against its own agency's key (use --key DIR with DIR/<agency>.key)"
        )


def _today(assessed_at: str) -> date:
    # The local calendar day: expires_at dates are written in the auditor's time zone (UTC+7 in
    # Vietnam), and the UTC day would keep an expired attestation valid for hours.
    return datetime.fromisoformat(assessed_at.replace("Z", "+00:00")).astimezone().date()


def _evaluate_profile(
    profile: Any, level: int, trs: list[Any], atts: Any, today: date, rejudge: bool, **extra_eval: Any
) -> tuple[list[Any], list[dict[str, Any]], dict[str, Any]]:
    """(target results judged under ``profile``, requirement dicts, summary)."""
    from secaudit.assessment.scan import judge
    from secaudit.assessment.verdicts import evaluate, summarize
    from secaudit.config.catalog import applicable, profile_catalog
    from secaudit.core.model import TargetResult

    if rejudge:
        trs = [
            TargetResult(tr.target, judge(tr.target, tr.observations, profile), tr.observations) for tr in trs
        ]
    verdicts = evaluate(
        applicable(profile), level, trs, atts, today, **extra_eval, catalog=profile_catalog(profile)
    )
    return trs, [v.to_dict() for v in verdicts], summarize(verdicts)


def _assessment(
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
    **extra: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    from secaudit import __version__
    from secaudit.config.catalog import profile_catalog
    from secaudit.signing.bundle import build_assessment

    today = _today(extra.get("rejudged_at") or assessed_at)
    ev = {"evidence_check": evidence_check} if evidence_check else {}
    primary = profiles[0]
    trs0, reqs, summary = _evaluate_profile(
        primary, level, trs, atts, today, primary.id != scanned_with, **ev
    )
    additional = []
    for p in profiles[1:]:
        _, r2, s2 = _evaluate_profile(p, level, trs, atts, today, True, **ev)
        additional.append(
            {"profile": p.id, "catalog": profile_catalog(p).header(), "requirements": r2, "summary": s2}
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
        requirements=reqs,
        summary=summary,
        catalog=profile_catalog(primary).header(),
        due=inv_fields.get("due"),
        additional=additional or None,
        **extra,
    )
    return a, summary


def _write(assessment: dict[str, Any], key: Path | None, out_dir: Path) -> Path:
    from secaudit.signing.bundle import make_bundle, write_bundle

    return write_bundle(make_bundle(assessment, key), out_dir)


def _report_line(agency: str, system: str, level: int, summary: dict[str, Any], path: Path) -> None:
    c = summary["counts"]
    meets = "ĐẠT/MEETS" if summary["meets_level"] else "CHƯA ĐẠT/DOES NOT MEET"
    pct = "-" if summary["compliance_pct"] is None else f"{summary['compliance_pct']}%"
    click.echo(
        f"{agency}/{system}: {meets} level {level} · {pct} · pass {c['pass']} fail {c['fail']} "
        f"not_reviewed {c['not_reviewed']} error {c['error']} n/a {c['not_applicable']} → {path}"
    )


def _exit_code(summaries: list[dict[str, Any]]) -> int:
    from secaudit.assessment.verdicts import system_exit_status

    codes = {system_exit_status(s) for s in summaries}
    return 1 if 1 in codes else 3 if 3 in codes else 0


@click.command(
    "assess",
    help="Đánh giá các hệ thống trong danh mục, ghi gói kết quả ký số / assess the "
    "inventory's systems and write one (signed) bundle per system.\n\n"
    "Exit: 0 every system meets its level · 1 some does not · 2 bad input · "
    "3 only probe errors stood in the way.",
)
@click.option("--inventory", type=click.Path(dir_okay=False, path_type=Path), help="inventory.yaml")
@click.option(
    "--attestations",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận / attestations folder (<agency>/<system>.yaml).",
)
@click.option("--agency", help="Chỉ một cơ quan / one agency only.")
@click.option(
    "--key",
    type=click.Path(path_type=Path),
    help="Khóa ký / private key (.key), or a folder holding <agency>.key.",
)
@click.option(
    "--ca-file", type=click.Path(dir_okay=False, path_type=Path), help="Thêm CA tin cậy / extra CA (PEM)."
)
@click.option("--ports", "ports_spec", help="Cổng quét thêm / extra ports, e.g. 8080,9000-9010.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Giây / seconds per connection.")
@click.option("--probes", "probes_spec", help="tls,http,ports (default: all).")
@click.option(
    "--rejudge",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Đánh giá lại gói có sẵn, không quét / re-evaluate a bundle's observations, no scan.",
)
@click.option("--profile", "profile_name", help="Hồ sơ cho --rejudge / profile for --rejudge.")
@click.option("--no-progress", is_flag=True, help="Không hiện tiến độ / no progress on stderr.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def assess(
    inventory: Path | None,
    attestations: Path | None,
    agency: str | None,
    key: Path | None,
    ca_file: Path | None,
    ports_spec: str | None,
    timeout: float,
    probes_spec: str | None,
    rejudge: Path | None,
    profile_name: str | None,
    no_progress: bool,
    out_dir: Path,
) -> None:
    if rejudge is not None:
        sys.exit(_rejudge(rejudge, profile_name, attestations, key, out_dir))
    if profile_name is not None:
        raise InputError("--profile goes with --rejudge; systems name their profiles in the inventory")
    if inventory is None:
        raise InputError("--inventory FILE is required (or --rejudge BUNDLE --profile NAME)")
    if ca_file is not None and not ca_file.is_file():
        raise InputError("--ca-file: file not found", ca_file)
    if timeout <= 0:
        raise InputError("--timeout must be a positive number of seconds")

    from secaudit.assessment.attestations import load_for_system, validate_catalog
    from secaudit.assessment.scan import ScanOptions, now_iso, parse_probes, scan
    from secaudit.config.inventory import load_inventory, system_targets
    from secaudit.config.targets import parse_ports

    probes = parse_probes(probes_spec)
    extra_ports = parse_ports(ports_spec)
    inv = load_inventory(inventory)
    agencies = inv.select(agency)
    _check_keys(key, [a.id for a in agencies])

    # Load everything that can be wrong before the first packet is sent.
    jobs: list[_Job] = []
    for ag in agencies:
        for sysm in ag.systems:
            atts = load_for_system(attestations, ag.id, sysm.id)
            if atts is not None:
                validate_catalog(atts)
                _warn_unbridged(atts, [inv.profile(p) for p in sysm.profiles])
            jobs.append(_Job(ag, sysm, system_targets(sysm), atts))

    # One scanner call per set of probe parameters (normally one for everything).
    groups: dict[str, list[_Job]] = {}
    for job in jobs:
        params = inv.profile(job.system.profile).parameters
        gkey = json.dumps({k: params.get(k) for k in PROBE_PARAMS}, sort_keys=True, default=str)
        groups.setdefault(gkey, []).append(job)
    options = ScanOptions(
        ca_file=ca_file, timeout=timeout, extra_ports=extra_ports or None, progress=not no_progress
    )
    assessed_at = now_iso()
    n_targets = sum(len(j.targets) for j in jobs)
    _say(
        f"secaudit: {len(jobs)} hệ thống/systems, {n_targets} mục tiêu/targets, probes "
        f"{','.join(sorted(probes))}"
    )
    results: dict[int, tuple[list[Any], str]] = {}
    for group in groups.values():
        rep = inv.profile(group[0].system.profile)
        flat = [t for j in group for t in j.targets]
        trs = scan(flat, rep, probes, options)
        i = 0
        for j in group:
            results[id(j)] = (trs[i : i + len(j.targets)], rep.id)
            i += len(j.targets)

    summaries = []
    inv_fields = {"province": inv.province, "period": inv.period, "due": inv.due}
    for job in jobs:
        ag, sysm = job.agency, job.system
        trs, scanned_with = results[id(job)]
        profiles = [inv.profile(p) for p in sysm.profiles]
        system = {
            "id": sysm.id,
            "name": sysm.name,
            "level": sysm.level,
            "level_reason": sysm.level_reason,
            "profiles": [p.id for p in profiles],
            "expected_ports": sysm.expected_ports,
        }
        a, summary = _assessment(
            inv_fields,
            {"id": ag.id, "name": ag.name, "type": ag.type},
            system,
            profiles,
            sysm.level,
            trs,
            job.atts,
            assessed_at,
            scanned_with,
            probes=sorted(probes),
        )
        path = _write(a, _key_for(key, ag.id), out_dir)
        _report_line(ag.id, sysm.id, sysm.level, summary, path)
        summaries.append(summary)
    if key is None:
        _say("secaudit: các gói CHƯA KÝ (không có --key) / bundles are NOT signed (no --key given)")
    sys.exit(_exit_code(summaries))


def _rejudge(
    bundle_path: Path, profile_name: str | None, attestations: Path | None, key: Path | None, out_dir: Path
) -> int:
    from secaudit.assessment.attestations import load_for_system, validate_catalog
    from secaudit.assessment.scan import now_iso
    from secaudit.config.catalog import load_profile
    from secaudit.config.targets import parse_target
    from secaudit.core.ids import ID_RE
    from secaudit.core.model import CheckResult, TargetResult
    from secaudit.signing.bundle import load_bundle

    if not profile_name:
        raise InputError("--rejudge needs --profile NAME (the profile to judge under)")
    old = load_bundle(bundle_path)["assessment"]
    try:
        ag, sysd = old["agency"], old["system"]
        aid, sid, level = ag["id"], sysd["id"], int(sysd["level"])
        stored_targets = list(old["targets"])
        assessed_at = str(old["assessed_at"])
    except (KeyError, TypeError, ValueError):
        raise InputError("bundle lacks agency/system/targets/assessed_at", bundle_path) from None
    # The ids and period name the output file: a hand-made bundle must not write outside -o.
    for what, val in (("agency id", aid), ("system id", sid), ("period", old.get("period", ""))):
        if not isinstance(val, str) or not ID_RE.match(val):
            raise InputError(f"bundle has a malformed {what} {val!r}", bundle_path)
    if not 1 <= level <= 5:
        raise InputError(f"bundle has a malformed system level {level!r}", bundle_path)
    _check_keys(key, [aid])
    profile = load_profile(profile_name)
    trs = []
    for t in stored_targets:
        if not _stored_target_ok(t, sysd.get("expected_ports")):
            raise InputError("bundle has a malformed target entry", bundle_path)
        target = parse_target(t["target"])
        target.host, target.port = t.get("host", target.host), t.get("port", target.port)
        target.address = t.get("address")
        target.expected_ports = sysd.get("expected_ports")
        checks = [CheckResult.from_dict(c) for c in t.get("checks") or []]
        trs.append(TargetResult(target, checks, t.get("observations") or {}))
    evidence_check = None
    if attestations is not None:
        atts = load_for_system(attestations, aid, sid)
        if atts is not None:
            validate_catalog(atts)
    else:
        atts, evidence_check = _stored_attestations(old, aid, sid, bundle_path)
    system = dict(sysd)
    system["profiles"] = [profile.id]
    inv_fields = {"province": old.get("province", ""), "period": old.get("period", ""), "due": old.get("due")}
    a, summary = _assessment(
        inv_fields,
        ag,
        system,
        [profile],
        level,
        trs,
        atts,
        assessed_at,
        None,
        evidence_check,
        probes=old.get("probes"),
        rejudged_at=now_iso(),
        rejudged_from={"profile": old.get("profile")},
    )
    path = _write(a, _key_for(key, aid), out_dir)
    _report_line(aid, sid, level, summary, path)
    if key is None:
        _say("secaudit: gói CHƯA KÝ (không có --key) / bundle is NOT signed (no --key given)")
    return _exit_code([summary])


def _stored_target_ok(t: Any, expected_ports: Any) -> bool:
    """The shape ``judge`` relies on: observations per probe are mappings, checks carry id and status."""
    from secaudit.core.model import CHECK_STATUSES

    def is_port(p: Any) -> bool:
        return isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536

    if not isinstance(t, dict) or not isinstance(t.get("target"), str):
        return False
    obs, checks = t.get("observations") or {}, t.get("checks") or []
    return (
        isinstance(t.get("host", ""), str)
        and is_port(t.get("port", 443))
        and isinstance(t.get("address") or "", str)
        and (
            expected_ports is None
            or isinstance(expected_ports, list)
            and all(is_port(p) for p in expected_ports)
        )
        and isinstance(obs, dict)
        and all(isinstance(v, dict) for v in obs.values())
        and isinstance(checks, list)
        and all(
            isinstance(c, dict) and isinstance(c.get("id"), str) and c.get("status") in CHECK_STATUSES
            for c in checks
        )
    )


def _warn_unbridged(atts: Any, profiles: list[Any]) -> None:
    """Say so when a profile's catalogue can neither read the file directly nor through a crosswalk."""
    from secaudit.assessment.verdicts import crosswalk_between
    from secaudit.config.catalog import profile_catalog

    for p in profiles:
        cat = profile_catalog(p).id
        if cat != atts.catalog and crosswalk_between(cat, atts.catalog) is None:
            _say(
                f"secaudit: cảnh báo/warning: {atts.display_path}: catalogue {atts.catalog} has no "
                f"crosswalk to {cat} (profile {p.id}): its attestations do not count there"
            )


def _stored_attestations(old: dict[str, Any], aid: str, sid: str, bundle_path: Path) -> tuple[Any, Any]:
    """The direct attestations a bundle recorded (carried ones are re-derived), and an evidence
    check answering from the states recorded at assessment: a rejudge works from stored data only."""
    from secaudit.assessment.attestations import KEYS, AttestationSet, parse_entry
    from secaudit.config.catalog import DEFAULT_CATALOG

    cat = (old.get("catalog") or {}).get("id") if isinstance(old.get("catalog"), dict) else None
    entries = {}
    # Keyed by (path, recorded hash): two answers citing one file may have recorded different hashes,
    # and each keeps its own state (ok / changed).
    stored: dict[tuple[str, str | None], dict[str, Any]] = {}
    catalog, src = cat or DEFAULT_CATALOG, None
    for r in old.get("requirements") or []:
        rec = r.get("attestation") if isinstance(r, dict) else None
        if not isinstance(rec, dict) or rec.get("carried_from") or rec.get("prefilled_from"):
            continue
        if (
            not isinstance(rec.get("catalog") or "", str)
            or not isinstance(rec.get("file") or "", str)
            or not isinstance(rec.get("evidence") or [], list)
        ):
            raise InputError("bundle has a malformed attestation record", bundle_path)
        catalog = rec.get("catalog") or catalog
        src = src or rec.get("file")
        node = {k: rec.get(k) for k in KEYS}
        node["evidence"] = [
            {"path": e.get("path"), "sha256": e.get("sha256")}
            for e in rec.get("evidence") or []
            if isinstance(e, dict)
        ]
        entries[node["requirement"]] = parse_entry(node, bundle_path)
        for e in rec.get("evidence") or []:
            if isinstance(e, dict):
                stored[(str(e.get("path")), e.get("sha256"))] = e
    if not entries:
        return None, None

    def recorded(ev: Any, _base: Path) -> dict[str, Any]:
        missing = {"path": ev.path, "sha256": ev.sha256, "state": "missing"}
        return dict(stored.get((ev.path, ev.sha256)) or missing)

    atts = AttestationSet(aid, sid, entries, Path(src) if src else None, catalog=catalog, root=Path("."))
    return atts, recorded


COMMANDS = [assess]
