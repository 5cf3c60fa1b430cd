"""Reading users' files and writing results: every failure is an InputError, every write atomic."""

from __future__ import annotations

import os
from pathlib import Path

from secaudit.core.errors import InputError


def read_input(path: str | Path, what: str = "a file") -> bytes:
    """The bytes of an input file; missing, a folder or unreadable → InputError naming it."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found / không thấy tệp", p) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, expected {what}", p) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", p) from None


def atomic_write(path: Path, content: str | bytes, mode: int | None = None) -> None:
    """Write via a temp file + rename, so a crash never leaves a half-written result."""
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
