"""``secaudit summary``: the province-wide report from a folder of bundles (exit 0 unless bad input)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import LANG_OPTION, write_output


@click.command("summary")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--inventory", type=click.Path(path_type=Path),
              help="inventory.yaml: cơ quan và hệ thống phải nộp.")
@click.option("--keyring", type=click.Path(path_type=Path), help="Thư mục khoá công khai <agency>.pub.")
@click.option("--store", type=click.Path(path_type=Path), help="CSDL SQLite lưu lịch sử (xu hướng).")
@click.option("--period", help="Kỳ báo cáo (mặc định: của inventory, hoặc kỳ mới nhất).")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "csv", "xlsx", "md"]), default="html",
              show_default=True)
@LANG_OPTION
@click.option("-o", "--output", help="Tệp kết quả (mặc định: stdout).")
def summary_cmd(bundle_dir: Path, inventory: Path | None, keyring: Path | None, store: Path | None,
                period: str | None, fmt: str, lang: str, output: str | None) -> None:
    """Tổng hợp toàn tỉnh từ các kết quả đánh giá / province summary from assessment bundles."""
    from ..summary import summarise

    result = summarise(bundle_dir, inventory=inventory, keyring=keyring, store=store, period=period)
    if fmt == "json":
        from ..render.json import render
        content: str | bytes = render(result)
    elif fmt == "csv":
        from ..render.csv import render_summary as csv_summary
        content = csv_summary(result)
    elif fmt == "xlsx":
        from ..render.xlsx import render_summary as xlsx_summary
        content = xlsx_summary(result, lang)
    elif fmt == "md":
        from ..render.markdown import render_summary as md_summary
        content = md_summary(result, lang)
    else:
        from ..render.html import render_summary as html_summary
        content = html_summary(result, lang)
    write_output(content, output)


COMMANDS = [summary_cmd]
