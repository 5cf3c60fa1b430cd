"""DESIGN §10 "Trust": no bundle an agency can sign makes a system count unless its re-judged
verdicts meet the full level of the shipped profile.

Every attack is a bundle signed with the agency's own valid key (real keys, `keys generate`'s
module), built by the real assess service from recorded observations (tests/real_bundles.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb
from click.testing import CliRunner

from secaudit import __version__
from secaudit.cli import main
from secaudit.config.catalog import load_profile
from secaudit.province.summary import summarise

AG = "bao-thu"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def inventory(path: Path, extra: str = "", level: int = 3, profile: str = "") -> Path:
    prof = f", profile: {profile}" if profile else ""
    path.write_text(
        "province: Huế\nperiod: 2026\nagencies:\n"
        f"  - id: {AG}\n    name: Báo Thử\n    systems:\n"
        f"      - {{id: portal, name: Cổng, level: {level}, targets: [https://127.0.0.1]{prof}{extra}}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def world(tmp_path: Path) -> dict[str, Path]:
    from secaudit.signing.keys import generate_keypair

    keys, bundles = tmp_path / "keys", tmp_path / "bundles"
    bundles.mkdir()
    generate_keypair(AG, keys)
    return {"root": tmp_path, "keys": keys, "bundles": bundles, "inv": inventory(tmp_path / "inv.yaml")}


def system(w: dict[str, Path], inv: Path | None = None) -> dict[str, Any]:
    s = summarise(w["bundles"], inventory=inv or w["inv"], keyring=w["keys"])
    return s["agencies"][0]["systems"][0] | {"_totals": s["totals"]}


def custom_profile(root: Path, body: str, name: str = "mine") -> Any:
    p = root / f"{name}.yaml"
    p.write_text(body, encoding="utf-8")
    return load_profile(str(p))


# --------------------------------------------------------------------------- baseline


def test_an_honest_bundle_counts(world: dict[str, Path]) -> None:
    rb.put(rb.assessment(AG, "portal"), world["keys"], world["bundles"])
    s = system(world)
    assert (s["status"], s["trust"], s["meets_target"]) == ("verified", "consistent", True)
    assert s["differing"] == [] and s["profile_problems"] == [] and s["rejudged_under"] is None


def test_a_v1_bundle_is_read_and_rejudged_alike(world: dict[str, Path]) -> None:
    rb.put(rb.assessment(AG, "portal"), world["keys"], world["bundles"], schema="secaudit.bundle/1")
    assert json.loads(next(world["bundles"].glob("*.json")).read_bytes())["schema"] == "secaudit.bundle/1"
    s = system(world)
    assert (s["trust"], s["meets_target"]) == ("consistent", True)


# --------------------------------------------------------------------------- forged verdicts


def test_forged_meets_level_does_not_count(world: dict[str, Path]) -> None:
    a = rb.assessment(AG, "portal", statuses={rb.MANUAL: "fail"})
    assert a["summary"]["meets_level"] is False
    a["summary"]["meets_level"] = True  # signed below with the agency's own valid key
    rb.put(a, world["keys"], world["bundles"])
    assert run("verify", *world["bundles"].glob("*.json"), "--keyring", world["keys"]).exit_code == 0
    s = system(world)
    assert s["verified"] and s["status"] == "inconsistent" and s["meets_target"] is False
    assert s["differing"] == ["meets_level"] and s["claimed_meets_level"] is True
    assert s["_totals"]["systems_meeting"] == 0 and s["_totals"]["inconsistent"] == 1


def test_forged_requirement_status_is_inconsistent_listing_it(world: dict[str, Path]) -> None:
    a = rb.assessment(AG, "portal", statuses={rb.MANUAL: "fail"})
    rb.requirement(a, rb.MANUAL)["status"] = "pass"
    rb.resummarise(a)  # a careful forger keeps the counts consistent
    assert a["summary"]["meets_level"] is True
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert s["status"] == "inconsistent" and not s["meets_target"]
    assert rb.MANUAL in s["differing"] and rb.MANUAL in s["reason"]


def test_forged_check_result_is_inconsistent(world: dict[str, Path]) -> None:
    """The observations say the ports probe failed; the forger marks the checks and verdicts pass."""
    a = rb.assessment(AG, "portal", broken_probes=("ports",))
    for r in a["requirements"]:
        if r["status"] == "error":
            r["status"] = "pass"
    rb.resummarise(a)
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert s["status"] == "inconsistent" and rb.PORTS_REQ in s["differing"]


# --------------------------------------------------------------------------- older tool versions


def test_older_version_bundle_is_rejudged_and_counted_with_the_note(world: dict[str, Path]) -> None:
    a = rb.assessment(AG, "portal")
    a["tool"]["version"] = "0.0.9"
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert (s["status"], s["trust"], s["meets_target"]) == ("verified", "rejudged", True)
    assert s["rejudged_under"] == __version__ and f"re-judged under secaudit {__version__}" in s["reason"]
    common = [world["bundles"], "--inventory", world["inv"], "--keyring", world["keys"]]
    note_en, note_vi = f"re-judged under secaudit {__version__}", f"đánh giá lại theo secaudit {__version__}"
    for fmt in ("html", "csv"):
        out = run("summary", *common, "--format", fmt)
        assert out.exit_code == 0, out.output
        assert note_en in out.stdout and note_vi in out.stdout, fmt
    # Markdown speaks one language (issue 11): the note in the reader's
    md_vi = run("summary", *common, "--format", "md").stdout
    md_en = run("summary", *common, "--format", "md", "--lang", "en").stdout
    assert note_vi in md_vi and note_en not in md_vi and note_en in md_en
    xlsx = world["root"] / "s.xlsx"
    assert run("summary", *common, "--format", "xlsx", "-o", xlsx).exit_code == 0
    from openpyxl import load_workbook

    cells = [
        str(c) for ws in load_workbook(xlsx).worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert any(note_en in c for c in cells)


def test_older_version_forgery_is_rejudged_not_believed(world: dict[str, Path]) -> None:
    a = rb.assessment(AG, "portal", statuses={rb.MANUAL: "fail"})
    a["tool"]["version"] = "0.0.9"
    rb.requirement(a, rb.MANUAL)["status"] = "pass"
    rb.resummarise(a)
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert s["trust"] == "rejudged" and s["meets_level"] is False and s["failing"] == [rb.MANUAL]
    assert s["meets_target"] is False


# --------------------------------------------------------------------------- accepted profiles


LEVEL1_AS_LEVEL3 = """\
profile:
  id: level3
  extends: level1
  title: {vi: "Cấp độ 3", en: "Level 3"}
