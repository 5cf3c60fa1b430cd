"""Small helpers shared by the command modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import InputError

LANG_OPTION = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
                           help="Ngôn ngữ / language of titles and messages.")


def write_output(content: str | bytes, output: str | None) -> None:
    """Write to ``-o FILE`` atomically (temp file + rename), or to stdout."""
    if output in (None, "-"):
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            click.echo(content, nl=not content.endswith("\n"))
        return
    atomic_write(Path(output), content)


def atomic_write(path: Path, content: str | bytes, mode: int | None = None) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if mode is None else mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", path) from None


def use_color(stream: object = None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
