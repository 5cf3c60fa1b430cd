"""``secaudit report``: one system's report, verdict first (exit 0 unless bad input)."""

from __future__ import annotations

from pathlib import Path

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.commands.summary import TEMPLATES_OPTION
from secaudit.render.registry import RenderOptions, formats, render


@click.command("report")
@click.argument("bundle", type=click.Path(readable=False, path_type=Path))  # read_input says why
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats("report")),
    default="html",
    show_default=True,
    help="Định dạng / format",
)
@TEMPLATES_OPTION
@LANG_OPTION
@click.option("-o", "--output", help="Tệp kết quả (mặc định: stdout) / output file (default: stdout).")
def report_cmd(bundle: Path, fmt: str, templates: Path | None, lang: str, output: str | None) -> None:
    """Báo cáo một hệ thống / per-system report from a bundle."""
    from secaudit.province.digest import load_bundle_file, shipped_catalog

    refuse_input_as_output(output, bundle, *_files(templates))  # the templates are read too
    data = load_bundle_file(bundle)
    cat = data["assessment"].get("catalog")
    catalog = shipped_catalog(cat.get("id") if isinstance(cat, dict) else None)
    options = RenderOptions(lang=lang, templates=templates, catalog=catalog, source=bundle)
    content = render("report", fmt, data, options)
    write_output(content, output)


def _files(folder: Path | None) -> list[Path]:
    try:
        return sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []
    except OSError:  # unreadable: the renderer names it
        return []


COMMANDS = [report_cmd]
