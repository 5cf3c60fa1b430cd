"""Mẫu 08 renderings: an XLSX workbook (one sheet per part) and a printable HTML page.

The view comes from secaudit.province.mau08.build; nothing is judged here.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from secaudit.province.mau08 import ANNEX_COLUMNS, COLUMNS
from secaudit.render import views
from secaudit.render.xlsx import _put

PART3_KEYS = [
    "no",
    "system",
    "owner",
    "operator",
    "level",
    "approval_status",
    "approval_decision",
    "quy_che_decision",
    "expected_approval_date",
    "deployment",
    "expected_deployment_date",
    "check_type",
]
TOTAL_KEYS = [
    "systems_in_scope",
    "declared_in_scope",
    "by_level",
    "with_dossier",
    "appraised",
    "approved",
    "approved_checked",
    "expected_all_approved",
]
# Sheet names keep their diacritics: the format allows any Unicode letter (31 characters, none of
# []:*?/\), and the form's readers are Vietnamese.
SHEETS = {
    "part1": "Phần 1-2 - Tổng hợp",
    "part3": "Phần 3 - Hệ thống",
    "annex": "Phụ lục - Yêu cầu",
    "checks": "Kiểm tra nhất quán",
}


def _m(key: str, lang: str = "vi", **params: Any) -> str:
    return views.t(f"mau08.{key}", lang, **params)


def total_rows(view: dict[str, Any], lang: str = "vi") -> list[tuple[str, Any]]:
    p1 = view["part1"]
    out = []
    for k in TOTAL_KEYS:
        v = p1[k]
        if k == "declared_in_scope" and v is None:
            continue
        if k == "by_level":
            v = "; ".join(f"{views.labels(lang)['level']} {lvl}: {n}" for lvl, n in v.items())
        if k == "expected_all_approved" and p1["all_approved"]:
            v = _m("totals.all_approved", lang)
        out.append((_m(f"totals.{k}", lang), v))
    return out


def part3_row(r: dict[str, Any]) -> list[Any]:
    return [r[k] for k in PART3_KEYS]


def render_xlsx(view: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from secaudit.render.xlsx_print import a4, fit_rows, grid

    wb = Workbook()
    ws = wb.active
    ws.title = SHEETS["part1"]
    bold: list[Any] = []
    for line in (
        _m("form"),
        _m("title"),
        f"{_m('recipient')}: {view['recipient']}",
        _m("period", start=view["period_from"], end=view["period_to"]),
        _m("deadlines", internal=view["internal_deadline"], national=view["national_deadline"]),
    ):
        _put(ws, [line])
    bold.append(ws["A2"])
    _put(ws, [])
    _put(ws, [_m("part1")])
    bold.append(ws[f"A{ws.max_row}"])
    for label, value in total_rows(view):
        _put(ws, [label, value])
    _put(ws, [])
    _put(ws, [_m("part2")])
    bold.append(ws[f"A{ws.max_row}"])
    for block in view["owners"]:
        ag = block["agency"]
        _put(ws, [_m("owner"), block["owner"]])
        for k in ("representative", "address", "phone", "email"):
            _put(ws, [f"  {_m(k)}", ag[k]])
        unit = ag["security_unit"]
        _put(ws, [_m("security_unit"), unit.get("name", "")])
        for k in ("representative", "address", "phone", "email"):
            _put(ws, [f"  {_m(k)}", unit.get(k, "")])
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 50
    for r in range(1, 6):  # the form's title lines span both columns: never cut at the page edge
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        ws.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")
    grid(ws, 7, ws.max_row, 2)
    a4(ws, landscape=False)
    sheets = [(ws, None)]

    ws = wb.create_sheet(SHEETS["part3"])
    sheets.append((ws, (2, 3)))  # the first block's column headers and numbers, on every page
    for block in view["owners"]:
        _put(ws, [f"{_m('owner')}: {block['owner']}"])
        bold.append(ws[f"A{ws.max_row}"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(COLUMNS))
        _put(ws, [vi for vi, _en in COLUMNS])
        bold.extend(ws[ws.max_row])
        _put(ws, [f"({i})" for i in range(1, len(COLUMNS) + 1)])
        first = ws.max_row - 1
        for r in block["rows"]:
            _put(ws, part3_row(r))
        grid(ws, first, ws.max_row, len(COLUMNS))
        _put(ws, [])
    for col, width in zip("ABCDEFGHIJKL", (6, 30, 24, 24, 10, 22, 32, 32, 16, 26, 16, 24), strict=True):
        ws.column_dimensions[col].width = width

    ws = wb.create_sheet(SHEETS["annex"])
    sheets.append((ws, (1, 1)))
    _put(ws, [vi for vi, _en in ANNEX_COLUMNS])
    bold.extend(ws[1])
    for a in view["annex"]:
        _put(
            ws,
            [
                a["no"],
                a["system"],
                a["clause"],
                f"{a['requirement']} ({a['requirement_id']})",
                a["met_text"],
                a["planned_date"],
                a["owner"],
            ],
        )
    for col, width in zip("ABCDEFG", (6, 28, 18, 60, 34, 16, 24), strict=True):
        ws.column_dimensions[col].width = width
    grid(ws, 1, ws.max_row, len(ANNEX_COLUMNS))

    ws = wb.create_sheet(SHEETS["checks"])
    sheets.append((ws, (1, 1)))
    _put(
        ws,
        [
            "STT",
            _m("code"),
            _m("owner"),
            views.labels("vi")["system"],
            _m("row"),
            _m("problem"),
            _m("problem", "en"),
        ],
    )
    bold.extend(ws[1])
    for i, p in enumerate(view["problems"], 1):
        _put(
            ws,
            [
                i,
                (p.get("label") or {}).get("vi") or p["code"],
                p["owner"],
                p["system"],
                p["row"],
                p["vi"],
                p["en"],
            ],
        )
    if not view["problems"]:
        _put(ws, [None, None, None, None, None, _m("no_problems"), _m("no_problems", "en")])
    for col, width in zip("ABCDEFG", (6, 26, 26, 26, 8, 60, 60), strict=True):
        ws.column_dimensions[col].width = width
    grid(ws, 1, ws.max_row, 7)

    for c in bold:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top", horizontal=c.alignment.horizontal)
    # Print: A4 (landscape where the table is wide), one page wide, headers repeated, rows tall
    # enough for their wrapped text.
    for sheet, titles in sheets:
        if sheet is not wb.worksheets[0]:
            a4(sheet, landscape=True, title_rows=titles)
        fit_rows(sheet, 1, sheet.max_row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_html(view: dict[str, Any], templates: Path | None = None) -> str:
    from secaudit.render.html import _render, environment, load_css, template

    tmpl = template(environment(templates), "mau08.html.j2", templates)
    return _render(
        tmpl,
        "mau08.html.j2",
        templates,
        v=view,
        css=load_css(templates),
        M=_m,
        columns=COLUMNS,
        annex_columns=ANNEX_COLUMNS,
        totals=total_rows(view),
        part3_row=part3_row,
        L=views.labels("vi"),
        lang="vi",
    )
