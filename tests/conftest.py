"""Shared fixtures: one loopback lab (CA + servers) for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from secaudit.lab.sites import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """A running lab: ``lab.start(SiteSpec(...))``, ``lab.tcp_listener(addr)``, ``lab.ca_file``...

    Sites started by any test stay up until the session ends; use your own loopback address
    (127.0.0.x) per test module so that modules never depend on each other's servers.
    """
    with Lab() as the_lab:
        yield the_lab
