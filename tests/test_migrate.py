"""Two regimes, one set of attestations: carry-over through the crosswalk (docs/verdicts.md §5),
`attest migrate`, thresholds stated in the template, and an end-to-end assess of a loopback lab
site judged under both regimes in one signed bundle (real TLS, real sslyze, real HTTP, real nmap)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.assessment.attestations import (
    Attestation,
    AttestationSet,
    Evidence,
    load_attestations,
    load_for_system,
    sha256_file,
    validate_catalog,
)
from secaudit.assessment.verdicts import evaluate
from secaudit.cli import main
from secaudit.config.catalog import applicable, load_catalog, load_profile, profile_catalog
from secaudit.core.errors import InputError
from secaudit.lab.sites import Lab, SiteSpec
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1

TODAY = date(2026, 10, 20)
OLD, NEW = "tcvn-11930-2017", "tcvn-14423-2026"
ADDR = "127.0.0.180"  # this module's own loopback address (180-189)
HOST = "portal.haicheday.lab.test"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def att(
    rid: str,
    status: str | None = "compliant",
    note: str = "Quy chế số 12/QĐ",
    attested_at: date | None = date(2026, 5, 1),
    expires_at: date | None = None,
    evidence: list[Evidence] | None = None,
) -> Attestation:
    return Attestation(
        requirement=rid,
        status=status,
        note=note,
        evidence=evidence or [],
        attested_by="Nguyễn Văn A",
        attested_at=attested_at,
        expires_at=expires_at,
    )


def aset(catalog: str, *entries: Attestation, base: Path | None = None) -> AttestationSet:
    return AttestationSet(
        "ag",
        "sys",
        {a.requirement: a for a in entries},
        (base / "ag" / "sys.yaml") if base else None,
        catalog=catalog,
        root=base,
    )


def judge(profile: str, *sets: AttestationSet) -> dict[str, Any]:
    p = load_profile(profile)
    vs = evaluate(applicable(p), 3, [], list(sets), TODAY, catalog=profile_catalog(p))
    return {v.id: v for v in vs}


# --------------------------------------------------------------------------- carry-over table


EQ = "M.ORG.01"  # carried_from records this source
PRE = "prefill"  # a pre-fill record naming candidates
CARRY = [
    # (name, 2017 entries, 2026 entries, requirement judged under tcvn14423-level3, status,
    #  reason part, what the attestation record holds)
    (
        "equivalent compliant -> pass",
        [att("M.ORG.01")],
        [],
        "ANM.HR.01",
        "pass",
        "Carried over from M.ORG.01 (TCVN 11930:2017) via crosswalk (equivalent)",
        EQ,
    ),
    (
        "equivalent non_compliant -> fail",
        [att("M.ORG.01", "non_compliant", "Chưa phân công")],
        [],
        "ANM.HR.01",
        "fail",
        "Attested non-compliant",
        EQ,
    ),
    (
        "expired source -> not_reviewed",
        [att("M.ORG.01", attested_at=date(2025, 1, 1))],
        [],
        "ANM.HR.01",
        "not_reviewed",
        "expired on 2026-01-01",
        EQ,
    ),
    (
        "source without note or evidence",
        [att("M.ORG.01", note="")],
        [],
        "ANM.HR.01",
        "not_reviewed",
        "no note or evidence",
        EQ,
    ),
    (
        "partial mapping pre-fills only",
        [att("M.OPS.04")],
        [],
        "ANM.HW.01",
        "not_reviewed",
        "Pre-filled from M.OPS.04 (TCVN 11930:2017, partial): compliant via crosswalk, needs an auditor's",
        PRE,
    ),
    (
        "only partially-mapped sources answered",
        [att("M.POL.01")],
        [],
        "ANM.RISK.01",
        "not_reviewed",
        "Pre-filled from M.POL.01",
        PRE,
    ),
    (
        "direct beats carried",
        [att("M.ORG.01")],
        [att("ANM.HR.01", "non_compliant", "Chưa có")],
        "ANM.HR.01",
        "fail",
        "Attested non-compliant",
        None,
    ),
    (
        "direct entry left empty does not block",
        [att("M.ORG.01")],
        [att("ANM.HR.01", None, "")],
        "ANM.HR.01",
        "pass",
        "Carried over from M.ORG.01",
        EQ,
    ),
    ("nothing maps", [att("M.ORG.01")], [], "ANM.HW.01", "not_reviewed", "No manual attestation yet", None),
]


@pytest.mark.parametrize("old,new,rid,status,part,record", [c[1:] for c in CARRY], ids=[c[0] for c in CARRY])
def test_carry_over_table(
    old: list[Attestation], new: list[Attestation], rid: str, status: str, part: str, record: str | None
) -> None:
    v = judge("tcvn14423-level3", aset(OLD, *old), aset(NEW, *new))[rid]
    assert v.status == status, v.reason["en"]
    assert part in v.reason["en"]
    assert v.reason["vi"] and v.reason["vi"] != v.reason["en"]
    rec = v.attestation or {}
    if record == EQ:
        assert rec["carried_from"] == {
            "catalog": OLD,
            "standard": "TCVN 11930:2017",
            "requirement": EQ,
            "requirements": [EQ],
            "relation": "equivalent",
        }
        assert rec["requirement"] == rid and rec["catalog"] == OLD
    else:
        assert "carried_from" not in rec
    if record == PRE:
        assert rec["status"] is None and rec["prefilled_from"][0]["catalog"] == OLD
        assert rec["prefilled_from"][0]["requirement"] in part
    else:
        assert "prefilled_from" not in rec


def test_carried_evidence_is_checked_in_the_source_folder(tmp_path: Path) -> None:
    (tmp_path / "ag" / "ev").mkdir(parents=True)
    f = tmp_path / "ag" / "ev" / "qd.pdf"
    f.write_bytes(b"quyet dinh")
    good = att("M.ORG.01", evidence=[Evidence("ev/qd.pdf", sha256_file(f))])
    v = judge("tcvn14423-level3", aset(OLD, good, base=tmp_path))["ANM.HR.01"]
    assert v.status == "pass" and v.attestation["evidence"][0]["state"] == "ok"
    assert v.attestation["file"] == "ag/sys.yaml"  # relative to the attestations folder
    changed = att("M.ORG.01", evidence=[Evidence("ev/qd.pdf", "0" * 64)])
    v = judge("tcvn14423-level3", aset(OLD, changed, base=tmp_path))["ANM.HR.01"]
    assert v.status == "not_reviewed" and "Evidence changed" in v.reason["en"]


def test_reverse_direction_needs_every_listed_source() -> None:
    # The crosswalk file reads M.ORG.01 -> [ANM.HR.01, ANM.HR.02] equivalent: together they cover it.
    both = judge("level3", aset(NEW, att("ANM.HR.01"), att("ANM.HR.02")))["M.ORG.01"]
    assert both.status == "pass" and "ANM.HR.01, ANM.HR.02 (TCVN 14423:2026)" in both.reason["en"]
    assert [s["requirement"] for s in both.attestation["sources"]] == ["ANM.HR.01", "ANM.HR.02"]
    one = judge("level3", aset(NEW, att("ANM.HR.01")))["M.ORG.01"]
    assert one.status == "not_reviewed" and "Pre-filled from ANM.HR.01" in one.reason["en"]


def test_direct_verdicts_unchanged_and_entries_carry_group_and_evidence() -> None:
    v = judge("level3", aset(OLD, att("M.ORG.01")))["M.ORG.01"]
    assert v.status == "pass" and "carried_from" not in v.attestation and v.attestation["catalog"] == OLD
    d = v.to_dict()
    req = load_catalog(OLD).get("M.ORG.01")
    assert d["group"] == req.group and d["evidence"] == req.evidence and d["evidence"]["vi"]


# --------------------------------------------------------------------------- files


def write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "body,line,msg",
    [
        (
            "catalog: tcvn-14423-2026\nattestations:\n  - {requirement: M.ORG.01, status: null}\n",
            5,
            "unknown requirement id",
        ),
        ("catalog: tcvn-1999\nattestations: []\n", 3, "unknown catalogue 'tcvn-1999'"),
        ("attestations:\n  - {requirement: ANM.HR.01, status: null}\n", 4, "unknown requirement id"),
    ],
)
def test_catalog_key_validates_ids(tmp_path: Path, body: str, line: int, msg: str) -> None:
    p = write(tmp_path / "ag" / "sys.yaml", "agency: ag\nsystem: sys\n" + body)
    with pytest.raises(InputError) as exc:
        validate_catalog(load_attestations(p, "ag", "sys"))
    assert exc.value.line == line and msg in exc.value.message and str(exc.value.path) == str(p)


def test_template_states_thresholds_and_catalog(tmp_path: Path) -> None:
    inv = write(
        tmp_path / "inv.yaml",
        """\
