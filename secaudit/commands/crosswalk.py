"""``secaudit checklist crosswalk``: how the requirements of one catalogue map onto another's
(TCVN 11930:2017 <-> TCVN 14423:2026). Attached to the ``checklist`` group of checklist.py."""

from __future__ import annotations

from pathlib import Path

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.commands.checklist import checklist
from secaudit.render.registry import formats

HELP = """Đối chiếu yêu cầu giữa hai danh mục (chế độ cũ và mới).

Map the requirements of one catalogue onto another's: one line per requirement of --from, with the
--to requirements that cover it, the relation (equivalent | partial | none) and the confidence
(high | medium | low). Either direction works; the reverse is derived from the same file.

\b
Ví dụ / examples:
  secaudit checklist crosswalk --from tcvn-11930-2017 --to tcvn-14423-2026
  secaudit checklist crosswalk --from tcvn-14423-2026 --to tcvn-11930-2017 --format json
"""


@checklist.command("crosswalk", help=HELP)
@click.option("--from", "from_id", required=True, metavar="ID", help="Danh mục nguồn / source catalogue id.")
@click.option("--to", "to_id", required=True, metavar="ID", help="Danh mục đích / target catalogue id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats("crosswalk")),
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
    from secaudit.render.crosswalk import CrosswalkDoc
    from secaudit.render.registry import RenderOptions, render

    cw = load_crosswalk(from_id, to_id, path)
    refuse_input_as_output(output, *([Path(path)] if path else []))
    doc = CrosswalkDoc(cw, load_catalog(cw.from_catalog), load_catalog(cw.to_catalog))
    write_output(render("crosswalk", fmt, doc, RenderOptions(lang=lang)), output)
