"""Benchmark: what a stalling server costs `secaudit scan`, and how fast Ctrl-C stops it.

Loopback listeners that accept TCP and then stall: ``silent`` never answers; ``byte`` answers the
client's first data with one byte (0x16, the start of a TLS handshake record) and stalls the rest
of the handshake (sslyze then retries per protocol and cipher list). For each kind and each probe
set, it times `secaudit scan HOST:PORT --timeout T --http-port PORT` (plain HTTP on the stalling
port too) and prints seconds and the multiple of --timeout; a refused port gives the baseline
(process start-up and imports, paid once per run, not per target). Then it starts a scan with
--timeout 60, sends SIGINT after 1 s and prints how long the process took to exit, and its code.
Goal (issue 9): at most about 2 x --timeout per target; Ctrl-C within 2 s, exit 130.
It prints figures; it asserts nothing.

    .venv/bin/python bench/stall_bench.py [--timeout 2]
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import threading
import time

ADDR = "127.0.0.95"


def listener(first: bytes) -> int:
    sock = socket.socket()
    sock.bind((ADDR, 0))
    sock.listen(64)
    held: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            if conn.recv(4096) and first:
                conn.sendall(first)
        except OSError:
            pass

    def loop() -> None:
        while True:
            conn, _ = sock.accept()
            held.append(conn)  # never closed: the client must time out
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return int(sock.getsockname()[1])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "secaudit.cli", *args]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    closed = socket.socket()  # bound, not listening: refused at once - the baseline (startup cost)
    closed.bind((ADDR, 0))
    ports = {"refused": closed.getsockname()[1], "silent": listener(b""), "byte": listener(b"\x16")}
    print(f"--timeout {a.timeout:g}")
    for kind, port in ports.items():
        for probes in ("tls", "http", "tls,http,ports"):
            cmd = cli(
                "scan", f"{ADDR}:{port}", "--timeout", f"{a.timeout:g}", "--http-port", str(port),
                "--probes", probes, "--no-progress", "--format", "json",
            )  # fmt: skip
            start = time.monotonic()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            took = time.monotonic() - start
            print(
                f"{kind:7} {probes:15} exit {proc.returncode}  {took:6.2f} s"
                f"  = {took / a.timeout:4.1f} x timeout"
            )
    for kind, port in list(ports.items())[1:]:
        cmd = cli("scan", f"{ADDR}:{port}", "--timeout", "60", "--http-port", str(port), "--no-progress")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        took = time.monotonic() - start
        last = err.strip().splitlines()[-1] if err.strip() else ""
        print(f"Ctrl-C {kind:7} exit {proc.returncode}  {took:5.2f} s after SIGINT  stderr: {last}")


if __name__ == "__main__":
    main()
