"""The probe interface: what every probe receives (``ProbeContext``) and small shared helpers.

A probe is a module with ``collect(targets: list[Target], context: ProbeContext) -> list[dict]``:
one JSON-able observation per target, in the order given, and never an exception for a network
or tool problem (that is ``{"error": reason}`` in the observation). See secaudit/probes/__init__.py
for the registry and the full contract.

Cancellation (Ctrl-C): ``context.cancel`` is set when the user interrupts. A probe must then stop
soon (well under a second): poll ``context.cancelled()`` in its loops, and register with
``context.on_cancel(fn)`` whatever unblocks a blocking call (close a socket, kill a subprocess).
The callbacks run on the thread that cancels, right away; results returned after a cancel are
thrown away, so a probe may return anything (or nothing useful) then.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from secaudit.core.model import Target

Observation = dict[str, Any]
Progress = Callable[[str], None]
T = TypeVar("T")
R = TypeVar("R")


def _no_progress(_item: str = "") -> None:
    return None


class _CancelHooks:
    """Callbacks run once when the scan is cancelled; shared by every probe's context."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hooks: list[Callable[[], None]] = []
        self.fired = False

    def add(self, fn: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            fired = self.fired
            if not fired:
                self._hooks.append(fn)
        if fired:  # cancelled already: unblock at once
            _call_quietly(fn)

        def remove() -> None:
            with self._lock:
                if fn in self._hooks:
                    self._hooks.remove(fn)

        return remove

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            hooks, self._hooks = self._hooks, []
        for fn in hooks:
            _call_quietly(fn)


def _call_quietly(fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - a cleanup that fails must not stop the others
        pass


@dataclass
class ProbeContext:
    """Everything a probe may use besides the targets. Probes must treat it as read-only.

    ``params``: the profile's parameters (e.g. ``sensitive_paths``, ``risky_ports``);
    ``timeout``: seconds per network operation (``--timeout``); a stalled target should cost a
    probe at most about 2 x timeout; ``budget``: wall-clock seconds per target (None: the probe's
    default, a multiple of ``timeout``); ``max_workers``: bound on concurrent targets.
    """

    params: dict[str, Any] = field(default_factory=dict)
    ca_file: Path | None = None
    timeout: float = 10.0
    extra_ports: list[int] | None = None
    progress: Progress = _no_progress
    cancel: threading.Event = field(default_factory=threading.Event)
    max_workers: int = 8
    budget: float | None = None
    domain_options: Any = None  # the dns/mail probes' options (secaudit.probes.domains.DomainOptions)
    _hooks: _CancelHooks = field(default_factory=_CancelHooks, repr=False)

    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def on_cancel(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Run ``fn`` when the scan is cancelled (at once if it already is); returns an unregister
        function. ``fn`` must be quick and must not raise (exceptions are ignored)."""
        return self._hooks.add(fn)

    def cancel_now(self) -> None:
        """Cancel every probe sharing this context's event (the scanner calls this on Ctrl-C)."""
        self.cancel.set()
        self._hooks.fire()

    def for_stage(self, progress: Progress) -> ProbeContext:
        """The same context (same cancellation) with another progress callback."""
        return dataclasses.replace(self, progress=progress)


def run_parallel(
    fn: Callable[[T], R], items: Iterable[T], workers: int, context: ProbeContext, name: str = "probe"
) -> list[R | None]:
    """``[fn(item) for item in items]`` on at most ``workers`` daemon threads, results in order.

    Unlike ThreadPoolExecutor (whose threads the interpreter joins at exit), a cancelled scan
    never waits here: on cancel the call returns at once and unfinished slots are None."""
    todo = list(items)
    results: list[R | None] = [None] * len(todo)
    if not todo:
        return results
    lock = threading.Lock()
    nxt = iter(range(len(todo)))
    done = threading.Event()
    remaining = [len(todo)]

    def worker() -> None:
        while not context.cancelled():
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            try:
                results[i] = fn(todo[i])
            except Exception:  # noqa: BLE001 - that slot stays None (the caller's "no result" error);
                pass  # a dying worker would leave the queued targets unrun and the wait below endless
            finally:
                with lock:
                    remaining[0] -= 1
                    if remaining[0] == 0:
                        done.set()

    threads = [
        threading.Thread(target=worker, daemon=True, name=f"{name}-{k}")
        for k in range(max(1, min(workers, len(todo))))
    ]
    for th in threads:
        th.start()
    while not done.wait(0.1):
        if context.cancelled():
            break
    return results


def targets_with(targets: list[Target], results: list[Observation | None], reason: str) -> list[Observation]:
    """Fill the slots a cancelled or broken run left empty with an error observation."""
    return [r if r is not None else {"error": reason} for r in results]
