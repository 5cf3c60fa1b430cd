"""The real ``secaudit`` program (not CliRunner) summarising enough bundles for the worker pool.

The CLI installs a SIGTERM handler (Ctrl-C's path, exit 143) in its own process only: the pool's
workers are forked from it and ``Pool.terminate`` stops them with SIGTERM, so a handler that raised
in a worker left the pool waiting for ever (a summary of >= 64 bundles never ended).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bundle_factory as bf

from secaudit.province.digest import _PARALLEL_FROM

WAIT = 120


def _argv(bundles: Path, keys: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "secaudit.cli", "summary", str(bundles), "--keyring", str(keys), *extra]


def _children(pid: int) -> list[int]:
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return out


@contextmanager
def _pool_running(argv: list[str]) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """The real program started, once its pool's workers exist: (process, worker pids). Killed on
    the way out if still running."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    deadline = time.monotonic() + WAIT
    try:
        while proc.poll() is None and not workers and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.005)
        assert workers and proc.poll() is None, "the pool never started"
        yield proc, workers
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_pooled_summary_ends(tmp_path: Path) -> None:
    bundles, keys = bf.folder(tmp_path, _PARALLEL_FROM + 6)
    out = tmp_path / "s.json"
    res = subprocess.run(
        _argv(bundles, keys, "--no-cache", "--format", "json", "-o", str(out)),
        capture_output=True, text=True, timeout=WAIT,
    )  # fmt: skip
    assert res.returncode in (0, 1), res.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["totals"]["systems"] == _PARALLEL_FROM + 6
    assert data["coverage"]["systems_verified"] == _PARALLEL_FROM + 6


def test_sigterm_stops_a_pooled_summary_and_its_workers(tmp_path: Path) -> None:
    """SIGTERM while the pool works (3 000 small bundles: ~1 s of it): exit 143 with the one line,
    no output file, and no worker left behind."""
    bundles, keys = bf.folder(tmp_path, 3000)
    out = tmp_path / "s.json"
    with _pool_running(_argv(bundles, keys, "--no-cache", "-o", str(out))) as (proc, workers):
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 143, err
    assert err.endswith("terminated\n") and "Traceback" not in err, err
    assert not out.exists()  # nothing half-written
    time.sleep(0.5)
    alive = [w for w in workers if os.path.exists(f"/proc/{w}") and "zombie" not in _state(w)]
    assert not alive, alive


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((ln for ln in f if ln.startswith("State:")), "").lower()
    except OSError:
        return "zombie"


def test_a_worker_killed_mid_run_does_not_hang_the_summary(tmp_path: Path) -> None:
    """SIGKILL to one pool worker (the OOM killer, an operator): its task is lost, and the summary
    digests what is left itself instead of waiting for ever; every system is still counted."""
    n = 3000
    bundles, keys = bf.folder(tmp_path, n)
    out = tmp_path / "s.json"
    with _pool_running(_argv(bundles, keys, "--no-cache", "--format", "json", "-o", str(out))) as (
        proc,
        workers,
    ):
        time.sleep(0.2)  # mid-task
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode in (0, 1), err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["totals"]["systems"] == n and data["coverage"]["systems_verified"] == n
