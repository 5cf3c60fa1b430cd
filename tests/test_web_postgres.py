"""The test PostgreSQL server itself (tests/web_fixtures.py): real, loopback only, unprivileged."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from pathlib import Path

import pytest
from web_fixtures import PostgresServer, junit_counts, run_pytest

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


# --------------------------------------------------------------------------- the same suite on PostgreSQL

TESTS = Path(__file__).parent
# Browser and meta-tests, and test_web_serve (it drops SECAUDIT_WEB_* and serves SQLite on purpose);
# `serve --db postgresql://…` as a real process is tested below instead.
NOT_RERUN = ("test_web_browser", "test_web_postgres", "test_web_broken", "test_web_serve")


def web_suite() -> list[Path]:
    return sorted(p for p in TESTS.glob("test_web_*.py") if not p.name.startswith(NOT_RERUN))


def test_web_suite_passes_on_postgresql(postgres_server: PostgresServer, tmp_path: Path) -> None:
    """Issue 15: "both databases pass the same suite" — the normal run is SQLite (no URL set)."""
    files = web_suite()
    assert files, "no tests/test_web_*.py suite found"
    url = postgres_server.createdb()
    mark = postgres_server.log_size()
    junit = tmp_path / "pg.xml"
    proc = run_pytest(files, {"SECAUDIT_WEB_DB_URL": url}, junit)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    counts = junit_counts(junit)
    assert counts["tests"] > 0 and counts["failures"] == counts["errors"] == 0, counts
    # The suite really talked to this server: its log records the connections made during the run.
    new = postgres_server.log_since(mark)
    assert "connection authorized" in new, new[-2000:]


def test_serve_runs_on_postgresql(postgres_server: PostgresServer, tmp_path: Path) -> None:
    """`secaudit users add … --db URL` and `secaudit serve --db URL` as real processes: the account,
    the session and the audit log live in PostgreSQL, and no SQLite file appears in the data folder."""
    import re

    import requests
    from web_fixtures import add_user, start_serve
    from web_province import PASSWORD, build

    url = postgres_server.createdb()
    data = build(tmp_path)
    add_user(data, "pg-dept", "department", PASSWORD, db_url=url)
    app = start_serve(data, "--db", url)
    try:
        s = requests.Session()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', s.get(app.base + "login/").text)
        assert token
        form = {"username": "pg-dept", "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
        r = s.post(app.base + "login/", data=form, headers={"Referer": app.base + "login/"}, timeout=120)
        assert r.status_code == 200 and r.url.endswith("/department/"), (r.status_code, r.url)
        assert "/department/agency/so-a/" in r.text
    finally:
        app.stop()
    with psycopg.connect(url) as conn:
        users = {row[0] for row in conn.execute("select username from auth_user")}
        actions = [row[0] for row in conn.execute("select action from web_auditentry order by seq")]
        sessions = conn.execute("select count(*) from django_session").fetchone()[0]
    assert "pg-dept" in users and "login" in actions and sessions >= 1
    assert not (data / "web.sqlite3").exists()
