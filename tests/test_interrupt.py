"""Ctrl-C and stalling servers, end to end: the real CLI in a subprocess against loopback listeners
that accept TCP and then stall (one never answers, one answers the first byte of a TLS record and
stalls the rest of the handshake).

Ctrl-C must stop `scan` and `assess` promptly with exit 130, one bilingual line, no traceback and
nothing written; a stalled target must be an error, one line in the table. Failures are bounded
waits (a hang fails the test at the wait's timeout), never timed assertions.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from secaudit.core.model import Target
from secaudit.probes import http as http_probe
from secaudit.probes import tls as tls_probe
from secaudit.probes.base import ProbeContext

ADDR = "127.0.0.91"
WAIT = 15  # seconds a stopped command may take before the test calls it a hang
STARTED = 0.5  # seconds, once the scan has begun, before Ctrl-C (the probes are then in flight)


class Staller:
    """Accepts TCP and stalls. ``first``: bytes sent after the client's first data (b"": none)."""

    def __init__(self, first: bytes = b"") -> None:
        self.sock = socket.socket()
        self.sock.bind((ADDR, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.first = first
        self.conns: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            if conn.recv(4096) and self.first:
                conn.sendall(self.first)
        except OSError:
            pass

    def stop(self) -> None:
        self.stopped.set()
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture()
def staller() -> Iterator[Staller]:
    s = Staller(first=b"\x16")
    yield s
    s.stop()


class Cli:
    """The real program in a subprocess; stderr is read as it comes (to know the scan started)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "secaudit.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.err: list[str] = []
        self.out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
        ]
        for th in self._readers:
            th.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def wait_for(self, started: Callable[[], bool]) -> None:
        """Until ``started()`` (bounded: a slow machine may take a while to import), then a
        moment more so that the probes are in flight."""
        deadline = time.monotonic() + WAIT
        while not started():
            assert self.proc.poll() is None, "".join(self.err)
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail("the command did not start scanning: " + "".join(self.err)[-2000:])
            time.sleep(0.05)
        time.sleep(STARTED)

    def interrupt(self) -> tuple[str, str]:
        assert self.proc.poll() is None, "".join(self.err)  # still scanning: the stall holds it
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"not stopped {WAIT}s after SIGINT; stderr: {''.join(self.err)[-2000:]}")
        for th in self._readers:
            th.join(5)
        return "".join(self.out), "".join(self.err)

    def said(self, text: str) -> Callable[[], bool]:
        return lambda: any(text in line for line in self.err)


def _argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "secaudit.cli", *args]


def _nmap_running(pid: int) -> bool:
    children = subprocess.run(["pgrep", "-P", str(pid), "nmap"], capture_output=True, text=True)
    return bool(children.stdout.strip())


def _assert_clean_interrupt(proc: Cli, err: str) -> None:
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Aborted!" not in err
    assert err.rstrip().splitlines()[-1] == "secaudit: Đã dừng theo yêu cầu / interrupted"


def test_ctrl_c_stops_scan_and_writes_nothing(staller: Staller, tmp_path: Path) -> None:
    out = tmp_path / "scan.json"
    proc = Cli(
        "scan",
        f"{ADDR}:{staller.port}",
        f"https://{ADDR}:{staller.port}",
        "--timeout",
        "60",
        "--http-port",
        str(staller.port),
        "--format",
        "json",
        "-o",
        str(out),
    )
    proc.wait_for(proc.said("http: 2 "))  # "http: 2 mục tiêu / targets": the probes are running
    stdout, err = proc.interrupt()
    _assert_clean_interrupt(proc, err)
    assert stdout == ""
    assert list(tmp_path.iterdir()) == []  # no -o file, no temp file


@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is installed by scripts/setup.sh")
def test_ctrl_c_kills_nmap(tmp_path: Path) -> None:
    """nmap -sV waits ~12 s for banners on a silent port: Ctrl-C must kill it, not wait for it."""
    silent = Staller()
    profile = tmp_path / "sv.yaml"
    profile.write_text(
        "profile:\n  id: sv\n  extends: level3\n  title: {vi: t, en: t}\n  description: {vi: t, en: t}\n"
        "parameters:\n  service_detection: true\n",
        encoding="utf-8",
    )
    try:
        proc = Cli(
            "scan", f"{ADDR}:{silent.port}", "--probes", "ports", "--profile", str(profile), "--ports",
            str(silent.port),
        )  # fmt: skip
        proc.wait_for(lambda: _nmap_running(proc.proc.pid))
        _, err = proc.interrupt()
    finally:
        silent.stop()
    _assert_clean_interrupt(proc, err)
    left = subprocess.run(["pgrep", "-f", f"nmap .*{ADDR}"], capture_output=True, text=True).stdout
    assert left == "", f"nmap still running: {left}"


def test_ctrl_c_stops_assess_and_writes_no_bundle(staller: Staller, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        f"""\
province: Thử nghiệm
period: 2026
agencies:
  - id: so-a
    name: Sở A
    systems:
      - id: web
        name: Trang tin
        level: 3
        targets: ["https://{ADDR}:{staller.port}"]
        http_port: {staller.port}
""",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    out.mkdir()
    proc = Cli("assess", "--inventory", str(inventory), "--timeout", "60", "-o", str(out))
    proc.wait_for(proc.said("http: 1 "))
    _, err = proc.interrupt()
    _assert_clean_interrupt(proc, err)
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------ bounded stalls


def test_stalled_tls_handshake_is_an_error_not_a_long_wait(staller: Staller) -> None:
    """The handshake stalls after the first byte: the pre-flight says so (sslyze would retry)."""
    t = Target(raw="x", host=ADDR, port=staller.port)
    [obs] = tls_probe.collect([t], ProbeContext(timeout=0.5))
    assert "did not complete within 0.5s" in obs["error"]
    assert "sslyze_version" not in obs  # sslyze was never started on it


def test_silent_port_is_no_answer_for_tls() -> None:
    silent = Staller()
    try:
        [obs] = tls_probe.collect([Target(raw="x", host=ADDR, port=silent.port)], ProbeContext(timeout=0.5))
    finally:
        silent.stop()
    assert "no answer to a TLS ClientHello" in obs["error"]


def test_stalling_http_server_is_given_up_after_two_timeouts(staller: Staller) -> None:
    t = Target(raw="x", host=ADDR, port=staller.port, http_port=staller.port)
    params = {"sensitive_paths": [{"path": "/.env"}, {"path": "/.git/HEAD"}]}
    [obs] = http_probe.collect([t], ProbeContext(params=params, timeout=0.5))
    assert obs["gave_up_after_timeouts"] == http_probe.MAX_TIMEOUTS
    assert "timed out" in obs["plain_http"]["error"] and "timed out" in obs["https"]["error"]
    assert "error" in obs


def test_cancel_stops_a_probe_waiting_on_a_stalled_server(staller: Staller) -> None:
    """Cancelling from another thread (what Ctrl-C does) returns long before the timeout."""
    t = Target(raw="x", host=ADDR, port=staller.port, http_port=staller.port)
    ctx = ProbeContext(timeout=60)
    threading.Timer(0.5, ctx.cancel_now).start()
    done: list[list[dict]] = []
    th = threading.Thread(target=lambda: done.append(http_probe.collect([t], ctx)), daemon=True)
    th.start()
    th.join(WAIT)
    assert done, "the HTTP probe did not return after cancel"
    th2 = threading.Thread(
        target=lambda: done.append(tls_probe.collect([t], ProbeContext(timeout=60, cancel=ctx.cancel))),
        daemon=True,
    )
    th2.start()
    th2.join(WAIT)
    assert len(done) == 2, "the TLS probe did not return after cancel"
    assert done[1][0]["error"] == "cancelled"


def test_unreachable_target_is_one_table_line_and_json_keeps_every_check(staller: Staller) -> None:
    target = f"https://{ADDR}:{staller.port}"
    common = ["scan", target, "--timeout", "0.5", "--http-port", str(staller.port), "--probes", "tls,http"]
    table = subprocess.run(_argv(*common, "--lang", "en"), capture_output=True, text=True, timeout=120)
    t_out, t_err = table.stdout, table.stderr
    as_json = subprocess.run(_argv(*common, "--format", "json"), capture_output=True, text=True, timeout=120)
    j_out = as_json.stdout
    assert table.returncode == 3 and as_json.returncode == 3, t_err
    lines = [ln for ln in t_out.splitlines() if "cannot reach" in ln]
    assert len(lines) == 1 and f"{ADDR}:{staller.port}" in lines[0]
    assert [ln for ln in t_out.splitlines() if "ERROR " in ln] == lines  # not one error per check
    [tr] = json.loads(j_out)["targets"]
    assert tr["target"] == target
    assert len(tr["checks"]) > 10 and {c["status"] for c in tr["checks"]} == {"error"}
    assert all(c["summary"]["en"] for c in tr["checks"])


def test_server_that_stalls_after_the_first_handshake_is_cut_short(tmp_path: Path) -> None:
    """It passes our pre-flight, then sslyze's next handshakes stall: sslyze alone retries for
    ~11 x --timeout; its connectivity test is given a deadline instead."""
    from secaudit.lab.certs import LabCA

    leaf = LabCA().issue([ADDR])
    certfile, keyfile = leaf.write(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    sock = socket.socket()
    sock.bind((ADDR, 0))
    sock.listen(64)
    held: list[socket.socket] = []

    def loop() -> None:
        first = True
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            if first:  # one real handshake (the pre-flight's), then silence for everyone
                first = False
                try:
                    conn.settimeout(5)
                    conn = ctx.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    pass
            held.append(conn)

    threading.Thread(target=loop, daemon=True).start()
    try:
        t = Target(raw="x", host=ADDR, port=sock.getsockname()[1])
        [obs] = tls_probe.collect([t], ProbeContext(timeout=0.5))
    finally:
        sock.close()
        for c in held:
            c.close()
    assert "connectivity test did not finish" in obs["error"]


def test_site_that_stalls_after_its_main_page_costs_two_timeouts_not_one_per_path() -> None:
    """The main page answers; security.txt and every sensitive path stall. After 2 timed-out
    requests the rest is skipped (with the reason), not waited for one timeout each."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path != "/":
                release.wait(30)  # stall
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((ADDR, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    port = server.server_address[1]
    paths = [{"path": p} for p in ("/.env", "/.git/HEAD", "/backup.zip", "/phpinfo.php")]
    try:
        t = Target(raw="x", host=ADDR, port=port, scheme="http", http_port=port)
        [obs] = http_probe.collect([t], ProbeContext(params={"sensitive_paths": paths}, timeout=0.5))
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    assert obs["https"]["status"] == 200
    assert "timed out" in obs["security_txt"]["error"]
    items = obs["paths"]["items"]
    assert "timed out" in items[0]["error"]
    assert all("skipped" in i["error"] for i in items[1:]), items
    assert obs["gave_up_after_timeouts"] == 2
