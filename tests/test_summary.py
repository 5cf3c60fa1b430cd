"""Province summary: the DESIGN §9 rules, the JSON contract, and every rendering agreeing with it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import bundle_factory as bf
import pytest
import real_bundles as rb
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.province.summary import summarise


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return rb.build_province(tmp_path_factory.mktemp("province"))


@pytest.fixture(scope="module")
def verified(province: dict[str, Path]) -> dict[str, Any]:
    return summarise(province["bundles"], inventory=province["inventory"], keyring=province["keys"])


def systems(s: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(a["id"], x["id"]): x for a in s["agencies"] for x in a["systems"]}


def agencies(s: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in s["agencies"]}


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_contract_keys(verified: dict[str, Any]) -> None:
    assert verified["schema"] == "secaudit.summary/1"
    assert {"province", "period", "target", "totals", "agencies", "requirements", "trend"} <= set(verified)
    assert set(verified["totals"]) >= {
        "agencies",
        "agencies_meeting",
        "pct",
        "systems",
        "systems_meeting",
        "missing",
        "unverified",
    }
    for a in verified["agencies"]:
        assert {"id", "name", "meets_target", "systems"} <= set(a)
        for s in a["systems"]:
            assert {
                "id",
                "level",
                "meets_level",
                "compliance_pct",
                "counts",
                "failing",
                "not_reviewed",
                "verified",
            } <= set(s)
    for r in verified["requirements"]:
        assert {"id", "fail", "not_reviewed"} <= set(r)


def test_rules_with_keyring(verified: dict[str, Any]) -> None:
    s, a = systems(verified), agencies(verified)
    assert verified["province"] == "Thừa Thiên Huế" and verified["period"] == "2026"
    assert verified["target"] == {"level": 3, "goal_pct": 100}
    assert a["a-ok"]["meets_target"] is True
    assert s[("a-ok", "portal")]["verified"] and s[("a-ok", "cms")]["meets_target"]
    # verified but failing
    assert a["a-fail"]["meets_target"] is False
    f = s[("a-fail", "portal")]
    assert f["verified"] and f["meets_level"] is False and f["failing"] == [rb.MANUAL]
    assert f["not_reviewed"] == [rb.OTHER_MANUAL]
    assert f["errors"] == ["M.OPS.01", "T.NET.01", "T.NET.02", "T.NET.07", "T.SRV.02"]  # ports probe failed
    assert f["trust"] == "consistent" and f["differing"] == []
    # tampered and wrong key: unverified, never meeting
    t = s[("a-tamper", "portal")]
    assert t["status"] == "unverified" and not t["verified"] and not a["a-tamper"]["meets_target"]
    assert "does not match" in t["reason"]
    w = s[("a-wrongkey", "portal")]
    assert w["status"] == "unverified" and "key_id" in w["reason"] and not a["a-wrongkey"]["meets_target"]
    # other period, missing, below-target level
    o = s[("a-old", "portal")]
    assert o["status"] == "other_period" and o["other_periods"] == ["2025"] and not o["meets_target"]
    assert s[("a-missing", "portal")]["status"] == "missing" and a["a-missing"]["status"] == "missing"
    low = s[("a-low", "portal")]
    assert low["verified"] and low["meets_level"] is True and low["meets_target"] is False
    assert verified["totals"] == {
        "agencies": 7,
        "agencies_meeting": 1,
        "pct": 14.3,
        "systems": 8,
        "systems_meeting": 2,
        "missing": 2,
        "unverified": 2,
        "inconsistent": 0,
        "profile_not_accepted": 0,
        "rejudged": 0,
    }


def test_reports_files_and_strangers(verified: dict[str, Any]) -> None:
    bad = {f["file"]: f["reason"] for f in verified["not_bundles"]}
    assert set(bad) == {"notes.json", "other.json"}
    assert "JSON" in bad["notes.json"] and "secaudit.scan/1" in bad["other.json"]
    assert [u["agency"] for u in verified["unexpected"]] == ["a-extra"]


def test_requirement_counts(verified: dict[str, Any]) -> None:
    req = {r["id"]: r for r in verified["requirements"]}
    # chosen bundles of 2026: a-ok x2, a-fail, a-tamper (modified to pass), a-wrongkey, a-low
    assert req[rb.MANUAL]["fail"] == 1 and req[rb.OTHER_MANUAL]["not_reviewed"] == 1
    assert verified["requirements"][0]["id"] == rb.MANUAL  # most failed first
    assert req[rb.MANUAL]["title"]["vi"] == "Chính sách an toàn thông tin"


def test_without_keyring_nothing_counts(province: dict[str, Path]) -> None:
    s = summarise(province["bundles"], inventory=province["inventory"])
    assert s["totals"]["agencies_meeting"] == 0 and s["totals"]["systems_meeting"] == 0
    assert s["totals"]["unverified"] == 6
    assert "no_keyring" in s["notes"]
    assert all(not x["verified"] for x in systems(s).values())


def test_period_defaults_and_override(province: dict[str, Path]) -> None:
    no_inv = summarise(province["bundles"], keyring=province["keys"])
    assert no_inv["period"] == "2026"  # latest among bundles
    assert "a-extra" in agencies(no_inv) and "a-missing" not in agencies(no_inv)
    assert systems(no_inv)[("a-old", "portal")]["status"] == "other_period"
    old = summarise(
        province["bundles"], inventory=province["inventory"], keyring=province["keys"], period="2025"
    )
    assert old["period"] == "2025"
    assert agencies(old)["a-old"]["meets_target"] is True and old["totals"]["agencies_meeting"] == 1


def test_parallel_equals_serial(province: dict[str, Path]) -> None:
    one = summarise(province["bundles"], inventory=province["inventory"], keyring=province["keys"], workers=1)
    from secaudit.province import digest as mod

    old = mod._PARALLEL_FROM
    mod._PARALLEL_FROM = 1
    try:
        two = summarise(
            province["bundles"], inventory=province["inventory"], keyring=province["keys"], workers=2
        )
    finally:
        mod._PARALLEL_FROM = old
    assert one == two


def test_json_cli_and_headline_in_every_format(province: dict[str, Path], tmp_path: Path) -> None:
    common = [
        str(province["bundles"]),
        "--inventory",
        str(province["inventory"]),
        "--keyring",
        str(province["keys"]),
    ]
    res = run("summary", *common, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    tot = data["totals"]
    assert (tot["agencies_meeting"], tot["agencies"], tot["pct"]) == (1, 7, 14.3)
    html = run("summary", *common, "--format", "html").stdout
    assert "1/7 cơ quan đạt cấp độ 3 trở lên (14,3\u00a0% so với mục tiêu 100,0\u00a0%)" in html
    assert 'aria-valuenow="14.3"' in html and "<svg" not in html.split("</head>")[0]
    assert "http://" not in html and "https://" not in html.replace("https://127.0.0.1", "")  # no fetch
    assert "@media print" in html
    md = run("summary", *common, "--format", "md", "--lang", "en").stdout
    assert "1 of 7 agencies meet security level 3 or higher (14.3% against the 100.0% target)" in md
    rows = list(csv.DictReader(io.StringIO(run("summary", *common, "--format", "csv").stdout)))
    assert len(rows) == tot["systems"]
    assert sum(r["meets_target"] == "True" for r in rows) == tot["systems_meeting"]
    assert {r["agency_id"] for r in rows if r["agency_meets_target"] == "True"} == {"a-ok"}
    out = tmp_path / "s.xlsx"
    assert run("summary", *common, "--format", "xlsx", "-o", str(out)).exit_code == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    sheet = wb.worksheets[1]
    assert sheet.max_row == tot["systems"] + 1
    assert any("1/7" in str(c.value) for c in wb.worksheets[0]["A"])


def test_hostile_names_escaped(tmp_path: Path) -> None:
    from secaudit.signing.bundle import sign_assessment, write_bundle
    from secaudit.signing.keys import generate_keypair

    keys, bdir = tmp_path / "k", tmp_path / "b"
    bdir.mkdir()
    generate_keypair("evil", keys)
    a = bf.assessment("evil", "portal", statuses={"net.tls": "fail"}, hostile=True)
    a["agency"]["name"] = bf.HOSTILE
    a["system"]["name"] = '=HYPERLINK("http://x")' + bf.HOSTILE
    a["requirements"][0]["title"] = {"vi": bf.HOSTILE, "en": bf.HOSTILE}
    write_bundle(sign_assessment(a, keys / "evil.key"), bdir)
    (bdir / "<script>alert(2).json").write_text("<script>alert(1)</script>", encoding="utf-8")
    for fmt in ("html", "md"):
        res = run("summary", str(bdir), "--keyring", str(keys), "--format", fmt)
        assert res.exit_code == 0
        assert "<script>alert" not in res.stdout
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in res.stdout
    out = tmp_path / "s.xlsx"
    run("summary", str(bdir), "--keyring", str(keys), "--format", "xlsx", "-o", str(out))
    from openpyxl import load_workbook

    cell = next(c for c in load_workbook(out).worksheets[1]["F"] if str(c.value).startswith("=HYP"))
    assert cell.data_type == "s"  # text, not a formula
    rows = run("summary", str(bdir), "--format", "csv").stdout
    assert "'=HYPERLINK" in rows


def test_malformed_signed_summaries_are_reported_not_counted(tmp_path: Path) -> None:
    """A signed bundle whose summary has the wrong types is listed as not a bundle: it neither
    crashes the run for everybody else nor counts as meeting ("false" is a truthy string)."""
    from secaudit.signing.bundle import sign_assessment, write_bundle
    from secaudit.signing.keys import generate_keypair

    keys, bdir = tmp_path / "k", tmp_path / "b"
    bdir.mkdir()
    bad = {
        "a-counts": ("counts", [1]),
        "a-pct": ("compliance_pct", "100"),
        "a-meets": ("meets_level", "false"),
    }
    for ag in ("a-good", *bad):
        generate_keypair(ag, keys)
        a = rb.assessment(
            ag, "portal", profiles=["level3"] + (["tcvn14423-level3"] if ag == "a-good" else [])
        )
        if ag in bad:
            key, value = bad[ag]
            a["summary"][key] = value
        else:  # the successor-regime assessment does not meet: the string "false" must not say ready
            a["additional"][0]["summary"].update(meets_level="false", compliance_pct="50")
        write_bundle(sign_assessment(a, keys / f"{ag}.key"), bdir)
    for fmt in ("json", "html", "md", "csv"):
        res = run("summary", str(bdir), "--keyring", str(keys), "--format", fmt)
        assert res.exit_code == 0, res.output
    data = json.loads(run("summary", str(bdir), "--keyring", str(keys), "--format", "json").stdout)
    reasons = {f["file"].split(".")[0]: f["reason"] for f in data["not_bundles"]}
    assert set(reasons) == set(bad)
    assert "counts" in reasons["a-counts"] and "compliance_pct" in reasons["a-pct"]
    assert "meets_level" in reasons["a-meets"]
    assert [a["id"] for a in data["agencies"]] == ["a-good"]
    # Re-judged, the signed bundle's own "false" / "50" differ from what its verdicts give: it does not
    # count (DESIGN §10 "Trust"), and the new regime is not "ready" either.
    good = data["agencies"][0]["systems"][0]
    assert good["status"] == "inconsistent" and "meets_level" in good["differing"]
    assert data["totals"]["agencies_meeting"] == 0
    new = data["regimes"]["agencies"][0]["systems"][0]
    # the re-judged figures are shown (100 %), never the bundle's "50"; it is still not ready
    assert new["assessed"] and new["ready"] is False and new["compliance_pct"] == 100.0


def test_control_characters_do_not_break_the_workbook(tmp_path: Path) -> None:
    """openpyxl refuses control characters: one odd agency name or file name must not cost the
    Department its XLSX summary."""
    from openpyxl import load_workbook

    from secaudit.signing.bundle import sign_assessment, write_bundle
    from secaudit.signing.keys import generate_keypair

    keys, bdir = tmp_path / "k", tmp_path / "b"
    bdir.mkdir()
    generate_keypair("ag", keys)
    a = bf.assessment("ag", "portal")
    a["agency"]["name"] = "Báo\x07Ví dụ"
    write_bundle(sign_assessment(a, keys / "ag.key"), bdir)
    (bdir / "bad\x01name.json").write_text("not JSON", encoding="utf-8")
    out = tmp_path / "s.xlsx"
    res = run("summary", str(bdir), "--keyring", str(keys), "--format", "xlsx", "-o", str(out))
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.worksheets[1]["C2"].value == "Báo\ufffdVí dụ"
    assert wb["Tep loi - Bad files"]["A2"].value == "bad\ufffdname.json"


def test_assessed_below_the_declared_level_does_not_meet(tmp_path: Path) -> None:
    """A system the inventory declares at level 4 that was assessed (and passed) at level 3 has not
    shown that it meets its level."""
    from secaudit.signing.keys import generate_keypair

    keys, bdir = tmp_path / "k", tmp_path / "b"
    bdir.mkdir()
    generate_keypair("ag", keys)
    for system in ("portal", "cms"):
        rb.put(rb.assessment("ag", system, level=3), keys, bdir)
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "province: Huế\nperiod: 2026\nagencies:\n  - id: ag\n    name: Báo\n    systems:\n"
        "      - {id: portal, name: Cổng, level: 4, targets: [https://127.0.0.1]}\n"
        "      - {id: cms, name: Toà soạn, level: 3, targets: [https://127.0.0.1]}\n",
        encoding="utf-8",
    )
    s = summarise(bdir, inventory=inv, keyring=keys)
    sy = systems(s)
    assert sy[("ag", "portal")]["meets_target"] is False and sy[("ag", "cms")]["meets_target"] is True
    assert sy[("ag", "portal")]["meets_level"] is True and sy[("ag", "portal")]["below_declared_level"]
    assert s["totals"]["systems_meeting"] == 1 and s["totals"]["agencies_meeting"] == 0


def test_approved_below_the_target_level_does_not_count(tmp_path: Path) -> None:
    """Declared (approved) at level 2 but assessed and passing at level 3: the plan's target counts
    systems approved at level 3 or higher, so this one does not meet it."""
    from secaudit.signing.keys import generate_keypair

    keys, bdir = tmp_path / "k", tmp_path / "b"
    bdir.mkdir()
    generate_keypair("ag", keys)
    rb.put(rb.assessment("ag", "portal", level=3), keys, bdir)
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "province: Huế\nperiod: 2026\nagencies:\n  - id: ag\n    name: Báo\n    systems:\n"
        "      - {id: portal, name: Cổng, level: 2, targets: [https://127.0.0.1]}\n",
        encoding="utf-8",
    )
    s = summarise(bdir, inventory=inv, keyring=keys)
    portal = systems(s)[("ag", "portal")]
    assert portal["meets_level"] is True and portal["meets_target"] is False
    assert s["totals"]["agencies_meeting"] == 0


@pytest.mark.parametrize("case", ["no_dir", "keyring_file", "bad_inventory"])
def test_bad_input_exits_2(case: str, province: dict[str, Path], tmp_path: Path) -> None:
    bdir = str(province["bundles"])
    if case == "no_dir":
        args = [str(tmp_path / "nope")]
    elif case == "keyring_file":
        args = [bdir, "--keyring", str(province["inventory"])]
    else:
        inv = tmp_path / "inv.yaml"
        inv.write_text("province: X\nagencies: [\n", encoding="utf-8")
        args = [bdir, "--inventory", str(inv)]
    res = run("summary", *args)
    assert res.exit_code == 2
    assert "secaudit: error:" in res.output and "Traceback" not in res.output


def test_empty_folder(tmp_path: Path) -> None:
    res = run("summary", str(tmp_path), "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["totals"]["agencies"] == 0 and data["totals"]["pct"] is None
    assert run("summary", str(tmp_path)).exit_code == 0


# --------------------------------------------------------------------------- both regimes (issue 6)

REGIME_INVENTORY = """\
province: Thừa Thiên Huế
period: 2026
transition_deadline: 2027-07-01
agencies:
  - id: r-ready
    name: Báo Sẵn Sàng
    systems:
      - {id: portal, name: Cổng báo, level: 3, profiles: [level3, tcvn14423-level3], targets: [https://127.0.0.1]}
  - id: r-gap
    name: Báo Còn Thiếu
    systems:
      - {id: portal, name: Cổng báo, level: 3, profiles: [level3, tcvn14423-level3], targets: [https://127.0.0.1]}
      - {id: cms, name: Toà soạn, level: 3, profiles: [level3, tcvn14423-level3], targets: [https://127.0.0.1]}
  - id: r-old
    name: Báo Chỉ Chế Độ Cũ
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1]}
"""


@pytest.fixture(scope="module")
def regimes_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from secaudit.signing.keys import generate_keypair

    root = tmp_path_factory.mktemp("regimes")
    keys, bdir = root / "keys", root / "bundles"
    bdir.mkdir()
    for ag in ("r-ready", "r-gap", "r-old"):
        generate_keypair(ag, keys)

    def put(a: dict[str, Any]) -> None:
        rb.put(a, keys, bdir)

    both = ["level3", "tcvn14423-level3"]
    put(rb.assessment("r-ready", "portal", profiles=both))
    # meets the old regime but not the new one; the cms entry has no catalog header (found via profile)
    gap = {"ANM.LOG.05": "fail", "ANM.SUP.01": "not_reviewed"}  # ANM.SUP.01: no crosswalk carries it
    put(rb.assessment("r-gap", "portal", profiles=both, statuses=gap))
    cms = rb.assessment("r-gap", "cms", profiles=both, statuses={"ND331.DEP.01": "not_reviewed"})
    del cms["additional"][0]["catalog"]
    put(cms)
    put(rb.assessment("r-old", "portal"))
    inv = root / "inventory.yaml"
    inv.write_text(REGIME_INVENTORY, encoding="utf-8")
    return {"keys": keys, "bundles": bdir, "inventory": inv}


def test_regimes_section(regimes_world: dict[str, Path]) -> None:
    from datetime import date

    w = regimes_world
    s = summarise(w["bundles"], inventory=w["inventory"], keyring=w["keys"], today=date(2026, 12, 1))
    rg = s["regimes"]
    cur, new = rg["current"], rg["new"]
    assert (cur["kind"], cur["catalog"], cur["standard"]) == (
        "plan_target",
        "tcvn-11930-2017",
        "TCVN 11930:2017",
    )
    assert (cur["agencies_meeting"], cur["agencies"], cur["pct"], cur["level"]) == (3, 3, 100.0, 3)
    assert (new["kind"], new["catalog"], new["regime"]) == ("readiness", "tcvn-14423-2026", "nd331-2026")
    assert (new["agencies_meeting"], new["agencies"], new["pct"]) == (1, 3, 33.3)
    assert (new["systems"], new["systems_assessed"], new["systems_meeting"]) == (4, 3, 1)
    assert (new["transition_deadline"], new["as_of"], new["days_left"]) == ("2027-07-01", "2026-12-01", 212)
    ag = {a["id"]: a for a in rg["agencies"]}
    assert ag["r-ready"]["ready"] and not ag["r-gap"]["ready"] and not ag["r-old"]["ready"]
    assert ag["r-gap"]["adds"] == {
        "fail": ["ANM.LOG.05"],
        "not_reviewed": ["ANM.SUP.01", "ND331.DEP.01"],
        "error": [],
    }
    cms = next(x for x in ag["r-gap"]["systems"] if x["id"] == "cms")
    assert cms["assessed"] and cms["profile"] == "tcvn14423-level3"
    assert cms["not_reviewed"] == ["ND331.DEP.01"]
    assert ag["r-old"]["systems"][0]["assessed"] is False
    # the contract keys stay as they were
    assert s["totals"]["agencies_meeting"] == 3 and s["schema"] == "secaudit.summary/1"


def test_no_regimes_without_additional(verified: dict[str, Any]) -> None:
    assert "regimes" not in verified


def test_regimes_rendered(regimes_world: dict[str, Path], tmp_path: Path) -> None:
    w = regimes_world
    common = [str(w["bundles"]), "--inventory", str(w["inventory"]), "--keyring", str(w["keys"])]
    html = run("summary", *common).stdout
    assert "3/3 cơ quan đạt cấp độ 3 trở lên (100,0\u00a0% so với mục tiêu 100,0\u00a0%)" in html
    assert "Chế độ mới (TCVN 14423:2026) — mức sẵn sàng: 1/3 cơ quan đã đáp ứng (33,3\u00a0%)" in html
    assert "hạn chuyển tiếp 01/07/2027" in html and "ANM.LOG.05" in html
    md = run("summary", *common, "--format", "md", "--lang", "en").stdout
    assert "New regime (TCVN 14423:2026) — readiness: 1 of 3 agencies ready (33.3%)" in md
    assert "Current regime (TCVN 11930:2017) — the plan's target: 3 of 3 agencies" in md
    rows = {
        (r["agency_id"], r["system_id"]): r
        for r in csv.DictReader(io.StringIO(run("summary", *common, "--format", "csv").stdout))
    }
    assert rows[("r-gap", "portal")]["new_regime_failing"] == "ANM.LOG.05"
    assert rows[("r-gap", "portal")]["new_regime_meets_level"] == "False"
    assert rows[("r-old", "portal")]["new_regime_profile"] == ""
    out = tmp_path / "r.xlsx"
    assert run("summary", *common, "--format", "xlsx", "-o", str(out)).exit_code == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert any("TCVN 14423:2026" in str(c.value) for c in wb.worksheets[0]["A"])
    ws = wb["Hai che do - Regimes"]
    assert ws.max_row == 1 + 4


def test_heatmap_cells_tell_awaited_answers_from_failures(verified: dict[str, Any]) -> None:
    """A heat-map cell counts each state: not_reviewed is never painted as the failure red (issue 11)."""
    from secaudit.render.registry import RenderOptions, render

    cells = [c for row in verified["heatmap"]["agencies"] for c in row["cells"]]
    assert cells
    for c in cells:
        assert c["pass"] + c["fail"] + c["not_reviewed"] + c["error"] == c["total"], c
    waiting = [c for c in cells if c["fail"] == 0 and c["pct"] is not None and c["pct"] < 100]
    failing = [c for c in cells if c["fail"] > 0]
    assert waiting and failing, "the fixture province must show both kinds of cell"
    page = render("summary", "html", verified, RenderOptions(lang="vi"))
    heat = page.split('id="heatmap"', 1)[1].split("</section>", 1)[0]
    assert heat.count('class="h-wait"') == len(waiting)


def test_a_bundle_failing_verification_never_raises_a_heatmap_cell_or_requirement_count(
    tmp_path: Path,
) -> None:
    """With a keyring, a bundle that does not verify is its sender's claim: its passes count nowhere
    (DESIGN §10 "never believes"); without a keyring every bundle is shown, none verified (§9)."""
    bundles, keys = tmp_path / "bundles", tmp_path / "keys"
    bundles.mkdir()
    real = bf.keypair("so-a", keys)
    bf.write(bf.sign(bf.assessment("so-a", "portal", statuses={"net.tls": "fail"}), real), bundles)
    forger = bf.keypair("so-b", tmp_path / "elsewhere")  # not the key the keyring holds for so-b
    bf.keypair("so-b", keys)
    bf.write(bf.sign(bf.assessment("so-b", "portal"), forger), bundles)  # claims every pass

    checked = summarise(bundles, keyring=keys)
    assert systems(checked)[("so-b", "portal")]["verified"] is False
    rows = {r["id"]: r for r in checked["heatmap"]["agencies"]}
    assert sum(c["total"] for c in rows.get("so-b", {"cells": []})["cells"]) == 0
    assert sum(c["total"] for c in rows["so-a"]["cells"]) > 0
    # so-a counts with its re-judged verdicts (the shipped catalogue's ids), so-b's claims nowhere
    counted = {r["id"]: r for r in checked["requirements"]}
    assert "net.tls" not in counted and counted
    assert all(r["pass"] + r["fail"] + r["not_reviewed"] + r["error"] <= 1 for r in counted.values())

    shown = summarise(bundles)  # no keyring: nothing verified, every bundle's own verdicts shown
    tls = next(r for r in shown["requirements"] if r["id"] == "net.tls")
    assert (tls["pass"], tls["fail"]) == (1, 1)


def test_a_warning_is_carried_into_the_province_summary_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DESIGN §3: a warn check does not fail its requirement, but its warning reaches every report.
    A site without Referrer-Policy warns (http.referrer_policy); the summary names it per system."""
    import copy

    from secaudit.signing.keys import generate_keypair

    obs = copy.deepcopy(rb.GOOD["observations"])
    https = obs["http"]["https"]
    https["headers"] = [h for h in https["headers"] if h[0].lower() != "referrer-policy"]
    monkeypatch.setitem(rb.GOOD, "observations", obs)
    keys, bundles = tmp_path / "keys", tmp_path / "bundles"
    bundles.mkdir()
    generate_keypair("bao-canh", keys)
    rb.put(rb.assessment("bao-canh", "portal"), keys, bundles)

    s = summarise(bundles, keyring=keys)
    [sy] = s["agencies"][0]["systems"]
    assert sy["verified"] and len(sy["warnings"]) == 1
    assert sy["warnings"][0].startswith("http.referrer_policy (")
    md = run("summary", str(bundles), "--keyring", str(keys), "--format", "md", "--lang", "en").stdout
    assert "Warning: http.referrer&#95;policy (" in md
    table = list(
        csv.reader(
            io.StringIO(run("summary", str(bundles), "--keyring", str(keys), "--format", "csv").stdout)
        )
    )
    assert table[1][table[0].index("warnings")] == sy["warnings"][0]
    page = run("summary", str(bundles), "--keyring", str(keys)).stdout
    assert "Cảnh báo: http.referrer_policy (" in page


def test_a_workbook_is_never_written_to_a_terminal(tmp_path: Path) -> None:
    """summary --format xlsx without -o: refused on a terminal (exit 2), kept when piped."""
    import os
    import pty
    import subprocess
    import sys

    bundles, _keys = bf.folder(tmp_path, 1)
    exe = [sys.executable, "-m", "secaudit", "summary", str(bundles), "--format", "xlsx"]
    leader, follower = pty.openpty()
    try:
        res = subprocess.run(exe, stdout=follower, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert res.returncode == 2 and b"needs -o FILE.xlsx" in res.stderr
    piped = subprocess.run(exe, capture_output=True, timeout=120)
    assert piped.returncode == 0 and piped.stdout[:4] == b"PK\x03\x04"
