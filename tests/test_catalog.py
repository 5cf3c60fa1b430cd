"""Catalogue and profile loading: the shipped files validate, the research table is all there,
inheritance and tailoring resolve, and every kind of bad file is a one-line InputError naming the
file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from design_ids import SECTION4_IDS

from secaudit.checks import known_check_ids
from secaudit.config.catalog import (
    DEFAULT_CATALOG,
    applicable,
    catalog_ids,
    load_catalog,
    load_profile,
    profile_catalog,
    profile_names,
    valid_check_ids,
)
from secaudit.core.errors import InputError

# Every level-3 row of research/tcvn11930.md §3 (45 rows) with its level-3 section.
RESEARCH_L3 = {
    "M.POL.01": "7.1.1.1",
    "M.POL.02": "7.1.1.2",
    "M.POL.03": "7.1.1.3",
    "M.ORG.01": "7.1.2.1",
    "M.ORG.02": "7.1.2.1",
    "M.ORG.03": "7.1.2.2",
    "M.HR.01": "7.1.3.1",
    "M.HR.02": "7.1.3.2",
    "M.HR.03": "7.1.3.3",
    "M.DEV.01": "7.1.4.1",
    "M.DEV.02": "7.1.4.2",
    "M.DEV.03": "7.1.4.3",
    **{f"M.OPS.0{i}": f"7.1.5.{i}" for i in range(1, 10)},
    "M.RISK.01": "TT 12/2022 App. III 1.6",
    "M.EOL.01": "TT 12/2022 App. III 1.7",
    **{f"T.NET.0{i}": f"7.2.1.{i}" for i in range(1, 8)},
    **{f"T.SRV.0{i}": f"7.2.2.{i}" for i in range(1, 7)},
    **{f"T.APP.0{i}": f"7.2.3.{i}" for i in range(1, 7)},
    **{f"T.DAT.0{i}": f"7.2.4.{i}" for i in range(1, 4)},
}
DESIGN_ROWS = 17  # TT 12/2022 App. III II.1


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_research_rows_all_present_with_level3_sections(cat):
    assert len(RESEARCH_L3) == 45
    assert len(cat.requirements) >= 45 + DESIGN_ROWS
    for rid, section in RESEARCH_L3.items():
        req = cat.get(rid)
        assert req is not None, rid
        assert req.sections[3] == section, rid
        assert req.section(3) == section


def test_design_rows(cat):
    design = [r for r in cat.requirements if r.group == "design"]
    assert len(design) == DESIGN_ROWS
    assert all(r.sections == {3: "TT 12/2022 App. III II.1"} for r in design)
    assert all(r.confidence == "verified" for r in design)
    titles = " ".join(r.title["en"] for r in design)
    for word in ("zones", "VPN", "WAF", "SIEM", "EDR", "DLP", "Wireless", "Database firewall"):
        assert word in titles, word


def test_level_deltas_follow_corrections_item_4(cat):
    # L1: operations 5.1.5.1-3 only, design 5.1.4.1 and testing 5.1.4.2, no outsourced development.
    l1 = {r.id for r in cat.for_level(1)}
    assert {"M.OPS.01", "M.OPS.02", "M.OPS.03"} <= l1
    assert not {f"M.OPS.0{i}" for i in range(4, 10)} & l1
    assert "M.DEV.02" not in l1
    assert cat.get("M.DEV.01").sections[1] == "5.1.4.1"
    assert cat.get("M.DEV.03").sections[1] == "5.1.4.2"
    # L2 adds outsourced development, incident and end-user management.
    assert cat.get("M.DEV.02").sections[2] == "6.1.4.2"
    assert cat.get("M.OPS.08").sections[2] == "6.1.5.4"
    assert cat.get("M.OPS.09").sections[2] == "6.1.5.5"
    # L2 application security is 6.2.3.4, data 6.2.4.1-2.
    assert cat.get("T.APP.06").sections[2] == "6.2.3.4"
    assert cat.get("T.DAT.02").sections[2] == "6.2.4.1"
    assert cat.get("T.DAT.03").sections[2] == "6.2.4.2"
    # L3 adds endpoint..vulnerability mgmt, network anti-malware, comms confidentiality,
    # non-repudiation, data integrity.
    for rid in (
        "M.OPS.04",
        "M.OPS.05",
        "M.OPS.06",
        "M.OPS.07",
        "T.NET.06",
        "T.APP.04",
        "T.APP.05",
        "T.DAT.01",
    ):
        assert min(cat.get(rid).levels) == 3, rid
    # Clause N+4 at level N for TCVN clauses.
    for r in cat.requirements:
        for lvl, sec in r.sections.items():
            if sec[0].isdigit():
                assert sec.startswith(f"{lvl + 4}."), (r.id, lvl, sec)


def test_every_text_bilingual_and_description_longer(cat):
    for r in cat.requirements:
        for field in ("title", "description", "evidence"):
            val = getattr(r, field)
            assert set(val) == {"vi", "en"} and all(v.strip() for v in val.values()), (r.id, field)
        assert len(r.description["vi"]) > len(r.title["vi"]) and len(r.description["en"]) > len(r.title["en"])
        assert r.family == ("management" if r.id.startswith("M.") else "technical")
    # Vietnamese with diacritics, not ASCII-folded.
    assert "Chính sách an toàn thông tin" == cat.get("M.POL.01").title["vi"]
    for g in cat.groups.values():
        assert g["vi"] and g["en"]


def test_check_mapping(cat):
    valid = known_check_ids()
    used = {c for r in cat.requirements for c in r.checks}
    assert used <= valid
    app04 = cat.get("T.APP.04")
    assert app04.kind == "auto"
    assert {c for c in valid if c.startswith("tls.")} <= set(app04.checks)
    assert {"http.https_redirect", "http.hsts"} <= set(app04.checks)
    assert {"ports.risky_services", "ports.unexpected_open"} <= set(cat.get("T.NET.02").checks)
    assert {"http.csp", "http.sensitive_paths", "http.server_disclosure"} <= set(cat.get("T.APP.06").checks)
    assert cat.get("T.APP.01").checks == ["http.cookies"]
    # Every DESIGN §4 check evidences at least one requirement.
    assert {"tls.cert.validity", "http.referrer_policy", "ports.unexpected_open"} <= used
    for r in cat.requirements:
        assert (r.kind == "manual") == (not r.checks), r.id


def test_catalog_ids_and_header(cat):
    assert DEFAULT_CATALOG in catalog_ids()
    assert cat.id == DEFAULT_CATALOG and cat.standard == "TCVN 11930:2017" and cat.version == "2026.11"
    assert cat.regime == "nd85-2016" and cat.regime_title["vi"]
    assert load_catalog(DEFAULT_CATALOG) is cat  # cached


def test_all_shipped_catalogues_and_profiles_load():
    for cid in catalog_ids():
        assert load_catalog(cid).requirements
    names = profile_names()
    assert {"level1", "level2", "level3", "level4", "level5"} <= set(names)
    for name in names:
        p = load_profile(name)
        assert p.id == name and 1 <= p.level <= 5
        assert profile_catalog(p).id == p.catalog
        assert applicable(p)


def test_shipped_levels_inherit_parameters():
    l1, l3 = load_profile("level1"), load_profile("level3")
    assert l3.level == 3 and l3.extends == "level2" and l3.catalog == DEFAULT_CATALOG
    assert l3.parameters["min_rsa_bits"] == 2048 == l1.parameters["min_rsa_bits"]
    assert l3.parameters["risky_ports"][23] == "telnet"
    rows = applicable(l3)
    assert len(rows) == len(load_catalog().for_level(3))
    assert all(t is None for _, t in rows)


def _write(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_inheritance_merge_and_tailoring_chain(tmp_path):
    base = _write(
        tmp_path / "base.yaml",
        """\
        profile:
          id: base
          title: {vi: "Cơ sở", en: "Base"}
          extends: level3
        parameters:
          hsts_min_max_age: 31536000
          risky_ports: {8080: http-alt}
        tailoring:
          - {requirement: T.DES.15, status: not_applicable, justification: "Không xử lý dữ liệu mật"}
          - {requirement: T.DES.10, status: not_applicable, justification: "Không có mạng nội bộ riêng"}
        """,
    )
    (tmp_path / "sub").mkdir()
    child = _write(
        tmp_path / "sub" / "child.yaml",
        """\
        profile:
          id: child
          title: {vi: "Con", en: "Child"}
          extends: ../base.yaml
        parameters:
          session_cookie_patterns: [phpsessid]
        tailoring:
          - {requirement: T.DES.10, status: applicable}
          - requirement: T.DES.07
            status: not_applicable
            justification: "Dịch vụ CDN chống DDoS của nhà cung cấp"
        """,
    )
    p = load_profile(str(child))
    # A user's profile is known by the id it declares; where it came from stays in .path.
    assert p.id == "child" and p.path == child and p.level == 3 and p.catalog == DEFAULT_CATALOG
    assert p.parameters["hsts_min_max_age"] == 31536000  # from base
    assert p.parameters["risky_ports"][8080] == "http-alt"  # mappings merge...
    assert p.parameters["risky_ports"][3389] == "rdp"  # ...with level1's
    assert p.parameters["session_cookie_patterns"] == ["phpsessid"]  # lists replace
    assert p.parameters["min_rsa_bits"] == 2048
    assert set(p.tailoring) == {"T.DES.15", "T.DES.07"}  # accumulated, T.DES.10 re-enabled
    assert p.tailoring["T.DES.15"].justification == "Không xử lý dữ liệu mật"
    assert p.tailoring["T.DES.15"].source == base.name  # a file name: signed bundles carry no local path
    rows = dict((r.id, t) for r, t in applicable(p))
    assert rows["T.DES.07"].status == "not_applicable" and rows["T.DES.10"] is None
    assert load_profile(str(base)).tailoring.keys() == {"T.DES.15", "T.DES.10"}


def test_profile_level_selects_requirements(tmp_path):
    p = _write(
        tmp_path / "l2.yaml",
        """\
        profile: {id: l2, title: {vi: "Hai", en: "Two"}, extends: level3, level: 2}
        """,
    )
    reqs = [r.id for r, _ in applicable(load_profile(str(p)))]
    assert "M.DEV.02" in reqs and "T.APP.04" not in reqs and "M.DEV.01" in reqs


CAT_HEAD = """\
catalog:
  id: {stem}
  title: {{vi: "Thử", en: "Test"}}
  version: "1"
  standard: "X"
  regime: r
  regime_title: {{vi: "R", en: "R"}}
  notice: {{vi: "N", en: "N"}}
  groups:
    policy: {{vi: "Chính sách", en: "Policy"}}
