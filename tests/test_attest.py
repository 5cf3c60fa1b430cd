"""Attestations: YAML template, validation, and the XLSX round-trip (export, edit, import)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from secaudit.assessment.attestations import load_attestations
from secaudit.cli import main
from secaudit.config.catalog import applicable, load_profile
from secaudit.core.errors import InputError
from secaudit.render.attest_xlsx import COL, HEADER_ROW, sheet_title

INVENTORY = """\
province: Thừa Thiên Huế
period: "2026"
agencies:
  - id: bao-vi-du
    name: Báo Ví Dụ
    systems:
      - {id: portal, name: Cổng báo điện tử, level: 3, targets: ["https://portal.example.vn"]}
  - id: dai-phat-thanh-truyen-hinh-thua-thien-hue
    name: Đài Phát thanh - Truyền hình
    systems:
      - {id: he-thong-phat-song-truc-tuyen, name: Phát sóng trực tuyến, level: 2,
         targets: ["https://live.example.vn"]}
"""
SHA = "ab" * 32


@pytest.fixture()
def inv(tmp_path: Path) -> Path:
    p = tmp_path / "inventory.yaml"
    p.write_text(INVENTORY, encoding="utf-8")
    return p


def manual_ids(level: int) -> list[str]:
    return [r.id for r, _ in applicable(load_profile(f"level{level}")) if r.kind in ("manual", "partial")]


def run(*args: str) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_template_loads_as_is_and_half_filled(inv: Path, tmp_path: Path) -> None:
    out = tmp_path / "att" / "bao-vi-du" / "portal.yaml"
    r = run(
        "attest", "template", "--inventory", inv, "--agency", "bao-vi-du", "--system", "portal", "-o", out
    )
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    ids = manual_ids(3)
    first = applicable(load_profile("level3"))[0][0]
    assert f"# [{first.section(3)}] {first.title['vi']}" in text
    assert "# Evidence to look for:" in text and "# Bằng chứng cần xem:" in text
    atts = load_attestations(out, "bao-vi-du", "portal")
    assert list(atts.entries) == ids and all(a.status is None for a in atts.entries.values())
    # Fill in the first entry only, by hand, as a user would.
    filled = (
        text.replace("    status: null", "    status: compliant", 1)
        .replace("    note: null", "    note: 'Quy chế ATTT số 12/QĐ: đã ban hành'", 1)
        .replace("    attested_at: null", "    attested_at: 2026-10-15", 1)
    )
    out.write_text(filled, encoding="utf-8")
    atts = load_attestations(out, "bao-vi-du", "portal")
    a = atts.entries[ids[0]]
    assert (a.status, a.note, a.attested_at, a.expiry) == (
        "compliant",
        "Quy chế ATTT số 12/QĐ: đã ban hành",
        date(2026, 10, 15),
        date(2027, 10, 15),
    )
    assert sum(x.status is None for x in atts.entries.values()) == len(ids) - 1
    # A blank template over the half-filled file would erase the answer: refused, file untouched.
    subject = ["--agency", "bao-vi-du", "--system", "portal"]
    again = ["attest", "template", "--inventory", inv, *subject, "-o", out]
    r = run(*again)
    assert r.exit_code == 2 and "already holds answers" in r.output and str(out) in r.output, r.output
    assert out.read_text(encoding="utf-8") == filled
    copy = tmp_path / "portal-2.yaml"  # starting from them, elsewhere: the answer is carried
    r = run(*again[:-1], copy, "--attestations", tmp_path / "att")
    assert r.exit_code == 0, r.output
    assert load_attestations(copy, "bao-vi-du", "portal").entries[ids[0]].status == "compliant"
    fresh = tmp_path / "blank.yaml"
    fresh.write_text(text, encoding="utf-8")  # a template nobody filled in may be made again
    assert run(*again[:-1], fresh).exit_code == 0


BAD_FILES = [
    ("bad status", "status: done", "status 'done' must be one of"),
    ("n/a without note", "status: not_applicable", "not_applicable needs a note"),
    ("bad date", "status: compliant\n    attested_at: 15/10/2026", "attested_at '15/10/2026' must be a date"),
    (
        "bad sha",
        "status: compliant\n    evidence: [{path: a.pdf, sha256: xyz}]",
        "evidence 'a.pdf': sha256 must be 64 hex",
    ),
    ("unknown field", "status: compliant\n    signed: true", "unknown field(s) signed"),
    (
        "NUL in evidence path",
        'status: compliant\n    evidence: ["quy-che\\x00.pdf"]',
        "evidence path 'quy-che\\x00.pdf' is not a file name",
    ),
]


@pytest.mark.parametrize("name,entry,message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_attestation_files(tmp_path: Path, name: str, entry: str, message: str) -> None:
    p = tmp_path / "portal.yaml"
    p.write_text(
        f"agency: bao-vi-du\nsystem: portal\nattestations:\n  - requirement: M.POL.01\n    {entry}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        load_attestations(p, "bao-vi-du", "portal")
    text = str(exc.value)  # "FILE:LINE: ENTRY: tiếng Việt / English"
    assert text.startswith(f"{p}:4: M.POL.01: ") and message in text.split(" / ", 1)[1], text
    with pytest.raises(InputError, match="belongs to 'other'"):
        p.write_text("agency: bao-vi-du\nsystem: portal\nattestations: []\n", encoding="utf-8")
        load_attestations(p, "other", "portal")


def test_sheet_titles_within_limits() -> None:
    taken: set[str] = set()
    titles = [sheet_title(x, taken) for x in ("a[b]:c*d?e/f\\g", "x" * 40, "x" * 40, "X" * 40)]
    assert titles[0] == "a-b--c-d-e-f-g"
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    assert len({t.lower() for t in titles}) == 4


def test_xlsx_round_trip_and_spreadsheet_edit(inv: Path, tmp_path: Path) -> None:
    ids = manual_ids(3)
    src = tmp_path / "att"
    (src / "bao-vi-du").mkdir(parents=True)
    original = (
        "agency: bao-vi-du\nsystem: portal\nattestations:\n"
        f"  - requirement: {ids[0]}\n    status: compliant\n"
        '    note: "Quy chế bảo đảm an toàn thông tin, Quyết định số 12/QĐ-BVD ngày 01/3/2026"\n'
        f"    evidence: [{{path: evidence/quy-che.pdf, sha256: {SHA}}},\n"
        "               {path: 'bằng chứng/biên bản.docx'}]\n"
        "    attested_by: Nguyễn Thị Hương\n    attested_at: 2026-03-01\n    expires_at: 2027-02-28\n"
        f"  - requirement: {ids[1]}\n    status: not_applicable\n    note: Không có phòng máy riêng\n"
        "    attested_by: Trần Văn Bình\n    attested_at: 2026-04-02\n"
        f"  - requirement: {ids[2]}\n    status: non_compliant\n    note: Chưa diễn tập\n"
        "    attested_at: 2026-05-03\n"
    )
    (src / "bao-vi-du" / "portal.yaml").write_text(original, encoding="utf-8")
    before = load_attestations(src / "bao-vi-du" / "portal.yaml")
    xlsx = tmp_path / "phieu.xlsx"
    r = run("attest", "export", "--inventory", inv, "--attestations", src, "--format", "xlsx", "-o", xlsx)
    assert r.exit_code == 0, r.output

    wb = load_workbook(xlsx)
    assert wb.sheetnames[0] == "Hướng dẫn - Instructions"
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in wb.sheetnames)
    ws = wb.worksheets[1]
    assert (ws["B1"].value, ws["B2"].value) == ("bao-vi-du", "portal")
    dv = ws.data_validations.dataValidation[0]
    assert "non_compliant" in dv.formula1
    status_col = ws.cell(row=HEADER_ROW, column=COL["status"]).column_letter
    assert str(dv.sqref) == f"{status_col}{HEADER_ROW + 1}:{status_col}{HEADER_ROW + len(ids)}"
    ws2 = wb.worksheets[2]  # the long ids of the second agency: only a label, ids live in cells
    assert ws2["B1"].value == "dai-phat-thanh-truyen-hinh-thua-thien-hue"
    assert ws2["B2"].value == "he-thong-phat-song-truc-tuyen"

    # Round trip into an empty folder: nothing lost.
    back = tmp_path / "back"
    r = run("attest", "import", xlsx, "--attestations", back)
    assert r.exit_code == 0, r.output
    after = load_attestations(back / "bao-vi-du" / "portal.yaml", "bao-vi-du", "portal")
    for rid, a in before.entries.items():
        assert after.entries[rid].to_dict() == a.to_dict()
    assert list(after.entries) == ids
    assert load_attestations(
        back / "dai-phat-thanh-truyen-hinh-thua-thien-hue" / "he-thong-phat-song-truc-tuyen.yaml"
    ).entries.keys() == set(manual_ids(2))

    # An edit made in the spreadsheet comes back.
    rows = {ws.cell(r, COL["requirement"]).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    row = rows[ids[3]]
    ws.cell(row, COL["status"], "compliant")
    ws.cell(row, COL["note"], "Đã có quy trình sao lưu — kiểm tra ngày 10/10")
    ws.cell(row, COL["evidence"], "evidence/sao-lưu.pdf\nevidence/nhật-ký.txt | " + SHA)
    ws.cell(row, COL["attested_by"], "Lê Văn Cường")
    ws.cell(row, COL["attested_at"], date(2026, 10, 10))
    first = rows[ids[0]]
    ws.cell(first, COL["status"], "non_compliant")
    wb.save(xlsx)
    (src / "bao-vi-du" / "evidence").mkdir()
    (src / "bao-vi-du" / "evidence" / "sao-lưu.pdf").write_bytes(b"backup report")
    r = run("attest", "import", xlsx, "--attestations", src)
    assert r.exit_code == 0, r.output
    edited = load_attestations(src / "bao-vi-du" / "portal.yaml")
    e = edited.entries[ids[3]]
    assert (e.status, e.note, e.attested_by, e.attested_at) == (
        "compliant",
        "Đã có quy trình sao lưu — kiểm tra ngày 10/10",
        "Lê Văn Cường",
        date(2026, 10, 10),
    )
    assert [(x.path, x.sha256) for x in e.evidence] == [
        ("evidence/sao-lưu.pdf", hashlib.sha256(b"backup report").hexdigest()),  # recorded at import
        ("evidence/nhật-ký.txt", SHA),
    ]
    assert edited.entries[ids[0]].status == "non_compliant"
    assert edited.entries[ids[1]].to_dict() == before.entries[ids[1]].to_dict()


def test_import_rejects_bad_cells(inv: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "p.xlsx"
    assert run("attest", "export", "--inventory", inv, "--agency", "bao-vi-du", "-o", xlsx).exit_code == 0
    wb = load_workbook(xlsx)
    ws = wb.worksheets[1]
    ws.cell(HEADER_ROW + 2, COL["status"], "đạt")
    wb.save(xlsx)
    r = run("attest", "import", xlsx, "--attestations", tmp_path / "a")
    assert r.exit_code == 2
    assert f"[{ws.title}]:{HEADER_ROW + 2}:" in r.output and "status 'đạt'" in r.output
    (tmp_path / "x.xlsx").write_text("not a workbook")
    assert run("attest", "import", tmp_path / "x.xlsx", "--attestations", tmp_path / "a").exit_code == 2


def test_xlsx_states_thresholds_and_keeps_the_catalogue(tmp_path: Path) -> None:
    inv = tmp_path / "inv14423.yaml"
    inv.write_text(
        INVENTORY.replace("level: 3, targets", "level: 3, profile: tcvn14423-level3, targets"),
        encoding="utf-8",
    )
    xlsx = tmp_path / "a.xlsx"
    assert run("attest", "export", "--inventory", inv, "--agency", "bao-vi-du", "-o", xlsx).exit_code == 0
    wb = load_workbook(xlsx)
    ws = wb.worksheets[1]
    assert (ws["A4"].value.startswith("Danh mục"), ws["B4"].value) == (True, "tcvn-14423-2026")
    rows = {ws.cell(row=r, column=COL["requirement"]).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    hint = ws.cell(row=rows["ANM.RISK.01"], column=COL["look_for"]).value
    assert "Threshold: maximum risk re-identification and control-review interval (months): 12" in hint
    assert "Ngưỡng: chu kỳ nhận diện lại rủi ro" in hint
    ws.cell(row=rows["ANM.RISK.01"], column=COL["status"], value="compliant")
    ws.cell(row=rows["ANM.RISK.01"], column=COL["note"], value="QĐ quy trình rủi ro")
    wb.save(xlsx)
    att_dir = tmp_path / "att"
    assert run("attest", "import", xlsx, "--attestations", att_dir).exit_code == 0
    atts = load_attestations(att_dir / "bao-vi-du" / "portal.yaml", "bao-vi-du", "portal")
    assert atts.catalog == "tcvn-14423-2026" and atts.entries["ANM.RISK.01"].status == "compliant"
    assert "catalog: tcvn-14423-2026" in (att_dir / "bao-vi-du" / "portal.yaml").read_text(encoding="utf-8")


def test_import_writes_nothing_when_a_later_sheet_is_bad(inv: Path, tmp_path: Path) -> None:
    # Two systems in one workbook: a bad cell on the second must not leave the first imported.
    xlsx = tmp_path / "all.xlsx"
    assert run("attest", "export", "--inventory", inv, "-o", xlsx).exit_code == 0
    wb = load_workbook(xlsx)
    first, second = wb.worksheets[1], wb.worksheets[2]
    first.cell(HEADER_ROW + 1, COL["status"], "compliant")
    first.cell(HEADER_ROW + 1, COL["note"], "Quy chế số 12/QĐ")
    second.cell(HEADER_ROW + 1, COL["status"], "đạt")
    wb.save(xlsx)
    r = run("attest", "import", xlsx, "--attestations", tmp_path / "a")
    assert r.exit_code == 2 and "status 'đạt'" in r.output
    assert not list((tmp_path / "a").rglob("*.yaml"))
    # Fixed, the same workbook imports both systems.
    second.cell(HEADER_ROW + 1, COL["status"], "non_compliant")
    wb.save(xlsx)
    assert run("attest", "import", xlsx, "--attestations", tmp_path / "a").exit_code == 0
    assert len(list((tmp_path / "a").rglob("*.yaml"))) == 2


def test_export_survives_control_characters_and_keeps_formulas_as_text(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        'province: T\nperiod: "2026"\nagencies:\n  - id: a\n    name: "B\\x07áo"\n    systems:\n'
        '      - {id: s, name: "Cổng\\x01", level: 3, targets: ["https://x.example.vn"]}\n',
        encoding="utf-8",
    )
    ids = manual_ids(3)
    src = tmp_path / "att"
    (src / "a").mkdir(parents=True)
    (src / "a" / "s.yaml").write_text(
        f"agency: a\nsystem: s\nattestations:\n  - requirement: {ids[0]}\n    status: compliant\n"
        '    note: "=HYPERLINK(\\"http://x\\")"\n    attested_at: 2026-03-01\n',
        encoding="utf-8",
    )
    xlsx = tmp_path / "out.xlsx"
    r = run("attest", "export", "--inventory", inv, "--attestations", src, "--format", "xlsx", "-o", xlsx)
    assert r.exit_code == 0, r.output
    ws = load_workbook(xlsx).worksheets[1]
    assert ws["C1"].value == "B\ufffdáo" and ws["C2"].value == "Cổng\ufffd"
    note = ws.cell(row=HEADER_ROW + 1, column=COL["note"])
    assert note.data_type == "s" and note.value.startswith("=HYPERLINK")
    back = tmp_path / "back"
    assert run("attest", "import", xlsx, "--attestations", back).exit_code == 0
    assert load_attestations(back / "a" / "s.yaml").entries[ids[0]].note.startswith("=HYPERLINK")
