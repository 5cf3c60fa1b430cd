"""``secaudit users add|list``: accounts of the web application (docs/web.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secaudit.commands.serve import DATA_OPTION, DB_OPTION
from secaudit.core.errors import InputError


@click.group("users", help="Tài khoản của ứng dụng web / accounts of secaudit serve.")
def users() -> None:
    pass


@users.command("add", help="Thêm hoặc đặt lại tài khoản / add (or reset) an account; password from stdin.")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["department", "inspector", "agency"]))
@click.option("--agency", help="Mã cơ quan (vai trò agency) / agency id (role agency).")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ stdin / read the password from stdin.")
@DATA_OPTION
@DB_OPTION
def add(
    username: str, role: str, agency: str | None, password_stdin: bool, data: Path, db_url: str | None
) -> None:
    from secaudit.web import app
    from secaudit.web.accounts import add_user

    if not password_stdin:
        raise InputError(
            "cần --password-stdin (mật khẩu không bao giờ ghi trên dòng lệnh) / "
            "give --password-stdin (passwords never go on the command line)"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    app.open_data(data, db_url)
    add_user(username, role, password, agency=agency)
    click.echo(f"{username}: {role}" + (f" ({agency})" if agency else ""))


@users.command("list", help="Liệt kê tài khoản / list the accounts.")
@DATA_OPTION
@DB_OPTION
def list_cmd(data: Path, db_url: str | None) -> None:
    from secaudit.web import app
    from secaudit.web.accounts import list_users

    app.open_data(data, db_url)
    for u in list_users():
        click.echo(
            f"{u['username']}\t{u['role']}\t{u['agency'] or '-'}\t"
            + ("active" if u["active"] == "true" else "inactive")
        )


COMMANDS = [users]
