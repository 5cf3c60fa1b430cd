"""The test PostgreSQL server itself (tests/web_fixtures.py): real, loopback only, unprivileged."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable

import pytest
from web_fixtures import PostgresServer

psycopg = pytest.importorskip("psycopg")


def test_server_is_real_loopback_and_not_root(postgres_server: PostgresServer) -> None:
    url = postgres_server.createdb()
    with psycopg.connect(url) as conn:
        version = conn.execute("show server_version").fetchone()[0]
        listen = conn.execute("show listen_addresses").fetchone()[0]
        data_dir = conn.execute("show data_directory").fetchone()[0]
    assert int(version.split(".")[0]) >= 12
    assert listen == "127.0.0.1"
    owner = os.stat(data_dir).st_uid
    assert owner != 0 and pwd.getpwuid(owner).pw_name == (
        postgres_server.user or pwd.getpwuid(os.getuid())[0]
    )


def test_each_database_is_fresh_and_separate(postgres_url: Callable[[], str]) -> None:
    a, b = postgres_url(), postgres_url()
    assert a != b
    with psycopg.connect(a) as conn:
        conn.execute("create table t (x int)")
        conn.execute("insert into t values (1)")
    with psycopg.connect(b) as conn:
        rows = conn.execute("select count(*) from pg_tables where tablename = 't'").fetchone()[0]
    assert rows == 0
