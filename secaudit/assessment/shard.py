"""``assess --shard I/N``: which systems of the inventory one of N machines assesses.

I is 1-based (1..N), as in ``split -n l/K/N``, Playwright's and Jest's ``--shard=1/3``; a Kubernetes
indexed Job (0-based ``JOB_COMPLETION_INDEX``) passes ``$((JOB_COMPLETION_INDEX + 1))/N``.

A system belongs to shard ``1 + (H mod N)`` where H is the first 8 bytes (big-endian) of
SHA-256("<agency id>/<system id>") in UTF-8. Why a hash and not a round-robin over the sorted keys:
a system's shard depends on its own key and N only - not on the other systems, the order of the
file, the machine or the Python process (``hash()`` is salted per process, SHA-256 is not). So
hosts holding slightly different copies of the inventory (one already has a new system, cron on
another has not pulled it yet) still never scan one system twice, and adding or removing a system
moves no other. The price: shards are balanced only statistically (N systems per shard ± about
sqrt(N)); a round-robin would balance to ±1 but move every system after an insertion.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from secaudit.core.errors import InputError

MAX_SHARDS = 100_000  # far above any fleet of machines; bounds a hostile N
_SPEC = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")
T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, agency: str, system: str) -> bool:
        return shard_of(agency, system, self.count) == self.index


def parse_shard(spec: str) -> Shard:
    """``"I/N"`` with 1 <= I <= N; anything else is an InputError (exit 2, one line)."""
    m = _SPEC.fullmatch(spec.strip())
    if m is None:
        raise InputError(
            f"--shard {spec!r}: cần dạng I/N, ví dụ 1/4 / expected I/N with 1 <= I <= N, e.g. 1/4"
        )
    index, count = int(m.group(1)), int(m.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise InputError(f"--shard {spec!r}: N phải từ 1 đến {MAX_SHARDS} / N must be 1..{MAX_SHARDS}")
    if not 1 <= index <= count:
        raise InputError(
            f"--shard {spec!r}: I phải từ 1 đến N (đánh số từ 1) / I must be 1..N (1-based; "
            f"for JOB_COMPLETION_INDEX use $((JOB_COMPLETION_INDEX + 1))/N)"
        )
    return Shard(index, count)


def shard_of(agency: str, system: str, count: int) -> int:
    """The 1-based shard of ``agency/system`` among ``count``."""
    digest = hashlib.sha256(f"{agency}/{system}".encode()).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


def select(items: list[T], shard: Shard | None, key: Callable[[T], tuple[str, str]]) -> list[T]:
    """The items (in their order) whose ``key(item)`` = (agency id, system id) is in ``shard``."""
    if shard is None:
        return list(items)
    return [it for it in items if shard.holds(*key(it))]
