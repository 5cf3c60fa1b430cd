"""Shared infrastructure (issue 14 part 2): ``providers:`` and ``inherits:`` in the inventory, verdicts
inherited from the provider's attestations (boundaries of its dates, its reviews), the bundle carrying
what re-judging needs, and the province summary showing a provider's failure as one cause.

Assessments are built with the assess service's own functions from recorded (empty) target results:
only attestations matter here, and no date depends on today."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.assessment import inherit
from secaudit.assessment.attestations import load_for_system, validate_catalog
from secaudit.assessment.rejudge import differences, rejudge
from secaudit.assessment.review_store import attach_reviews, review_system
from secaudit.assessment.service import build_system_assessment
from secaudit.cli import main
from secaudit.config.inventory import load_inventory
from secaudit.core.errors import InputError
from secaudit.core.reasons import render_reason
from secaudit.province.summary import summarise
from secaudit.signing.bundle import make_bundle, write_bundle
from secaudit.signing.bundle_view import as_v1
from secaudit.signing.keys import generate_keypair

PROVIDER = "tt-du-lieu-tinh"
NAME = "Trung tâm Dữ liệu tỉnh"
DAY = "2026-07-01"
AT = f"{DAY}T12:00:00Z"  # noon UTC: the same local day from UTC-11 to UTC+11

INVENTORY = """\
province: Tỉnh Thử
period: "2026"
providers:
  - id: tt-du-lieu-tinh
    name: Trung tâm Dữ liệu tỉnh
    contact: soc@tt.example.vn{review}
agencies:
{agencies}
"""


def agencies_yaml(
    n: int = 1, inherits: str = "[T.DES.07, T.DES.08, T.NET.01]", profiles: str = "level3"
) -> str:
    out = []
    for i in range(n):
        out.append(f"""\
  - id: bao-{i}
    name: Báo {i}
    systems:
      - id: portal
        name: Cổng {i}
        level: 3
        profiles: [{profiles}]
        targets: ["https://127.0.0.1:9"]
        inherits:
          tt-du-lieu-tinh: {inherits}
""")
    return "".join(out)


def provider_yaml(entries: list[dict[str, Any]]) -> str:
    return json.dumps(
        {"agency": "_providers", "system": PROVIDER, "attestations": entries}, ensure_ascii=False
    )


def entry(req: str, attested: str = "2026-06-01", expires: str | None = None, **kw: Any) -> dict[str, Any]:
    e = {"requirement": req, "status": "compliant", "note": f"{req} tại TTDL", "attested_by": "TTDL"}
    e["attested_at"] = attested
    if expires:
        e["expires_at"] = expires
    return {**e, **kw}


def world(
    tmp: Path, entries: list[dict[str, Any]], n: int = 1, review: bool = False, **kw: Any
) -> tuple[Path, Path]:
    inv = tmp / "inventory.yaml"
    rr = "\n    require_review: true" if review else ""
    inv.write_text(INVENTORY.format(review=rr, agencies=agencies_yaml(n, **kw)), encoding="utf-8")
    atts = tmp / "attestations"
    (atts / "_providers").mkdir(parents=True, exist_ok=True)
    (atts / "_providers" / f"{PROVIDER}.yaml").write_text(provider_yaml(entries), encoding="utf-8")
    return inv, atts


def approve_provider(tmp: Path, atts: Path) -> Any:
    """An inspector approves every attested provider entry: provider answers count only reviewed."""
    key, keys = _reviewer(tmp)
    args = [
        "review",
        "--attestations",
        str(atts),
        "--provider",
        PROVIDER,
        "--all-attested",
        "--key",
        str(key),
    ]
    CliRunner().invoke(main, args)  # exit 1 (some entry not approvable) is fine here
    return keys


def assess(
    inv_path: Path, atts: Path, agency: str = "bao-0", at: str = AT, keys: Any = None, approve: bool = True
) -> dict[str, Any]:
    """One system's assessment, as assess_job builds it (no target was scanned). Unless ``keys`` are
    given or ``approve`` is false, an inspector first approves the provider's attested entries."""
    if keys is None and approve and (atts / "_providers" / f"{PROVIDER}.yaml").is_file():
        keys = approve_provider(inv_path.parent, atts)
    inv = load_inventory(inv_path)
    ag, sysm = inv.find(agency, "portal")
    own = load_for_system(atts, ag.id, sysm.id)
    if own is not None:
        validate_catalog(own)
        attach_reviews(own)
    profiles = [inv.profile(p) for p in sysm.profiles]
    system = {"id": sysm.id, "name": sysm.name, "level": 3, "profiles": [p.id for p in profiles]}
    system["inherits"] = inherit.system_record(inv, sysm)
    a, _ = build_system_assessment(
        {"province": inv.province, "period": inv.period, "due": inv.due},
        {"id": ag.id, "name": ag.name, "type": ag.type},
        system,
        profiles,
        3,
        [],
        own,
        at,
        None,
        now=at,
        reviewer_keys=keys,
        inherited=inherit.sources_for(inv, sysm, atts),
    )
    return a


