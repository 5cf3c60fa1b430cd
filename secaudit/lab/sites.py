"""Loopback lab sites: HTTPS servers (good or deliberately bad), plain-HTTP listeners and raw TCP
listeners, all on the caller's own loopback addresses and ephemeral ports, in daemon threads.

Used by the test suite, ``secaudit demo`` and the benchmarks. Scanners (sslyze in particular) send
odd and aborted handshakes: every connection is handled in its own thread, the TLS handshake
happens there (not in the accept loop), and any failure only ends that connection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from secaudit.lab.certs import LabCA, Leaf

# A well-configured site's headers (Mozilla Observatory "A+" style).
GOOD_HEADERS: dict[str, str] = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

# Mozilla "intermediate" TLS 1.2 suites (ECDHE only: Python's ssl sets no DH parameters).
INTERMEDIATE_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ]
)

DEFAULT_PAGE = (
    b'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>secaudit lab'
    b"</title></head><body><p>secaudit lab site</p></body></html>"
)
SECURITY_TXT_PATH = "/.well-known/security.txt"


def security_txt(contact: str = "mailto:security@lab.example.vn", days: int = 365, extra: str = "") -> bytes:
    """An RFC 9116 file whose Expires is ``days`` from now (negative: already expired)."""
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
    lines = [
        f"Contact: {contact}" if contact else "",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: vi, en",
    ]
    return ("# secaudit lab\n" + "".join(f"{ln}\n" for ln in lines if ln) + extra).encode()


CONN_TIMEOUT = 10.0  # seconds a client may stay silent before its connection is dropped
POLL = 0.05  # serve_forever poll interval: keeps Lab shutdown fast with many sites


@dataclass
class SiteSpec:
    name: str
    address: str
    hostname: str
    cert: Leaf | None = None  # None: issued by the lab CA for hostname (+ address)
    tls_min: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    tls_max: ssl.TLSVersion | None = None
    ciphers: str | None = None  # None: Mozilla intermediate suites (+ @SECLEVEL=0 when needed)
    headers: dict[str, str] = field(default_factory=lambda: dict(GOOD_HEADERS))
    server_header: str | None = "secaudit-lab"
    cookies: list[str] = field(default_factory=list)
    paths: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    plain_http: str = "redirect"  # redirect | no_redirect | none
    # served at SECURITY_TXT_PATH unless ``paths`` says otherwise; None: not served (404)
    security_txt: bytes | None = field(default_factory=security_txt)


@dataclass
class RunningSite:
    spec: SiteSpec
    https_port: int
    http_port: int | None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def address(self) -> str:
        return self.spec.address

    @property
    def hostname(self) -> str:
        return self.spec.hostname

    @property
    def url(self) -> str:
        return f"https://{_hostpart(self.hostname)}:{self.https_port}"

    @property
    def http_url(self) -> str | None:
        return None if self.http_port is None else f"http://{_hostpart(self.hostname)}:{self.http_port}"


def _hostpart(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --------------------------------------------------------------------------- HTTP handlers


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hostile client holding a connection must not block shutdown
    request_queue_size = 128  # sslyze opens many connections at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # aborted handshakes and resets are expected from scanners


def _v6(cls: type, address: str) -> type:
    """The server class for ``address``: socketserver binds IPv4 unless told otherwise."""
    if ":" not in address:
        return cls
    return type(f"{cls.__name__}6", (cls,), {"address_family": socket.AF_INET6})


class _TLSServer(_QuietServer):
    def __init__(self, addr: tuple[str, int], handler: type, ctx: ssl.SSLContext) -> None:
        self.ssl_context = ctx
        super().__init__(addr, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = self.socket.accept()
        # Handshake later, in the connection's own thread (see _Handler.setup).
        return self.ssl_context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), addr


class _Handler(BaseHTTPRequestHandler):
    spec: SiteSpec  # set on the per-site subclass
    https_port: int = 0
    plain: bool = False  # the plain-HTTP listener
    timeout = CONN_TIMEOUT

    def setup(self) -> None:
        self.request.settimeout(CONN_TIMEOUT)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        if self.spec.server_header is not None:
            self.send_header("Server", self.spec.server_header)
        self.send_header("Date", email.utils.formatdate(usegmt=True))

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_POST(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        status, ctype, body, extra = self._route()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _route(self) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        path = self.path.split("?", 1)[0]
        if self.plain:
            if self.spec.plain_http == "redirect":
                loc = f"https://{_hostpart(self.spec.hostname)}:{self.https_port}{self.path}"
                return 301, "text/html; charset=utf-8", b"<p>Moved</p>", [("Location", loc)]
            return 200, "text/html; charset=utf-8", DEFAULT_PAGE, []
        extra = list(self.spec.headers.items()) + [("Set-Cookie", c) for c in self.spec.cookies]
        if path in self.spec.paths:
            status, ctype, body = self.spec.paths[path]
            return status, ctype, body, extra
        if path == SECURITY_TXT_PATH and self.spec.security_txt is not None:
            return 200, "text/plain; charset=utf-8", self.spec.security_txt, extra
        if path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", DEFAULT_PAGE, extra
        return 404, "text/html; charset=utf-8", b"<p>Not found</p>", extra


# --------------------------------------------------------------------------- raw TCP listeners


class _TCPListener:
    """Accepts TCP connections; optionally sends a banner; never closes first (until stopped)."""

    def __init__(self, address: str, banner: bytes | None) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 0))
        self.sock.listen(64)
        self.sock.settimeout(POLL)
        self.port: int = self.sock.getsockname()[1]
        self.banner = banner
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True, name=f"lab-tcp-{address}:{self.port}")
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.banner:
                    conn.sendall(self.banner)
                conn.settimeout(POLL * 4)
                while not self.stopped.is_set():
                    try:
                        if not conn.recv(4096):
                            return  # client closed
                    except TimeoutError:
                        continue
            except OSError:
                return

    def stop(self) -> None:
        self.stopped.set()
        # End the accept loop first: a socket closed while accept() still polls it keeps
        # accepting connections until that poll returns.
        self.thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.sock.close()


# --------------------------------------------------------------------------- the lab


class Lab:
    """A set of loopback servers sharing one CA; everything stops when the ``with`` block ends."""

    def __init__(self) -> None:
        self.ca = LabCA()
        self._tmp = tempfile.TemporaryDirectory(prefix="secaudit-lab-")
        self.dir = Path(self._tmp.name)
        self.ca_file: Path = self.ca.write(self.dir / "lab-ca.pem")
        self.sites: list[RunningSite] = []
        self._servers: list[_QuietServer] = []
        self._listeners: list[_TCPListener] = []
        self._reserved: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sites

    def start(self, spec: SiteSpec) -> RunningSite:
        leaf = spec.cert
        if leaf is None:
            names = [spec.hostname] + ([spec.address] if spec.address != spec.hostname else [])
            leaf = self.ca.issue(names)
        certfile, keyfile = leaf.write(self.dir / "sites")
        ctx = self._context(spec, leaf, certfile, keyfile)

        handler = type(f"Handler_{spec.name}", (_Handler,), {"spec": spec})
        https = _v6(_TLSServer, spec.address)((spec.address, 0), handler, ctx)
        https_port = https.server_address[1]
        handler.https_port = https_port
        self._serve(https, f"lab-https-{spec.name}")

        http_port: int | None = None
        if spec.plain_http != "none":
            if spec.plain_http not in ("redirect", "no_redirect"):
                raise ValueError(f"plain_http must be redirect|no_redirect|none, not {spec.plain_http!r}")
            plain_handler = type(
                f"PlainHandler_{spec.name}",
                (_Handler,),
                {"spec": spec, "plain": True, "https_port": https_port},
            )
            plain = _v6(_QuietServer, spec.address)((spec.address, 0), plain_handler)
            http_port = plain.server_address[1]
            self._serve(plain, f"lab-http-{spec.name}")

        site = RunningSite(spec=spec, https_port=https_port, http_port=http_port)
        with self._lock:
            self.sites.append(site)
        return site

    @staticmethod
    def _context(spec: SiteSpec, leaf: Leaf, certfile: Path, keyfile: Path) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = spec.tls_min
        if spec.tls_max is not None:
            ctx.maximum_version = spec.tls_max
        ciphers = spec.ciphers
        if ciphers is None:
            # OpenSSL 3 refuses TLS < 1.2, weak keys and SHA-1 certificates at the default
            # security level even on the server side: lower it only for sites that need it.
            legacy = spec.tls_min < ssl.TLSVersion.TLSv1_2 or _weak_cert(leaf)
            ciphers = (
                "DEFAULT:@SECLEVEL=0"
                if spec.tls_min < ssl.TLSVersion.TLSv1_2
                else INTERMEDIATE_CIPHERS + (":@SECLEVEL=0" if legacy else "")
            )
        ctx.set_ciphers(ciphers)
        if spec.ciphers is None:
            # With OpenSSL 3 this sets the group list for TLS 1.2 *and* 1.3: the default list
            # offers X448/secp521r1, which Mozilla's intermediate profile flags.
            ctx.set_ecdh_curve("prime256v1")
        ctx.load_cert_chain(certfile, keyfile)
        return ctx

    def _serve(self, server: _QuietServer, name: str) -> None:
        with self._lock:
            self._servers.append(server)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True, name=name
        ).start()

    # -- raw ports

    def tcp_listener(self, address: str, banner: bytes | None = b"+OK secaudit lab\r\n") -> int:
        """A service that accepts connections (and sends ``banner``); returns its port."""
        lst = _TCPListener(address, banner)
        with self._lock:
            self._listeners.append(lst)
        return lst.port

    def silent_listener(self, address: str) -> int:
        """Accepts TCP connections and never answers (clients time out)."""
        return self.tcp_listener(address, banner=None)

    def closed_port(self, address: str) -> int:
        """A port nothing listens on: connections are refused. The port stays bound (not listening)
        for the lab's lifetime so no other process can take it meanwhile."""
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.bind((address, 0))
        with self._lock:
            self._reserved.append(sock)
        return sock.getsockname()[1]

    # -- shutdown

    def close(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, []
            listeners, self._listeners = self._listeners, []
            reserved, self._reserved = self._reserved, []
        for lst in listeners:
            lst.stopped.set()  # all loops wind down together, then each is joined
        for lst in listeners:
            lst.stop()
        for srv in servers:
            srv.shutdown()
            srv.server_close()
        for sock in reserved:
            sock.close()
        self._tmp.cleanup()


def _weak_cert(leaf: Leaf) -> bool:
    cert = leaf.cert
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        return True
    algo = cert.signature_hash_algorithm
    return algo is not None and algo.name in ("sha1", "md5")


__all__ = [
    "GOOD_HEADERS",
    "INTERMEDIATE_CIPHERS",
    "SECURITY_TXT_PATH",
    "Lab",
    "LabCA",
    "Leaf",
    "RunningSite",
    "SiteSpec",
    "security_txt",
]
