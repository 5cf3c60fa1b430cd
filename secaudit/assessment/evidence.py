"""Evidence files of attestations: confined, bounded, hashed (DESIGN §10 "Trust").

Evidence is a relative path to a regular file inside the folder of the attestation file (paths are
relative to it, DESIGN §6), of at most ``evidence_max_bytes`` (profile parameter). An absolute path,
``..`` out of the folder, a symlink leaving it, a device, FIFO or socket, or a file too large is
``invalid`` with its reason, and is never opened in a way that could block. Bundles record the
relative path only: an absolute one keeps just its file name.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.files import confined_path, hash_regular_file

EVIDENCE_MAX_BYTES = 50 * 1024 * 1024  # profile parameter evidence_max_bytes


@dataclass
class Evidence:
    path: str
    sha256: str | None = None  # as recorded in the attestation file (None: not recorded yet)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path}
        if self.sha256:
            d["sha256"] = self.sha256
        return d


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file (bounded: a device or FIFO is refused, never read forever)."""
    return hash_regular_file(path, EVIDENCE_MAX_BYTES, "evidence")[0]


def _shown(rel: str) -> str:
    """The path as a bundle may record it: an absolute path keeps only its file name (a signed
    bundle must not carry the layout of the agency's machine)."""
    if rel.startswith(("/", "\\")) or Path(rel).is_absolute() or (len(rel) > 1 and rel[1] == ":"):
        return re.split(r"[\\/]", rel)[-1] or "?"
    return rel


def evidence_file(rel: str, base_dir: Path) -> Path:
    """``base_dir/rel`` if it stays inside the attestation file's folder; InputError with a bilingual
    reason (never naming an absolute path) otherwise."""
    try:
        return confined_path(base_dir, rel)
    except InputError as exc:
        if "absolute" in exc.message:
            raise InputError(
                "không nhận đường dẫn tuyệt đối, hãy cho đường dẫn tương đối trong thư mục / "
                "absolute path: give a path relative to the folder"
            ) from None
        raise InputError("nằm ngoài thư mục xác nhận / outside the attestations folder") from None
    except (OSError, RuntimeError):  # a symlink loop
        raise InputError("liên kết vòng / symlink loop") from None


def check_evidence(
    ev: Evidence, base_dir: Path, max_bytes: int = EVIDENCE_MAX_BYTES, memo: dict[Any, str] | None = None
) -> dict[str, Any]:
    """Recompute an evidence file's hash: state ok | changed | missing | unrecorded | invalid.

    Evidence is a relative path to a regular file inside the folder of the attestation file, of at
    most ``max_bytes`` (profile parameter ``evidence_max_bytes``). Anything else (absolute, ``..``
    out of the folder, an escaping symlink, a device, FIFO or socket, too large) is ``invalid`` with
    a ``reason``; it is never opened in a way that could block."""
    out: dict[str, Any] = {"path": _shown(ev.path), "sha256": ev.sha256}
    try:
        full = evidence_file(ev.path, base_dir)
        if not os.path.lexists(full):
            out.update(state="missing", actual_sha256=None)
            return out
        actual = _hash_once(full, max_bytes, memo)
    except InputError as exc:
        out.update(state="invalid", actual_sha256=None, reason=exc.message)
        return out
    out["actual_sha256"] = actual
    if ev.sha256 is None:
        out["state"] = "unrecorded"  # hash recorded now, in the bundle
    else:
        out["state"] = "ok" if actual == ev.sha256.lower() else "changed"
    return out


def _hash_once(full: Path, max_bytes: int, memo: dict[Any, str] | None) -> str:
    """The file's SHA-256, read once per ``memo`` (one evaluation) while it is unchanged: a document
    cited by many entries, or thousands of times (under other names: links), is read once."""
    try:
        st = os.stat(full)
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None
    except OSError:
        key = None  # the reader says why, in its words
    if memo is not None and key in memo:
        return memo[key]
    actual = hash_regular_file(full, max_bytes, "evidence")[0]
    if memo is not None and key is not None:
        memo[key] = actual
    return actual


def evidence_hash(
    ev: Evidence, base_dir: Path, max_bytes: int = EVIDENCE_MAX_BYTES, memo: dict[Any, str] | None = None
) -> str | None:
    """The SHA-256 to record for an evidence file, or None when it is missing or not acceptable."""
    return check_evidence(ev, base_dir, max_bytes, memo).get("actual_sha256")
