"""`secaudit checklist show` and `secaudit profile list|show` through the real CLI (click runner and
one real subprocess from a foreign working directory)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from secaudit.cli import main
from secaudit.config.catalog import load_catalog

CONTRACT_REQ_KEYS = {
    "id",
    "section",
    "title",
    "description",
    "group",
    "levels",
    "kind",
    "checks",
    "evidence",
    "source",
    "confidence",
}


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def test_json_contract_level3():
    code, out, _ = run("checklist", "show", "--level", "3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    head = data["checklist"]
    assert head["id"] == "tcvn-11930-2017" and head["version"] == "2026.11"
    assert head["standard"] == "TCVN 11930:2017" and head["title"]["vi"] and head["title"]["en"]
    reqs = data["requirements"]
    assert len(reqs) == len(load_catalog().for_level(3)) >= 62
    for r in reqs:
        assert CONTRACT_REQ_KEYS <= set(r)
        assert 3 in r["levels"]
        assert set(r["title"]) == {"vi", "en"} and set(r["evidence"]) == {"vi", "en"}
        assert r["kind"] in ("auto", "partial", "manual")
    by_id = {r["id"]: r for r in reqs}
    assert by_id["T.APP.04"]["section"] == "7.2.3.4" and by_id["T.APP.04"]["kind"] == "auto"
    assert "tls.cert.validity" in by_id["T.APP.04"]["checks"]
    assert by_id["M.RISK.01"]["section"] == "TT 12/2022 App. III 1.6"


def test_json_level_n_section_is_level_n_clause():
    data = json.loads(run("checklist", "show", "--level", "2", "--format", "json")[1])
    by_id = {r["id"]: r for r in data["requirements"]}
    assert by_id["T.APP.06"]["section"] == "6.2.3.4"
    assert by_id["M.OPS.08"]["section"] == "6.1.5.4"
    assert "T.APP.04" not in by_id and "T.DES.01" not in by_id
    all_levels = json.loads(run("checklist", "show", "--format", "json")[1])
    assert len(all_levels["requirements"]) == len(load_catalog().requirements)


def test_other_catalogue_by_id():
    code, out, _ = run("checklist", "show", "--catalog", "tcvn-14423-2026", "--format", "json")
    assert code == 0
    assert json.loads(out)["checklist"]["id"] == "tcvn-14423-2026"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_table_fits_80_columns(lang):
    code, out, _ = run("checklist", "show", "--lang", lang)
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("T.APP.04 ") for line in lines)
    assert ("Bảo mật thông tin liên lạc" if lang == "vi" else "Communications confidentiality") in out


def test_markdown():
    code, out, _ = run("checklist", "show", "--level", "3", "--format", "md", "--lang", "en")
    assert code == 0
    assert out.startswith("# Basic requirements")
    assert "| T.APP.04 | 7.2.3.4 | 3-5 | auto |" in out
    assert "### M.POL.01 — Information-security policy" in out


def test_xlsx_needs_output_and_writes_workbook(tmp_path):
    code, out, err = run("checklist", "show", "--format", "xlsx")
    assert code == 2 and "-o" in err and out == ""
    dest = tmp_path / "cl.xlsx"
    code, _, _ = run("checklist", "show", "--level", "3", "--format", "xlsx", "-o", str(dest))
    assert code == 0
    ws = load_workbook(dest).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 + len(load_catalog().for_level(3))
    ids = [r[0] for r in rows[1:]]
    assert ids[0] == "M.POL.01" and "T.DES.17" in ids
    assert rows[1][1] == "7.1.1.1"


def test_xlsx_keeps_odd_catalogue_text_as_text():
    """A user's catalogue may carry a control character (YAML "\\x07") or text starting with "=":
    the workbook is still written, and the text is text, not a formula."""
    import dataclasses
    import io

    from secaudit.render.checklist import render_xlsx

    cat = load_catalog()
    first = dataclasses.replace(cat.requirements[0], title={"vi": "=1+1 \x07chuông", "en": "bell"})
    odd = dataclasses.replace(cat, requirements=[first, *cat.requirements[1:]])
    cell = load_workbook(io.BytesIO(render_xlsx(odd, 3))).worksheets[0]["G2"]
    assert cell.value == "=1+1 \ufffdchuông" and cell.data_type == "s"


def test_unknown_catalogue_exit_2():
    code, out, err = run("checklist", "show", "--catalog", "nope")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "unknown catalogue 'nope'" in err


def test_bad_catalogue_file_exit_2_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalog:\n  id: bad\n  title: [oops\n", encoding="utf-8")
    code, _, err = run("checklist", "show", "--catalog", str(bad))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and f"{bad}:" in err and "malformed YAML" in err


def test_profile_list():
    code, out, _ = run("profile", "list")
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("level3 "))
    assert "tcvn-11930-2017" in line and " 3 " in line and "Cấp độ 3" in line
    data = json.loads(run("profile", "list", "--format", "json")[1])
    names = {p["name"]: p for p in data["profiles"]}
    assert names["level5"]["level"] == 5 and names["level1"]["catalog"] == "tcvn-11930-2017"


def test_profile_show_json_and_text(tmp_path):
    code, out, _ = run("profile", "show", "level3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["profile"]["level"] == 3 and data["profile"]["extends"] == "level2"
    assert data["parameters"]["hsts_min_max_age"] == 15552000
    counts = data["requirements"]
    assert counts["total"] == len(load_catalog().for_level(3))
    assert counts["by_kind"]["auto"] == 1 and sum(counts["by_kind"].values()) == counts["applicable"]
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        'profile: {id: mine, title: {vi: "Riêng", en: "Own"}, extends: level3}\n'
        "tailoring:\n  - {requirement: T.DES.15, status: not_applicable,"
        " justification: no DLP data}\n",
        encoding="utf-8",
    )
    data = json.loads(run("profile", "show", str(mine), "--format", "json")[1])
    assert data["requirements"]["not_applicable"] == 1
    assert data["tailoring"][0]["requirement"] == "T.DES.15"
    code, out, _ = run("profile", "show", str(mine))
    assert code == 0 and "T.DES.15: not_applicable — no DLP data" in out and "hsts_min_max_age" in out


def test_profile_show_unknown_exit_2():
    code, _, err = run("profile", "show", "level9")
    assert code == 2 and "unknown profile 'level9'" in err


def test_help_is_bilingual():
    out = run("checklist", "show", "--help")[1]
    assert "Hiển thị danh mục" in out and "Show a requirement catalogue" in out
    out = run("profile", "--help")[1]
    assert "Hồ sơ" in out and "Profiles" in out


def test_subprocess_from_foreign_cwd(tmp_path):
    """Installed entry point, run from a directory with no repo files: data is found in the package."""
    script = Path(sys.executable).parent / "secaudit"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "secaudit"]
    proc = subprocess.run(
        [*cmd, "checklist", "show", "--level", "3", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["checklist"]["id"] == "tcvn-11930-2017"
    assert "sslyze" not in proc.stderr


def test_commands_do_not_import_probe_libraries():
    code = (
        "import sys; from click.testing import CliRunner; from secaudit.cli import main; "
        "r = CliRunner().invoke(main, ['checklist', 'show', '--format', 'json']); "
        "assert r.exit_code == 0; "
        "r = CliRunner().invoke(main, ['profile', 'show', 'level3']); assert r.exit_code == 0; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sslyze', 'nmap', 'nassl')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
