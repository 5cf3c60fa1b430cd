"""Loopback SMTP servers with STARTTLS (aiosmtpd) for tests and the demo: a good TLS set-up
(TLS 1.2+, ECDHE AEAD suites) or a weak one (TLS 1.0 and legacy suites accepted), or none at all.

All servers of one ``SmtpLab`` share one port on different loopback addresses, because a scan
names one ``--smtp-port`` for every MX. Each server runs its own asyncio loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from secaudit.lab.certs import LabCA, Leaf
from secaudit.lab.sites import INTERMEDIATE_CIPHERS


@dataclass
class RunningSmtp:
    address: str
    port: int
    hostname: str
    leaf: Leaf | None
    tls: str  # good | weak | none


# aiosmtpd logs every aborted handshake (sslyze makes hundreds) with a traceback: keep it quiet
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


class _Handler:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK (discarded)"


def _context(leaf: Leaf, tls: str, directory: Path) -> ssl.SSLContext:
    certfile, keyfile = leaf.write(directory)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if tls == "weak":
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0 without it
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(INTERMEDIATE_CIPHERS)
        ctx.set_ecdh_curve("prime256v1")
    ctx.load_cert_chain(certfile, keyfile)
    return ctx


class SmtpLab:
    def __init__(self, ca: LabCA, directory: Path) -> None:
        self.ca = ca
        self.dir = directory
        self.port: int | None = None
        self.servers: list[RunningSmtp] = []
        self._loops: list[tuple[asyncio.AbstractEventLoop, threading.Thread]] = []
        self._servers_of: list[tuple[asyncio.AbstractEventLoop, asyncio.AbstractServer]] = []

    def __enter__(self) -> SmtpLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bind(self, address: str) -> socket.socket:
        for _ in range(20):
            sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind((address, self.port or 0))
            except OSError:
                sock.close()
                if self.port is None:
                    continue
                raise
            if self.port is None:
                self.port = sock.getsockname()[1]
            return sock
        raise OSError(f"cannot bind {address}")

    def start(self, address: str, hostname: str, tls: str = "good", leaf: Leaf | None = None) -> RunningSmtp:
        """An SMTP server on ``address`` (same port as the lab's others); ``tls``: good|weak|none."""
        from aiosmtpd.smtp import SMTP

        if tls not in ("good", "weak", "none"):
            raise ValueError(f"tls must be good|weak|none, not {tls!r}")
        sock = self._bind(address)
        if tls != "none" and leaf is None:
            leaf = self.ca.issue([hostname])
        ctx = _context(leaf, tls, self.dir / f"smtp-{address}") if tls != "none" and leaf else None
        loop = asyncio.new_event_loop()

        def factory() -> SMTP:
            return SMTP(_Handler(), hostname=hostname, tls_context=ctx, timeout=10, loop=loop)

        server = loop.run_until_complete(loop.create_server(factory, sock=sock))
        thread = threading.Thread(target=loop.run_forever, daemon=True, name=f"lab-smtp-{address}")
        thread.start()
        self._loops.append((loop, thread))
        self._servers_of.append((loop, server))
        running = RunningSmtp(address, self.port or 0, hostname, leaf, tls)
        self.servers.append(running)
        return running

    def close(self) -> None:
        for loop, server in self._servers_of:
            loop.call_soon_threadsafe(server.close)
        for loop, thread in self._loops:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
        self._loops = []
        self._servers_of = []
