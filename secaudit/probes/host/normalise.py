"""One engine result file -> one normalised record, bound to a declared host of the inventory.

A record (JSON, kept with the system: ``<attestations>/<agency>/<system>.hosts/<host>/<engine>.json``)::

    {"schema": "secaudit.host-result/1", "host", "engine", "engine_version", "format",
     "benchmark", "content_version", "profile", "started_at", "ran_at", "os", "container",
     "names", "addresses", "counts", "results" | "facts", "set_values", ...,
     "file": {"name", "sha256", "bytes"}, "imported_at"}

The file is sniffed, never trusted by its name: XML (ARF, XCCDF Benchmark with a TestResult, a bare
TestResult) or a Lynis report. Its host names (XCCDF target facts / ARF asset, Lynis hostname) must
name the inventory host, else InputError (exit 2): evidence about another machine is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.files import read_input
from secaudit.probes.host import lynis, xccdf

SCHEMA = "secaudit.host-result/1"
MAX_BYTES = 64 * 1024 * 1024  # an ARF embedding the whole Debian 12 data stream is ~14 MB
ENGINE_FILES = ("openscap", "scc", "xccdf", "lynis")


def read_result(path: Path) -> dict[str, Any]:
    """The normalised record of one result file (no host check yet)."""
    raw = read_input(path, "an engine result (ARF, XCCDF or lynis-report.dat)", MAX_BYTES)
    data = _gunzip(raw, path) if raw.startswith(b"\x1f\x8b") else raw  # results-arf.xml.gz
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"<"):
        record = xccdf.normalise(xccdf.parse_xml(data, path), path)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                "không phải kết quả XML hay báo cáo Lynis / neither XML nor a Lynis report (not UTF-8 text)",
                path,
            ) from None
        if not lynis.looks_like_lynis(text):
            raise InputError(
                "không phải kết quả XML hay báo cáo Lynis / "
                "neither XML nor a Lynis report (lynis-report.dat)",
                path,
            )
        record = lynis.normalise(text, path)
    _check_time(record, path)
    record["file"] = {"name": path.name, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    return record


def _gunzip(raw: bytes, path: Path) -> bytes:
    """A gzip-compressed result, inflated to at most MAX_BYTES (a compression bomb stops there)."""
    import zlib

    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, MAX_BYTES + 1)
    except zlib.error as exc:
        raise InputError(f"tệp gzip hỏng / broken gzip file: {exc}", path) from None
    if len(out) > MAX_BYTES or d.unconsumed_tail:
        raise InputError(
            f"quá {MAX_BYTES // (1024 * 1024)} MB sau khi giải nén / "
            f"more than {MAX_BYTES // (1024 * 1024)} MB once uncompressed",
            path,
        )
    if not d.eof:
        raise InputError("tệp gzip bị cắt / truncated gzip file", path)
    return out


def _check_time(record: dict[str, Any], path: Path) -> None:
    try:
        t = datetime.fromisoformat(str(record["ran_at"]).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "thời điểm kết thúc không phải ngày giờ / "
            f"end time {str(record['ran_at'])[:40]!r} is not a date-time",
            path,
        ) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    record["ran_at"] = t.isoformat()
    start = str(record.get("started_at") or "")
    try:  # optional, but kept in the record: a date, or nothing
        s = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
    except ValueError:
        raise InputError(
            f"thời điểm bắt đầu không phải ngày giờ / start time {start[:40]!r} is not a date-time", path
        ) from None
    if s is not None:
        record["started_at"] = (s if s.tzinfo else s.replace(tzinfo=timezone.utc)).isoformat()


def same_host(declared: str, name: str) -> bool:
    """``name`` (what a result or this machine says) is the ``declared`` host: the same full name,
    or a bare name (no dot) equal to the other's first label. Two different full names never
    match: vm.a.vn is not vm.b.vn although both begin "vm"."""
    a, b = declared.lower().rstrip("."), name.lower().rstrip(".")
    if a == b:
        return True
    if "." in a and "." in b:
        return False
    return a.split(".", 1)[0] == b.split(".", 1)[0]


def bind_host(record: dict[str, Any], host: str, path: Path) -> None:
    """The file must be about ``host`` (see same_host); else InputError."""
    names = [n for n in record.get("names") or [] if n]
    if not names:
        raise InputError("kết quả không nêu tên máy chủ / the result names no host (no fqdn/hostname)", path)
    wanted = host.lower()
    if any(same_host(wanted, n) for n in names):
        record["host"] = host
        return
    raise InputError(
        f"kết quả của máy chủ khác / the result is about host {', '.join(names[:3])}, not {host}", path
    )


def host_dir(attestations: Path, agency: str, system: str, host: str) -> Path:
    return Path(attestations) / agency / f"{system}.hosts" / host


def write_records(
    folder: Path,
    records: list[dict[str, Any]],
    now: str,
    root: Path | None = None,
    extra: list[tuple[str, bytes]] | None = None,
) -> list[Path]:
    """Write each record as ``<engine>.json``, and ``extra`` (name, bytes) files beside them, all or
    none (every record was checked before)."""
    from secaudit.core.files import atomic_write_all

    writes: list[tuple[Path, str | bytes]] = []
    for rec in records:
        rec = {"schema": SCHEMA, **rec, "imported_at": now}
        writes.append(
            (
                folder / f"{rec['engine']}.json",
                json.dumps(rec, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            )
        )
    writes += [(folder / name, data) for name, data in extra or []]
    atomic_write_all(writes, root or folder)  # both engines' records or neither: no half-done import
    return [p for p, _ in writes]


def one_per_engine(records: list[tuple[Path, dict[str, Any]]]) -> None:
    seen: dict[str, Path] = {}
    for path, rec in records:
        if rec["engine"] in seen:
            raise InputError(
                f"hai kết quả {rec['engine']} cho một máy chủ trong một lần nhập / "
                f"two {rec['engine']} results for one host in one import (also {seen[rec['engine']]})",
                path,
            )
        seen[rec["engine"]] = path
