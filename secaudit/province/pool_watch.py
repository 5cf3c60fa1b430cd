"""Results of a ``multiprocessing.Pool.imap`` that never wait for ever.

A pool worker that dies mid-task (killed by the OOM killer or an operator, or crashed in a C
library on a hostile file) is replaced by the pool, but its task is lost and ``imap`` then waits
for that result for ever. ``watched`` waits in slices and, when a slice passes without a result,
checks that every worker the pool started is still alive; if one is gone it stops, and the caller
does the rest again (province/digest.py: the next few files one at a time in one fresh worker, so
a file that kills its reader is found, named and skipped, never read in the main process).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from typing import Any

SLICE = 2.0  # seconds without a result before the workers are looked at (cheap; no time limit)


class WorkerLost(Exception):
    """A worker of the pool died: the results not yet given will never come."""


def children() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def watched(results: Any, workers: set[int], slice_s: float | None = None) -> Iterator[Any]:
    """Every result of ``results`` (an imap iterator), in order; WorkerLost as soon as one of
    ``workers`` (the pool's process ids at its start) is no longer alive."""
    while True:
        try:
            yield results.next(timeout=slice_s or SLICE)
        except StopIteration:
            return
        except multiprocessing.TimeoutError:
            if not workers <= children():
                raise WorkerLost() from None
