"""Render a requirement catalogue: JSON (contract), an 80-column text table, Markdown, XLSX.

Renderers only render: they receive a loaded Catalog (and optionally a level) and return text or
bytes; choosing the catalogue and writing the file is the command's job.
"""

from __future__ import annotations

import io
import json
import textwrap
from typing import Any

from secaudit.core.model import Catalog, Requirement, text

KIND_LABELS: dict[str, dict[str, str]] = {
    "auto": {"vi": "tự động", "en": "auto"},
    "partial": {"vi": "một phần", "en": "partial"},
    "manual": {"vi": "thủ công", "en": "manual"},
}
HEAD: dict[str, dict[str, str]] = {
    "id": {"vi": "Mã", "en": "ID"},
    "section": {"vi": "Mục", "en": "Clause"},
    "levels": {"vi": "Cấp", "en": "Levels"},
    "kind": {"vi": "Cách KT", "en": "Kind"},
    "title": {"vi": "Yêu cầu", "en": "Requirement"},
    "group": {"vi": "Nhóm", "en": "Group"},
    "family": {"vi": "Loại", "en": "Family"},
    "checks": {"vi": "Kiểm tra tự động", "en": "Automated checks"},
    "description": {"vi": "Nội dung", "en": "Description"},
    "evidence": {"vi": "Bằng chứng", "en": "Evidence"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "confidence": {"vi": "Độ tin cậy", "en": "Confidence"},
    "level": {"vi": "Cấp độ", "en": "Level"},
    "all_levels": {"vi": "mọi cấp độ", "en": "all levels"},
    "count": {"vi": "yêu cầu", "en": "requirements"},
}


def _h(key: str, lang: str) -> str:
    return HEAD[key][lang]


def selected(catalog: Catalog, level: int | None) -> list[Requirement]:
    return catalog.for_level(level) if level is not None else list(catalog.requirements)


def levels_label(levels: list[int]) -> str:
    """[1,2,3,4,5] -> '1-5', [3] -> '3', [2,3,4,5] -> '2-5'."""
    if not levels:
        return ""
    if levels == list(range(levels[0], levels[-1] + 1)) and len(levels) > 1:
        return f"{levels[0]}-{levels[-1]}"
    return ",".join(str(x) for x in levels)


# --------------------------------------------------------------------------- JSON


def to_json_data(catalog: Catalog, level: int | None = None) -> dict[str, Any]:
    head = catalog.header()
    head["notice"] = dict(catalog.notice)
    head["level"] = level
    return {
        "checklist": head,
        "groups": {k: dict(v) for k, v in catalog.groups.items()},
        "requirements": [r.to_dict(level) for r in selected(catalog, level)],
    }


def render_json(catalog: Catalog, level: int | None = None) -> str:
    return json.dumps(to_json_data(catalog, level), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- text table


def render_table(catalog: Catalog, level: int | None = None, lang: str = "vi", width: int = 80) -> str:
    """A table that stays within ``width`` columns: titles and clauses wrap, groups are headings."""
    reqs = selected(catalog, level)
    scope = f"{_h('level', lang)} {level}" if level is not None else _h("all_levels", lang)
    lines = textwrap.wrap(text(catalog.title, lang), width)
    lines.append(f"{catalog.standard} · v{catalog.version} · {scope} · {len(reqs)} {_h('count', lang)}")
    lines += textwrap.wrap(text(catalog.notice, lang), width)
    widths = [9, 13, 6 if level is None else 0, 9]
    widths = [w for w in widths if w]
    title_w = max(20, width - sum(widths) - len(widths))
    cols = (
        [_h("id", lang), _h("section", lang)]
        + ([_h("levels", lang)] if level is None else [])
        + [_h("kind", lang), _h("title", lang)]
    )
    lines.append("")
    lines.append(_row(cols, [*widths, title_w]))
    lines.append("-" * min(width, sum(widths) + len(widths) + title_w))
    current = None
    for r in reqs:
        if r.group != current:
            current = r.group
            lines.append(f"[{text(catalog.groups.get(r.group), lang) or r.group}]")
        cells = (
            [r.id, r.section(level)]
            + ([levels_label(r.levels)] if level is None else [])
            + [KIND_LABELS[r.kind][lang], text(r.title, lang)]
        )
        lines.append(_row(cells, [*widths, title_w]))
    return "\n".join(lines) + "\n"


def _row(cells: list[str], widths: list[int]) -> str:
    wrapped = [textwrap.wrap(c, w) or [""] for c, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        parts = [(w[i] if i < len(w) else "").ljust(width) for w, width in zip(wrapped, widths, strict=True)]
        out.append(" ".join(parts).rstrip())
    return "\n".join(out)


# --------------------------------------------------------------------------- Markdown


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def render_markdown(catalog: Catalog, level: int | None = None, lang: str = "vi") -> str:
    other = "en" if lang == "vi" else "vi"
    reqs = selected(catalog, level)
    scope = f"{_h('level', lang)} {level}" if level is not None else _h("all_levels", lang)
    out = [
        f"# {_md(text(catalog.title, lang))}",
        "",
        f"*{_md(text(catalog.title, other))}*",
        "",
        f"{catalog.standard} · v{catalog.version} · {scope} · {len(reqs)} {_h('count', lang)}",
        "",
        f"> {_md(text(catalog.notice, lang))}",
        "",
    ]
    groups: dict[str, list[Requirement]] = {}
    for r in reqs:
        groups.setdefault(r.group, []).append(r)
    for group, items in groups.items():
        out += [f"## {_md(text(catalog.groups.get(group), lang) or group)}", ""]
        out.append(
            f"| {_h('id', lang)} | {_h('section', lang)} | {_h('levels', lang)} | {_h('kind', lang)} "
            f"| {_h('title', lang)} | {_h('checks', lang)} |"
        )
        out.append("|---|---|---|---|---|---|")
        for r in items:
            checks = ", ".join(f"`{c}`" for c in r.checks) or "—"
            out.append(
                f"| {r.id} | {_md(r.section(level))} | {levels_label(r.levels)} | "
                f"{KIND_LABELS[r.kind][lang]} | {_md(text(r.title, lang))} | {checks} |"
            )
        out.append("")
        for r in items:
            out += [
                f"### {r.id} — {_md(text(r.title, lang))}",
                "",
                f"*{_md(text(r.title, other))}* · {_h('section', lang)} {_md(r.section(level))}"
                f" · {_h('confidence', lang)}: {r.confidence}",
                "",
                _md(text(r.description, lang)),
                "",
                f"**{_h('evidence', lang)}:** {_md(text(r.evidence, lang))}",
                "",
                f"{_h('source', lang)}: {_md(r.source)}",
                "",
            ]
    return "\n".join(out)


# --------------------------------------------------------------------------- XLSX


def render_xlsx(catalog: Catalog, level: int | None = None, lang: str = "vi") -> bytes:
    """One sheet of requirements (both languages, ``lang`` first) and one sheet about the catalogue."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from secaudit.render.xlsx import _put

    other = "en" if lang == "vi" else "vi"
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh muc - Checklist"
    cols: list[tuple[str, int]] = [
        ("id", 11),
        ("section", 16),
        ("levels", 8),
        ("family", 12),
        ("group", 14),
        ("kind", 10),
        (f"title.{lang}", 40),
        (f"title.{other}", 40),
        (f"description.{lang}", 60),
        (f"description.{other}", 60),
        (f"evidence.{lang}", 45),
        (f"evidence.{other}", 45),
        ("checks", 40),
        ("source", 40),
        ("confidence", 13),
    ]
    _put(ws, [_xlsx_head(name) for name, _ in cols])
    for r in selected(catalog, level):
        row: list[Any] = []
        for name, _ in cols:
            field, _, lg = name.partition(".")
            if lg:
                row.append(getattr(r, field).get(lg, ""))
            elif field == "section":
                row.append(r.section(level))
            elif field == "levels":
                row.append(levels_label(r.levels))
            elif field == "checks":
                row.append("\n".join(r.checks))
            else:
                row.append(getattr(r, field))
        _put(ws, row)
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, (_, w) in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = w
    for row_cells in ws.iter_rows(min_row=1):
        for cell in row_cells:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions

    info = wb.create_sheet("Thong tin - About")
    for key, val in (
        ("id", catalog.id),
        ("standard", catalog.standard),
        ("version", catalog.version),
        ("regime", catalog.regime),
        ("level", level if level is not None else "1-5"),
        (f"title.{lang}", text(catalog.title, lang)),
        (f"title.{other}", text(catalog.title, other)),
        (f"notice.{lang}", text(catalog.notice, lang)),
        (f"notice.{other}", text(catalog.notice, other)),
    ):
        _put(info, [key, val])
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 100
    for row_cells in info.iter_rows():
        for cell in row_cells:
            cell.alignment = wrap
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_head(name: str) -> str:
    field, _, lg = name.partition(".")
    label = f"{HEAD[field]['vi']} / {HEAD[field]['en']}" if field in HEAD else field
    return f"{label} ({lg})" if lg else label
