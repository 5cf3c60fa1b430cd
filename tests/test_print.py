"""Workbooks and pages that print: converted to PDF by LibreOffice headless, as an office would.

The attestation workbook of one level-3 system was 11-14 A4 pages with the status column on one of
them; Mẫu 08's title ran off the page. Here every page is A4, shows the table's header (so the
status column) and the page count is bounded. Needs Debian's libreoffice-calc, poppler-utils and
fonts-crosextra-carlito (scripts/setup.sh --dev).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from secaudit.render.attest_xlsx import COL, HEADER_ROW
from secaudit.render.mau08 import SHEETS


def _secaudit(*args: str) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def _to_pdf(files: list[Path], out: Path) -> None:
    # A profile of our own: a LibreOffice already running elsewhere (another test run) keeps its lock.
    profile = (out / "lo-profile").resolve().as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    proc = subprocess.run(
        [*cmd, "--outdir", str(out), *map(str, files)], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    for f in files:
        assert (out / f"{f.stem}.pdf").is_file(), proc.stdout + proc.stderr


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for p in range(1, n + 1)
    ]


def _sizes(pdf: Path) -> list[tuple[float, float]]:
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = []
    for line in out.splitlines():
        if line.startswith("Page") and "size:" in line:
            w, _x, h = line.split("size:")[1].split()[:3]
            sizes.append((float(w), float(h)))
    return sizes


def _a4(size: tuple[float, float]) -> bool:
    short, long_ = sorted(size)
    return abs(short - 595.3) < 2 and abs(long_ - 841.9) < 2


@pytest.fixture(scope="module")
def printed(demo_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: Path = demo_run["out"]  # type: ignore[assignment]
    work = tmp_path_factory.mktemp("print")
    att = work / "phieu-xac-nhan.xlsx"  # one agency, one level-3 system
    proc = _secaudit(
        "attest",
        "export",
        "--inventory",
        str(out / "inventory.yaml"),
        "--attestations",
        str(out / "attestations"),
        "--agency",
        "bao-song-huong",
        "-o",
        str(att),
    )
    assert proc.returncode == 0, proc.stderr
    mau08 = work / "mau08.xlsx"
    shutil.copy(out / "mau08.xlsx", mau08)
    _to_pdf([att, mau08], work)
    return {"att": att, "att_pdf": work / f"{att.stem}.pdf", "mau08": mau08, "mau08_pdf": work / "mau08.pdf"}


def test_attestation_workbook_page_setup(printed: dict[str, Path]) -> None:
    wb = load_workbook(printed["att"])
    ws = wb.worksheets[1]
    ps = ws.page_setup
    assert (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight) == (9, "landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}"
    status = ws.cell(row=HEADER_ROW + 1, column=COL["status"])
    assert status.border.left.style == "thin" and status.alignment.wrap_text
    assert ws.row_dimensions[HEADER_ROW + 1].height  # tall enough for its wrapped text
    assert wb.worksheets[0].page_setup.paperSize == 9


def test_one_level3_system_prints_on_at_most_8_pages_with_the_status_column(printed: dict[str, Path]) -> None:
    pages = _pages(printed["att_pdf"])
    assert all(_a4(s) for s in _sizes(printed["att_pdf"]))
    system_pages = [p for p in pages if "Requirement" in p]  # the instructions sheet is page 1
    assert 1 <= len(system_pages) <= 8, len(system_pages)
    assert len(pages) == len(system_pages) + 1
    for i, text in enumerate(system_pages, 1):
        assert "Trạng thái" in text, f"page {i} of the system sheet has no status column"
    # Every requirement row reached the paper (none lost past the page edge).
    ws = load_workbook(printed["att"]).worksheets[1]
    ids = [ws.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    joined = "\n".join(system_pages)
    assert ids and all(i in joined for i in ids)


def test_mau08_sheets_keep_diacritics_and_print_on_a4(printed: dict[str, Path]) -> None:
    wb = load_workbook(printed["mau08"])
    assert wb.sheetnames == list(SHEETS.values())
    assert "Phần 3 - Hệ thống" in wb.sheetnames
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in wb.sheetnames)
    for name in ("part3", "annex", "checks"):
        ps = wb[SHEETS[name]].page_setup
        assert (ps.paperSize, ps.orientation, ps.fitToWidth) == (9, "landscape", 1), name
        assert wb[SHEETS[name]].print_title_rows, name
    pages = _pages(printed["mau08_pdf"])
    assert all(_a4(s) for s in _sizes(printed["mau08_pdf"]))
    # The title is whole on the first page (it used to run off the paper's edge).
    first = " ".join(pages[0].split())
    assert "BÁO CÁO Kết quả công tác bảo đảm an ninh mạng hệ thống thông tin" in first
    # The annex's column header is on each of its pages.
    annex = [p for p in pages if "Đáp ứng" in p or "Chưa đáp ứng" in p]
    assert annex and all("Điều khoản" in p for p in annex)


def test_html_pages_have_print_css() -> None:
    from secaudit.core.resources import data_dir

    css = (data_dir("reports") / "style.css").read_text(encoding="utf-8")
    assert "@media print" in css and "@page" in css
    assert "@page { size: A4 landscape" in (data_dir("reports") / "mau08.html.j2").read_text(encoding="utf-8")
