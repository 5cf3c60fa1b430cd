"""Run the application: cheroot's WSGI server, HTTPS in-process when given a certificate and key.

Why cheroot: pure Python like waitress (agencies' machines run Windows; gunicorn does not), and,
unlike waitress, it terminates TLS itself, so ``--cert/--key`` needs no proxy in front.
"""

from __future__ import annotations

import signal
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

THREADS = 16
BACKLOG = 256  # connections waiting for a worker (cheroot's default 5 refuses a burst of browsers)
MAX_BODY = 64 * 1024 * 1024  # at least; raised to the largest upload bound (web/upload_limit.py)


def parse_bind(bind: str) -> tuple[str, int]:
    """``ADDR:PORT`` / ``[::1]:PORT`` / ``PORT`` → (address, port)."""
    text = bind.strip()
    host, _, port = text.rpartition(":") if ":" in text else ("127.0.0.1", "", text)
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InputError(f"--bind {bind!r}: địa chỉ không hợp lệ / expected ADDR:PORT, e.g. 127.0.0.1:8000")
    return host, int(port)


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    from secaudit.core.files import read_input

    for path, what in ((cert, "a certificate (PEM)"), (key, "a private key (PEM)")):
        read_input(path, what, 1024 * 1024)  # a regular, bounded file: never a FIFO that blocks
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"không đọc được chứng thư, khóa / cannot load the certificate/key: {exc}", cert
        ) from None
    return ctx


def make_server(app: Any, host: str, port: int, cert: Path | None = None, key: Path | None = None) -> Any:
    from cheroot import wsgi

    server = wsgi.Server(
        (host, port), app, numthreads=THREADS, server_name="secaudit", timeout=30, request_queue_size=BACKLOG
    )
    server.version = "secaudit"  # the Server header of cheroot's own error responses: no version
    from secaudit.web.upload_limit import largest_body

    # Over a URL's bound, the application answers 413 with the bilingual page; only a body beyond
    # every bound (20 evidence files at their cap) meets cheroot's own 413.
    server.max_request_body_size = max(MAX_BODY, largest_body())
    if cert is not None and key is not None:
        from cheroot.ssl.builtin import BuiltinSSLAdapter

        context = tls_context(cert, key)  # bad files: InputError before cheroot reads them itself
        adapter = BuiltinSSLAdapter(str(cert), str(key))
        adapter.context = context
        server.ssl_adapter = adapter
    return server


def run(
    app: Any, host: str, port: int, cert: Path | None, key: Path | None, announce: Callable[[str], None]
) -> None:
    """Serve until SIGINT/SIGTERM; announce the URL once listening (``:0`` = the port picked)."""
    server = make_server(app, host, port, cert, key)
    try:
        server.prepare()
    except OSError as exc:
        raise InputError(
            f"không mở được cổng {host}:{port} / cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    bound = server.bind_addr
    shown_host = f"[{bound[0]}]" if ":" in str(bound[0]) else bound[0]
    scheme = "https" if server.ssl_adapter else "http"
    announce(f"secaudit serve: {scheme}://{shown_host}:{bound[1]}/")

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # as Ctrl-C: cheroot's serve loop shuts its workers down

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        sys.stdout.flush()
        sys.stderr.flush()