province: X
period: 2026
agencies:
  - id: ag
    name: A
    systems:
      - {id: sys, name: S, level: 3, profile: tcvn14423-level3, targets: ["https://127.0.0.181"]}
""",
    )
    out = tmp_path / "att" / "ag" / "sys.yaml"
    r = run("attest", "template", "--inventory", inv, "--agency", "ag", "--system", "sys", "-o", out)
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "catalog: tcvn-14423-2026" in text
    assert "# Threshold: maximum risk re-identification and control-review interval (months): 12" in text
    assert "# Ngưỡng: chu kỳ nhận diện lại rủi ro" in text
    atts = load_attestations(out, "ag", "sys")
    assert atts.catalog == NEW and all(a.status is None for a in atts.entries.values())
    validate_catalog(atts)


# --------------------------------------------------------------------------- attest migrate


@pytest.fixture()
def old_dir(tmp_path: Path) -> Path:
    src = tmp_path / "att2017"
    (src / "ag" / "evidence").mkdir(parents=True)
    ev = src / "ag" / "evidence" / "qd.pdf"
    ev.write_bytes(b"Quyet dinh phan cong")
    entries = [
        {
            "requirement": "M.ORG.01",
            "status": "compliant",
            "note": "QĐ 12 phân công",
            "attested_by": "B",
            "attested_at": "2026-03-01",
            "expires_at": "2026-12-31",
            "evidence": [{"path": "evidence/qd.pdf", "sha256": sha256_file(ev)}],
        },
        {
            "requirement": "M.HR.02",
            "status": "non_compliant",
            "note": "Chưa tập huấn",
            "attested_by": "B",
            "attested_at": "2026-03-01",
        },
        {
            "requirement": "M.OPS.04",
            "status": "compliant",
            "note": "Có sổ tài sản",
            "attested_by": "B",
            "attested_at": "2026-03-01",
        },
        {"requirement": "M.POL.02", "status": None},
    ]
    write(
        src / "ag" / "sys.yaml",
        json.dumps({"agency": "ag", "system": "sys", "attestations": entries}, ensure_ascii=False),
    )
    return src


def test_migrate_writes_loadable_prefilled_files(old_dir: Path, tmp_path: Path) -> None:
    dst = tmp_path / "att2026"
    r = CliRunner().invoke(
        main, ["attest", "migrate", "--attestations", str(old_dir), "--to", NEW, "-o", str(dst)]
    )
    assert r.exit_code == 0, r.output
    out = dst / "ag" / "sys.yaml"
    atts = load_for_system(dst, "ag", "sys")
    assert atts is not None and atts.catalog == NEW
    validate_catalog(atts)
    e = atts.entries
    # equivalent: everything copied, source named, evidence copied beside the new file (evidence
    # must lie inside the folder of its attestation file)
    hr1 = e["ANM.HR.01"]
    assert (hr1.status, hr1.note, hr1.attested_by, hr1.attested_at, hr1.expires_at, hr1.migrated_from) == (
        "compliant",
        "QĐ 12 phân công",
        "B",
        date(2026, 3, 1),
        date(2026, 12, 31),
        ["M.ORG.01"],
    )
    [ev] = hr1.evidence
    assert ev.path == "evidence/qd.pdf"
    assert sha256_file(out.parent / ev.path) == ev.sha256
    assert (out.parent / ev.path).read_bytes() == (old_dir / "ag" / ev.path).read_bytes()
    assert e["ANM.HR.04"].status == "non_compliant" and e["ANM.HR.04"].migrated_from == ["M.HR.02"]
    # partial: status left empty, note pre-filled, a comment asks for confirmation
    hw1 = e["ANM.HW.01"]
    assert hw1.status is None and "Có sổ tài sản" in hw1.note and hw1.migrated_from == ["M.OPS.04"]
    text = out.read_text(encoding="utf-8")
    block = text[text.index("requirement: ANM.HW.01") - 300 : text.index("requirement: ANM.HW.01")]
    assert "cần xác nhận / confirm" in block
    # an unanswered source reaches nothing
    assert not any(a.migrated_from == ["M.POL.02"] for a in e.values())
    n_eq = sum(a.status is not None for a in e.values())
    assert f"1 tệp, {n_eq} tương đương, {len(e) - n_eq} một phần (cần xác nhận)" in r.output
    # the migrated file judges like the carried verdicts do
    direct = judge("tcvn14423-level3", atts)
    carried = judge("tcvn14423-level3", load_for_system(old_dir, "ag", "sys"))
    for rid in ("ANM.HR.01", "ANM.HR.04", "ANM.HW.01"):
        assert direct[rid].status == carried[rid].status, rid


def test_migrate_refuses_to_overwrite(old_dir: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    target = write(dst / "ag" / "sys.yaml", "# mine\n")
    r = CliRunner().invoke(
        main, ["attest", "migrate", "--attestations", str(old_dir), "--to", NEW, "-o", str(dst)]
    )
    assert r.exit_code == 2 and "--force" in r.output
    assert target.read_text(encoding="utf-8") == "# mine\n"
    r = CliRunner().invoke(
        main, ["attest", "migrate", "--attestations", str(old_dir), "--to", NEW, "-o", str(dst), "--force"]
    )
    assert r.exit_code == 0, r.output
    assert load_attestations(target, "ag", "sys").entries["ANM.HR.01"].status == "compliant"


def test_migrate_skips_files_already_in_the_target_catalogue(old_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        main, ["attest", "migrate", "--attestations", str(old_dir), "--to", OLD, "-o", str(tmp_path / "same")]
    )
    assert r.exit_code == 0 and "bỏ qua" in r.output and not (tmp_path / "same").exists()


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def dual(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("dual")
    site = lab.start(SiteSpec(name="dual-good", address=ADDR, hostname=HOST))
    inv = write(
        root / "inventory.yaml",
        f"""\
