"""``secaudit report``: one system's report, verdict first (exit 0 unless bad input)."""

from __future__ import annotations

from pathlib import Path

import click

from secaudit.commands._common import LANG_OPTION, write_output
from secaudit.commands.summary import TEMPLATES_OPTION


@click.command("report")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md", "json", "sarif"]), default="html", show_default=True
)
@TEMPLATES_OPTION
@LANG_OPTION
@click.option("-o", "--output", help="Tệp kết quả (mặc định: stdout).")
def report_cmd(bundle: Path, fmt: str, templates: Path | None, lang: str, output: str | None) -> None:
    """Báo cáo một hệ thống / per-system report from a bundle."""
    from secaudit.province.digest import load_bundle_file, shipped_catalog

    data = load_bundle_file(bundle)
    cat = data["assessment"].get("catalog")
    catalog = shipped_catalog(cat.get("id") if isinstance(cat, dict) else None)
    if fmt == "json":
        from secaudit.render.json import render_report as json_report

        content = json_report(data, lang, catalog)
    elif fmt == "sarif":
        from secaudit.render.sarif import render_bundle_sarif

        content = render_bundle_sarif(data, lang, catalog)
    elif fmt == "md":
        from secaudit.render.markdown import render_report as md_report

        content = md_report(data, lang, catalog)
    else:
        from secaudit.render.html import render_report as html_report

        content = html_report(data, lang, catalog, templates)
    write_output(content, output)


COMMANDS = [report_cmd]
