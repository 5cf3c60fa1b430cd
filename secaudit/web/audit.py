"""The append-only, hash-chained audit log: every state change of the application writes one entry.

Entry n: ``hash_n = SHA-256(hash_{n-1} || canonical JSON of {seq, at, user, action, object, detail})``
with ``hash_0``'s predecessor 64 zeros. Rewriting, deleting or reordering any entry breaks the chain
from there on; ``secaudit serve --verify-log`` (``verify``) finds the first broken entry. The chain
alone cannot show that its newest entries were cut off, so the head (seq and hash of the last entry)
is also kept outside the database, in ``DATA/audit-head.txt``: a database without those entries, or
with another hash at that seq, fails the check too.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = "0" * 64
HEAD_FILE = "audit-head.txt"
_LOCK = threading.Lock()  # one writer per process; the unique seq refuses a fork across processes


def entry_hash(prev: str, seq: int, at: str, user: str, action: str, obj: str, detail: str) -> str:
    body = {"seq": seq, "at": at, "user": user, "action": action, "object": obj, "detail": detail}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + canon).encode("utf-8")).hexdigest()


def log(user: Any, action: str, obj: str, detail: Any = "") -> None:
    """Append one entry (``user``: a User, a name or None for anonymous)."""
    from django.db import IntegrityError, transaction

    from secaudit.web.models import AuditEntry

    name = getattr(user, "username", None) or (user if isinstance(user, str) else "") or "-"
    text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True, ensure_ascii=False)
    for _ in range(5):
        with _LOCK:
            try:
                with transaction.atomic():
                    last = AuditEntry.objects.order_by("-seq").first()
                    seq = (last.seq + 1) if last else 1
                    prev = last.hash if last else GENESIS
                    at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
                    h = entry_hash(prev, seq, at, name, action, obj, text)
                    AuditEntry.objects.create(
                        seq=seq,
                        at=at,
                        user=name,
                        action=action,
                        object=obj,
                        detail=text,
                        prev_hash=prev,
                        hash=h,
                    )
                _write_head(seq, h)
                return
            except IntegrityError:  # another process took this seq: read the new tail and retry
                continue
    raise RuntimeError("audit log: could not append after 5 attempts")


def _head_path() -> Any:
    from secaudit.web.config import data_dir

    return data_dir() / HEAD_FILE


def read_head() -> tuple[int, str] | None:
    try:
        seq, h = _head_path().read_text(encoding="ascii").split()
        return int(seq), h
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _write_head(seq: int, h: str) -> None:
    from secaudit.core.files import atomic_write

    now = read_head()
    if now is None or now[0] < seq:  # another process may have written a newer head already
        atomic_write(_head_path(), f"{seq} {h}\n")


@dataclass
class Verdict:
    ok: bool
    entries: int
    problem: str = ""

    def line(self) -> str:
        if self.ok:
            return (
                f"nhật ký kiểm toán nguyên vẹn / audit log intact: {self.entries} mục / entries, "
                "chuỗi băm hợp lệ / hash chain valid"
            )
        return f"nhật ký kiểm toán bị sửa / audit log TAMPERED: {self.problem}"


def verify() -> Verdict:
    """Walk the chain in seq order; the first entry whose link or hash is wrong is the verdict."""
    from secaudit.web.models import AuditEntry

    prev, expected_seq, n = GENESIS, 1, 0
    head = read_head()
    for e in AuditEntry.objects.order_by("seq").iterator():
        n += 1
        if e.seq != expected_seq:
            return Verdict(False, n, f"mục / entry {expected_seq} thiếu / missing (next is {e.seq})")
        if e.prev_hash != prev:
            return Verdict(
                False, n, f"mục / entry {e.seq}: liên kết sai / prev_hash does not match entry {e.seq - 1}"
            )
        if entry_hash(prev, e.seq, e.at, e.user, e.action, e.object, e.detail) != e.hash:
            return Verdict(
                False, n, f"mục / entry {e.seq}: nội dung bị sửa / content does not match its hash"
            )
        if head is not None and e.seq == head[0] and e.hash != head[1]:
            return Verdict(
                False, n, f"mục / entry {e.seq}: khác bản ghi đầu chuỗi / differs from {HEAD_FILE}"
            )
        prev, expected_seq = e.hash, e.seq + 1
    if head is not None and expected_seq - 1 < head[0]:
        return Verdict(
            False, n, f"mục / entries {expected_seq}-{head[0]} bị xoá / cut off the end (per {HEAD_FILE})"
        )
    return Verdict(True, n)
