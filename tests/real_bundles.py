"""Bundles the real assess service makes, for tests of the summary's re-judging (DESIGN §10 "Trust").

The summary re-judges every verified bundle, so test bundles must be ones the shipped rules
reproduce: real requirement ids, real observations (tests/data/observations/good-site.json, a
recorded scan of a well-configured lab site) and real attestations. ``assessment`` makes one through
``secaudit.assessment.service.build_system_assessment``, as ``assess`` does, as of the recorded
scan's time (never today); a test then forges what it needs and signs with a real key.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import Attestation, AttestationSet
from secaudit.config.catalog import applicable, load_profile

DATA = Path(__file__).parent / "data" / "observations"
GOOD = json.loads((DATA / "good-site.json").read_text(encoding="utf-8"))
ASSESSED_AT = GOOD["assessed_at"]  # 2026-12-01T10:56:56Z
ATTESTED = date(2026, 11, 2)
# Requirements a test can make fail or leave unanswered through their attestations.
MANUAL = "M.POL.01"  # manual
OTHER_MANUAL = "M.ORG.01"
PORTS_REQ = "T.NET.07"  # partial, ports.risky_services only: errors when the ports probe failed


def targets(broken_probes: tuple[str, ...] = ()) -> list[Any]:
    """The recorded target; a probe in ``broken_probes`` recorded a failure (its checks: error)."""
    from secaudit.assessment.rejudge import stored_targets

    obs = copy.deepcopy(GOOD["observations"])
    for p in broken_probes:
        obs[p] = {"error": f"{p} probe failed: simulated"}
    t = dict(GOOD["target"], observations=obs, checks=[])
    return stored_targets({"system": {"expected_ports": GOOD["expected_ports"]}, "targets": [t]}, "fixture")


def attestation_sets(
    profiles: list[Any], agency: str, system: str, statuses: dict[str, str] | None = None
) -> list[AttestationSet]:
    """Compliant answers (with a note) for every manual/partial requirement of each profile, one set
    per catalogue; ``statuses`` maps ids to fail (non_compliant), not_reviewed (no answer) or
    not_applicable."""
    statuses = statuses or {}
    by_cat: dict[str, dict[str, Attestation]] = {}
    for p in profiles:
        entries = by_cat.setdefault(p.catalog, {})
        for req, tailored in applicable(p):
            if req.kind == "auto" or tailored is not None or req.id in entries:
                continue
            want = statuses.get(req.id, "pass")
            if want == "not_reviewed":
                continue
            status = {"fail": "non_compliant", "not_applicable": "not_applicable"}.get(want, "compliant")
            entries[req.id] = Attestation(
                requirement=req.id,
                status=status,
                note=f"Quyết định số 12/QĐ ({req.id})",
                attested_by="Nguyễn Văn A",
                attested_at=ATTESTED,
                expires_at=date(2027, 11, 1),
            )
    return [
        AttestationSet(agency, system, e, Path(f"{agency}/{system}.{c}.yaml"), catalog=c, root=Path("."))
        for c, e in by_cat.items()
    ]


def assessment(
    agency: str,
    system: str,
    period: str = "2026",
    level: int = 3,
    statuses: dict[str, str] | None = None,
    profiles: list[Any] | tuple[str, ...] = (),
    broken_probes: tuple[str, ...] = (),
    province: str = "Thừa Thiên Huế",
    name: str | None = None,
) -> dict[str, Any]:
    """The assessment object ``assess`` writes for this system (schema /2 shape)."""
    from secaudit.assessment.service import build_system_assessment

    profs = [load_profile(p) if isinstance(p, str) else p for p in (profiles or [f"level{level}"])]
    atts = attestation_sets(profs, agency, system, statuses)
    sysd = {
        "id": system,
        "name": name or f"Cổng {system}",
        "level": level,
        "profiles": [p.id for p in profs],
        "expected_ports": GOOD["expected_ports"],
    }
    a, _ = build_system_assessment(
        {"province": province, "period": period, "due": f"{period}-11-01"},
        {"id": agency, "name": f"Báo {agency}"},
        sysd,
        profs,
        level,
        targets(broken_probes),
        atts,
        ASSESSED_AT,
        None,
        now=ASSESSED_AT,
        probes=["http", "ports", "tls"],
    )
    return a


def requirement(a: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in a["requirements"] if r["id"] == rid)


def resummarise(a: dict[str, Any]) -> None:
    """Recompute ``summary`` from the (forged) requirement statuses, as a careful forger would."""
    counts = {k: 0 for k in ("pass", "fail", "not_reviewed", "not_applicable", "error")}
    for r in a["requirements"]:
        counts[r["status"]] += 1
    applicable_n = len(a["requirements"]) - counts["not_applicable"]
    a["summary"] = dict(
        a["summary"],
        counts=counts,
        compliance_pct=round(100 * counts["pass"] / applicable_n, 1) if applicable_n else None,
        meets_level=counts["pass"] == applicable_n,
    )


def put(a: dict[str, Any], keys: Path, bundles: Path, signer: str | None = None, schema: str = "") -> Path:
    """Sign ``a`` with ``keys/<agency>.key`` (or ``signer``'s) and write it; ``schema`` /1 writes the
    /1 shape (bundle_view.as_v1) as an older tool did."""
    from secaudit.signing import bundle_view
    from secaudit.signing.bundle import make_bundle, write_bundle

    key = keys / f"{signer or a['agency']['id']}.key"
    if schema == bundle_view.SCHEMA_V1:
        return write_bundle(make_bundle(bundle_view.as_v1(a), key, schema), bundles)
    return write_bundle(make_bundle(a, key), bundles)


# A profile tailoring M.OPS.07 out with a justification (the inventory must still accept it).
TAILORED_PROFILE = """\
profile:
  id: no-backup-site
  extends: level3
  title: {vi: "Cấp độ 3, không có trung tâm dự phòng", en: "Level 3, no standby site"}
tailoring:
  - requirement: M.OPS.07
    status: not_applicable
    justification: "Hệ thống tĩnh, không có dữ liệu người dùng / static site"
"""


# --------------------------------------------------------------------------- a small province


def build_province(root: Path) -> dict[str, Path]:
    """bundle_factory.build_province's cases with real bundles (same inventory): a-ok two systems
    meeting level 3 · a-fail: MANUAL non-compliant, OTHER_MANUAL unanswered, the ports probe failed ·
    a-tamper: changed after signing · a-wrongkey: signed with a-ok's key · a-old: only 2025 ·
    a-missing: nothing · a-low: level 2 · a-extra: not in the inventory · two files not bundles."""
    import bundle_factory as bf

    from secaudit.signing.keys import generate_keypair

    keys, bundles = root / "keys", root / "bundles"
    bundles.mkdir(parents=True)
    for ag in ("a-ok", "a-fail", "a-tamper", "a-wrongkey", "a-old", "a-low", "a-extra"):
        generate_keypair(ag, keys)
    put(assessment("a-ok", "portal"), keys, bundles)
    put(assessment("a-ok", "cms"), keys, bundles)
    fail = {MANUAL: "fail", OTHER_MANUAL: "not_reviewed"}
    put(assessment("a-fail", "portal", statuses=fail, broken_probes=("ports",)), keys, bundles)
    p = put(assessment("a-tamper", "portal", statuses={MANUAL: "fail"}), keys, bundles)
    b = json.loads(p.read_text(encoding="utf-8"))
    requirement(b["assessment"], MANUAL)["status"] = "pass"
    b["assessment"]["summary"]["meets_level"] = True
    p.write_text(json.dumps(b, ensure_ascii=False), encoding="utf-8")
    put(assessment("a-wrongkey", "portal"), keys, bundles, signer="a-ok")
    put(assessment("a-old", "portal", period="2025"), keys, bundles)
    put(assessment("a-low", "portal", level=2), keys, bundles)
    put(assessment("a-extra", "portal"), keys, bundles)
    (bundles / "notes.json").write_text("this is not JSON", encoding="utf-8")
    (bundles / "other.json").write_text('{"schema": "secaudit.scan/1", "targets": []}', encoding="utf-8")
    inv = root / "inventory.yaml"
    inv.write_text(bf.INVENTORY, encoding="utf-8")
    return {"keys": keys, "bundles": bundles, "inventory": inv}