province: Thừa Thiên Huế
period: 2026
agencies:
  - id: bao-hai-che-do
    name: Báo Hai Chế Độ
    systems:
      - id: portal
        name: Cổng báo điện tử
        level: 3
        profiles: [level3, tcvn14423-level3]
        targets:
          - {{url: "https://{HOST}:{site.https_port}", address: {ADDR}}}
        http_port: {site.http_port}
        expected_ports: [{site.https_port}, {site.http_port}]
""",
    )
    ids = [r.id for r, _ in applicable(load_profile("level3")) if r.kind in ("manual", "partial")]
    entries = [
        {
            "requirement": rid,
            "status": "compliant",
            "note": f"Đã kiểm tra {rid}",
            "attested_by": "Nguyễn Văn A",
            # assess dates the bundle by the clock: an answer 30 days older is valid on any day
            "attested_at": (date.today() - timedelta(days=30)).isoformat(),
        }
        for rid in ids
    ]
    atts = root / "attestations"
    write(
        atts / "bao-hai-che-do" / "portal.yaml",
        json.dumps(
            {"agency": "bao-hai-che-do", "system": "portal", "catalog": OLD, "attestations": entries},
            ensure_ascii=False,
        ),
    )
    keys = root / "keys"
    assert run("keys", "generate", "--agency", "bao-hai-che-do", "-o", keys).exit_code == 0
    out = root / "out"
    r = run(
        "assess",
        "--inventory",
        inv,
        "--attestations",
        atts,
        "--key",
        keys,
        "--ca-file",
        lab.ca_file,
        "--timeout",
        5,
        "--no-progress",
        "-o",
        out,
    )
    path = out / "bao-hai-che-do.portal.2026.json"
    b = load_bundle(path)  # bundle/2; read as /1 readers saw it (catalogue texts, reasons as text)
    b = {**b, "assessment": as_v1(b["assessment"], texts=True)}
    return {"result": r, "path": path, "bundle": b, "keys": keys, "root": root}


def test_dual_regime_bundle(dual: dict[str, Any]) -> None:
    r = dual["result"]
    assert r.exit_code == 0, r.output  # the first profile's verdict decides the exit code
    assert run("verify", dual["path"], "--keyring", dual["keys"]).exit_code == 0
    a = dual["bundle"]["assessment"]
    assert a["profile"] == "level3" and a["summary"]["meets_level"] is True
    first = {x["id"]: x for x in a["requirements"]}
    assert first["M.ORG.01"]["status"] == "pass" and "carried_from" not in first["M.ORG.01"]["attestation"]
    assert first["M.ORG.01"]["attestation"]["file"] == "bao-hai-che-do/portal.yaml"
    assert str(dual["root"]) not in json.dumps(dual["bundle"], ensure_ascii=False)
    [extra] = a["additional"]
    assert extra["profile"] == "tcvn14423-level3" and extra["catalog"]["id"] == NEW
    new = {x["id"]: x for x in extra["requirements"]}
    assert set(new) == {q.id for q, _ in applicable(load_profile("tcvn14423-level3"))}
    hr1 = new["ANM.HR.01"]
    assert hr1["status"] == "pass" and "Carried over from M.ORG.01" in hr1["reason"]["en"]
    assert hr1["attestation"]["carried_from"]["requirement"] == "M.ORG.01"
    assert "pre-filled" not in hr1["reason"]["en"].lower()
    prefilled = [x for x in new.values() if (x["attestation"] or {}).get("prefilled_from")]
    assert prefilled and all(x["status"] == "not_reviewed" for x in prefilled)
    assert extra["summary"]["counts"]["pass"] > 0 and extra["summary"]["meets_level"] is False
    for entries in (a["requirements"], extra["requirements"]):
        assert all(x["group"] and x["evidence"]["vi"] and x["evidence"]["en"] for x in entries)


def test_rejudge_keeps_carry_over_from_stored_attestations(dual: dict[str, Any]) -> None:
    out = dual["root"] / "rejudged"
    r = run("assess", "--rejudge", dual["path"], "--profile", "tcvn14423-level3", "-o", out)
    assert r.exit_code == 1, r.output
    a = as_v1(load_bundle(out / "bao-hai-che-do.portal.2026.json")["assessment"], texts=True)
    rs = {x["id"]: x for x in a["requirements"]}
    assert rs["ANM.HR.01"]["status"] == "pass"
    assert rs["ANM.HR.01"]["attestation"]["carried_from"]["catalog"] == OLD
