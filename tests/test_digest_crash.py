"""A file that kills the process reading it (a crash in a C library, the OOM killer on a huge one)
costs that file alone: the summary names it and counts every other system.

The crash is simulated by a reader that kills itself on one file name; the pool, its workers and
the redo are the real ones (fork start: the patched reader is the workers' too).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import bundle_factory as bf
import pytest

from secaudit.province import digest, pool_watch
from secaudit.province.digest import _PARALLEL_FROM, WORKER_DIED, digest_dir

N = _PARALLEL_FROM + 16


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return bf.folder(tmp_path_factory.mktemp("crash"), N)


def _crashing_on(monkeypatch: pytest.MonkeyPatch, names: set[str]) -> None:
    real = digest.digest_bytes

    def reader(name: str, raw: bytes, verifier: object) -> digest.Digest:
        if name in names:
            if os.getpid() == MAIN:
                raise AssertionError(f"{name} was read in the main process")  # it would die there
            os.kill(os.getpid(), signal.SIGKILL)  # as a segfault or the OOM killer would
        return real(name, raw, verifier)  # type: ignore[arg-type]

    monkeypatch.setattr(digest, "digest_bytes", reader)
    monkeypatch.setattr(pool_watch, "SLICE", 0.1)  # the workers are looked at sooner


MAIN = os.getpid()


@pytest.mark.parametrize("positions", [[0], [N - 1], [3, 4, N // 2]])
def test_a_crashing_file_is_named_and_every_other_is_counted(
    folder: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, positions: list[int]
) -> None:
    bundles, keys = folder
    names = sorted(p.name for p in bundles.glob("*.json"))
    bad = {names[i] for i in positions}
    _crashing_on(monkeypatch, bad)
    out = digest_dir(bundles, keys, workers=2)
    assert [d.file for d in out] == names  # every file once, in order
    assert {d.file for d in out if d.error == WORKER_DIED} == bad
    good = [d for d in out if d.file not in bad]
    assert len(good) == N - len(bad) and all(not d.error and d.verified for d in good)
