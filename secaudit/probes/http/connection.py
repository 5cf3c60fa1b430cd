"""Connections of one target: connect to ``target.connect_address``, speak to ``target.host``.

urllib3 (requests' transport) is used directly: per-connection ``server_hostname`` and
``assert_hostname`` let us connect to ``target.address`` while SNI, Host and certificate checks use
``target.host`` (DESIGN §9), without touching the resolver or global verification settings.
Every socket a target opens is tracked, so that its time budget (a watchdog) or a cancelled scan
can shut them all: per-read timeouts alone cannot stop a server that trickles one byte at a time.
"""

from __future__ import annotations

import _socket
import socket
import ssl
import threading
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from secaudit import __version__
from secaudit.core.model import Target
from secaudit.probes.safe_text import escape_controls

USER_AGENT = f"secaudit/{__version__} (+security posture audit)"
MAX_BODY = 64 * 1024  # never read more than this from any response (hostile servers)
MAX_VALUE = 1024  # header values are stored truncated (they come from a possibly hostile server)

BUDGET_EXHAUSTED = "time budget for this target exhausted"
GAVE_UP = "the server stopped answering in time: gave up on port {port} after {n} timed-out requests"
CANCELLED = "cancelled / đã hủy"


# --------------------------------------------------------------------------- trust


def trust_context(ca_file: Path | None) -> ssl.SSLContext:
    """One verifying context for the whole run: certifi's bundle (requests' trust store) PLUS
    ``ca_file`` - added, not replacing (requests' verify=PATH would replace it). Loaded once:
    parsing the bundle per connection costs more than the request on loopback."""
    import certifi

    ctx = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        ctx.load_verify_locations(cafile=str(ca_file))
    # urllib3 checks the name itself against assert_hostname (= target.host, also for IPs).
    ctx.check_hostname = False
    return ctx


def permissive_context() -> ssl.SSLContext:
    """For the unverified re-fetch only: headers of a legacy/weak server are still worth judging
    (its TLS faults are judged by the TLS checks, from sslyze)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        # eNULL too: a NULL-only server's headers are still read (marked in the evidence)
        ctx.set_ciphers("ALL:eNULL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pass
    return ctx


def negotiated(conn: Conn) -> list[Any] | None:
    """[cipher, protocol, secret bits] of the target's latest TLS connection (None: unknown)."""
    with conn._lock:
        socks = [s for s in conn.sockets if isinstance(s, ssl.SSLSocket)]
    for sock in reversed(socks):
        try:
            got = sock.cipher()
        except (OSError, ValueError):
            continue
        if got:
            return [str(got[0]), str(got[1]), int(got[2] or 0)]
    return None


# --------------------------------------------------------------------------- one target


