"""``secaudit summary``: the province-wide report from a folder of bundles (exit 0 unless bad input).

``--format mau08`` writes the owner's annual report form (NĐ 331/2026 Mẫu 08) instead: XLSX or printable
HTML, picked by the -o extension. Its consistency problems are content (also warned on stderr), not
failures: the exit code stays 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.core.errors import InputError
from secaudit.render.registry import RenderOptions, formats, render, render_bytes

TEMPLATES_OPTION = click.option(
    "--templates",
    type=click.Path(readable=False, path_type=Path),  # unreadable: render/html.py says which file
    help="Thư mục mẫu báo cáo (bản sao của reports/) / a copy of reports/.",
)


@click.command("summary")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option(
    "--inventory",
    type=click.Path(path_type=Path),
    help="inventory.yaml: cơ quan và hệ thống phải nộp / the agencies and systems due to report.",
)
@click.option(
    "--keyring",
    type=click.Path(path_type=Path),
    help="Thư mục khoá công khai <agency>.pub / folder of agencies' public keys.",
)
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    help="CSDL SQLite lưu lịch sử (xu hướng) / SQLite history (trend).",
)
@click.option(
    "--period",
    help="Kỳ báo cáo (mặc định: của inventory, hoặc kỳ mới nhất) / the period (default: the "
    "inventory's, else the latest).",
)
@click.option(
    "--compare",
    metavar="PERIOD",
    help="So sánh với kỳ PERIOD (mặc định với --store: kỳ trước) / compare with PERIOD "
    "(default with --store: the previous period).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Ngày tính hạn bằng chứng (mặc định: hôm nay) / the day evidence expiry is judged against.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*formats("summary"), "mau08"]),
    default="html",
    show_default=True,
    help="mau08: báo cáo Mẫu 08 (NĐ 331/2026), cần --inventory và -o FILE.xlsx|FILE.html / "
    "the Mẫu 08 report needs --inventory and -o FILE.xlsx|FILE.html.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(path_type=Path),
    help="Thư mục bộ nhớ đệm (mặc định ~/.cache/secaudit/summary) / the incremental cache's folder "
    "(default: $XDG_CACHE_HOME/secaudit/summary): unchanged bundles are not re-judged again.",
)
@click.option("--no-cache", is_flag=True, help="Không dùng bộ nhớ đệm / re-judge every bundle, keep nothing.")
@TEMPLATES_OPTION
@LANG_OPTION
@click.option("-o", "--output", help="Tệp kết quả (mặc định: stdout) / output file (default: stdout).")
def summary_cmd(
    bundle_dir: Path,
    inventory: Path | None,
    keyring: Path | None,
    store: Path | None,
    period: str | None,
    compare: str | None,
    today: Any,
    fmt: str,
    cache_dir: Path | None,
    no_cache: bool,
    templates: Path | None,
    lang: str,
    output: str | None,
) -> None:
    """Tổng hợp toàn tỉnh từ các kết quả đánh giá / province summary from assessment bundles."""
    read = [p for p in (inventory, store) if p is not None]
    refuse_input_as_output(output, *read, *_files(bundle_dir, "*.json"), *_files(templates, "*"))
    cache = _cache_dir(cache_dir, no_cache)
    if fmt == "mau08":
        _mau08(bundle_dir, inventory, keyring, store, period, templates, output, cache)
        return
    from secaudit.province.summary import summarise

    if templates is not None and fmt == "html":
        from secaudit.render.html import environment, load_css, template

        template(environment(templates), "summary.html.j2", templates)  # fail before the work
        load_css(templates)
    result = summarise(
        bundle_dir,
        inventory=inventory,
        keyring=keyring,
        store=store,
        period=period,
        today=today.date() if today else None,
        compare=compare,
        cache=cache,
    )
    options = RenderOptions(lang=lang, templates=templates, source=bundle_dir)  # ohdf re-reads the bundles
    # JSON as bytes straight from its writer (10 000 systems: ~55 MB, and no 110 MB text copy)
    draw = render_bytes if fmt == "json" else render
    write_output(draw("summary", fmt, result, options), output)


def _files(folder: Path | None, pattern: str) -> list[Path]:
    """The files of ``folder`` the summary reads (-o naming one would replace it)."""
    try:
        return list(folder.glob(pattern)) if folder is not None and folder.is_dir() else []
    except OSError:  # unreadable: the reader says so
        return []


def _mau08(
    bundle_dir: Path,
    inventory: Path | None,
    keyring: Path | None,
    store: Path | None,
    period: str | None,
    templates: Path | None,
    output: str | None,
    cache: Path | None = None,
) -> None:
    if not output or output == "-":
        raise InputError(
            "--format mau08 cần tệp kết quả -o TỆP.xlsx hoặc -o TỆP.html / "
            "--format mau08 needs -o FILE.xlsx or -o FILE.html"
        )
    kind = Path(output).suffix.lower()
    if kind not in (".xlsx", ".html", ".htm"):
        raise InputError(
            f"--format mau08: -o phải có đuôi .xlsx hoặc .html / "
            f"-o must end in .xlsx or .html, not {kind or 'nothing'!r}",
            output,
        )
    if inventory is None:
        raise InputError(
            "--format mau08 cần --inventory (các dòng Phần 3 lấy từ đó) / "
            "--format mau08 needs --inventory (Part 3 rows come from it)"
        )
    if kind != ".xlsx" and templates is not None:
        from secaudit.render.html import environment, load_css, template

        template(environment(templates), "mau08.html.j2", templates)
        load_css(templates)
    from secaudit.province.mau08 import build
    from secaudit.province.summary import collect

    result, digests, inv = collect(
        bundle_dir, inventory=inventory, keyring=keyring, store=store, period=period, cache=cache
    )
    view = build(result, digests, inv or {})
    for p in view["problems"]:
        where = f" [{p['owner']} / {p['system']}, dòng/row {p['row']}]" if p["row"] else ""
        click.echo(f"cảnh báo/warning: Mẫu 08{where}: {p['vi']} / {p['en']}", err=True)
    fmt = {".xlsx": "xlsx", ".html": "html", ".htm": "html"}[kind]
    content = render("mau08", fmt, view, RenderOptions(templates=templates))
    write_output(content, output)


def _cache_dir(cache_dir: Path | None, no_cache: bool) -> Path | None:
    """The incremental cache's folder (province/cache.py), None with --no-cache."""
    if no_cache and cache_dir is not None:
        raise InputError("--cache và --no-cache loại trừ nhau / --cache and --no-cache exclude each other")
    if no_cache:
        return None
    if cache_dir is not None:
        return cache_dir
    from secaudit.province.cache import default_dir

    return default_dir()


COMMANDS = [summary_cmd]
