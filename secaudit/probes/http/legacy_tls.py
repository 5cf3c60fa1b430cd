"""One GET over a cipher the system's OpenSSL no longer has (3DES, RC4...), for the main page only.

OpenSSL 3 (Python's ssl) has neither RC4 nor 3DES, so a server offering only those leaves the
HTTP checks with nothing to judge. sslyze's nassl ships a legacy OpenSSL 1.0.2 client
(``LegacySslClient``) that still speaks them; it reads the main page's status, headers and the
start of its body here, bounded like every other request (timeout, ``MAX_BODY``). Nothing is
verified (the TLS checks judge certificate and cipher); the response says which cipher carried it.
"""

from __future__ import annotations

import socket
import time
from io import BytesIO
from typing import Any

from secaudit.core.model import Target
from secaudit.probes.http.connection import MAX_BODY, USER_AGENT, Conn

HEADERS_MAX = 64 * 1024


class LegacyResponse:
    """Enough of urllib3's response for pages.py: status, headers, read(), close()."""

    def __init__(self, status: int, headers: Any, body: bytes, cipher: list[Any]) -> None:
        self.status = status
        self.headers = headers
        self._body = BytesIO(body)
        self.cipher = cipher

    def read(self, n: int = -1) -> bytes:
        return self._body.read(n)

    def close(self) -> None:
        self._body.close()

    def release_conn(self) -> None:
        pass


def get(conn: Conn, target: Target, path: str, port: int, timeout: float) -> LegacyResponse:
    """GET ``path`` over nassl's legacy client; raises OSError / ValueError on any failure."""
    from nassl.legacy_ssl_client import LegacySslClient
    from nassl.ssl_client import OpenSslVerifyEnum, OpenSslVersionEnum
    from urllib3 import HTTPHeaderDict

    address = target.connect_address
    sock = socket.create_connection((address, port), timeout=timeout)
    conn._track(sock)  # the watchdog and Ctrl-C close it like any other
    try:
        client = LegacySslClient(
            ssl_version=OpenSslVersionEnum.SSLV23, underlying_socket=sock, ssl_verify=OpenSslVerifyEnum.NONE
        )
        client.set_cipher_list("ALL:COMPLEMENTOFALL")
        if not _is_ip(target.host):
            client.set_tlsext_host_name(target.host)
        client.do_handshake()
        cipher = [client.get_current_cipher_name(), "legacy", int(client.get_current_cipher_bits())]
        host = f"[{target.host}]" if ":" in target.host else target.host
        request = (
            f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
        )
        client.write(request.encode("ascii", "replace"))
        data, deadline = b"", time.monotonic() + timeout
        while len(data) < HEADERS_MAX + MAX_BODY and time.monotonic() < deadline and not conn.expired:
            try:
                chunk = client.read(16384)
            except Exception:  # the server closed (nassl raises on EOF)
                break
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no complete HTTP response over the legacy cipher")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response over the legacy cipher: {lines[0][:60]!r}")
    headers = HTTPHeaderDict()
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.add(name.strip(), value.strip())
    return LegacyResponse(int(parts[1]), headers, body[:MAX_BODY], cipher)


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
        return True
    except OSError:
        return False
