"""Run sslyze's Scanner so that neither a stalled server nor Ctrl-C can hold the caller.

sslyze's ``Scanner.get_results()`` blocks until every server is done; its worker threads are
daemon threads. We iterate it in a daemon thread of our own and read the results from a queue in
short slices: on cancel, or when the deadline passes, the caller simply stops waiting and the
abandoned workers die with the process (their sockets time out on their own meanwhile).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from secaudit.probes.base import ProbeContext

CONCURRENT_SERVERS = 10  # sslyze's default concurrent_server_scans_limit
BUDGET_TIMEOUTS = 12  # wall-clock budget per wave of concurrent servers, in multiples of --timeout
MIN_BUDGET = 30.0  # seconds: sslyze needs a few seconds of CPU per server even on loopback
SLICE = 0.2

_DONE = object()


class Incomplete(Exception):
    """The deadline passed (or the scan was cancelled) with servers still being scanned."""


def budget_for(n_servers: int, context: ProbeContext) -> float:
    """Seconds sslyze may take for ``n_servers``: a safety net for servers that pass the
    pre-flight and then stall later connections (the pre-flight handles plain stalls)."""
    per_wave = context.budget or max(MIN_BUDGET, BUDGET_TIMEOUTS * context.timeout)
    return per_wave * math.ceil(n_servers / CONCURRENT_SERVERS)


def results(requests: list[Any], context: ProbeContext, budget: float) -> Iterator[Any]:
    """Yield sslyze ServerScanResults as they complete; stop (without waiting for sslyze) on
    cancel or when ``budget`` seconds have passed - then raise Incomplete."""
    from sslyze import Scanner

    out: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            scanner = Scanner(concurrent_server_scans_limit=CONCURRENT_SERVERS)
            scanner.queue_scans(requests)
            for res in scanner.get_results():
                out.put(res)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            out.put(exc)
        finally:
            out.put(_DONE)

    threading.Thread(target=run, daemon=True, name="sslyze-scanner").start()
    deadline = time.monotonic() + budget
    while True:
        if context.cancelled():
            raise Incomplete("cancelled")
        left = deadline - time.monotonic()
        if left <= 0:
            raise Incomplete(f"sslyze did not finish within {budget:g}s")
        try:
            item = out.get(timeout=min(SLICE, left))
        except queue.Empty:
            continue
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        yield item
