"""``secaudit checklist crosswalk``: how the requirements of one catalogue map onto another's
(TCVN 11930:2017 <-> TCVN 14423:2026). Attached to the ``checklist`` group of checklist.py."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.commands.checklist import checklist

if TYPE_CHECKING:
    from secaudit.config.crosswalk import Crosswalk
    from secaudit.core.model import Catalog

HELP = """Đối chiếu yêu cầu giữa hai danh mục (chế độ cũ và mới).

Map the requirements of one catalogue onto another's: one line per requirement of --from, with the
--to requirements that cover it, the relation (equivalent | partial | none) and the confidence
(high | medium | low). Either direction works; the reverse is derived from the same file.

\b
Ví dụ / examples:
  secaudit checklist crosswalk --from tcvn-11930-2017 --to tcvn-14423-2026
  secaudit checklist crosswalk --from tcvn-14423-2026 --to tcvn-11930-2017 --format json
"""

REL = {
    "vi": {"equivalent": "tương đương", "partial": "một phần", "none": "không có"},
    "en": {"equivalent": "equivalent", "partial": "partial", "none": "none"},
}
# The confidence vocabulary in the reader's words (JSON keeps the codes); short: the table's column is 8 wide.
CONF = {"vi": {"high": "cao", "medium": "vừa", "low": "thấp", "unmapped": "chưa có"}}


def _conf(value: str, lang: str) -> str:
    return CONF.get(lang, {}).get(value, value)


@checklist.command("crosswalk", help=HELP)
@click.option("--from", "from_id", required=True, metavar="ID", help="Danh mục nguồn / source catalogue id.")
@click.option("--to", "to_id", required=True, metavar="ID", help="Danh mục đích / target catalogue id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
    help="Định dạng đầu ra / output format.",
)
@click.option(
    "--file",
    "path",
    metavar="FILE",
    default=None,
    help="Tệp đối chiếu khác tệp kèm theo / a crosswalk file instead of the shipped one.",
)
@LANG_OPTION
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    default=None,
    help="Ghi ra tệp thay vì màn hình / write to FILE instead of stdout.",
)
def crosswalk(from_id: str, to_id: str, fmt: str, path: str | None, lang: str, output: str | None) -> None:
    from secaudit.config.catalog import load_catalog
    from secaudit.config.crosswalk import load_crosswalk

    cw = load_crosswalk(from_id, to_id, path)
    refuse_input_as_output(output, *([Path(path)] if path else []))
    if fmt == "json":
        write_output(json.dumps(cw.to_dict(), ensure_ascii=False, indent=2) + "\n", output)
        return
    src, dst = load_catalog(cw.from_catalog), load_catalog(cw.to_catalog)
    render = render_markdown if fmt == "md" else render_table
    write_output(render(cw, src, dst, lang), output)


def render_table(cw: Crosswalk, src: Catalog, dst: Catalog, lang: str) -> str:
    head = ("Đối chiếu" if lang == "vi" else "Crosswalk") + f" {src.standard} -> {dst.standard}"
    lines = [
        head,
        "",
        f"{'ID':<13} {'QUAN HỆ' if lang == 'vi' else 'RELATION':<12} "
        f"{'TIN CẬY' if lang == 'vi' else 'CONF.':<8} {'->'}",
    ]
    for m in cw.mappings:
        to = ", ".join(m.to) or "-"
        wrapped = textwrap.wrap(to, 44) or ["-"]
        conf = _conf(m.confidence, lang)
        lines.append(f"{m.from_id:<13} {REL[lang][m.relation]:<12} {conf:<8} {wrapped[0]}")
        lines.extend(" " * 36 + w for w in wrapped[1:])
    counts = {r: sum(1 for m in cw.mappings if m.relation == r) for r in REL["en"]}
    lines += ["", " · ".join(f"{REL[lang][r]}: {n}" for r, n in counts.items())]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(cw: Crosswalk, src: Catalog, dst: Catalog, lang: str) -> str:
    def title(cat: Catalog, rid: str) -> str:
        req = cat.get(rid)
        return req.title.get(lang, rid) if req else rid

    head = "Đối chiếu" if lang == "vi" else "Crosswalk"
    cols = (
        ["Yêu cầu", "Tiêu đề", "Quan hệ", "Độ tin cậy", f"Tương ứng ({dst.standard})", "Ghi chú"]
        if lang == "vi"
        else ["Requirement", "Title", "Relation", "Confidence", f"Covered by ({dst.standard})", "Note"]
    )
    out = [
        f"# {head}: {src.standard} → {dst.standard}",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for m in cw.mappings:
        to = "<br>".join(f"{rid} {_md(title(dst, rid))}" for rid in m.to) or "—"
        out.append(
            f"| {m.from_id} | {_md(title(src, m.from_id))} | {REL[lang][m.relation]} | "
            f"{_conf(m.confidence, lang)} | {to} | {_md(m.note.get(lang, ''))} |"
        )
    return "\n".join(out) + "\n"


COMMANDS: list[click.Command] = []  # attached to the ``checklist`` group above
