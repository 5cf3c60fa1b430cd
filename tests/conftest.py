"""Shared fixtures: one loopback lab (CA + servers) for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from secaudit.lab.sites import Lab

# The web application's fixtures (PostgreSQL server, served app): tests/web_fixtures.py (issue 15).
pytest_plugins = ["web_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """The summary's incremental cache defaults to ~/.cache/secaudit: the suite (and every command
    it starts) gets a fresh folder of its own instead, so no run reads another run's entries."""
    import os
    import tempfile

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="secaudit-test-cache-")


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """A running lab: ``lab.start(SiteSpec(...))``, ``lab.tcp_listener(addr)``, ``lab.ca_file``...

    Sites started by any test stay up until the session ends; use your own loopback address
    (127.0.0.x) per test module so that modules never depend on each other's servers.
    """
    with Lab() as the_lab:
        yield the_lab


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One real `secaudit demo` run (installed command) shared by the tests that read its output."""
    import os
    import shutil
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo") / "out"
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    proc = subprocess.run([exe, "demo", "-o", str(out)], capture_output=True, text=True, timeout=300)
    return {"proc": proc, "out": out}
