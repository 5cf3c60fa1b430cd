"""`attest import` reads any workbook within bounds, all or nothing, and never undoes newer answers."""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from secaudit.assessment.attestations import dump_attestations, load_attestations
from secaudit.cli import main
from secaudit.config.catalog import applicable, load_profile
from secaudit.render.attest_xlsx import COL, HEADER_ROW
from secaudit.render.xlsx_reader import (
    MAX_CELLS,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_STRINGS,
    open_workbook,
    sheet_rows,
)

INVENTORY = """\
province: T
period: "2026"
agencies:
  - id: a
    name: A
    systems:
      - {id: s, name: S, level: 3, targets: ["https://s.example.vn"]}
      - {id: t, name: T, level: 2, targets: ["https://t.example.vn"]}
"""


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def manual_ids(level: int) -> list[str]:
    return [r.id for r, _ in applicable(load_profile(f"level{level}")) if r.kind in ("manual", "partial")]


def refused(r: Any, *needles: str) -> str:
    """Exit 2, one line, no traceback, every needle in it; returns the line."""
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def inv(tmp_path: Path) -> Path:
    p = tmp_path / "inventory.yaml"
    p.write_text(INVENTORY, encoding="utf-8")
    return p


@pytest.fixture()
def xlsx(inv: Path, tmp_path: Path) -> Path:
    out = tmp_path / "phieu.xlsx"
    r = run("attest", "export", "--inventory", inv, "-o", out)
    assert r.exit_code == 0, r.output
    return out


def rows_by_id(ws: Any) -> dict[str, int]:
    return {
        ws.cell(r, COL["requirement"]).value: r
        for r in range(HEADER_ROW + 1, HEADER_ROW + 200)
        if ws.cell(r, COL["requirement"]).value
    }


def answer(ws: Any, rid: str, status: str, note: str, day: date = date(2026, 10, 1)) -> None:
    r = rows_by_id(ws)[rid]
    ws.cell(r, COL["status"], status)
    ws.cell(r, COL["note"], note)
    ws.cell(r, COL["attested_at"], day)


def files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- bounded reading


def test_stray_cell_in_the_last_row_costs_one_row(xlsx: Path, tmp_path: Path) -> None:
    wb = load_workbook(xlsx)
    wb.worksheets[1].cell(row=1_048_576, column=20, value="x")  # outside the table's columns
    wb.save(xlsx)
    assert xlsx.stat().st_size < 40_000
    book = open_workbook(xlsx)
    try:
        visited = [idx for idx, _ in sheet_rows(book.worksheets[1], len(COL), "w")]
    finally:
        book.close()
    # Only rows present in the XML: header block + one per requirement + the stray one, not a million.
    assert visited[-1] == 1_048_576 and len(visited) == HEADER_ROW + len(manual_ids(3)) + 1
    r = run("attest", "import", xlsx, "--attestations", tmp_path / "att")
    assert r.exit_code == 0, r.output


def test_stray_requirement_id_far_below_is_refused_with_its_row(xlsx: Path, tmp_path: Path) -> None:
    wb = load_workbook(xlsx)
    wb.worksheets[1].cell(row=1_048_576, column=COL["requirement"], value="M.NOPE.99")
    wb.save(xlsx)
    r = run("attest", "import", xlsx, "--attestations", tmp_path / "att")
    refused(r, f"[{wb.worksheets[1].title}]:1048576 M.NOPE.99", "unknown requirement id")
    assert not (tmp_path / "att").exists()


def test_row_and_sheet_caps(tmp_path: Path, xlsx: Path) -> None:
    wb = load_workbook(xlsx)
    ws = wb.worksheets[1]
    for r in range(HEADER_ROW + 60, HEADER_ROW + 60 + MAX_ROWS):
        ws.cell(row=r, column=20, value=1)
    wb.save(xlsx)
    refused(run("attest", "import", xlsx, "--attestations", tmp_path / "a"), f"more than {MAX_ROWS} rows")
    many = tmp_path / "many.xlsx"
    wb = Workbook()
    for i in range(MAX_SHEETS):
        wb.create_sheet(f"s{i}")
    wb.save(many)
    refused(run("attest", "import", many, "--attestations", tmp_path / "a"), f"more than {MAX_SHEETS} sheets")
    assert not (tmp_path / "a").exists()


