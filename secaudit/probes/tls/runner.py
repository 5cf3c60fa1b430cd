"""Run sslyze so that neither a stalled server nor Ctrl-C can hold the caller.

One sslyze ``Scanner`` per target, at most ``CONCURRENT_SERVERS`` at a time: one Scanner for all
targets would hold every result until the slowest server's connectivity test ends (sslyze waits
for all of them before it yields anything). Each Scanner is iterated in a daemon thread of ours
(sslyze's own workers are daemon threads too) and read in short slices, so the caller stops
waiting on cancel or when a deadline passes; the abandoned workers die with the process and
their sockets time out on their own meanwhile.

Deadlines per target: the connectivity test (sslyze's first handshakes) within
``max(MIN_CONNECT, CONNECT_TIMEOUTS x --timeout)`` - a server that completed our pre-flight handshake and then
stalls the next ones costs that, not sslyze's ~11 x --timeout of retries -, and the whole scan
within ``max(MIN_BUDGET, BUDGET_TIMEOUTS x --timeout)`` (or ``context.budget``).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from secaudit.probes.base import ProbeContext

CONCURRENT_SERVERS = 10  # like sslyze's default concurrent_server_scans_limit
CONNECT_TIMEOUTS = 2  # sslyze's connectivity test, in multiples of --timeout...
MIN_CONNECT = 5.0  # ...but never under this (its handshakes are CPU-bound on a busy machine)
BUDGET_TIMEOUTS = 12  # a whole server's scan, in multiples of --timeout
MIN_BUDGET = 30.0  # seconds: sslyze needs a few seconds of CPU per server even on loopback
SLICE = 0.2

_DONE = object()
_CONNECTED = object()


class Incomplete(Exception):
    """The deadline passed (or the scan was cancelled) before sslyze had a result."""


def budget_for(context: ProbeContext) -> float:
    return context.budget or max(MIN_BUDGET, BUDGET_TIMEOUTS * context.timeout)


def scan_one(request: Any, context: ProbeContext, connections: int | None = None) -> Any:
    """sslyze's ServerScanResult for one request; raises Incomplete on cancel or a deadline.
    ``connections``: sslyze's per-server connection limit (None: its default, 5)."""
    from sslyze import Scanner
    from sslyze.scanner.scanner_observer import ScannerObserver

    out: queue.Queue[Any] = queue.Queue()

    class Connected(ScannerObserver):
        def server_connectivity_test_error(self, server_scan_request: Any, connectivity_error: Any) -> None:
            out.put(_CONNECTED)

        def server_connectivity_test_completed(
            self, server_scan_request: Any, connectivity_result: Any
        ) -> None:
            out.put(_CONNECTED)

        def server_scan_completed(self, server_scan_result: Any) -> None:
            pass

        def all_server_scans_completed(self) -> None:
            pass

    def run() -> None:
        try:
            scanner = Scanner(
                per_server_concurrent_connections_limit=connections,
                concurrent_server_scans_limit=1,
                observers=[Connected()],
            )
            scanner.queue_scans([request])
            for res in scanner.get_results():
                out.put(res)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            out.put(exc)
        finally:
            out.put(_DONE)

    threading.Thread(target=run, daemon=True, name="sslyze-scanner").start()
    start = time.monotonic()
    connect_budget = max(MIN_CONNECT, CONNECT_TIMEOUTS * context.timeout)
    connect_by = start + connect_budget
    budget = budget_for(context)
    done_by = start + budget
    connected = False
    result = None
    while True:
        if context.cancelled():
            raise Incomplete("cancelled")
        now = time.monotonic()
        if not connected and now > connect_by:
            raise Incomplete(
                f"TLS handshakes stalled: sslyze's connectivity test did not finish within "
                f"{connect_budget:g}s / bắt tay TLS bị treo"
            )
        if now > done_by:
            raise Incomplete(
                f"TLS scan did not finish within {budget:g}s (the server stalls some handshakes)"
            )
        try:
            item = out.get(timeout=SLICE)
        except queue.Empty:
            continue
        if item is _CONNECTED:
            connected = True
        elif item is _DONE:
            if result is None:
                raise Incomplete("no result from sslyze")
            return result
        elif isinstance(item, BaseException):
            raise item
        else:
            result = item
            connected = True
