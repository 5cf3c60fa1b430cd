"""The append-only, hash-chained audit log: every state change of the application writes one entry.

Entry n: ``hash_n = SHA-256(hash_{n-1} || canonical JSON of {seq, at, user, action, object, detail})``
with ``hash_0``'s predecessor 64 zeros. Rewriting, deleting or reordering any entry breaks the chain
from there on; ``secaudit serve --verify-log`` (``verify``) finds the first broken entry.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = "0" * 64
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
                return
            except IntegrityError:  # another process took this seq: read the new tail and retry
                continue
    raise RuntimeError("audit log: could not append after 5 attempts")


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
        prev, expected_seq = e.hash, e.seq + 1
    return Verdict(True, n)
