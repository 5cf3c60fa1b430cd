"""``secaudit verify BUNDLE... --keyring DIR``: one line per bundle, OK or FAILED with the reason."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secaudit.core.errors import InputError


@click.command(
    "verify",
    help="Kiểm tra chữ ký gói kết quả / verify assessment bundles against "
    "DIR/<agency>.pub. Exit 0 all verify, 1 any does not, 2 bad input.",
)
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--keyring",
    required=True,
    type=click.Path(path_type=Path),
    help="Thư mục khóa công khai / folder of agencies' public keys (<agency>.pub).",
)
def verify(bundles: tuple[Path, ...], keyring: Path) -> None:
    from secaudit.signing.bundle import verify_file

    if not keyring.is_dir():
        raise InputError("keyring folder not found / không thấy thư mục khóa", keyring)
    for b in bundles:  # fail on bad input before printing any verdict
        if not b.is_file():
            raise InputError("bundle file not found / không thấy tệp", b)
    failed = 0
    for b in bundles:
        ok, reason = verify_file(b, keyring)
        failed += not ok
        click.echo(f"{'OK' if ok else 'FAILED'}  {b}: {reason}")
    if failed:
        click.echo(f"{failed}/{len(bundles)} gói không hợp lệ / bundle(s) failed verification", err=True)
        sys.exit(1)


COMMANDS = [verify]
