"""``secaudit checklist ...``: show a requirement catalogue (other modules may add sub-commands,
e.g. ``crosswalk``, to the ``checklist`` group exported here)."""

from __future__ import annotations

from pathlib import Path

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.core.errors import InputError
from secaudit.render.registry import formats

CHECKLIST_HELP = """Danh mục yêu cầu an toàn thông tin theo cấp độ.

Requirement catalogues (checklists) by security level.

\b
Ví dụ / examples:
  secaudit checklist show --level 3
  secaudit checklist show --level 3 --format xlsx -o danh-muc-cap-3.xlsx
  secaudit checklist show --catalog tcvn-14423-2026 --format json
"""

SHOW_HELP = """Hiển thị danh mục yêu cầu (mặc định TCVN 11930:2017, mọi cấp độ).

Show a requirement catalogue (default TCVN 11930:2017, all levels). With --level N only the
requirements that apply at level N are listed and "section" is the level-N clause.

\b
Định dạng / formats:
  table  bảng đọc trên màn hình 80 cột / 80-column text table (default)
  json   dữ liệu cho script / machine-readable (stdout only has JSON)
  md     Markdown để in hoặc đưa vào báo cáo / Markdown for printing or reports
  xlsx   bảng tính cho kiểm tra viên (cần -o) / spreadsheet for auditors (needs -o)
  oscal  danh mục dạng OSCAL catalog (JSON) / an OSCAL catalog (docs/interchange.md)
"""


@click.group("checklist", help=CHECKLIST_HELP)
def checklist() -> None:
    pass


@checklist.command("show", help=SHOW_HELP)
@click.option(
    "--catalog",
    "catalog_id",
    metavar="ID|FILE",
    default=None,
    help="Mã danh mục hoặc đường dẫn tệp YAML / catalogue id or path "
    "(default tcvn-11930-2017; list: secaudit profile list).",
)
@click.option(
    "--level",
    type=click.IntRange(1, 5),
    default=None,
    help="Chỉ các yêu cầu áp dụng ở cấp độ N / only requirements of level N (1-5).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats("checklist")),
    default="table",
    show_default=True,
    help="Định dạng đầu ra / output format.",
)
@LANG_OPTION
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    default=None,
    help="Ghi ra tệp thay vì màn hình / write to FILE instead of stdout.",
)
def show(catalog_id: str | None, level: int | None, fmt: str, lang: str, output: str | None) -> None:
    from secaudit.config.catalog import load_catalog
    from secaudit.render.registry import BINARY_FORMATS, RenderOptions, render

    if fmt in BINARY_FORMATS and output in (None, "-"):
        raise InputError(f"định dạng {fmt} cần -o TỆP.{fmt} / --format {fmt} needs -o FILE.{fmt}")
    if catalog_id is not None and not catalog_id.strip():  # "$CAT" unset: not a request for the default
        raise InputError("--catalog trống / --catalog is empty: give a catalogue id or file")
    catalog = load_catalog(catalog_id)
    if catalog_id and ("/" in catalog_id or catalog_id.endswith((".yaml", ".yml"))):  # a file, not an id
        refuse_input_as_output(output, Path(catalog_id).expanduser())
    write_output(render("checklist", fmt, catalog, RenderOptions(lang=lang, level=level)), output)


COMMANDS = [checklist]