def test_a_row_of_a_million_cells_and_a_flood_of_strings_are_refused(xlsx: Path, tmp_path: Path) -> None:
    wide = tmp_path / "wide.xlsx"
    cells = b'<row r="900">' + b"<c/>" * (MAX_CELLS + 1) + b"</row>"
    _rewrite_part(
        xlsx, wide, "xl/worksheets/sheet2.xml", lambda d: d.replace(b"</sheetData>", cells + b"</sheetData>")
    )
    refused(run("attest", "import", wide, "--attestations", tmp_path / "a"), f"more than {MAX_CELLS} cells")
    # Cells beyond the table's columns cost nothing else: just under the cap imports.
    ok = tmp_path / "ok.xlsx"
    cells = b'<row r="900">' + b"<c/>" * (MAX_CELLS - 2000) + b"</row>"
    _rewrite_part(
        xlsx, ok, "xl/worksheets/sheet2.xml", lambda d: d.replace(b"</sheetData>", cells + b"</sheetData>")
    )
    assert run("attest", "import", ok, "--attestations", tmp_path / "a").exit_code == 0
    strings = tmp_path / "strings.xlsx"
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>a</t></si>" * (MAX_STRINGS + 1)
    )
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(strings, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/sharedStrings.xml", sst + b"</sst>")
    refused(
        run("attest", "import", strings, "--attestations", tmp_path / "b"), f"more than {MAX_STRINGS} texts"
    )
    assert not (tmp_path / "b").exists()


def _rewrite_part(src: Path, dst: Path, part: str, edit: Any) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data) if item.filename == part else data)


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    "part,prolog",
    [
        ("xl/worksheets/sheet2.xml", XXE),
        ("xl/worksheets/sheet2.xml", LAUGHS),
        ("xl/workbook.xml", LAUGHS),
        ("xl/styles.xml", XXE),
        ("[Content_Types].xml", LAUGHS),
    ],
    ids=["xxe-sheet", "laughs-sheet", "laughs-workbook", "xxe-styles", "laughs-content-types"],
)
def test_entity_declarations_are_refused(xlsx: Path, tmp_path: Path, part: str, prolog: bytes) -> None:
    with zipfile.ZipFile(xlsx) as z:
        assert part in z.namelist()
    bad = tmp_path / "bad.xlsx"
    _rewrite_part(xlsx, bad, part, lambda data: prolog + re.sub(rb"^<\?xml[^>]*\?>", b"", data))
    r = run("attest", "import", bad, "--attestations", tmp_path / "att")
    refused(r, str(bad), "XXE")
    assert not (tmp_path / "att").exists()


def test_not_a_workbook_is_one_line(tmp_path: Path, xlsx: Path) -> None:
    text = tmp_path / "x.xlsx"
    text.write_text("agency,system\n")
    refused(run("attest", "import", text, "--attestations", tmp_path / "a"), "not a zip")
    zipped = tmp_path / "z.xlsx"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("hello.txt", "hi")
    refused(run("attest", "import", zipped, "--attestations", tmp_path / "a"), str(zipped))
    bomb = tmp_path / "bomb.xlsx"
    _rewrite_part(xlsx, bomb, "xl/worksheets/sheet2.xml", lambda d: d + b" " * (21 * 1024 * 1024))
    refused(run("attest", "import", bomb, "--attestations", tmp_path / "a"), "zip bomb")
    refused(run("attest", "import", tmp_path, "--attestations", tmp_path / "a"), "directory")
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    refused(run("attest", "import", fifo, "--attestations", tmp_path / "a"), "FIFO")
    assert not (tmp_path / "a").exists()


# --------------------------------------------------------------------------- all or nothing