def verdict(a: dict[str, Any], rid: str) -> dict[str, Any]:
    v1 = as_v1(a)
    blocks = [v1] + list(v1.get("additional") or [])
    return next(r for b in blocks for r in b["requirements"] if r["id"] == rid)


# --------------------------------------------------------------------------- inventory


def test_inventory_parses_providers_and_inherits(tmp_path: Path) -> None:
    inv_path, _ = world(tmp_path, [])
    inv = load_inventory(inv_path)
    (p,) = inv.providers
    assert (p.id, p.name, p.contact) == (PROVIDER, NAME, "soc@tt.example.vn")
    _, sysm = inv.find("bao-0", "portal")
    assert sysm.inherits == {PROVIDER: ["T.DES.07", "T.DES.08", "T.NET.01"]}
    # The provider is the pair (_providers, id) for the attestation tools.
    ag, ps = inv.find("_providers", PROVIDER)
    assert (ag.id, ps.id, ps.name, ps.targets) == ("_providers", PROVIDER, NAME, [])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("tt-du-lieu-tinh: [T.DES.08]", "tt-khac: [T.DES.08]"), "provider 'tt-khac' is not declared"),
        (
            ("[T.DES.07, T.DES.08, T.NET.01]", "[T.DES.99]"),
            "T.DES.99 is not a requirement of tcvn-11930-2017",
        ),
        (("[T.DES.07, T.DES.08, T.NET.01]", "[T.APP.04]"), "T.APP.04 is automated"),
        (("[T.DES.07, T.DES.08, T.NET.01]", "[ANM.NET.05]"), "ANM.NET.05 is not a requirement"),
        (("[T.DES.07, T.DES.08, T.NET.01]", "[not-an-id]"), "is not a requirement id"),
        (("  - id: tt-du-lieu-tinh\n", "  - id: bao-0\n"), "also an agency id"),
        (("    contact: soc@tt.example.vn", "    contact: x\n    colour: red"), "unknown key 'colour'"),
    ],
)
def test_inventory_errors_name_the_file_and_line(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    inv_path, _ = world(tmp_path, [], inherits="[T.DES.07, T.DES.08, T.NET.01]")
    text = inv_path.read_text(encoding="utf-8")
    old, new = change
    if old.startswith("tt-du-lieu-tinh:"):
        old = "tt-du-lieu-tinh: [T.DES.07, T.DES.08, T.NET.01]"
        new = "tt-khac: [T.DES.08]"
    assert old in text
    inv_path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_inventory(inv_path)
    msg = exc.value.format()
    assert words in msg and "inventory.yaml" in msg and exc.value.line, msg
    # Through the command line: one line on stderr, exit 2.
    res = CliRunner().invoke(
        main, ["attest", "template", "--inventory", str(inv_path), "--provider", PROVIDER]
    )
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_both_regimes_inherit_ids_of_either_catalogue(tmp_path: Path) -> None:
    inv_path, _ = world(tmp_path, [], inherits="[T.DES.08, ANM.NET.05]", profiles="level3, tcvn14423-level3")
    _, sysm = load_inventory(inv_path).find("bao-0", "portal")
    assert sysm.inherits[PROVIDER] == ["ANM.NET.05", "T.DES.08"]


# --------------------------------------------------------------------------- verdicts


def test_inherited_requirement_takes_the_providers_verdict_not_the_systems(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [entry("T.DES.08")], profiles="level3, tcvn14423-level3",
                           inherits="[T.DES.08, ANM.NET.05]")  # fmt: skip
    (atts / "bao-0").mkdir()
    own = {"agency": "bao-0", "system": "portal", "attestations": [entry("T.DES.08", status="non_compliant")]}
    (atts / "bao-0" / "portal.yaml").write_text(json.dumps(own), encoding="utf-8")
    a = assess(inv_path, atts)
    v = verdict(a, "T.DES.08")
    assert v["status"] == "pass"  # the system's own non_compliant answer is not used
    assert v["inherited_from"] == {"provider": PROVIDER, "name": NAME, "status": "pass"}
    assert v["attestation"]["file"] == "_providers/tt-du-lieu-tinh.yaml"
    text = render_reason(v["reason"], "vi")
    assert text.startswith(f"Kế thừa từ {NAME}") and "không được dùng" in text
    assert "inherited from" in render_reason(v["reason"], "en").lower()
    # Under the other catalogue the provider's answer carries over through the crosswalk.
    v2 = verdict(a, "ANM.NET.05")
    assert v2["status"] == "pass" and v2["inherited_from"]["provider"] == PROVIDER
    # Not inherited: the system's own answer as usual.
    assert "inherited_from" not in verdict(a, "T.DES.07")


@pytest.mark.parametrize(
    ("attested", "expires", "status", "cause"),
    [
        ("2025-07-02", DAY, "pass", None),  # expires_at is the last valid day: the assessment day counts
        ("2025-07-01", "2026-06-30", "not_reviewed", "attestation_expired"),  # the day before: expired
        (DAY, None, "pass", None),  # attested on the assessment day
        ("2026-07-02", None, "not_reviewed", "attestation_future"),  # attested after the assessment
    ],
)
def test_provider_dates_at_the_boundaries(
    tmp_path: Path, attested: str, expires: str | None, status: str, cause: str | None
) -> None:
    inv_path, atts = world(tmp_path, [entry("T.DES.08", attested, expires)])
    v = verdict(assess(inv_path, atts), "T.DES.08")
    assert v["status"] == status
    assert v["inherited_from"].get("cause") == cause


def test_partial_requirement_keeps_the_systems_checks(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [entry("T.NET.01")])
    v = verdict(assess(inv_path, atts), "T.NET.01")
    # No target was scanned: the checks half is the system's (not run), the provider's half passes.
    assert v["kind"] == "partial" and v["status"] == "not_reviewed"
    assert v["inherited_from"]["status"] == "pass" and v["checks_status"] == "none"


def _reviewer(tmp: Path) -> tuple[Path, Any]:
    from secaudit.assessment.reviews import load_reviewer_keys

    keys, keyring = tmp / "keys", tmp / "keyring"
    if not (keys / "insp.key").is_file():
        generate_keypair("insp", keys, option="--reviewer")
    (keyring / "reviewers").mkdir(parents=True, exist_ok=True)
    (keyring / "reviewers" / "insp.pub").write_bytes((keys / "insp.pub").read_bytes())
    return keys / "insp.key", load_reviewer_keys(keyring)


def test_require_review_on_the_provider(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [entry("T.DES.08"), entry("T.DES.07")], review=True)
    key, keys = _reviewer(tmp_path)
    v = verdict(assess(inv_path, atts, keys=keys), "T.DES.08")
    assert v["status"] == "not_reviewed" and v["inherited_from"]["cause"] == "awaiting_review"
    res = CliRunner().invoke(
        main,
        [
            "review",
            "--attestations",
            str(atts),
            "--provider",
            PROVIDER,
            "--approve",
            "T.DES.08",
            "--key",
            str(key),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (atts / "_providers" / f"{PROVIDER}.reviews.json").is_file()
    a = assess(inv_path, atts, keys=keys)
    assert verdict(a, "T.DES.08")["status"] == "pass"
    assert verdict(a, "T.DES.07")["status"] == "not_reviewed"  # not approved
    assert any(r["agency"] == "_providers" for r in a["reviews"])  # the bundle carries the review
    # The reviewed entry edited afterwards: the review is void.
    (atts / "_providers" / f"{PROVIDER}.yaml").write_text(
        provider_yaml([entry("T.DES.08", note="khác"), entry("T.DES.07")]), encoding="utf-8"
    )
    assert verdict(assess(inv_path, atts, keys=keys), "T.DES.08")["status"] == "not_reviewed"


def test_rejudging_rebuilds_inherited_verdicts_from_the_bundle(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [entry("T.DES.08"), entry("T.DES.07", "2025-06-01", "2026-06-01")],
                           profiles="level3, tcvn14423-level3",
                           inherits="[T.DES.07, T.DES.08, ANM.NET.05, ANM.NET.06]")  # fmt: skip
    a = assess(inv_path, atts)
    assert a["system"]["inherits"][0]["provider"] == PROVIDER
    result = rejudge(a)
    assert differences(a, result) == []
    got = {v.id: v.status for j in [result.primary, *result.additional] for v in j.verdicts}
    assert (got["T.DES.08"], got["T.DES.07"], got["ANM.NET.05"], got["ANM.NET.06"]) == (
        "pass",
        "not_reviewed",
        "pass",
        "not_reviewed",
    )
    # The carried provider entry changed inside the bundle: re-judging follows what it carries.
    forged = json.loads(json.dumps(a))
    key = next(k for k, r in forged["attestations"].items() if r.get("requirement") == "T.DES.08"
               and r.get("inherited_from"))  # fmt: skip
    forged["attestations"][key]["status"] = "non_compliant"
    assert "T.DES.08" in differences(forged, rejudge(forged))


# --------------------------------------------------------------------------- summary


def _province(tmp: Path, n: int, review: bool = False) -> dict[str, Path]:
    entries = [entry("T.DES.08"), entry("T.DES.07", "2025-06-01", "2026-06-01"), entry("T.NET.01")]
    inv_path, atts = world(tmp, entries, n=n, review=review)
    bundles, keys, keyring = tmp / "bundles", tmp / "agency-keys", tmp / "keyring"
    keyring.mkdir(exist_ok=True)
    for i in range(n):
        generate_keypair(f"bao-{i}", keys, force=True)
        (keyring / f"bao-{i}.pub").write_bytes((keys / f"bao-{i}.pub").read_bytes())
        write_bundle(make_bundle(assess(inv_path, atts, f"bao-{i}"), keys / f"bao-{i}.key"), bundles)
    return {"inv": inv_path, "atts": atts, "bundles": bundles, "keys": keys, "keyring": keyring}


def test_summary_groups_a_provider_failure_as_one_cause(tmp_path: Path) -> None:
    w = _province(tmp_path, 4)
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    (p,) = s["providers"]
    assert p["id"] == PROVIDER and len(p["systems"]) == 4
    reqs = {r["id"]: r for r in p["requirements"]}
    assert reqs["T.DES.08"]["status"] == "pass" and reqs["T.DES.08"]["affected"] == []
    assert reqs["T.DES.07"]["status"] == "not_reviewed" and reqs["T.DES.07"]["cause"] == "attestation_expired"
    (cause,) = s["provider_causes"]  # one line, not four
    assert (cause["requirement"], cause["n"], cause["cause"]) == ("T.DES.07", 4, "attestation_expired")
    assert cause["systems"] == [f"bao-{i}/portal" for i in range(4)]
    for fmt, words in (("md", "ảnh hưởng 4 hệ thống"), ("html", "ảnh hưởng 4 hệ thống")):
        out = tmp_path / f"s.{fmt}"
        args = ["summary", str(w["bundles"]), "--inventory", str(w["inv"]), "--keyring", str(w["keyring"])]
        res = CliRunner().invoke(main, [*args, "--format", fmt, "-o", str(out)])
        assert res.exit_code == 0, res.output
        text = out.read_text(encoding="utf-8")
        assert NAME in text and "T.DES.07" in text and words in text, fmt
    import openpyxl

    book = tmp_path / "s.xlsx"
    res = CliRunner().invoke(main, [*args, "--format", "xlsx", "-o", str(book)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(book)["Ha tang dung chung - Providers"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["T.DES.07"][6].count(";") == 3 and "ảnh hưởng 4 hệ thống" in rows["T.DES.07"][7]


def test_summary_rejects_inheritance_the_inventory_does_not_declare(tmp_path: Path) -> None:
    w = _province(tmp_path, 1)
    text = (
        w["inv"].read_text(encoding="utf-8").replace("[T.DES.07, T.DES.08, T.NET.01]", "[T.DES.07, T.DES.08]")
    )
    w["inv"].write_text(text, encoding="utf-8")
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    (sysm,) = s["agencies"][0]["systems"]
    assert sysm["status"] == "profile_not_accepted" and "inheritance differs" in sysm["reason"]


def test_summary_catches_a_forged_provider_entry(tmp_path: Path) -> None:
    w = _province(tmp_path, 2, review=True)
    key, _ = _reviewer(tmp_path)
    review_system(w["atts"], "_providers", PROVIDER, key, "insp", "approved", ["T.DES.08"])
    for i in range(2):  # again, now with the review
        write_bundle(
            make_bundle(assess(w["inv"], w["atts"], f"bao-{i}"), w["keys"] / f"bao-{i}.key"), w["bundles"]
        )
    (w["keyring"] / "reviewers").mkdir(exist_ok=True)
    (w["keyring"] / "reviewers" / "insp.pub").write_bytes((tmp_path / "keys" / "insp.pub").read_bytes())
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    reqs = {r["id"]: r for r in s["providers"][0]["requirements"]}
    assert reqs["T.DES.08"]["status"] == "pass" and not reqs["T.DES.08"]["entries_differ"]
    # The provider's reviewed answers are not the agency's: they do not count as its reviewed ones.
    assert s["agencies"][0]["reviews"] == {"attested": 0, "reviewed": 0}
    # bao-1 rewrites the data centre's T.DES.07 answer as valid for two years and signs again.
    path = w["bundles"] / "bao-1.portal.2026.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    a = bundle["assessment"]
    k = next(
        k
        for k, r in a["attestations"].items()
        if r.get("requirement") == "T.DES.08" and r.get("inherited_from")
    )
    a["attestations"][k]["note"] = "WAF (sửa)"
    write_bundle(make_bundle(a, w["keys"] / "bao-1.key"), w["bundles"])
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    systems = {x["id"]: x for ag in s["agencies"] for x in ag["systems"] if ag["id"] == "bao-1"}
    # The review no longer matches the entry: the re-judged verdict differs from the signed one.
    assert systems["portal"]["status"] == "inconsistent" and "T.DES.08" in systems["portal"]["differing"]
    # Unsigned tampering fails the signature.
    bundle = json.loads((w["bundles"] / "bao-0.portal.2026.json").read_text(encoding="utf-8"))
    bundle["assessment"]["attestations"][k]["status"] = "non_compliant"
    (w["bundles"] / "bao-0.portal.2026.json").write_text(json.dumps(bundle), encoding="utf-8")
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    assert s["agencies"][0]["systems"][0]["status"] == "unverified"


def test_report_todo_asks_the_provider_once(tmp_path: Path) -> None:
    entries = [entry("T.DES.07", "2025-06-01", "2026-06-01"), entry("T.DES.08", status="non_compliant")]
    inv_path, atts = world(tmp_path, entries)
    path = write_bundle(make_bundle(assess(inv_path, atts), None), tmp_path / "b")
    out = tmp_path / "r.md"
    res = CliRunner().invoke(main, ["report", str(path), "--format", "md", "--lang", "en", "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.count("For the shared-infrastructure provider") == 1  # one item for both requirements
    item = text.split("For the shared-infrastructure provider", 1)[1].split("###", 1)[0]
    assert NAME in item and "T.DES.07" in item and "T.DES.08" in item


def test_summary_without_inventory_lists_providers_from_the_bundles(tmp_path: Path) -> None:
    w = _province(tmp_path, 2)
    s = summarise(w["bundles"], None, w["keyring"])
    (p,) = s["providers"]
    assert (p["id"], p["name"], len(p["systems"])) == (PROVIDER, NAME, 2)
    assert s["provider_causes"][0]["n"] == 2
    rows = {r["id"]: r for r in s["requirements"]}
    assert rows["T.DES.07"]["inherited"] == [{"provider": PROVIDER, "name": NAME, "systems": 2}]


def test_template_for_a_provider_asks_what_systems_inherit(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [entry("T.DES.08")])
    out = tmp_path / "tpl.yaml"
    args = [
        "attest",
        "template",
        "--inventory",
        str(inv_path),
        "--provider",
        PROVIDER,
        "--attestations",
        str(atts),
    ]
    res = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert res.exit_code == 0, res.output
    from secaudit.core.yamlio import load_yaml

    doc = load_yaml(out)
    assert (doc["agency"], doc["system"]) == ("_providers", PROVIDER)
    assert sorted(e["requirement"] for e in doc["attestations"]) == ["T.DES.07", "T.DES.08", "T.NET.01"]
    assert next(e for e in doc["attestations"] if e["requirement"] == "T.DES.08")["status"] == "compliant"
    # Both --provider and --agency: bad input.
    res = CliRunner().invoke(main, [*args, "--agency", "bao-0"])
    assert res.exit_code == 2 and "not both" in res.output


def test_a_provider_without_attestations_leaves_inherited_requirements_awaited(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [])
    (atts / "_providers" / f"{PROVIDER}.yaml").unlink()
    v = verdict(assess(inv_path, atts), "T.DES.08")
    assert v["status"] == "not_reviewed" and v["inherited_from"]["cause"] == "no_attestation"


def test_workbook_round_trip_keeps_the_providers_sheet(tmp_path: Path) -> None:
    inv_path, atts = world(tmp_path, [entry("T.DES.08")])
    book, back = tmp_path / "a.xlsx", tmp_path / "back"
    res = CliRunner().invoke(
        main, ["attest", "export", "--inventory", str(inv_path), "--attestations", str(atts), "-o", str(book)]
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(
        main, ["attest", "import", str(book), "--attestations", str(back), "--inventory", str(inv_path)]
    )
    assert res.exit_code == 0, res.output
    got = load_for_system(back, "_providers", PROVIDER)
    assert got is not None and got.get("T.DES.08").status == "compliant"
    assert sorted(got.entries) == ["T.DES.07", "T.DES.08", "T.NET.01"]


@pytest.mark.parametrize(
    "bad", ["x", [{"provider": "../etc", "name": "x", "requirements": [], "require_review": 1}]]
)
def test_a_malformed_inheritance_record_is_not_re_judged_never_a_crash(tmp_path: Path, bad: Any) -> None:
    w = _province(tmp_path, 1)
    path = w["bundles"] / "bao-0.portal.2026.json"
    a = json.loads(path.read_text(encoding="utf-8"))["assessment"]
    a["system"]["inherits"] = bad
    write_bundle(make_bundle(a, w["keys"] / "bao-0.key"), w["bundles"])
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    (sysm,) = s["agencies"][0]["systems"]
    assert sysm["status"] == "inconsistent" and "system.inherits" in sysm["reason"]
    assert not sysm["meets_target"]


def test_an_agency_cannot_sign_its_way_past_the_provider(tmp_path: Path) -> None:
    """The hole: an agency edits its copy of the data centre's answers (the expired T.DES.07 made
    valid) and signs its own bundle. Provider answers always need an inspector's review, so the
    made-up entry counts for nothing, whatever the inventory says of require_review."""
    w = _province(tmp_path, 2)
    forged = [entry("T.DES.08"), entry("T.DES.07", "2026-06-01", "2027-06-01"), entry("T.NET.01")]
    mine = tmp_path / "mine"
    (mine / "_providers").mkdir(parents=True)
    (mine / "_providers" / f"{PROVIDER}.yaml").write_text(provider_yaml(forged), encoding="utf-8")
    a = assess(w["inv"], mine, "bao-1", approve=False)
    assert verdict(a, "T.DES.07")["status"] == "not_reviewed"  # the agency's own tool already says so
    write_bundle(make_bundle(a, w["keys"] / "bao-1.key"), w["bundles"])
    s = summarise(w["bundles"], w["inv"], w["keyring"])
    sysm = next(x for ag in s["agencies"] if ag["id"] == "bao-1" for x in ag["systems"])
    assert sysm["status"] != "meets"
    causes = {c["requirement"]: c for c in s["provider_causes"]}
    assert causes["T.DES.07"]["systems"] == ["bao-0/portal", "bao-1/portal"]  # the forgery fixed nothing
    # Writing require_review: false for a provider is refused outright.
    text = (
        w["inv"]
        .read_text(encoding="utf-8")
        .replace("contact: soc@tt.example.vn", "contact: soc@tt.example.vn\n    require_review: false")
    )
    w["inv"].write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="require_review"):
        load_inventory(w["inv"])
