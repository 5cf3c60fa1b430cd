"""Reading users' files and writing results: every failure is an InputError, every write atomic.

Users' files are read with limits: regular files only (a FIFO, a device, a socket or a folder given
as a key or a bundle must neither hang nor be read forever), at most ``max_bytes``, and, where a
folder of user files is read, never through a symlink that leaves the folder.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from secaudit.core.errors import InputError

DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # far above any key, profile, inventory or bundle secaudit writes
_CHUNK = 1024 * 1024


def _size(n: int) -> str:
    return f"{n / 1048576:.0f} MB" if n >= 1048576 else f"{n} bytes"


def _kind(mode: int) -> tuple[str, str]:
    """(Vietnamese, English) names of what a non-regular file is."""
    for test, vi, en in (
        (stat.S_ISDIR, "là thư mục", "a directory"),
        (stat.S_ISFIFO, "là ống có tên (FIFO)", "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "là socket", "a socket"),
        (stat.S_ISCHR, "là thiết bị", "a device"),
        (stat.S_ISBLK, "là thiết bị", "a device"),
    ):
        if test(mode):
            return vi, en
    return "", "not a regular file"


def _open_regular(p: Path, what: str) -> int:
    """An fd open for reading on a regular file; anything else → InputError, without blocking.

    O_NONBLOCK makes opening a FIFO with no writer return at once (a plain open waits forever);
    fstat on the open fd then decides, so a swap between a check and the open changes nothing.
    """
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("không thấy tệp / file not found", p) from None
    except IsADirectoryError:
        raise InputError(f"là thư mục, không phải tệp / is a directory, expected {what}", p) from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing elsewhere
            raise InputError(
                f"không phải tệp thông thường / not a regular file, expected {what}", p
            ) from None
        raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", p) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:  # pragma: no cover - fstat on a fresh fd does not fail in practice
        os.close(fd)
        raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", p) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        vi, en = _kind(mode)
        detail = f" ({vi})" if vi else ""
        raise InputError(f"không phải tệp thông thường{detail} / {en}, expected {what} (a regular file)", p)
    return fd


def _too_big(p: Path, what: str, max_bytes: int) -> InputError:
    return InputError(f"tệp lớn hơn {_size(max_bytes)} / {what} larger than {_size(max_bytes)}", p)


def read_input(path: str | Path, what: str = "a file", max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a regular input file of at most ``max_bytes``; anything else → InputError naming it."""
    p = Path(path)
    fd = _open_regular(p, what)
    try:
        chunks: list[bytes] = []
        left = max_bytes + 1  # one byte more than allowed tells "too big" from "exactly the cap"
        while left > 0:
            chunk = os.read(fd, min(_CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", p) from None
    finally:
        os.close(fd)
    if left <= 0:
        raise _too_big(p, what, max_bytes)
    return b"".join(chunks)


def hash_regular_file(path: Path, max_bytes: int, what: str = "a file") -> tuple[str, int]:
    """(SHA-256 hex, size) of a regular file of at most ``max_bytes``, streamed; InputError otherwise."""
    p = Path(path)
    fd = _open_regular(p, what)
    h = hashlib.sha256()
    size = 0
    try:
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _too_big(p, what, max_bytes)
            h.update(chunk)
    except OSError as exc:
        raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", p) from None
    finally:
        os.close(fd)
    return h.hexdigest(), size


def user_path(value: str) -> Path:
    """``~`` expanded as a shell would; "~nosuchuser/…", or no home at all (a container's user),
    is taken as written, so the caller says "not found" instead of pathlib's RuntimeError."""
    try:
        return Path(value).expanduser()
    except RuntimeError:
        return Path(value)


def confined_path(base: Path, rel: str) -> Path:
    """``base/rel`` if ``rel`` is a relative path that stays inside ``base``, symlinks followed.

    InputError otherwise (absolute path, ``..`` out of the folder, a symlink that leaves it). The
    file need not exist; whether it is a regular file is for the reader (``read_input``) to say.
    """
    if not isinstance(rel, str) or not rel.strip():
        raise InputError("đường dẫn trống / empty path", base)
    if "\x00" in rel:
        raise InputError("đường dẫn chứa byte NUL / path contains a NUL byte", base)
    if rel.startswith(("/", "\\")) or Path(rel).is_absolute() or (len(rel) > 1 and rel[1] == ":"):
        raise InputError(
            f"{rel!r}: không nhận đường dẫn tuyệt đối, hãy cho đường dẫn tương đối trong thư mục / "
            "absolute path not allowed, give a path relative to the folder",
            base,
        )
    root = Path(base).resolve()
    target = (Path(base) / rel).resolve()
    if not target.is_relative_to(root):
        raise InputError(f"{rel!r} nằm ngoài thư mục / leaves the folder", base)
    return Path(base) / rel


def inside_folder(folder: Path, entry: Path) -> bool:
    """Does ``entry`` (a name listed in ``folder``), symlinks followed, stay inside ``folder``?"""
    try:
        return entry.resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def atomic_write(path: Path, content: str | bytes, mode: int | None = None) -> None:
    """Write via a temp file + rename, so a crash never leaves a half-written result.

    Any failure (read-only folder, full disk, a parent that is a file) is one InputError, and the
    temp file is removed: no debris beside the target.
    """
    path = Path(path)
    if not path.name:  # "" (an unset shell variable), "." or "/": no file to write
        raise InputError(
            "không phải tên tệp (rỗng hoặc là thư mục) / not a file name (empty, or a folder)", path
        )
    try:
        mode_now = os.stat(path).st_mode  # follows a symlink: /dev/stdout is one
    except OSError:
        mode_now = None
    if mode_now is not None and not (stat.S_ISREG(mode_now) or stat.S_ISDIR(mode_now)):
        # the rename below would replace the node itself (as root: /dev/null, /dev/full) by a file
        vi, en = _kind(mode_now)
        raise InputError(
            f"đích ghi {vi or 'không phải tệp thường'}, không ghi đè; hãy cho một tệp thường "
            "(-o - là màn hình) / "
            f"will not replace {en}: give a regular file (-o - writes to standard output)",
            path,
        )
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    created = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if mode is None else mode)
        created = True
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if created:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        reason = "hết dung lượng đĩa / disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise InputError(f"không ghi được / cannot write: {reason}", path) from None
    except BaseException:  # Ctrl-C mid-write: no half-written temp file left behind either
        if created:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


def atomic_write_all(writes: list[tuple[Path, str | bytes]], root: Path) -> None:
    """Write every file (atomic_write each), or none: a write failing halfway (a folder that is a
    file, a full disk) removes the files and folders under ``root`` this call created and puts back
    the ones it had replaced, then raises."""
    kept = {p: p.read_bytes() for p, _ in writes if p.is_file()}  # the files it replaces
    made = [d for p, _ in writes for d in (p, *p.parents) if d.is_relative_to(root) and not d.exists()]
    try:
        for path, content in writes:
            atomic_write(path, content)
    except BaseException:
        for path, _ in writes:
            try:
                if path in kept:
                    atomic_write(path, kept[path])
                elif path.is_file():
                    path.unlink()
            except (OSError, InputError):
                pass
        for d in sorted(set(made) - {p for p, _ in writes}, key=lambda d: len(d.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:  # not empty: not only ours
                pass
        raise


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder`` for a read-modify-write of a file in it, across processes
    and threads alike (each holder opens its own descriptor); the kernel drops it if the holder dies."""
    import fcntl

    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(
            f"không mở được thư mục / cannot open the folder: {exc.strerror or exc}", folder
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