def test_unknown_ids_anywhere_write_nothing(xlsx: Path, tmp_path: Path) -> None:
    att = tmp_path / "att"
    wb = load_workbook(xlsx)
    s, t = wb.worksheets[1], wb.worksheets[2]
    answer(s, manual_ids(3)[0], "compliant", "Quy chế 12/QĐ")
    t.cell(HEADER_ROW + 1, COL["requirement"], "X.GONE.01")
    t.cell(HEADER_ROW + 3, COL["requirement"], "X.GONE.02")
    wb.save(xlsx)
    line = refused(run("attest", "import", xlsx, "--attestations", att), "nothing written")
    assert (
        f"[{t.title}]:{HEADER_ROW + 1} X.GONE.01" in line
        and f"[{t.title}]:{HEADER_ROW + 3} X.GONE.02" in line
    )
    assert not att.exists()
    # With --inventory the ids are checked against the system's profile's catalogue, as well.
    r = run("attest", "import", xlsx, "--attestations", att, "--inventory", tmp_path / "inventory.yaml")
    refused(r, "X.GONE.01")
    # An id of another catalogue (TCVN 14423) is unknown in this sheet's catalogue (TCVN 11930).
    t.cell(HEADER_ROW + 1, COL["requirement"], "ANM.RISK.01")
    t.cell(HEADER_ROW + 3, COL["requirement"], manual_ids(2)[2])
    wb.save(xlsx)
    refused(run("attest", "import", xlsx, "--attestations", att), "ANM.RISK.01")
    t.cell(HEADER_ROW + 1, COL["requirement"], manual_ids(2)[0])
    wb.save(xlsx)
    assert run("attest", "import", xlsx, "--attestations", att).exit_code == 0
    assert load_attestations(att / "a" / "s.yaml").entries[manual_ids(3)[0]].status == "compliant"


def test_a_system_not_in_the_inventory_is_refused(xlsx: Path, tmp_path: Path, inv: Path) -> None:
    wb = load_workbook(xlsx)
    wb.worksheets[2]["B2"] = "khong-co"
    wb.save(xlsx)
    r = run("attest", "import", xlsx, "--attestations", tmp_path / "att", "--inventory", inv)
    refused(r, "khong-co")
    assert not (tmp_path / "att").exists()


# --------------------------------------------------------------------------- revisions


def test_monday_workbook_does_not_undo_tuesday(xlsx: Path, tmp_path: Path, inv: Path) -> None:
    ids = manual_ids(3)
    att = tmp_path / "att"
    yaml_file = att / "a" / "s.yaml"
    # The folder holds answers; Monday's export carries their revisions.
    wb = load_workbook(xlsx)
    answer(wb.worksheets[1], ids[0], "compliant", "Quy chế 12/QĐ")
    answer(wb.worksheets[1], ids[1], "non_compliant", "Chưa có")
    wb.save(xlsx)
    assert run("attest", "import", xlsx, "--attestations", att).exit_code == 0
    monday = tmp_path / "monday.xlsx"
    assert run("attest", "export", "--inventory", inv, "--attestations", att, "-o", monday).exit_code == 0
    wb = load_workbook(monday)
    assert wb.worksheets[1].column_dimensions["M"].hidden  # the revision column
    # Tuesday: ids[0] changes in the YAML (another answer), ids[2] is answered in the YAML.
    atts = load_attestations(yaml_file)
    atts.entries[ids[0]].note = "Quy chế 15/QĐ (mới)"
    atts.entries[ids[2]].status, atts.entries[ids[2]].note = "non_compliant", "Thứ Ba"
    atts.entries[ids[2]].attested_at = date(2026, 10, 2)
    yaml_file.write_text(dump_attestations(atts), encoding="utf-8")
    tuesday = files(att)
    # Monday's workbook, edited on a row whose YAML entry did not change (ids[1]) ...
    answer(wb.worksheets[1], ids[1], "compliant", "Đã khắc phục")
    wb.save(monday)
    line = refused(run("attest", "import", monday, "--attestations", att), "--force")
    title = wb.worksheets[1].title
    rows = rows_by_id(wb.worksheets[1])
    assert f"[{title}]:{rows[ids[0]]} {ids[0]}" in line and f"[{title}]:{rows[ids[2]]} {ids[2]}" in line
    assert ids[1] not in line
    assert files(att) == tuesday  # nothing written
    # Re-exported on Tuesday, the same edit imports; Tuesday's answers are kept.
    fresh = tmp_path / "tuesday.xlsx"
    assert run("attest", "export", "--inventory", inv, "--attestations", att, "-o", fresh).exit_code == 0
    wb2 = load_workbook(fresh)
    answer(wb2.worksheets[1], ids[1], "compliant", "Đã khắc phục")
    wb2.save(fresh)
    assert run("attest", "import", fresh, "--attestations", att).exit_code == 0
    got = load_attestations(yaml_file).entries
    assert (got[ids[0]].note, got[ids[1]].status, got[ids[2]].note) == (
        "Quy chế 15/QĐ (mới)",
        "compliant",
        "Thứ Ba",
    )
    # --force: Monday's workbook wins.
    r = run("attest", "import", monday, "--attestations", att, "--force")
    assert r.exit_code == 0, r.output
    got = load_attestations(yaml_file).entries
    assert (got[ids[0]].note, got[ids[2]].status) == ("Quy chế 12/QĐ", None)


