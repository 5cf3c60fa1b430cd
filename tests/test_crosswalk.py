"""The TCVN 11930:2017 <-> TCVN 14423:2026 crosswalk: coverage of the 2017 catalogue, ids that exist,
the derived reverse direction, bad files (exit 2, one line naming file:line) and the JSON contract of
`secaudit checklist crosswalk`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.config.catalog import load_catalog
from secaudit.config.crosswalk import CONFIDENCES, RELATIONS, crosswalk_files, load_crosswalk
from secaudit.core.errors import InputError

OLD, NEW = "tcvn-11930-2017", "tcvn-14423-2026"


def run(*args: str):
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def fwd():
    return load_crosswalk(OLD, NEW)


@pytest.fixture(scope="module")
def rev():
    return load_crosswalk(NEW, OLD)


def test_one_shipped_file_joins_the_two_regimes():
    files = crosswalk_files()
    assert [p.name for p in files] == ["crosswalk-tcvn-11930-2017--tcvn-14423-2026.yaml"]


def test_forward_covers_every_2017_requirement_with_existing_2026_ids(fwd):
    old, new = load_catalog(OLD), load_catalog(NEW)
    assert [m.from_id for m in fwd.mappings] == [r.id for r in old.requirements]
    level3 = {r.id for r in old.for_level(3)}
    assert level3 <= {m.from_id for m in fwd.mappings}
    for m in fwd.mappings:
        assert m.confidence in CONFIDENCES, m.from_id  # never "unmapped": the file forgets nothing
        assert m.relation in RELATIONS and (m.relation == "none") == (not m.to)
        assert m.to and all(new.get(rid) is not None for rid in m.to), m.from_id
    # research §7: no 2017 row lacks a 2026 destination
    assert all(m.relation != "none" for m in fwd.mappings)


def test_known_mappings(fwd):
    tls = fwd.lookup("T.APP.04")
    assert tls.relation == "equivalent" and tls.confidence == "high" and "ANM.INFO.06" in tls.to
    assert fwd.lookup("M.RISK.01").to[:5] == [f"ANM.RISK.0{i}" for i in range(1, 6)]
    assert "ND331.RSK.01" in fwd.lookup("M.RISK.01").to
    pol = fwd.lookup("M.POL.02")
    assert pol.relation == "partial" and pol.to == ["ND331.QC.01"] and pol.note["en"]
    assert fwd.lookup("T.DES.08").to == ["ANM.NET.05"]  # WAF
    assert fwd.lookup("NO.SUCH.ID") is None


def test_reverse_is_derived_and_consistent(fwd, rev):
    new = load_catalog(NEW)
    assert (rev.from_catalog, rev.to_catalog, rev.derived) == (NEW, OLD, True)
    assert [m.from_id for m in rev.mappings] == [r.id for r in new.requirements]
    pairs_f = {(m.from_id, t) for m in fwd.mappings for t in m.to}
    pairs_r = {(t, m.from_id) for m in rev.mappings for t in m.to}
    assert pairs_f == pairs_r
    for m in rev.mappings:
        assert m.relation in RELATIONS and (m.relation == "none") == (not m.to), m.from_id


def test_reverse_relations_and_notes(rev):
    rogue = rev.lookup("ANM.HW.03")
    assert rogue.relation == "none" and rogue.to == [] and "TCVN 11930" in rogue.note["en"]
    mfa = rev.lookup("ANM.IAM.12")  # forward says the subject matches; research §8: no MFA before
    assert mfa.relation == "partial" and "T.APP.01" in mfa.to and "MFA" in mfa.note["en"]
    waf = rev.lookup("ANM.NET.05")
    assert waf.relation == "equivalent" and "T.DES.08" in waf.to
    none_ids = {m.from_id for m in rev.mappings if m.relation == "none"}
    assert {"ANM.SDL.03", "ND331.DEP.01", "LAW116.BUD.01"} <= none_ids


def test_cli_json_contract_both_directions():
    for a, b in ((OLD, NEW), (NEW, OLD)):
        code, out, err = run("checklist", "crosswalk", "--from", a, "--to", b, "--format", "json")
        assert code == 0, err
        data = json.loads(out)
        assert set(data) == {"from", "to", "mappings"} and (data["from"], data["to"]) == (a, b)
        assert len(data["mappings"]) == len(load_catalog(a).requirements)
        for m in data["mappings"]:
            assert {"from", "to", "relation", "confidence"} <= set(m)
            assert isinstance(m["to"], list) and m["relation"] in RELATIONS
    assert any(m["from"] == "ANM.HW.03" and m["relation"] == "none" for m in data["mappings"])


def test_cli_table_and_markdown():
    code, out, _ = run("checklist", "crosswalk", "--from", OLD, "--to", NEW)
    assert code == 0 and "T.APP.04" in out and "ANM.INFO.06" in out and "tương đương" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = run("checklist", "crosswalk", "--from", NEW, "--to", OLD, "--format", "md", "--lang", "en")
    assert code == 0 and out.startswith("# Crosswalk: TCVN 14423:2026 → TCVN 11930:2017")
    assert "| ANM.HW.03 | Rogue device detection | none |" in out


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "crosswalk-test.yaml"
    p.write_text(f"crosswalk:\n  from: {OLD}\n  to: {NEW}\nmappings:\n{body}", encoding="utf-8")
    return p


GOOD = "  - {from: M.POL.01, to: [ND331.QC.01], relation: partial, confidence: medium}\n"


def test_unknown_to_id_fails_with_exit_2_and_one_line(tmp_path):
    p = write(
        tmp_path,
        GOOD + "  - from: T.APP.04\n    to: [ANM.INFO.06, ANM.NOPE.99]\n"
        "    relation: equivalent\n    confidence: high\n",
    )
    code, out, err = run(
        "checklist", "crosswalk", "--from", OLD, "--to", NEW, "--file", str(p), "--format", "json"
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"{p}:6:" in err and "ANM.NOPE.99" in err and NEW in err


def test_unknown_from_id_and_bad_vocabulary(tmp_path):
    bad = "  - {from: M.NOPE.01, to: [ANM.RISK.01], relation: partial, confidence: low}\n"
    p = write(tmp_path, GOOD + bad)
    with pytest.raises(InputError) as exc:
        load_crosswalk(OLD, NEW, p)
    assert exc.value.line == 6 and "M.NOPE.01" in str(exc.value) and OLD in str(exc.value)
    p = write(tmp_path, "  - {from: M.POL.01, to: [ANM.RISK.01], relation: same, confidence: low}\n")
    with pytest.raises(InputError, match="relation"):
        load_crosswalk(OLD, NEW, p)
    p = write(tmp_path, "  - {from: M.POL.01, to: [], relation: partial, confidence: low}\n")
    with pytest.raises(InputError, match="none"):
        load_crosswalk(OLD, NEW, p)
    p = write(tmp_path, GOOD + "reverse:\n  ANM.NOPE.01: {relation: partial}\n")
    with pytest.raises(InputError, match="ANM.NOPE.01"):
        load_crosswalk(NEW, OLD, p)


def test_a_forgotten_requirement_is_visible_not_silent(tmp_path):
    cw = load_crosswalk(OLD, NEW, write(tmp_path, GOOD))
    assert cw.lookup("M.POL.01").relation == "partial"
    gap = cw.lookup("T.APP.04")
    assert (gap.relation, gap.to, gap.confidence) == ("none", [], "unmapped")


def test_unknown_catalogue_pair_is_bad_input():
    code, out, err = run("checklist", "crosswalk", "--from", OLD, "--to", "tcvn-0000-1999")
    assert code == 2 and out == "" and "tcvn-0000-1999" in err and err.count("\n") == 1
