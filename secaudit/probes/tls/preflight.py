"""Pre-flight of the TLS probe: resolve, connect and complete one TLS handshake, all bounded.

sslyze makes dozens of connections per server and, against a server that accepts TCP and then
stalls the handshake, waits one network timeout per protocol and cipher list (measured: 11 x
--timeout). One handshake of our own first, with a deadline over the whole handshake (not per
read: a server trickling bytes cannot stretch it), costs at most connect + handshake = 2 x timeout
and marks such a target unreachable before sslyze sees it.

The handshake is driven through memory BIOs with Python's ssl (permissive: any version down to
TLS 1.0, any suite) so that the deadline and cancellation are ours. A handshake that *fails*
(an alert, an SSL 2.0/3.0-only server, a reset) proves the port speaks TLS, or might: sslyze,
with its own legacy-capable OpenSSL, judges it. Only silence, a stall and a non-TLS answer stop
the target here.
"""

from __future__ import annotations

import select
import socket
import ssl
import time

from secaudit.core.model import Target
from secaudit.probes.base import ProbeContext

SLICE = 0.2  # seconds between cancellation checks while waiting for the server


def resolve(host: str, port: int) -> str:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return str(infos[0][4][0])


def is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    except OSError:
        return False


def _context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pass
    return ctx


def preflight(target: Target, context: ProbeContext) -> tuple[str | None, str | None]:
    """(ip, error): error is None when the port completed or refused a TLS handshake in time."""
    timeout = context.timeout
    try:
        ip = resolve(target.connect_address, target.port)
    except (OSError, UnicodeError) as exc:
        return None, f"DNS resolution failed for {target.connect_address}: {exc}"
    where = f"[{ip}]:{target.port}" if ":" in ip else f"{ip}:{target.port}"
    if context.cancelled():
        return ip, "cancelled"
    try:
        sock = socket.create_connection((ip, target.port), timeout=timeout)
    except ConnectionRefusedError:
        return ip, f"connection refused by {where}"
    except TimeoutError:
        return ip, f"TCP connection to {where} timed out after {timeout:g}s"
    except OSError as exc:
        return ip, f"cannot connect to {where}: {exc.strerror or exc}"
    unregister = context.on_cancel(lambda: _close(sock))
    try:
        return ip, _handshake(sock, target, where, context)
    finally:
        unregister()
        _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _handshake(sock: socket.socket, target: Target, where: str, context: ProbeContext) -> str | None:
    timeout = context.timeout
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sni = None if is_ip(target.host) else target.host
    tls = _context().wrap_bio(incoming, outgoing, server_hostname=sni)
    deadline = time.monotonic() + timeout
    received = b""
    sock.setblocking(False)
    while True:
        try:
            tls.do_handshake()
            return None  # completed: a TLS server that answers in time
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLError, OSError):
            return _judge_first_bytes(received, where)  # refused: sslyze decides what it accepts
        pending = outgoing.read()
        stalled = False
        try:
            if pending:
                stalled = not _send_all(sock, pending, deadline, context)
        except OSError:
            return None  # a reset may be a picky TLS server: let sslyze try its handshakes
        data = None if stalled else _recv(sock, deadline, context)
        if data is None:
            if context.cancelled():
                return "cancelled"
            if not received:
                return f"no answer to a TLS ClientHello from {where} within {timeout:g}s (not a TLS service?)"
            return (
                f"TLS handshake with {where} did not complete within {timeout:g}s (the server stalled)"
                + f" / máy chủ không hoàn tất bắt tay TLS trong {timeout:g}s"
            )
        if not data:  # the server closed: a TLS server refusing us, or another protocol
            return _judge_first_bytes(received, where)
        if not received:
            bad = _judge_first_bytes(data, where)
            if bad:
                return bad
        received = (received + data)[:16]  # only the first bytes are ever judged
        incoming.write(data)


def _judge_first_bytes(first: bytes, where: str) -> str | None:
    # A TLS server answers with a handshake (0x16) or alert (0x15) record, SSL 2.0 with a high bit set;
    # anything else (a banner, an HTTP error page) is another protocol.
    if first and first[0] not in (0x15, 0x16) and not first[0] & 0x80:
        return f"not a TLS service at {where} (it answered {first[:8]!r})"
    return None


def _send_all(sock: socket.socket, data: bytes, deadline: float, context: ProbeContext) -> bool:
    """False when the deadline passed or the scan was cancelled before everything was sent."""
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or context.cancelled():
            return False
        _, writable, _ = select.select([], [sock], [], min(SLICE, left))
        if writable:
            try:
                sent = sock.send(view)
            except BlockingIOError:
                continue
            view = view[sent:]
    return True


def _recv(sock: socket.socket, deadline: float, context: ProbeContext) -> bytes | None:
    """Bytes from the server, b"" on EOF, None when the deadline passed or the scan was cancelled."""
    while not context.cancelled():
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            readable, _, _ = select.select([sock], [], [], min(SLICE, left))
        except (OSError, ValueError):  # closed under us (cancel)
            return None
        if readable:
            try:
                return sock.recv(16384)
            except BlockingIOError:
                continue
            except OSError:
                return b""
    return None
