"""XLSX rendering of the province summary (openpyxl): headline, systems, requirements, trend."""

from __future__ import annotations

import io
from typing import Any

from secaudit.render import csv as csvr
from secaudit.render import providers
from secaudit.render.views import headline, labels, notes_text, regime_lines


def _put(ws: Any, values: list[Any]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters (a bundle's agency name, a file name) make openpyxl refuse the whole
    # workbook: show them as U+FFFD instead.
    ws.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v for v in values])
    # openpyxl turns any string starting with "=" into a formula: force text for data from bundles.
    for c in ws[ws.max_row]:
        if isinstance(c.value, str):
            c.data_type = "s"


def render_summary(summary: dict[str, Any], lang: str = "vi") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    L = labels(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = "Tong hop - Summary"
    h = headline(summary, lang)
    rl = regime_lines(summary, lang)
    for row in (
        [L["province"], summary["province"]],
        [L["period"], summary["period"]],
        [L["level"], summary["target"]["level"]],
        [h["agencies"]],
        [h["systems"]],
        *([[h["trust"]]] if h.get("trust") else []),
        *([rl[k]] for k in ("current", "new") if rl),
        *([n] for n in notes_text(summary, lang)),
    ):
        _put(ws, row)
    tot = summary["totals"]
    _put(ws, [])
    for k in ("agencies", "agencies_meeting", "pct", "systems", "systems_meeting", "missing", "unverified"):
        _put(ws, [k, tot[k]])
    for k in ("inconsistent", "profile_not_accepted", "rejudged"):
        _put(ws, [k, tot.get(k, 0)])
    ws["A4"].font = Font(bold=True)

    ws = wb.create_sheet("He thong - Systems")
    _put(ws, csvr.COLUMNS)
    for r in csvr.rows(summary):
        _put(ws, r)
    if summary.get("regimes"):
        ws = wb.create_sheet("Hai che do - Regimes")
        _put(
            ws,
            [
                "agency_id",
                "agency_name",
                "ready",
                "system_id",
                "system_name",
                "profile",
                "assessed",
                "verified",
                "meets_level",
                "compliance_pct",
                "failing",
                "not_reviewed",
                "errors",
            ],
        )
        for a in summary["regimes"]["agencies"]:
            for sy in a["systems"]:
                _put(
                    ws,
                    [
                        a["id"],
                        a["name"],
                        a["ready"],
                        sy["id"],
                        sy["name"],
                        sy["profile"],
                        sy["assessed"],
                        sy["verified"],
                        sy["meets_level"],
                        sy["compliance_pct"],
                        ";".join(sy["failing"]),
                        ";".join(sy["not_reviewed"]),
                        ";".join(sy["errors"]),
                    ],
                )
    ws = wb.create_sheet("Yeu cau - Requirements")
    _put(ws, ["id", "title", "group", "fail", "not_reviewed", "error", "pass"])
    for q in summary["requirements"]:
        title = q.get("title") or {}
        _put(
            ws,
            [
                q["id"],
                title.get(lang) or title.get("vi") or "",
                q.get("group"),
                q["fail"],
                q["not_reviewed"],
                q.get("error"),
                q.get("pass"),
            ],
        )
    ws = wb.create_sheet("Xu huong - Trend")
    _put(
        ws,
        [
            "period",
            "agencies",
            "agencies_meeting",
            "pct",
            "systems",
            "systems_meeting",
            "agency",
            "system",
            "previous_period",
            "pass_to_fail",
            "fail_to_pass",
        ],
    )
    for p in summary.get("trend") or []:
        head = [
            p["period"],
            p.get("agencies"),
            p.get("agencies_meeting"),
            p.get("pct"),
            p.get("systems"),
            p.get("systems_meeting"),
        ]
        _put(ws, head + [None] * 5)
        for c in p.get("changes") or []:
            _put(
                ws,
                [
                    p["period"],
                    *[None] * 5,
                    c["agency"],
                    c["system"],
                    c["previous_period"],
                    ";".join(c["pass_to_fail"]),
                    ";".join(c["fail_to_pass"]),
                ],
            )
    providers.xlsx_sheet(wb, summary, lang, _put)  # shared infrastructure (issue 14)
    if summary.get("not_bundles"):
        ws = wb.create_sheet("Tep loi - Bad files")
        _put(ws, ["file", "reason"])
        for f in summary["not_bundles"]:
            _put(ws, [f["file"], f["reason"]])
    for sheet in wb.worksheets:
        for c in sheet[1]:
            c.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