def test_unchanged_yaml_rows_import_and_identical_rows_are_no_conflict(
    xlsx: Path, tmp_path: Path, inv: Path
) -> None:
    ids = manual_ids(3)
    att = tmp_path / "att"
    wb = load_workbook(xlsx)
    answer(wb.worksheets[1], ids[0], "compliant", "Quy chế 12/QĐ")
    wb.save(xlsx)
    assert run("attest", "import", xlsx, "--attestations", att).exit_code == 0
    # The same (pre-revision) workbook again: its row now equals the folder's entry, so no conflict.
    assert run("attest", "import", xlsx, "--attestations", att).exit_code == 0
    # The row was exported when there was no entry; the folder has one now: an edit there is refused.
    wb = load_workbook(xlsx)
    answer(wb.worksheets[1], ids[0], "non_compliant", "Hết hiệu lực")
    wb.save(xlsx)
    refused(run("attest", "import", xlsx, "--attestations", att), f"{ids[0]}")
    assert load_attestations(att / "a" / "s.yaml").entries[ids[0]].status == "compliant"


@pytest.mark.parametrize(
    "typed,expected",
    [("20/10/2026", date(2026, 10, 20)), ("5.1.2026", date(2026, 1, 5)), ("2026-10-20", date(2026, 10, 20))],
)
def test_a_date_typed_as_text_day_first_imports(
    xlsx: Path, tmp_path: Path, typed: str, expected: date
) -> None:
    # A Vietnamese user (or an English LibreOffice that keeps "20/10/2026" as text) types day first
    rid = manual_ids(3)[0]
    wb = load_workbook(xlsx)
    answer(wb.worksheets[1], rid, "compliant", "Quy chế 12/QĐ")
    ws = wb.worksheets[1]
    ws.cell(rows_by_id(ws)[rid], COL["attested_at"], typed)  # a text cell, not a date cell
    wb.save(xlsx)
    att = tmp_path / "att"
    r = run("attest", "import", xlsx, "--attestations", att)
    assert r.exit_code == 0, r.output
    assert load_attestations(att / "a" / "s.yaml").entries[rid].attested_at == expected


def test_an_impossible_day_first_date_is_refused_naming_it(xlsx: Path, tmp_path: Path) -> None:
    rid = manual_ids(3)[0]
    wb = load_workbook(xlsx)
    answer(wb.worksheets[1], rid, "compliant", "Quy chế 12/QĐ")
    ws = wb.worksheets[1]
    ws.cell(rows_by_id(ws)[rid], COL["attested_at"], "31/02/2026")
    wb.save(xlsx)
    refused(run("attest", "import", xlsx, "--attestations", tmp_path / "att"), "31/02/2026", rid)
