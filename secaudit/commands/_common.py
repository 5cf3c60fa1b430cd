"""Small helpers shared by the command modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from secaudit.core.files import atomic_write

LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Ngôn ngữ / language of titles and messages.",
)

# One system of one agency (attest template/wizard, review): both ids required.
AGENCY_OPTION = click.option("--agency", required=True, help="Mã cơ quan / agency id.")
SYSTEM_OPTION = click.option("--system", "system_id", required=True, help="Mã hệ thống / system id.")
ATTESTATIONS_DIR_OPTION = click.option(
    "--attestations",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận / attestations folder (<agency>/<system>.yaml).",
)


def write_output(content: str | bytes, output: str | None) -> None:
    """Write to ``-o FILE`` atomically (temp file + rename), or to stdout."""
    if output in (None, "-"):
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            click.echo(content, nl=not content.endswith("\n"))
        return
    atomic_write(Path(output), content)


def use_color(stream: object = None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
