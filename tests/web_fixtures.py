"""Real servers for the web application's tests (issue 15 item 5), a pytest plugin (tests/conftest.py):

- ``postgres_server`` / ``postgres_url``: a real PostgreSQL (below);
- ``run_pytest`` / ``junit_counts``: a test suite in a subprocess, read from its JUnit XML (Django is
  configured once per process, so another database or a broken switch needs another process);
- ``start_serve`` / ``served_demo`` / ``add_user``: ``secaudit serve`` and ``secaudit users add`` as
  real processes on 127.0.0.1 (ephemeral port);
- ``Guard``: a Playwright context in Debian's Chromium whose every page is watched.

PostgreSQL:

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

import contextlib
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
from typing import Any
from urllib.parse import urlsplit

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
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                "-c log_connections=on"
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

    def log_size(self) -> int:
        log = self.root / "server.log"
        return log.stat().st_size if log.exists() else 0

    def log_since(self, offset: int) -> str:
        """What the server logged after ``offset`` (log_connections is on: one line per connection)."""
        with open(self.root / "server.log", "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

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


# --------------------------------------------------------------------------- pytest in a subprocess


def run_pytest(
    files: list[Path], env: dict[str, str | None], junit: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess (Django is configured once per process, so a second database needs
    a second process); results read from its JUnit XML, not its text. ``env``: None removes."""
    import sys

    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    cmd += [*extra, *(str(f) for f in files)]
    full = {k: v for k, v in dict(os.environ, **env).items() if v is not None}
    root = Path(__file__).parent.parent
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=full, cwd=root)


def junit_cases(junit: Path) -> list[str]:
    """Every test case's ``classname.name`` in a JUnit XML file."""
    import xml.etree.ElementTree as ET

    return [f"{c.get('classname')}.{c.get('name')}" for c in ET.parse(junit).getroot().iter("testcase")]


def junit_counts(junit: Path) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    root = ET.parse(junit).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    failed = [
        f"{c.get('classname')}.{c.get('name')}"
        for c in suite.iter("testcase")
        if c.find("failure") is not None
    ]
    return {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")} | {"failed": failed}


# --------------------------------------------------------------------------- a served application


def secaudit_exe() -> str:
    """The installed ``secaudit`` command of this interpreter's environment."""
    import sys

    return shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"


def add_user(
    data: Path, name: str, role: str, password: str, agency: str | None = None, db_url: str | None = None
) -> None:
    """``secaudit users add NAME --role ROLE --password-stdin --data DATA`` (the real command)."""
    cmd = [secaudit_exe(), "users", "add", name, "--role", role, "--password-stdin", "--data", str(data)]
    if agency:
        cmd += ["--agency", agency]
    if db_url:
        cmd += ["--db", db_url]
    proc = subprocess.run(cmd, input=password + "\n", capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"users add {name}: {proc.returncode} {proc.stderr.strip()[-600:]}")


@dataclass
class ServedApp:
    """``secaudit serve`` running as a real subprocess on 127.0.0.1 (ephemeral port)."""

    base: str  # http://127.0.0.1:PORT/
    data: Path
    proc: subprocess.Popen[str]
    stdout: list[str]
    stderr_path: Path

    def add_user(self, name: str, role: str, password: str, agency: str | None = None) -> None:
        add_user(self.data, name, role, password, agency)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_serve(data: Path, *args: str, timeout: float = 240, env: dict[str, str] | None = None) -> ServedApp:
    """Start ``secaudit serve --data DATA --bind 127.0.0.1:0 ARGS…`` and wait for its URL line.

    stdout is drained by a thread for the server's whole life (a full pipe would block it)."""
    import threading
    import time

    data.parent.mkdir(parents=True, exist_ok=True)
    err = data.parent / f"{data.name}.serve.stderr"
    cmd = [secaudit_exe(), "serve", "--data", str(data), "--bind", "127.0.0.1:0", *args]
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    with open(err, "w", encoding="utf-8") as err_file:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err_file, text=True, env=full_env, start_new_session=True
        )
    lines: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("secaudit serve: "):
                ready.set()
        ready.set()  # EOF: the server died

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.2):
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"secaudit serve did not start in {timeout:.0f} s: {err.read_text()[-1500:]}")
    url = next((ln.split(": ", 1)[1].strip() for ln in lines if ln.startswith("secaudit serve: ")), None)
    if url is None:
        proc.wait(timeout=10)
        raise RuntimeError(f"secaudit serve exited {proc.returncode}: {err.read_text()[-1500:]}")
    if not url.startswith(("http://127.", "https://127.")):
        proc.kill()
        raise RuntimeError(f"secaudit serve listens on {url}, not loopback")
    return ServedApp(base=url, data=data, proc=proc, stdout=lines, stderr_path=err)


@pytest.fixture(scope="session")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """One ``secaudit serve --demo`` for the browser tests (the demo's scans take ~20 s)."""
    app = start_serve(tmp_path_factory.mktemp("serve-demo") / "data", "--demo")
    try:
        yield app
    finally:
        app.stop()


# --------------------------------------------------------------------------- the browser

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright cannot download browsers here
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, closed on the way out (every browser test's one launch)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Guard:
    """A browser context whose every page is watched: CSP header on every document, no console
    error or CSP violation, no dialog, no request to anything but the served app."""

    def __init__(self, browser: Any, base: str, password: str) -> None:
        self.base = base
        self.password = password
        self.origin = urlsplit(base).netloc
        self.ctx = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
        self.page = self.ctx.new_page()
        self.foreign: list[str] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.documents: list[tuple[str, str | None]] = []
        self.expected: set[int] = set()
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("response", self._response)

    def _route(self, r: Any) -> None:
        parts = urlsplit(r.request.url)
        if (parts.scheme in ("http", "https") and parts.netloc == self.origin) or parts.scheme == "data":
            r.continue_()
        else:
            self.foreign.append(r.request.url)
            r.abort()

    def _dialog(self, d: Any) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def _response(self, resp: Any) -> None:
        if resp.request.resource_type == "document":
            self.documents.append((resp.url, resp.headers.get("content-security-policy")))

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + path

    def goto(self, path: str) -> Any:
        resp = self.page.goto(self.url(path))
        assert resp is not None and resp.status == 200, f"{path}: {resp.status if resp else 'no response'}"
        return resp

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def login(self, username: str) -> None:
        self.goto("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", self.password)
        self.page.click("#login-submit")
        self.page.wait_for_load_state()
        assert self.page.locator("#login-error").count() == 0, self.page.locator("#login-error").inner_text()
        assert username in self.page.locator("#whoami").inner_text()

    def expect_status(self, status: int) -> None:
        """The test asked for a refusal: the browser's own console line about it is no problem."""
        self.expected.add(status)

    def check_clean(self) -> None:
        assert not self.foreign, self.foreign
        assert not self.dialogs, self.dialogs
        own = tuple(f"the server responded with a status of {s} " for s in self.expected)
        problems = [p for p in self.problems if not (own and any(o in p for o in own))]
        assert not problems, problems  # includes "Refused to … Content Security Policy"
        assert self.documents
        for url, csp in self.documents:
            assert csp, f"{url}: no Content-Security-Policy"
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (url, csp)

    def close(self) -> None:
        self.ctx.close()
