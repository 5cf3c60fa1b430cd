"""``secaudit scan``: probe targets and judge them under a profile, without an inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from secaudit.commands._common import LANG_OPTION, use_color, write_output
from secaudit.commands._domains import build as build_domain_options
from secaudit.commands._domains import domain_options
from secaudit.render.registry import formats

SCAN_HELP = """Quét mục tiêu (TLS, HTTP, cổng) và đánh giá theo hồ sơ cấp độ.
Scan targets (TLS, HTTP, ports) and judge them under a level profile.

\b
TARGET: https://host[:port][/path] | host[:port] | http://host[:port]
Ví dụ / examples:
  secaudit scan https://baovidu.example.vn
  secaudit scan https://origin.example.vn --resolve origin.example.vn:443:203.0.113.10
  secaudit scan 127.0.0.1:8443 --ca-file ca.pem --probes tls,http --format json -o scan.json

Mã thoát / exit: 0 đạt/all pass · 1 có lỗi không đạt/a fail · 2 đầu vào sai/bad input ·
3 chưa đầy đủ/incomplete (errors, no fail) · 130 đã dừng/interrupted (Ctrl-C: nothing written)
"""


@click.command("scan", help=SCAN_HELP)
@click.argument("targets", nargs=-1, required=True, metavar="TARGET...")
@click.option(
    "--profile",
    "profile_name",
    default="level3",
    show_default=True,
    help="Hồ sơ (tên hoặc đường dẫn YAML) / profile name or YAML path.",
)
@click.option(
    "--ca-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="CA bổ sung (PEM), thêm vào kho tin cậy / extra CA added to the trust stores.",
)
@click.option(
    "--resolve",
    "resolve",
    multiple=True,
    metavar="HOST:PORT:ADDR",
    help="Kết nối tới ADDR nhưng dùng HOST cho SNI/Host/chứng thư / connect to ADDR, keep HOST.",
)
@click.option(
    "--probes",
    default="tls,http,ports",
    show_default=True,
    help="Bộ thu thập (dns, mail chỉ khi được nêu) / probes to run: tls,http,ports,dns,mail "
    "(dns, mail: only when named).",
)
@domain_options
@click.option(
    "--ports",
    "ports",
    default=None,
    metavar="LIST",
    help="Cổng quét thêm / extra ports to scan, e.g. 8080,8443,9000-9010.",
)
@click.option(
    "--http-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Cổng HTTP thường để kiểm tra chuyển hướng / plain-HTTP port (default 80).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.5, 600),
    default=10.0,
    show_default=True,
    help="Giây chờ mỗi kết nối / seconds per network operation.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats("scan")),
    default="table",
    show_default=True,
    help="Định dạng / output format.",
)
@click.option("-o", "--output", default=None, help="Ghi ra tệp / write to FILE.")
@click.option("-v", "--verbose", is_flag=True, help="Hiện cả kiểm tra đạt / show passed checks too.")
@click.option(
    "--no-progress", "--quiet", "quiet", is_flag=True, help="Không hiện tiến độ / no progress on stderr."
)
@LANG_OPTION
@click.pass_context
def scan_cmd(
    ctx: click.Context,
    targets: tuple[str, ...],
    profile_name: str,
    ca_file: str | None,
    resolve: tuple[str, ...],
    probes: str,
    ports: str | None,
    http_port: int | None,
    timeout: float,
    fmt: str,
    output: str | None,
    verbose: bool,
    quiet: bool,
    lang: str,
    **domain_args: Any,
) -> None:
    from secaudit.assessment.scan import ScanOptions, parse_probes, scan_result
    from secaudit.config.catalog import load_profile
    from secaudit.config.targets import parse_ports, parse_resolve, parse_target
    from secaudit.core.errors import InputError
    from secaudit.core.model import exit_code_for

    profile = load_profile(profile_name)
    for entry in resolve:
        parse_resolve(entry)  # validate early: a typo is bad input, not a scan error
    parsed = [parse_target(t, list(resolve), http_port) for t in targets]
    ca_path = Path(ca_file) if ca_file else None
    if ca_path is not None:
        from secaudit.core.files import read_input

        pem = read_input(ca_path, "a CA file (PEM)", 4 * 1024 * 1024)  # a FIFO or device must not hang
        if b"-----BEGIN CERTIFICATE-----" not in pem:
            raise InputError("không phải tệp chứng thư PEM / not a PEM certificate file", ca_path)
    options = ScanOptions(
        ca_file=ca_path,
        timeout=timeout,
        extra_ports=parse_ports(ports) or None,
        progress=not quiet,
        domain_options=build_domain_options(timeout=timeout, ca_file=ca_path, **domain_args),
    )
    result = scan_result(parsed, profile, parse_probes(probes), options)
    from secaudit.render.registry import RenderOptions, render

    color = fmt == "table" and output is None and use_color()
    options = RenderOptions(lang=lang, color=color, verbose=verbose)
    write_output(render("scan", fmt, result, options), output)
    ctx.exit(exit_code_for(result.statuses()))


COMMANDS = [scan_cmd]
