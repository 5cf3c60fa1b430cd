"""Print set-up shared by our workbooks: A4, fit to the page width, header rows repeated on every
page, wrapped text and thin borders, so that a printed sheet never loses a column to page 7.

Only page layout: nothing here changes a cell's value, so what ``attest import`` reads is untouched.
"""

from __future__ import annotations

from typing import Any

# Narrow margins (inches, as the format stores them): the tables need the width, not the paper edge.
_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.5, "header": 0.25, "footer": 0.25}


def a4(ws: Any, *, landscape: bool, title_rows: tuple[int, int] | None = None) -> None:
    """A4, fit to one page wide (as many pages tall as needed), ``title_rows`` repeated on each."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0 = as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(**_MARGINS)
    ws.print_options.horizontalCentered = True
    if title_rows is not None:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    # A page number in the footer: a loose printed page can be put back in order.
    ws.oddFooter.center.text = "&P / &N"


def grid(ws: Any, first_row: int, last_row: int, last_col: int, first_col: int = 1) -> None:
    """Thin borders and wrapped, top-aligned text over a table's cells (its header row included)."""
    from openpyxl.styles import Alignment, Border, Side

    if last_row < first_row:
        return
    thin = Side(style="thin", color="98A2B3")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
        for cell in row:
            cell.border = border
            al = cell.alignment
            if not (al and al.wrap_text and al.vertical == "top"):
                cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=al.horizontal)


def fit_rows(
    ws: Any, first_row: int, last_row: int, line_pt: float = 15.0, chars_per_unit: float = 1.15
) -> None:
    """Row heights for wrapped text. Spreadsheet programs do not grow a row written without a height
    when they open the file (LibreOffice keeps one line and the text runs into the next row), so the
    lines each cell needs are estimated from its column width: a little too tall, never cut."""
    import textwrap

    from openpyxl.utils import get_column_letter

    widths: dict[int, float] = {}

    def width(col: int) -> float:
        if col not in widths:
            dim = ws.column_dimensions[get_column_letter(col)]
            widths[col] = 0.0 if dim.hidden else float(dim.width or 8.43)
        return widths[col]

    # A merged cell wraps within the whole range's width.
    merged = {
        (m.min_row, m.min_col): sum(width(c) for c in range(m.min_col, m.max_col + 1))
        for m in ws.merged_cells.ranges
    }
    for row in ws.iter_rows(min_row=first_row, max_row=last_row):
        lines = 1
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            w = merged.get((cell.row, cell.column)) or width(cell.column)
            if not w:
                continue
            bold = bool(cell.font and cell.font.b)  # bold glyphs are wider
            per_line = max(1, int(w * chars_per_unit * (0.7 if bold else 1.0)))
            # Word by word, as the program wraps (a long word such as a SHA-256 is cut where it must).
            need = sum(len(textwrap.wrap(part, per_line)) or 1 for part in cell.value.split("\n"))
            lines = max(lines, need)
        ws.row_dimensions[row[0].row].height = round(lines * line_pt + 3, 1)
