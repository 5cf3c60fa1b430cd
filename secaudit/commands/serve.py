"""``secaudit serve``: the web application for agencies, inspectors and the Department (docs/web.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secaudit.core.errors import InputError

DATA_OPTION = click.option(
    "--data",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục dữ liệu / data folder (inventory.yaml, attestations/, bundles/, keyring/).",
)
DB_OPTION = click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="CSDL / database: postgresql://USER:PW@HOST:PORT/NAME (mặc định / default: DATA/web.sqlite3).",
)


@click.command(
    "serve",
    help="Chạy ứng dụng web / run the web application (cơ quan, thanh tra, Sở / agencies, inspectors, "
    "the Department). Chỉ nghe trên 127.0.0.1 trừ khi --bind / loopback unless --bind.\n\n"
    "--verify-log: kiểm tra nhật ký kiểm toán rồi thoát / check the audit log and exit "
    "(0 intact · 2 tampered).",
)
@DATA_OPTION
@click.option(
    "--bind", default="127.0.0.1:8000", show_default=True, help="ADDR:PORT (:0 = cổng trống / a free port)."
)
@DB_OPTION
@click.option(
    "--demo",
    is_flag=True,
    help="Nạp tỉnh mô phỏng vào thư mục trống / load the demo province into an empty --data.",
)
@click.option(
    "--cert", type=click.Path(dir_okay=False, path_type=Path), help="Chứng thư TLS (PEM) / TLS certificate."
)
@click.option(
    "--key", type=click.Path(dir_okay=False, path_type=Path), help="Khoá TLS (PEM) / TLS private key."
)
@click.option(
    "--verify-log", is_flag=True, help="Kiểm tra nhật ký kiểm toán / verify the audit log's hash chain."
)
def serve_cmd(
    data: Path,
    bind: str,
    db_url: str | None,
    demo: bool,
    cert: Path | None,
    key: Path | None,
    verify_log: bool,
) -> None:
    from secaudit.web import app
    from secaudit.web.server import parse_bind

    host, port = parse_bind(bind)
    if (cert is None) != (key is None):
        raise InputError("cần cả --cert và --key / --cert and --key go together")
    if verify_log:
        app.open_data(data, db_url)
        ok, line = app.verify_log()
        click.echo(line)
        sys.exit(0 if ok else 2)
    if demo:
        app.load_demo(data, lambda m: click.echo(m, err=True))
    app.open_data(data, db_url, https=cert is not None, host=host)
    if demo:
        for user, role, _agency in app.demo_accounts():
            click.echo(f"demo: {user} ({role}) / mật khẩu / password: {app.DEMO_PASSWORD}")
    app.serve(host, port, cert, key, lambda line: click.echo(line))


COMMANDS = [serve_cmd]
