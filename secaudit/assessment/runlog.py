"""The run log of ``secaudit assess``: JSON lines written as the run goes, read by ``--resume``.

Line 1 is the header: ``{"schema": "secaudit.runlog/1", "assessed_at", "started_at", "run": {…}}``;
``run`` is the run's identity (inventory SHA-256, period, each profile's digest, tool version,
selection, probes, ports, CA file): ``--resume`` refuses a log whose identity differs. Then one
line per system event: ``{"system": "agency/system", "state": "started"|"done"|"failed", "at"}``,
a ``done`` line with ``bundle`` (file name in the output folder), ``sha256`` of its bytes,
``level`` and the summary figures the command reports; a ``failed`` line with ``error``.

A line is written with one ``write`` on an O_APPEND descriptor after its bundle is renamed into
place (and fsynced): a kill can leave at most a torn last line, which the reader drops (that system
is simply assessed again). Anything else that is not what we write (garbage, a huge line, a field
of the wrong type) is an InputError naming the line: exit 2.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, read_input
from secaudit.core.jsonio import loads_strict

SCHEMA = "secaudit.runlog/1"
MAX_LOG_BYTES = 64 * 1024 * 1024  # ~30 MB for 10 000 systems of three lines each
MAX_LINE = 16 * 1024  # our longest line (a done line) is under 1 KB
MAX_ERROR = 1000  # characters of a failure's reason kept in the log
STATES = ("started", "done", "failed")
_KEY = re.compile(r"[^/\s]{1,200}/[^/\s]{1,200}")
_SHA = re.compile(r"[0-9a-f]{64}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")  # what assess writes
_COUNTS = ("pass", "fail", "not_reviewed", "not_applicable", "error")


def default_path(out_dir: Path, agency: str | None, shard: Any) -> Path:
    """``OUT/secaudit-run[.AGENCY][.shard-I-of-N].jsonl``: shards sharing one output folder (a
    volume mounted by every pod of an indexed Job) keep one log each. Not ``*.json``: ``summary``
    reads only bundles."""
    parts = ["secaudit-run"]
    if agency:
        parts.append(agency)
    if shard is not None:
        parts.append(f"shard-{shard.index}-of-{shard.count}")
    return Path(out_dir) / (".".join(parts) + ".jsonl")


def check_replaceable(path: Path) -> None:
    """A new run replaces an earlier run log at ``path``, never another file: the inventory, a key or
    a bundle named by mistake would be lost (and a bundle written over the log would lose the log).
    InputError unless ``path`` is absent or starts with our header; a ``*.json`` name is refused
    (bundles are ``*.json``, and ``summary`` reads every one of them)."""
    if path.name.lower().endswith(".json"):
        raise InputError(
            "--log: nhật ký chạy không được có đuôi .json (đuôi của gói kết quả) / the run log must not "
            "be named *.json (bundles are; use .jsonl)",
            path,
        )
    if not path.exists():
        return
    first = read_input(path, "a run log (.jsonl)", max_bytes=MAX_LOG_BYTES).split(b"\n", 1)[0]
    try:
        ours = loads_strict(first).get("schema") == SCHEMA
    except (InputError, AttributeError):
        ours = False
    if not ours:
        raise InputError(
            "--log: tệp đã có và không phải nhật ký chạy, không ghi đè / the file exists and is not a "
            "run log: not replaced (choose another --log)",
            path,
        )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(read_input(path, "a file")).hexdigest()


@dataclass
class Finished:
    """A system the log says is done: its bundle (name in the output folder) and figures."""

    key: str
    bundle: str
    sha256: str
    level: int
    summary: dict[str, Any]


@dataclass
class ParsedLog:
    path: Path
    header: dict[str, Any]
    last: dict[str, str] = field(default_factory=dict)  # system key -> its last state
    finished: dict[str, Finished] = field(default_factory=dict)  # last state "done"
    end: int = 0  # bytes up to the end of the last complete line
    torn: bool = False  # a torn last line was dropped (killed mid-write)


def _bad(path: Path, line: int, what: str) -> InputError:
    return InputError(f"nhật ký chạy không hợp lệ / not a valid run log: {what}", path, line=line)


def _header(path: Path, rec: Any) -> dict[str, Any]:
    if not isinstance(rec, dict) or rec.get("schema") != SCHEMA:
        raise _bad(path, 1, f"dòng đầu không phải tiêu đề {SCHEMA} / the first line is not a {SCHEMA} header")
    if not isinstance(rec.get("assessed_at"), str) or not isinstance(rec.get("run"), dict):
        raise _bad(path, 1, "tiêu đề thiếu assessed_at hoặc run / the header lacks assessed_at or run")
    if not _is_utc_instant(rec["assessed_at"]):  # it becomes every resumed bundle's date
        raise _bad(
            path,
            1,
            f"assessed_at {rec['assessed_at'][:40]!r} không phải dạng YYYY-MM-DDTHH:MM:SSZ / "
            "is not the YYYY-MM-DDTHH:MM:SSZ instant assess writes",
        )
    return rec


def _is_utc_instant(text: str) -> bool:
    from datetime import datetime

    if not _INSTANT.fullmatch(text):
        return False
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def checked_figures(path: Path, s: Any) -> dict[str, Any]:
    """A bundle's summary as the figures a run reports (pipeline.figures), checked like a log's."""
    return _summary(path, 0, s)


def _summary(path: Path, n: int, s: Any) -> dict[str, Any]:
    ok = isinstance(s, dict) and isinstance(s.get("counts"), dict) and isinstance(s.get("meets_level"), bool)
    if ok:
        counts = s["counts"]
        ok = all(type(counts.get(k)) is int and counts[k] >= 0 for k in _COUNTS)
        for k in ("compliance_pct", "automated_score"):
            v = s.get(k)
            ok = ok and (v is None or (type(v) in (int, float) and 0 <= v <= 100))
    if not ok:
        raise _bad(path, n, "phần tóm tắt của dòng done bị hỏng / summary of a done line is malformed")
    return {
        "counts": {k: s["counts"][k] for k in _COUNTS},
        "compliance_pct": s.get("compliance_pct"),
        "meets_level": s["meets_level"],
        "automated_score": s.get("automated_score"),
    }


def _event(path: Path, n: int, rec: Any, log: ParsedLog) -> None:
    if not isinstance(rec, dict):
        raise _bad(path, n, "không phải đối tượng JSON / not a JSON object")
    key, state = rec.get("system"), rec.get("state")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _bad(path, n, "system phải có dạng 'cơ quan/hệ thống' / system must be 'agency/system'")
    if state not in STATES:
        raise _bad(path, n, f"trạng thái không hợp lệ / state must be one of {', '.join(STATES)}")
    log.last[key] = state
    if state != "done":
        log.finished.pop(key, None)
        return
    name, sha, level = rec.get("bundle"), rec.get("sha256"), rec.get("level")
    if not isinstance(name, str) or not name.endswith(".json") or "/" in name or name.startswith("."):
        raise _bad(
            path,
            n,
            "bundle phải là tên tệp trong thư mục kết quả / bundle must be a file name in the output folder",
        )
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise _bad(path, n, "sha256 phải gồm 64 chữ số hex / sha256 must be 64 hex digits")
    if type(level) is not int or not 1 <= level <= 5:
        raise _bad(path, n, "cấp độ phải thuộc 1..5 / level must be 1..5")
    log.finished[key] = Finished(key, name, sha, level, _summary(path, n, rec.get("summary")))


def read_log(path: Path) -> ParsedLog:
    """The log at ``path``; InputError (one line, naming the line) for anything we do not write."""
    path = Path(path)
    data = read_input(path, "a run log (.jsonl)", max_bytes=MAX_LOG_BYTES)
    if not data:
        raise _bad(path, 1, "tệp rỗng / empty file")
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, else a line cut short by a kill
    torn = bool(tail)
    if torn and len(tail) > MAX_LINE:
        raise _bad(path, len(lines) + 1, f"dòng dài quá {MAX_LINE} byte / line longer than {MAX_LINE} bytes")
    if not lines:
        raise _bad(path, 1, "thiếu dòng tiêu đề hoàn chỉnh / no complete header line")
    log: ParsedLog | None = None
    for n, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE:
            raise _bad(path, n, f"dòng dài quá {MAX_LINE} byte / line longer than {MAX_LINE} bytes")
        try:
            rec = loads_strict(raw)
        except InputError as exc:
            raise _bad(path, n, f"không phải JSON / not JSON ({exc.message})") from None
        if log is None:
            log = ParsedLog(path, _header(path, rec))
        else:
            _event(path, n, rec, log)
    assert log is not None
    log.end = len(data) - len(tail)
    log.torn = torn
    return log


# Fields the user sets on the command line, checked before those derived from them: another --shard
# or --agency also changes which profiles the run uses, and the message must name the option.
_CHOSEN = ("tool_version", "inventory_sha256", "agency", "shard", "probes", "domain_probes", "ports")


def first_difference(logged: dict[str, Any], current: dict[str, Any]) -> str | None:
    """The first field of the run identity that differs (None: same run)."""
    rest = sorted((set(logged) | set(current)) - set(_CHOSEN))
    for k in (*_CHOSEN, *rest):
        if logged.get(k) != current.get(k):
            return k
    return None


def short(value: Any, limit: int = 120) -> str:
    """``repr`` of a logged value, cut to ``limit`` characters (a hostile log can hold 16 KB)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RunLog:
    """The writer: one line per event, appended under a lock (systems finish in worker threads)."""

    def __init__(self, path: Path, fd: int, fresh: bool) -> None:
        self.path = path
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self.fresh = fresh  # created by this run (removed again if the run is stopped before any bundle)
        self.written = 0  # done lines written by this run

    @classmethod
    def create(cls, path: Path, header: dict[str, Any]) -> RunLog:
        """A new log holding only ``header`` (replacing any earlier log at ``path``, unless a run
        still writes it)."""
        refuse_if_in_use(path)
        atomic_write(path, _line(header))
        return cls(path, _locked(_open_append(path), path), fresh=True)

    @classmethod
    def reopen(cls, log: ParsedLog) -> RunLog:
        """Continue ``log``: a torn last line is cut off first, so the next line starts clean."""
        fd = _locked(_open_append(log.path), log.path)  # before the cut: it may be another run's line
        try:
            os.truncate(log.path, log.end)
        except OSError as exc:
            os.close(fd)
            raise InputError(f"không ghi được / cannot write: {exc.strerror or exc}", log.path) from None
        return cls(log.path, fd, fresh=False)

    def event(self, key: str, state: str, **fields: Any) -> None:
        rec = {"system": key, "state": state, **fields}
        if "error" in rec:
            rec["error"] = str(rec["error"])[:MAX_ERROR]
        data = _line(rec)
        with self._lock:
            if self._fd is None:
                return
            try:
                os.write(self._fd, data)
                if state != "started":
                    os.fsync(self._fd)  # a done line never lands before its bundle, nor is lost after it
            except OSError as exc:
                raise InputError(f"không ghi được / cannot write: {exc.strerror or exc}", self.path) from None
            if state == "done":
                self.written += 1

    def close(self, discard_if_unused: bool = False) -> None:
        """Close; with ``discard_if_unused``, a log this run created and wrote no bundle to is removed
        (Ctrl-C before the first system finished leaves nothing behind)."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        if discard_if_unused and self.fresh and self.written == 0:
            try:
                self.path.unlink()
            except OSError:
                pass


IN_USE = (
    "một lần chạy khác đang ghi nhật ký này (cùng một phần --shard chạy hai lần?), hãy chờ nó xong hoặc "
    "dùng -o/--log khác / another run is writing this log (the same --shard started twice?): wait for "
    "it to finish or use another -o/--log"
)


def _locked(fd: int, path: Path) -> int:
    """``fd`` holding the log's exclusive lock for as long as it is open (two pods of one Job
    index, or a run started twice, would truncate or replace each other's lines); InputError if
    another process holds it. Where there is no fcntl (Windows) runs are not guarded."""
    try:
        import fcntl
    except ImportError:
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(IN_USE, path) from None
    except OSError:
        pass  # a file system without locks: unguarded, as on Windows
    return fd


def refuse_if_in_use(path: Path) -> None:
    """InputError if a running process holds the lock of the log at ``path`` (checked before a
    resumed run reads it or a new run replaces it)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return  # absent or unreadable: the caller's own checks say so
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or device: the reader refuses it by name
        os.close(fd)
        return
    os.close(_locked(fd, path))


def _open_append(path: Path) -> int:
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"không ghi được / cannot write: {exc.strerror or exc}", path) from None


def _line(rec: dict[str, Any]) -> bytes:
    import json

    return (json.dumps(rec, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