"""


@pytest.mark.parametrize("recorded", [True, False], ids=["profile-recorded", "older-bundle"])
def test_level1_profile_named_level3_is_not_accepted(world: dict[str, Path], recorded: bool) -> None:
    prof = custom_profile(world["root"], LEVEL1_AS_LEVEL3)
    assert prof.id == "level3" and prof.level == 1
    a = rb.assessment(AG, "portal", profiles=[prof])
    assert a["profile"] == "level3" and a["summary"]["meets_level"] is True
    if not recorded:
        del a["profile_resolved"]
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert s["status"] == "profile_not_accepted" and s["meets_target"] is False
    assert "lacks 31 requirement(s) of the shipped profile level3" in s["reason"]
    assert s["_totals"]["profile_not_accepted"] == 1


def _hsts(root: Path, value: int) -> Any:
    return custom_profile(
        root,
        "profile:\n  id: soft\n  extends: level3\n  title: {vi: Mềm, en: Soft}\n"
        f"parameters:\n  hsts_min_max_age: {value}\n",
        name=f"hsts-{value}",
    )


@pytest.mark.parametrize(
    "value,accepted", [(86400, False), (15552000 - 1, False), (15552000, True), (31536000, True)]
)
def test_hsts_minimum_may_only_be_raised(world: dict[str, Path], value: int, accepted: bool) -> None:
    a = rb.assessment(AG, "portal", profiles=[_hsts(world["root"], value)])
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert (s["status"] == "verified") is accepted and s["meets_target"] is accepted
    if not accepted:
        assert "hsts_min_max_age" in s["reason"] and "weaker" in s["reason"]


@pytest.mark.parametrize("value,meets", [(15552000 - 1, False), (15552000, True)])
def test_report_headline_of_a_weaker_profile_says_it_does_not_count(
    world: dict[str, Path], value: int, meets: bool
) -> None:
    # every verdict passes under the bundle's own profile; one second under the shipped HSTS minimum
    # is a profile the summary never counts, and the report's headline now says so too
    p = rb.put(
        rb.assessment(AG, "portal", profiles=[_hsts(world["root"], value)]), world["keys"], world["bundles"]
    )
    view = json.loads(run("report", p, "--format", "json", "--lang", "en").stdout)
    assert view["verdict"]["meets_level"] is meets
    if not meets:
        assert "profile is not accepted (parameter hsts_min_max_age weaker" in view["verdict"]["sentence"]
        assert "tham số" not in view["verdict"]["sentence"]  # the reader's language only
        vi = json.loads(run("report", p, "--format", "json").stdout)["verdict"]["sentence"]
        assert "tham số hsts_min_max_age yếu hơn hồ sơ level3 (hồ sơ đặt 15551999, " in vi
        assert "weaker" not in vi


@pytest.mark.parametrize("declared,counts", [(3, False), (4, True)])
def test_a_bundle_above_its_declared_level_still_answers_for_the_declared_one(
    world: dict[str, Path], declared: int, counts: bool
) -> None:
    # TCVN 11930's level-4 profile has no T.DES.* (design requirements are level 3's only): a
    # level-3 system assessed "at level 4" skipped them and counted as meeting level 3
    rb.put(rb.assessment(AG, "portal", level=4), world["keys"], world["bundles"])
    s = system(world, inventory(world["root"] / f"inv{declared}.yaml", level=declared))
    assert s["verified"] and (s["status"] == "verified") is counts and s["meets_target"] is counts
    if not counts:
        assert s["status"] == "profile_not_accepted" and "of its declared level 3: T.DES.01" in s["reason"]
        assert s["meets_level"] is False


TAILORED = rb.TAILORED_PROFILE


def test_tailoring_counts_only_with_the_inventorys_acceptance(world: dict[str, Path]) -> None:
    prof = custom_profile(world["root"], TAILORED)
    a = rb.assessment(AG, "portal", profiles=[prof])
    assert rb.requirement(a, "M.OPS.07")["status"] == "not_applicable" and a["summary"]["meets_level"]
    rb.put(a, world["keys"], world["bundles"])
    s = system(world)
    assert s["status"] == "profile_not_accepted" and "M.OPS.07" in s["reason"] and not s["meets_target"]
    other = inventory(world["root"] / "other.yaml", ", accepted_tailoring: [T.NET.01]")
    assert system(world, other)["status"] == "profile_not_accepted"
    ok = inventory(world["root"] / "ok.yaml", ", accepted_tailoring: [M.OPS.07]")
    s = system(world, ok)
    assert (s["status"], s["meets_target"]) == ("verified", True)


def test_inventory_refuses_a_profile_below_the_approved_level(tmp_path: Path) -> None:
    inv = inventory(tmp_path / "inv.yaml", profile="level1")
    for args in (
        ["assess", "--inventory", inv, "-o", tmp_path / "out"],
        ["summary", tmp_path, "--inventory", inv],
    ):
        res = run(*args)
        assert res.exit_code == 2, res.output
        line = res.output.strip()
        assert len(line.splitlines()) == 1 and "Traceback" not in line
        assert (
            f"{inv}:7:" in line
            and "hồ sơ dưới cấp độ được phê duyệt / profile below the approved level" in line
        )
    assert not (tmp_path / "out").exists()
    assert (
        run("summary", tmp_path, "--inventory", inventory(tmp_path / "ok.yaml", profile="level4")).exit_code
        == 0
    )


# --------------------------------------------------------------------------- parameter directions


@pytest.mark.parametrize(
    "name,shipped,value,weaker",
    [
        ("min_rsa_bits", 2048, 2048, False),
        ("min_rsa_bits", 2048, 2047, True),
        ("http_max_redirects", 10, 11, True),
        ("http_max_redirects", 10, 3, False),
        ("mozilla_config", "intermediate", "old", True),
        ("mozilla_config", "intermediate", "modern", False),
        ("risky_ports", {"21": "ftp", "23": "telnet"}, {21: "ftp"}, True),
        ("risky_ports", {"21": "ftp"}, {21: "ftp", 6379: "redis"}, False),
        ("sensitive_paths", [{"path": "/.git/HEAD"}], [{"path": "/.env"}], True),
        ("script_readable_cookie_patterns", ["csrf"], ["csrf", "sess"], True),
        ("log_retention_months", None, 1, False),  # the shipped level leaves it open
        ("log_retention_months", 3, None, True),
        ("annual_report_owner_deadline", "20/12", "21/12", True),
        ("service_detection", False, True, False),
    ],
)
def test_parameter_directions(name: str, shipped: Any, value: Any, weaker: bool) -> None:
    from secaudit.config.acceptance import weaker as why

    assert (why(name, shipped, value) is not None) is weaker


def test_every_shipped_parameter_declares_its_direction() -> None:
    from secaudit.config.acceptance import strictness
    from secaudit.config.catalog import profile_names

    names = {k for n in profile_names() for k in load_profile(n).parameters}
    assert names - set(strictness()) == set()


def test_report_says_what_rejudging_found(world: dict[str, Path]) -> None:
    a = rb.assessment(AG, "portal", statuses={rb.MANUAL: "fail"})
    a["summary"]["meets_level"] = True
    p = rb.put(a, world["keys"], world["bundles"])
    html = run("report", p).stdout
    assert 'id="trust-note"' in html and "Mâu thuẫn" in html and "kết luận đạt cấp độ" in html
    md = run("report", p, "--format", "md", "--lang", "en").stdout
    assert "Inconsistent: the bundle's verdicts differ" in md
    honest = rb.put(rb.assessment("bao-khac", "portal"), world["keys"], world["root"], signer=AG)
    assert "the bundle's verdicts stand" in run("report", honest, "--format", "md", "--lang", "en").stdout


def test_report_headline_is_the_rejudged_verdict_never_the_bundles_own(world: dict[str, Path]) -> None:
    # A bundle signed with the agency's valid key that says "meets" while its own evidence fails
    # had "ĐẠT cấp độ 3" as the report's headline, the inconsistency only in a note below it.
    a = rb.assessment(AG, "portal", statuses={rb.MANUAL: "fail"})
    a["summary"]["meets_level"] = True
    forged = rb.put(a, world["keys"], world["bundles"])
    view = json.loads(run("report", forged, "--format", "json").stdout)
    assert view["verdict"]["meets_level"] is False
    assert "KHÔNG ĐƯỢC TÍNH" in view["verdict"]["sentence"]
    md = run("report", forged, "--format", "md", "--lang", "en").stdout
    assert "does NOT count as meeting security level 3" in md and "MEETS" not in md
    html = run("report", forged).stdout
    assert "ĐẠT cấp độ 3:" not in html and "KHÔNG ĐƯỢC TÍNH" in html
    honest = rb.put(rb.assessment("bao-khac", "portal"), world["keys"], world["root"], signer=AG)
    view = json.loads(run("report", honest, "--format", "json").stdout)
    assert view["verdict"]["meets_level"] is True and "ĐẠT cấp độ 3" in view["verdict"]["sentence"]


def test_domains_the_inventory_declares_must_be_assessed(world: dict[str, Path]) -> None:
    """Leaving `domains:` out of the assessed system would put the dns/mail checks out of scope: the
    Department's inventory decides what is in scope, not the agency's bundle."""
    a = rb.assessment(AG, "portal")
    assert "domains" not in a["system"] and a["summary"]["meets_level"]
    rb.put(a, world["keys"], world["bundles"])
    assert (system(world)["status"], system(world)["meets_target"]) == ("verified", True)
    declared = inventory(world["root"] / "domains.yaml", ", domains: [bao-thu.example.vn]")
    s = system(world, declared)
    assert s["status"] == "profile_not_accepted" and not s["meets_target"], s
    assert "bao-thu.example.vn" in s["reason"] and "not assessed" in s["reason"]
    assert s["_totals"]["agencies_meeting"] == 0