requirements:
"""
REQ = """\
  - id: M.POL.01
    sections: {1: "5.1"}
    family: management
    group: policy
    kind: manual
    title: {vi: "Tiêu đề", en: "Title"}
    description: {vi: "Mô tả dài hơn", en: "Longer description"}
    evidence: {vi: "Bằng chứng", en: "Evidence"}
    checks: []
    source: "S"
    confidence: verified
"""


def _bad_catalog(tmp_path: Path, name: str, req: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(CAT_HEAD.format(stem=name) + req, encoding="utf-8")
    return path


BAD_CATALOGS = {
    "malformed": (REQ.replace('    source: "S"', "    source: a: b"), "malformed YAML", 21),
    "unknown-key": (
        REQ.replace("    checks: []", "    checks: []\n    colour: red"),
        "unknown key 'colour'",
        12,
    ),
    "missing-field": (REQ.replace('    source: "S"\n', ""), "missing field 'source'", 12),
    "unknown-check": (
        REQ.replace("kind: manual", "kind: partial").replace("checks: []", "checks: [tls.nope]"),
        "unknown check id 'tls.nope'",
        12,
    ),
    "bad-enum": (REQ.replace("kind: manual", "kind: magic"), "'kind' must be one of", 12),
    "empty-en": (REQ.replace('en: "Title"', 'en: ""'), "empty or missing 'en'", 17),
    "duplicate": (REQ + REQ, "duplicate requirement id", 23),
    "bad-level": (REQ.replace('{1: "5.1"}', '{6: "10.1"}'), "not a level 1..5", 13),
    "wrong-type": (REQ.replace("checks: []", "checks: tls.cert.key"), "'checks' must be a list", 12),
}


@pytest.mark.parametrize("name", sorted(BAD_CATALOGS))
def test_bad_catalogue_is_one_line_error(tmp_path, name):
    req, message, line = BAD_CATALOGS[name]
    path = _bad_catalog(tmp_path, name, req)
    with pytest.raises(InputError) as exc:
        load_catalog(str(path))
    err = exc.value
    assert message in err.message
    assert err.path == str(path) and err.line == line
    assert "\n" not in str(err) and str(err).startswith(f"{path}:{line}: ")


def test_catalogue_id_must_match_stem(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(CAT_HEAD.format(stem="not-other") + REQ, encoding="utf-8")
    with pytest.raises(InputError, match="must equal the file name stem"):
        load_catalog(str(path))


def test_unknown_catalogue_id():
    with pytest.raises(InputError, match="unknown catalogue 'nope'"):
        load_catalog("nope")


PROFILE_OK = """\
profile:
  id: mine
  title: {vi: "Của tôi", en: "Mine"}
  extends: level3
