"""The mail probe's own SMTP greeting + EHLO, bounded (the MX may be hostile).

smtplib bounds a reply line (8 KiB) but not a reply: it reads ``250-`` continuation lines for as
long as they come, and its timeout is per read, so a server that never ends its greeting, streams
an endless EHLO reply or trickles one byte at a time held the scan for ever (measured: a run with
--timeout 1 still going after 40 s). Here every reply has a deadline over the whole reply and a
size cap, and each failure is an observation with its reason.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from secaudit.probes.domains import printable

MAX_REPLY = 64 * 1024  # bytes of one reply (a real EHLO reply is well under 1 KiB)
MAX_LINE = 8192  # bytes of one reply line (smtplib's limit; RFC 5321 says 512)


class SmtpReplyError(Exception):
    """The server's reply was unusable (too long, too slow, not SMTP, connection closed)."""


def ehlo(address: str, port: int, helo_name: str, timeout: float) -> dict[str, Any]:
    """Greeting then EHLO: ``{"connected", "ehlo", "starttls"}`` or ``{"connected": False, "error"}``.
    Costs at most connect + 2 replies, each within ``timeout`` seconds in all."""
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as exc:
        return {"connected": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        reader = _Reader(sock, timeout)
        code, _ = reader.reply()
        if code != 220:
            return {"connected": False, "error": f"SMTP greeting {code}, not 220 / máy chủ không chào 220"}
        sock.sendall(f"EHLO {helo_name}\r\n".encode("ascii"))
        code, lines = reader.reply()
        extensions = {ln.split(" ", 1)[0].upper() for ln in lines[1:]} if code == 250 else set()
        try:
            sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return {"connected": True, "ehlo": code, "starttls": "STARTTLS" in extensions}
    except SmtpReplyError as exc:
        return {"connected": False, "error": str(exc)}
    except OSError as exc:
        return {"connected": False, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        sock.close()


class _Reader:
    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout
        self.buf = b""

    def reply(self) -> tuple[int, list[str]]:
        """(code, text lines) of one complete reply, read within ``timeout`` seconds in all."""
        deadline = time.monotonic() + self.timeout
        lines: list[str] = []
        size = 0
        while True:
            line = self._line(deadline)
            size += len(line)
            if size > MAX_REPLY:
                raise SmtpReplyError(f"SMTP reply too long (over {MAX_REPLY} bytes) / trả lời SMTP quá dài")
            head = line[:3]
            if not head.isdigit() or line[3:4] not in (b"", b" ", b"-", b"\r", b"\n"):
                raise SmtpReplyError(
                    f"not an SMTP reply: {printable(repr(line[:40]), 60)} / không phải trả lời SMTP"
                )
            lines.append(line[4:].decode("latin-1").strip())
            if line[3:4] != b"-":
                return int(head), lines

    def _line(self, deadline: float) -> bytes:
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise SmtpReplyError(
                    f"SMTP reply line too long (over {MAX_LINE} bytes) / dòng trả lời SMTP quá dài"
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise SmtpReplyError(
                    f"no complete SMTP reply within {self.timeout:g}s (the server trickles or stalls)"
                    f" / máy chủ không trả lời SMTP đầy đủ trong {self.timeout:g}s"
                )
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                continue  # the deadline check above says so
            if not chunk:
                raise SmtpReplyError("the server closed the connection / máy chủ đóng kết nối")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        if len(line) > MAX_LINE:
            raise SmtpReplyError(
                f"SMTP reply line too long (over {MAX_LINE} bytes) / dòng trả lời SMTP quá dài"
            )
        return line + b"\n"