class Conn:
    """Connection pools of one target: connect to ``address``, speak to ``host``."""

    def __init__(
        self,
        target: Target,
        contexts: tuple[ssl.SSLContext, ssl.SSLContext],
        timeout: float,
        max_timeouts: int | None = None,
    ) -> None:
        import urllib3

        self.target = target
        self.trust, self.permissive = contexts
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.verified = True
        self.pools: dict[tuple[str, int, bool], Any] = {}
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.reason = BUDGET_EXHAUSTED
        self.timeouts: dict[int, int] = {}  # port -> requests to it that timed out
        self.gave_up: set[int] = set()  # ports not asked again (a stalled service)
        self.max_timeouts = max_timeouts
        self._lock = threading.Lock()

    def _track(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._lock:
                self.sockets.append(sock)
                if self.expired:
                    shutdown(sock)

    def expire(self, reason: str = BUDGET_EXHAUSTED) -> None:
        """The target's time budget is spent (watchdog) or the scan was cancelled: shut its
        sockets down, so that no read blocks any longer, and refuse further requests."""
        with self._lock:
            if not self.expired:
                self.reason = reason
            self.expired = True
            for sock in self.sockets:
                shutdown(sock)

    def pool(self, scheme: str, port: int) -> Any:
        import urllib3

        if not self.verified:
            # We say "verified": false in the observation ourselves; urllib3's warning is noise.
            warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)

        key = (scheme, port, self.verified)
        if key not in self.pools:
            addr = self.target.connect_address
            common: dict[str, Any] = {"timeout": self.timeout, "retries": False, "maxsize": 1, "block": False}
            if scheme == "http":
                pool = urllib3.HTTPConnectionPool(addr, port, **common)
            elif self.verified:
                pool = urllib3.HTTPSConnectionPool(
                    addr,
                    port,
                    ssl_context=self.trust,
                    cert_reqs="CERT_REQUIRED",
                    server_hostname=self.target.host,
                    assert_hostname=self.target.host,
                    **common,
                )
            else:
                pool = urllib3.HTTPSConnectionPool(
                    addr,
                    port,
                    ssl_context=self.permissive,
                    cert_reqs="CERT_NONE",
                    assert_hostname=False,
                    server_hostname=self.target.host,
                    **common,
                )
            pool.ConnectionCls = _tracking(pool.ConnectionCls, self._track)
            self.pools[key] = pool
        return self.pools[key]

    def get(self, url: str) -> Any:
        """GET one URL of this target's host without following redirects; body not read yet."""
        if self.expired:
            raise TimeoutError(self.reason)
        parts = urlsplit(url)
        scheme = parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        if port in self.gave_up:
            raise TimeoutError(GAVE_UP.format(port=port, n=self.timeouts[port]))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default = 443 if scheme == "https" else 80
        hostpart = f"[{self.target.host}]" if ":" in self.target.host else self.target.host
        headers = {
            "Host": hostpart if port == default else f"{hostpart}:{port}",
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "Accept-Encoding": "identity",
        }
        try:
            resp = self.pool(scheme, port).urlopen(
                "GET",
                path,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
            )
        except Exception as exc:
            if self.expired:  # the watchdog cut it: say so rather than "connection reset"
                raise TimeoutError(self.reason) from exc
            if classify(exc)[0] == "timeout":
                self.note_timeout(port)
            raise
        if self.expired:  # cut mid-headers: http.client took the EOF for their end
            discard(resp)
            raise TimeoutError(self.reason)
        return resp

    def note_timeout(self, port: int) -> None:
        """A request to ``port`` timed out (connect, headers or body). After ``max_timeouts`` the
        port is given up: a stalled service costs ~max_timeouts x timeout, not one per path. Per
        port, so that a filtered plain-HTTP port 80 does not cost the HTTPS site its paths."""
        n = self.timeouts[port] = self.timeouts.get(port, 0) + 1
        if self.max_timeouts is not None and n >= self.max_timeouts:
            self.gave_up.add(port)

    def port_of(self, url: str) -> int:
        parts = urlsplit(url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    def close(self) -> None:
        for p in self.pools.values():
            try:
                p.close()
            except Exception:  # closing must never mask the observation
                pass


def shutdown(sock: socket.socket) -> None:
    try:
        # _socket-level shutdown: unblocks a blocked reader without touching SSL state.
        _socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed, or detached when TLS wrapped it


def _tracking(base: type, track: Callable[[socket.socket | None], None]) -> type:
    """A connection class that reports each socket it opens (for the watchdog)."""

    class Tracked(base):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            track(sock)  # the raw TCP socket: covers a server that stalls the TLS handshake
            return sock

        def connect(self) -> None:
            super().connect()
            track(self.sock)  # the TLS socket that replaced it

    return Tracked


# --------------------------------------------------------------------------- bodies


def read_capped(resp: Any, limit: int = MAX_BODY) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        chunk = resp.read(min(16384, limit - total))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), True


def decompress(body: bytes, encoding: str) -> bytes:
    """Undo gzip/deflate though we asked for identity, bounded (no decompression bombs)."""
    enc = encoding.strip().lower()
    if enc not in ("gzip", "x-gzip", "deflate"):
        return body
    try:
        return zlib.decompressobj(wbits=47 if "gzip" in enc else 15).decompress(body, MAX_BODY)
    except zlib.error:
        return body


def discard(resp: Any) -> None:
    """Close without draining: a hostile body is never read to its end."""
    try:
        resp.close()
        resp.release_conn()
    except Exception:
        pass


# --------------------------------------------------------------------------- errors


def classify(exc: BaseException) -> tuple[str, str]:
    """(kind, reason) for a failed request: refused | timeout | tls | protocol | other."""
    from urllib3 import exceptions as ue

    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 8:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__ or (cur.reason if isinstance(cur, ue.MaxRetryError) else None)
    text = clip(str(exc), 300)
    for e in chain:
        if isinstance(e, ConnectionRefusedError):
            return "refused", "connection refused / bị từ chối kết nối"
    for e in chain:
        if isinstance(e, (ue.SSLError, ssl.SSLError, ssl.CertificateError)) and not isinstance(
            e, ue.ProtocolError
        ):
            return "tls", f"TLS error: {text}"
    for e in chain:
        if isinstance(e, ue.NewConnectionError):
            return "other", f"cannot connect: {text}"
        if isinstance(e, (ue.ConnectTimeoutError, ue.ReadTimeoutError, TimeoutError)):
            return "timeout", f"timed out: {text}"
    for e in chain:
        if isinstance(e, (ue.ProtocolError, ue.DecodeError)):
            return "protocol", f"invalid HTTP response: {text}"
    return "other", f"{type(exc).__name__}: {text}"


def body_error(conn: Conn, exc: BaseException) -> str:
    """Why a body could not be read: the watchdog's cut reads as a broken connection to urllib3."""
    return f"timed out: {conn.reason}" if conn.expired else classify(exc)[1]


def clip(value: str | None, limit: int) -> str:
    """At most ``limit`` characters of server-sent text, control characters escaped (safe_text)."""
    if value is None:
        return ""
    value = str(value)
    head = escape_controls(value[:limit])
    return head if len(value) <= limit else head + f"…[+{len(value) - limit} chars]"