"""
BAD_PROFILES = {
    "unknown-key": (PROFILE_OK + "  colour: red\n", "unknown key 'colour'", 2),
    "missing-field": (
        PROFILE_OK.replace('  title: {vi: "Của tôi", en: "Mine"}\n', ""),
        "missing field 'title'",
        2,
    ),
    "tailor-unknown": (
        PROFILE_OK + "tailoring:\n  - {requirement: X.NOPE.01, status: not_applicable, justification: why}\n",
        "does not define",
        6,
    ),
    "no-justification": (
        PROFILE_OK + "tailoring:\n  - requirement: T.DES.08\n    status: not_applicable\n",
        "needs a written 'justification'",
        6,
    ),
    "unknown-extends": (
        PROFILE_OK.replace("extends: level3", "extends: level9"),
        "unknown profile 'level9'",
        2,
    ),
    "missing-extends-file": (PROFILE_OK.replace("extends: level3", "extends: ./nope.yaml"), "not found", 2),
    "unknown-catalog": (
        PROFILE_OK.replace("extends: level3", "catalog: nope\n  level: 3"),
        "unknown catalogue 'nope'",
        2,
    ),
    "bad-level": (PROFILE_OK + "  level: 7\n", "'level' must be a whole number 1..5", 2),
    "unknown-parameter": (
        PROFILE_OK + "parameters:\n  hsts_min_maxage: 1\n",
        "unknown parameter 'hsts_min_maxage'",
        6,
    ),
    "parameter-type": (PROFILE_OK + "parameters:\n  min_rsa_bits: big\n", "must be a number", 6),
    "bad-regex": (
        PROFILE_OK + "parameters:\n  sensitive_paths:\n    - {path: /.env, match: '(unclosed'}\n",
        "the `match` of '/.env' is not a valid regex",
        6,
    ),
    "bad-regex-top-level": (  # a profile extending nothing is checked the same
        PROFILE_OK.replace("extends: level3", "catalog: tcvn-11930-2017\n  level: 3")
        + "parameters:\n  sensitive_paths:\n    - {path: /.env, match: '(unclosed'}\n",
        "the `match` of '/.env' is not a valid regex",
        7,
    ),
    "bad-status": (
        PROFILE_OK + "tailoring:\n  - {requirement: T.DES.08, status: maybe, justification: x}\n",
        "'status' must be one of",
        6,
    ),
    "malformed": (PROFILE_OK + "tailoring: [\n", "malformed YAML", 6),
}


@pytest.mark.parametrize("name", sorted(BAD_PROFILES))
def test_bad_profile_is_one_line_error(tmp_path, name):
    body, message, line = BAD_PROFILES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_profile(str(path))
    err = exc.value
    assert message in err.message, err.message
    assert err.path == str(path) and err.line == line, str(err)
    assert "\n" not in str(err)


def test_extends_cycle(tmp_path):
    _write(tmp_path / "a.yaml", 'profile: {id: a, title: {vi: "A", en: "A"}, extends: ./b.yaml}\n')
    _write(tmp_path / "b.yaml", 'profile: {id: b, title: {vi: "B", en: "B"}, extends: ./a.yaml}\n')
    with pytest.raises(InputError, match=r"cycle: a\.yaml -> b\.yaml -> a\.yaml"):
        load_profile(str(tmp_path / "a.yaml"))


def test_unknown_profile_name():
    with pytest.raises(InputError, match="unknown profile 'level7'"):
        load_profile("level7")


DESIGN_CHECK_IDS = {cid for ids in SECTION4_IDS.values() for cid in ids}  # DESIGN.md §4 (contract)


def test_valid_check_ids_cover_design_list():
    assert valid_check_ids() == known_check_ids()
    assert DESIGN_CHECK_IDS <= valid_check_ids()
