"""A real PostgreSQL server for the web application's tests (issue 15 item 5).

``postgres_server`` (session scope) runs Debian's ``initdb``/``pg_ctl`` on 127.0.0.1 and an ephemeral
port, with its data and socket in a fresh folder of its own under the system temp dir, and stops it
when the session ends. PostgreSQL refuses to run as root, so under root the server runs as an
unprivileged system user (``postgres`` when Debian's package made it, else ``nobody``) through
``runuser``; a normal user runs it as themselves. ``postgres_url()`` creates a fresh database on it
and returns its URL (``postgresql://secaudit@127.0.0.1:PORT/NAME``, trust authentication on
loopback only). Without the binaries the tests that need it are skipped with the reason (CI installs
them: ``scripts/setup.sh --dev``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "secaudit"  # the database superuser the tests connect as (not a system account)


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL server binaries (initdb is not on PATH there)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _system_user() -> str | None:
    """The unprivileged account the server runs as when we are root; None: run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (postgres/nobody) to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = list(argv)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8", PGTZ="UTC")
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=self.root)

    def url(self, dbname: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def createdb(self, name: str | None = None) -> str:
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        proc = self.run(
            str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, name
        )
        if proc.returncode != 0:
            raise RuntimeError(f"createdb {name}: {proc.stderr.strip()}")
        return self.url(name)

    def start(self) -> None:
        # A folder of its own (mode 0700, owned by the server's user) in the world-writable temp
        # dir: pytest's own tmp folders are 0700 root, which the unprivileged user cannot enter.
        initdb = self.run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            PG_USER,
            "-E",
            "UTF8",
            "--no-sync",
            timeout=120,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb: {initdb.stderr.strip()[-800:]}")
        last = ""
        for _ in range(5):  # another process may grab the free port between probe and bind: retry
            self.port = _free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            proc = self.run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.root / "server.log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
                timeout=90,
            )
            if proc.returncode == 0:
                return
            log = self.root / "server.log"
            last = (proc.stderr or proc.stdout).strip() + (log.read_text()[-800:] if log.exists() else "")
        raise RuntimeError(f"pg_ctl start: {last}")

    def stop(self) -> None:
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


def start_postgres() -> PostgresServer:
    """Start a throw-away server (the caller stops it and removes ``server.root``)."""
    bindir = pg_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql)")
    user = _system_user()
    root = Path(tempfile.mkdtemp(prefix="secaudit-pg-"))
    if user:
        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    server = PostgresServer(bindir=bindir, root=root, port=0, user=user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session (skipped when not installed)."""
    if pg_bindir() is None:
        pytest.skip("PostgreSQL không được cài / not installed (scripts/setup.sh --dev)")
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> Callable[[], str]:
    """``postgres_url()`` → the URL of a new empty database on the session's server."""
    return postgres_server.createdb
