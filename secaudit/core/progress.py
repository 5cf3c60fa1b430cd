"""Progress on stderr for long scans: one line per event, or an updating line on a terminal."""

from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, enabled: bool = True, stream=None) -> None:  # noqa: ANN001 - any text stream
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}

    def begin(self, stage: str, total: int) -> None:
        with self._lock:
            self._totals[stage] = total
            self._done[stage] = 0
        self.say(f"{stage}: {total} mục tiêu / targets")

    def step(self, stage: str, item: str = "") -> None:
        with self._lock:
            self._done[stage] = self._done.get(stage, 0) + 1
            done, total = self._done[stage], self._totals.get(stage, 0)
        self.say(f"{stage}: {done}/{total} xong/done {item}".rstrip())

    def say(self, message: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        with self._lock:
            if not self.enabled:  # closed while we waited for the lock
                return
            self.stream.write(f"[{elapsed:5.1f}s] {message}\n")
            self.stream.flush()

    def close(self) -> None:
        """No more lines from here on (a line being written is finished first)."""
        self.enabled = False
        with self._lock:
            pass

    def callback(self, stage: str):  # noqa: ANN201 - Callable[[str], None]
        return lambda item="": self.step(stage, item)
