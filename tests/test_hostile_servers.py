"""Hostile servers on loopback against the real CLI (`secaudit scan`, `assess`), as an outside
tester would run them: every hostile answer must end within the run's bounds, without a traceback,
as that target's (or that server's) ``error`` with a reason - never a ``pass`` - the other targets
of the run go on, and nothing the server sent can drive the auditor's terminal. The servers are
small Python socket servers written here (SMTP, DNS, HTTP(S), raw TLS). A few paths no CLI run can
reach on demand (the TLS first-flight reader, run_parallel, a stapled OCSP response) are called
directly, still against real servers or real objects.

This module uses 127.0.0.100-127.0.0.129 only (ephemeral ports); nothing leaves loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest

Handler = Callable[[socket.socket], None]


def secaudit(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """The installed command; a hang is a test failure (TimeoutExpired), never a stuck suite."""
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]


def no_control_chars(text: str) -> None:
    bad = sorted({c for c in text if ord(c) < 32 and c not in "\n\t" or ord(c) == 127})
    assert not bad, f"control characters reach the terminal: {bad!r}"


def strings(doc: Any) -> Iterator[str]:
    if isinstance(doc, str):
        yield doc.replace("\n", " ")
    elif isinstance(doc, dict):
        for k, v in doc.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from strings(v)


class Server:
    """A TCP server on ``address`` that runs ``handler(conn)`` per connection in a thread."""

    def __init__(self, address: str, handler: Handler, port: int = 0) -> None:
        self.sock = socket.create_server((address, port))
        self.address = address
        self.port: int = self.sock.getsockname()[1]
        self.handler = handler
        self.connections = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            self.handler(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()


def same_port_servers(handlers: dict[str, Handler]) -> dict[str, Server]:
    """One server per address, all on one port (a scan names one --smtp-port for every MX)."""
    for _ in range(20):
        servers: dict[str, Server] = {}
        try:
            port = 0
            for addr, handler in handlers.items():
                servers[addr] = Server(addr, handler, port)
                port = servers[addr].port
            return servers
        except OSError:  # the port is taken on a later address: try another
            for s in servers.values():
                s.stop()
    raise RuntimeError("no common free port")


class DnsServer:
    """A tiny authoritative DNS server (UDP and TCP, one port): ``records`` maps (name, type) to
    rdata texts; every other question gets an empty NOERROR answer."""

    def __init__(self, address: str, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = records
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((address, 0))
        self.port: int = self.udp.getsockname()[1]
        self.tcp = Server(address, self._tcp, self.port)
        threading.Thread(target=self._udp, daemon=True).start()

    def answer(self, wire: bytes) -> bytes:
        q = dns.message.from_wire(wire)
        r = dns.message.make_response(q)
        name, rdtype = q.question[0].name, q.question[0].rdtype
        key = (name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(rdtype))
        if key in self.records:
            r.answer.append(dns.rrset.from_text_list(name, 60, "IN", key[1], self.records[key]))
        return r.to_wire()

    def _udp(self) -> None:
        while True:
            try:
                data, peer = self.udp.recvfrom(4096)
            except OSError:
                return
            try:
                self.udp.sendto(self.udp_answer(data), peer)
            except Exception:  # a question we cannot parse: no answer
                pass

    def udp_answer(self, wire: bytes) -> bytes:
        return self.answer(wire)

    def _tcp(self, conn: socket.socket) -> None:
        (n,) = struct.unpack("!H", conn.recv(2))
        data = b""
        while len(data) < n:
            data += conn.recv(n - len(data))
        wire = self.answer(data)
        conn.sendall(struct.pack("!H", len(wire)) + wire)

    def stop(self) -> None:
        self.udp.close()
        self.tcp.stop()


def scan_json(*args: str, timeout: float = 90) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = secaudit("scan", *args, "--no-progress", "--format", "json", timeout=timeout)
    no_traceback(proc)
    assert proc.returncode in (1, 3), (proc.returncode, proc.stderr[-2000:])
    return proc, json.loads(proc.stdout)


# ------------------------------------------------------------------ SMTP (mail probe)

DNS_ADDR = "127.0.0.100"
MX = {
    "banner": "127.0.0.101",  # a greeting of 220- continuation lines that never ends
    "slow": "127.0.0.102",  # a greeting trickled one byte at a time
    "ehlo": "127.0.0.103",  # an endless multi-line EHLO reply
    "bigline": "127.0.0.104",  # a 10 MB line instead of an EHLO reply
    "good": "127.0.0.105",  # answers EHLO properly, no STARTTLS: the run must still judge it
    "stall": "127.0.0.107",  # offers STARTTLS, says 220 to it, then never starts the handshake
}


def _greet_then(reply: Callable[[socket.socket], None]) -> Handler:
    def handler(conn: socket.socket) -> None:
        conn.sendall(b"220 mx.hostile.test ESMTP\r\n")
        f = conn.makefile("rb")
        while line := f.readline(1000):
            if line[:4].upper() in (b"EHLO", b"HELO"):
                reply(conn)
            elif line[:4].upper() == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    return handler


def _starttls_then_stall(conn: socket.socket) -> None:
    conn.sendall(b"220 mx.hostile.test ESMTP\r\n")
    f = conn.makefile("rb")
    while line := f.readline(1000):
        verb = line[:8].upper()
        if verb.startswith((b"EHLO", b"HELO")):
            conn.sendall(b"250-mx.hostile.test\r\n250 STARTTLS\r\n")
        elif verb.startswith(b"STARTTLS"):
            conn.sendall(b"220 go ahead\r\n")
            time.sleep(30)  # ... and no ServerHello ever comes
            return
        elif verb.startswith(b"QUIT"):
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


def _endless(conn: socket.socket, line: bytes) -> None:
    deadline = time.monotonic() + 60  # bounded even if the client never hangs up
    while time.monotonic() < deadline:
        conn.sendall(line * 2000)
        time.sleep(0.01)


def _trickle(conn: socket.socket) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        conn.sendall(b"2")
        time.sleep(0.2)  # each byte well within the read timeout


SMTP_HANDLERS: dict[str, Handler] = {
    MX["banner"]: lambda c: _endless(c, b"220-still greeting you\r\n"),
    MX["slow"]: _trickle,
    MX["ehlo"]: _greet_then(lambda c: _endless(c, b"250-PIPELINING\r\n")),
    MX["bigline"]: _greet_then(lambda c: c.sendall(b"250-" + b"A" * 10_000_000 + b"\r\n250 OK\r\n")),
    MX["stall"]: _starttls_then_stall,
    MX["good"]: _greet_then(lambda c: c.sendall(b"250-mx.hostile.test\r\n250 SIZE 1000\r\n")),
}


@pytest.fixture(scope="module")
def mail_lab() -> Iterator[tuple[DnsServer, int]]:
    smtp = same_port_servers(SMTP_HANDLERS)
    records: dict[tuple[str, str], list[str]] = {}
    for name, addr in MX.items():
        records[(f"{name}.hostile.test", "MX")] = [f"10 mx.{name}.hostile.test."]
        records[(f"mx.{name}.hostile.test", "A")] = [addr]
    dns_server = DnsServer(DNS_ADDR, records)
    yield dns_server, next(iter(smtp.values())).port
    dns_server.stop()
    for s in smtp.values():
        s.stop()


def test_hostile_smtp_replies_are_errors_in_bounded_time(mail_lab: tuple[DnsServer, int]) -> None:
    """Greeting or EHLO replies that never end (continuation lines, a trickle, a 10 MB line): each
    MX is an error saying what happened, the good MX of the same run is judged, nothing hangs."""
    dns_server, port = mail_lab
    domains = [a for name in MX for a in ("--domain", f"{name}.hostile.test")]
    _, doc = scan_json(
        "https://127.0.0.106:1",
        "--probes",
        "mail",
        *domains,
        "--dns-server",
        f"{DNS_ADDR}:{dns_server.port}",
        "--smtp-port",
        str(port),
        "--timeout",
        "1",
        timeout=60,
    )
    [t] = doc["targets"]
    servers = {d["domain"].split(".")[0]: d["servers"][0] for d in t["observations"]["mail"]["domains"]}
    # sslyze's STARTTLS handshakes: bounded by the tls probe's deadlines, an error (not a fail)
    stalled = servers["stall"]
    assert stalled["smtp"] == {"connected": True, "ehlo": 250, "starttls": True}
    assert "stalled" in stalled["error"], stalled
    for name in ("banner", "slow", "ehlo", "bigline"):
        smtp = servers[name]["smtp"]
        assert smtp["connected"] is False, (name, smtp)
        assert smtp["error"], name
    assert "no complete SMTP reply within 1s" in servers["slow"]["smtp"]["error"]
    assert "too long" in servers["banner"]["smtp"]["error"]
    assert "too long" in servers["ehlo"]["smtp"]["error"]
    assert "too long" in servers["bigline"]["smtp"]["error"]
    assert servers["good"]["smtp"] == {"connected": True, "ehlo": 250, "starttls": False}
    [starttls] = [c for c in t["checks"] if c["id"] == "mail.starttls"]
    per_domain = {n.split(".")[0]: d["status"] for n, d in starttls["evidence"]["domains"].items()}
    assert per_domain == {n: "fail" if n == "good" else "error" for n in MX}, per_domain


# ------------------------------------------------------------------ HTTPS + TLS (http, tls probes)

ESC = "\x1b]0;owned\x07\x1b[2J"  # sets the terminal's title, clears the screen


def _tls_files(tmp: Any, names: list[str], cn: str | None = None) -> tuple[Any, Any, Any]:
    """(cert chain, key, CA file) for a leaf of the lab CA whose subject CN is ``cn``."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from secaudit.lab.certs import LabCA

    ca = LabCA()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or names[0])]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    chain, keyfile, cafile = tmp / "chain.pem", tmp / "key.pem", tmp / "ca.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca.cert_pem)
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ca.write(cafile)
    return chain, keyfile, cafile


def https_server(
    address: str, chain: Any, key: Any, respond: Callable[[socket.socket, bytes], None]
) -> Server:
    """A TLS server that reads one request head and hands the connection to ``respond``."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)

    def handler(conn: socket.socket) -> None:
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return  # sslyze's probing handshakes, refused or cut
        with tls:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                head += chunk
            respond(tls, head)

    return Server(address, handler)


def test_control_characters_from_a_server_never_reach_the_terminal(tmp_path: Any) -> None:
    """An escape sequence in the Server header, a cookie name, a redirect's Location and the
    certificate's CN and SAN: recorded escaped, so neither the table nor any message can drive
    the auditor's terminal."""
    addr = "127.0.0.110"
    chain, key, ca = _tls_files(tmp_path, [addr, f"x{ESC}.lab.test"], cn=f"{addr}{ESC}\x00.evil")
    head = (
        f"HTTP/1.1 200 OK\r\nServer: Evil{ESC}/1.0\x00\r\nSet-Cookie: s{ESC}=1\r\n"
        "Content-Length: 2\r\nConnection: close\r\n\r\nok"
    ).encode("latin-1")
    sectxt = f"Contact: mailto:sec@lab.test{ESC}\nExpires: 2099-01-01T00:00:00Z\n".encode("latin-1")
    sectxt_reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + sectxt

    def respond(conn: socket.socket, request: bytes) -> None:
        conn.sendall(sectxt_reply if request.startswith(b"GET /.well-known/security.txt") else head)

    site = https_server(addr, chain, key, respond)
    away = f"HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.test/{ESC}\r\nContent-Length: 0\r\n\r\n"
    plain = Server(addr, _plain(away.encode("latin-1")))  # port 80's redirect, its Location hostile
    try:
        url = f"https://{addr}:{site.port}"
        args = (url, "--http-port", str(plain.port), "--probes", "tls,http", "--timeout", "1")
        table = secaudit("scan", *args, "-v", "--no-progress")
        no_traceback(table)
        assert "Evil" in table.stdout and "evil" in table.stdout  # the values are shown...
        assert "elsewhere.test" in table.stdout
        no_control_chars(table.stdout + table.stderr)  # ...escaped
        _, doc = scan_json(*args)
    finally:
        site.stop()
        plain.stop()
    [t] = doc["targets"]
    no_control_chars("".join(strings(t)))  # every string of the JSON document, parsed
    headers = dict(t["observations"]["http"]["https"]["headers"])
    assert headers["Server"] == "Evil\\x1b]0;owned\\x07\\x1b[2J/1.0\\x00"
    leaf = t["observations"]["tls"]["certificate"]["deployments"][0]["chain"][0]
    assert t["observations"]["http"]["security_txt"]["found"]
    assert "\\x1b]0;owned\\x07" in leaf["common_name"] and "\\x1b" in leaf["san_dns"][1]


def _plain(reply: bytes) -> Handler:
    def handler(conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        conn.sendall(reply)

    return handler


def test_an_unparsable_location_is_that_sections_error_not_the_targets(tmp_path: Any) -> None:
    """'Location: http://[::1/' (no closing bracket) on the plain-HTTP redirect made urljoin raise:
    the whole target was 'HTTP probe failed: ValueError', its working HTTPS side unjudged. Now the
    redirect is the error it is, and the HTTPS page is judged; on the HTTPS side the same header
    is the page's error, with the reason."""
    bad = b"HTTP/1.1 301 Moved\r\nLocation: http://[::1/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    page = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    a1, a2 = "127.0.0.111", "127.0.0.112"
    chain1, key1, _ = _tls_files(tmp_path, [a1])
    (tmp_path / "2").mkdir()
    chain2, key2, _ = _tls_files(tmp_path / "2", [a2])
    good_https = https_server(a1, chain1, key1, lambda c, _: c.sendall(page))
    bad_plain = Server(a1, _plain(bad))
    bad_https = https_server(a2, chain2, key2, lambda c, _: c.sendall(bad))
    try:
        _, doc = scan_json(
            f"https://{a1}:{good_https.port}",
            f"https://{a2}:{bad_https.port}",
            "--http-port",
            str(bad_plain.port),
            "--probes",
            "http",
            "--timeout",
            "1",
        )
    finally:
        for s in (good_https, bad_plain, bad_https):
            s.stop()
    first, second = doc["targets"]
    obs = first["observations"]["http"]
    assert "error" not in obs, obs["error"]
    assert obs["https"]["status"] == 200
    assert obs["plain_http"]["outcome"] == "error" and "Location" in obs["plain_http"]["error"]
    status = {c["id"]: c["status"] for c in first["checks"]}
    assert status["http.https_redirect"] == "error" and status["http.server_disclosure"] == "pass"
    obs2 = second["observations"]["http"]
    assert "Location" in obs2["https"]["error"], obs2
    assert {c["status"] for c in second["checks"] if c["id"] != "http.https_redirect"} == {"error"}


def test_redirects_to_other_hosts_are_never_followed(tmp_path: Any) -> None:
    """The page, security.txt, the sensitive paths and port 80 all redirect to other loopback
    hosts (one listening and counting connections, one where nothing listens): none is contacted;
    the redirects are recorded where they lead."""
    addr, elsewhere, nobody = "127.0.0.113", "127.0.0.115", "127.0.0.116"
    recorder = Server(elsewhere, lambda c: None)
    away = f"https://{elsewhere}:{recorder.port}/"

    def respond(conn: socket.socket, request: bytes) -> None:
        path = request.split(b" ", 2)[1]
        target = f"http://{nobody}:9/" if path == b"/.well-known/security.txt" else away
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode())

    chain, key, _ = _tls_files(tmp_path, [addr])
    site = https_server(addr, chain, key, respond)
    plain = Server(
        addr, _plain(f"HTTP/1.1 301 Moved\r\nLocation: {away}\r\nContent-Length: 0\r\n\r\n".encode())
    )
    try:
        _, doc = scan_json(
            f"https://{addr}:{site.port}",
            "--http-port",
            str(plain.port),
            "--probes",
            "http",
            "--timeout",
            "1",
        )
    finally:
        for s in (site, plain, recorder):
            s.stop()
    assert recorder.connections == 0
    obs = doc["targets"][0]["observations"]["http"]
    assert obs["plain_http"]["outcome"] == "redirect_other_host" and obs["plain_http"]["final"] == away
    assert obs["https"]["left_to"] == away and obs["https"]["status"] == 302
    assert obs["security_txt"]["not_found_reason"] == "redirect_not_followed"
    assert obs["security_txt"]["left_to"] == f"http://{nobody}:9/"
    assert obs["paths"]["items"] and all(i.get("status") == 302 for i in obs["paths"]["items"])
    status = {c["id"]: c["status"] for c in doc["targets"][0]["checks"]}
    assert status["http.https_redirect"] == "fail"


def test_a_huge_certificate_chain_is_stored_bounded(tmp_path: Any) -> None:
    """A leaf with 3000 SANs (the host's own name last) and a 5000-character subject, sent with
    300 copies of its CA (~250 KB): sslyze reads it all, and every certificate, name and subject
    went into the observation - a hostile server could push the agency's bundle past the 16 MB a
    bundle may have. Now the chain, names and subjects are capped (the count recorded) and the
    name that matches the host is kept, so tls.cert.hostname still judges it."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from secaudit.lab.certs import LabCA

    addr, host = "127.0.0.122", "big.lab.test"
    ca = LabCA()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    names = [x509.DNSName(f"n{i}.lab.test") for i in range(3000)] + [x509.DNSName(host)]
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, host),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "u" * 5000),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    chain, keyfile = tmp_path / "chain.pem", tmp_path / "key.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca.cert_pem * 300)
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    site = https_server(addr, chain, keyfile, lambda c, _: c.sendall(b"HTTP/1.1 204 No\r\n\r\n"))
    try:
        url = f"https://{host}:{site.port}"
        proc, doc = scan_json(
            url, "--resolve", f"{host}:{site.port}:{addr}", "--probes", "tls", "--timeout", "2"
        )
    finally:
        site.stop()
    [t] = doc["targets"]
    [dep] = t["observations"]["tls"]["certificate"]["deployments"]
    assert dep["chain_received"] == 301 and len(dep["chain"]) <= 20
    leaf = dep["chain"][0]
    assert leaf["san_dns_total"] == 3001 and host in leaf["san_dns"] and len(leaf["san_dns"]) <= 501
    assert len(leaf["subject"]) < 1100
    status = {c["id"]: c["status"] for c in t["checks"]}
    assert status["tls.cert.hostname"] == "pass"
    assert len(proc.stdout) < 200_000, len(proc.stdout)


def test_a_trickled_page_body_is_cut_by_the_time_budget_and_says_so(tmp_path: Any) -> None:
    """Headers at once, then the page body one byte every 0.2 s (each read within --timeout):
    the target's time budget cuts it. The page's headers are judged; what the cut left unread is
    an error saying the budget ran out (it said 'invalid HTTP response: IncompleteRead')."""
    addr = "127.0.0.123"
    chain, key, _ = _tls_files(tmp_path, [addr])

    def respond(conn: socket.socket, _: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<")
        _trickle(conn)

    site = https_server(addr, chain, key, respond)
    try:
        _, doc = scan_json(f"https://{addr}:{site.port}", "--probes", "http", "--timeout", "0.5")
    finally:
        site.stop()
    [t] = doc["targets"]
    obs = t["observations"]["http"]
    assert obs["https"]["status"] == 200 and obs["time_budget_exhausted"] == 4.0
    assert "time budget" in obs["https"]["content"]["error"], obs["https"]["content"]
    status = {c["id"]: c["status"] for c in t["checks"]}
    assert status["http.mixed_content"] == "error" and status["http.hsts"] == "fail"
    [mixed] = [c for c in t["checks"] if c["id"] == "http.mixed_content"]
    assert "time budget" in mixed["summary"]["en"], mixed["summary"]


# ------------------------------------------------------------------ DNS (dns, mail probes)


class TruncatingDns(DnsServer):
    """Every UDP answer is truncated (TC set); over TCP it promises 65000 bytes and trickles."""

    def udp_answer(self, wire: bytes) -> bytes:
        r = dns.message.make_response(dns.message.from_wire(wire))
        r.flags |= dns.flags.TC
        return r.to_wire()

    def _tcp(self, conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(struct.pack("!H", 65000))
        _trickle(conn)


def test_truncated_answers_and_a_trickling_tcp_fallback_are_errors() -> None:
    """Checked fine (pinned): dnspython's TCP fallback has a deadline over the whole answer."""
    server = TruncatingDns("127.0.0.125", {})
    try:
        _, doc = scan_json(
            "https://127.0.0.126:1",
            "--probes",
            "dns,mail",
            "--domain",
            "trickle.test",
            "--dns-server",
            f"127.0.0.125:{server.port}",
            "--timeout",
            "1",
        )
    finally:
        server.stop()
    [t] = doc["targets"]
    status = {c["id"]: c["status"] for c in t["checks"] if c["id"].startswith(("dns.", "mail."))}
    assert set(status.values()) == {"error"}, status
    [d] = t["observations"]["dns"]["domains"]
    assert "timeout" in json.dumps(d)


# ------------------------------------------------------------------ assess: the other systems go on


def test_assess_with_hostile_servers_writes_every_bundle(
    mail_lab: tuple[DnsServer, int], tmp_path: Any
) -> None:
    """`assess` over two systems, one of them served by hostile HTTPS and SMTP servers: both
    bundles are written and judged, the hostile one's problems are errors, and its report holds
    no control character."""
    dns_server, smtp_port = mail_lab
    addr_bad, addr_good = "127.0.0.128", "127.0.0.129"
    (tmp_path / "bad").mkdir()
    chain_b, key_b, _ = _tls_files(tmp_path / "bad", [addr_bad])
    head = f"HTTP/1.1 200 OK\r\nServer: Evil{ESC}\r\nContent-Length: 2\r\n\r\nok".encode("latin-1")
    bad = https_server(addr_bad, chain_b, key_b, lambda c, _: c.sendall(head))
    (tmp_path / "good").mkdir()
    chain_g, key_g, _ = _tls_files(tmp_path / "good", [addr_good])
    good = https_server(
        addr_good, chain_g, key_g, lambda c, _: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    )
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "province: Thử nghiệm\nperiod: '2026'\nagencies:\n  - id: so-thu\n    name: Sở Thử\n    systems:\n"
        f"      - {{id: hostile, name: Độc, level: 2, targets: ['https://{addr_bad}:{bad.port}'],"
        " domains: [banner.hostile.test, ehlo.hostile.test]}\n"
        f"      - {{id: plain, name: Thường, level: 2, targets: ['https://{addr_good}:{good.port}'],"
        " domains: [good.hostile.test]}\n",
        encoding="utf-8",
    )
    keys, out = tmp_path / "keys", tmp_path / "bundles"
    assert secaudit("keys", "generate", "--agency", "so-thu", "-o", str(keys)).returncode == 0
    try:
        proc = secaudit(
            "assess",
            "--inventory",
            str(inventory),
            "--key",
            str(keys / "so-thu.key"),
            "--probes",
            "http,mail",
            "--dns-server",
            f"{DNS_ADDR}:{dns_server.port}",
            "--smtp-port",
            str(smtp_port),
            "--timeout",
            "1",
            "--no-progress",
            "-o",
            str(out),
            timeout=120,
        )
    finally:
        bad.stop()
        good.stop()
    no_traceback(proc)
    assert proc.returncode in (1, 3), proc.stderr[-2000:]
    for system in ("hostile", "plain"):
        bundle = out / f"so-thu.{system}.2026.json"
        assert bundle.is_file(), proc.stderr[-2000:]
    report = tmp_path / "report.md"
    res = secaudit("report", str(out / "so-thu.hostile.2026.json"), "--format", "md", "-o", str(report))
    assert res.returncode == 0, res.stderr
    text = report.read_text(encoding="utf-8")
    no_control_chars(text)
    doc = json.loads((out / "so-thu.hostile.2026.json").read_text(encoding="utf-8"))
    no_control_chars("".join(strings(doc)))
    raw = json.dumps(doc)
    assert "SMTP reply too long" in raw and "Evil\\\\x1b]0;owned" in raw


# ------------------------------------------------------------------ the TLS first-flight reader


def _server_hello_then_stall(conn: socket.socket) -> None:
    """Answer any ClientHello with a ServerHello for its first suite, then never send the rest."""
    hello = conn.recv(65536)
    if len(hello) < 46 or hello[0] != 0x16:
        return
    version = hello[9:11]
    sid = hello[43]
    suite = hello[46 + sid : 48 + sid]
    body = version + os.urandom(32) + b"\x00" + suite + b"\x00"
    msg = b"\x02" + len(body).to_bytes(3, "big") + body
    conn.sendall(b"\x16" + version + len(msg).to_bytes(2, "big") + msg)
    conn.recv(1)  # until the client gives up


def test_the_first_flight_reader_is_bounded_by_the_scan_budget() -> None:
    """When no TLS client completes a handshake, the tls probe reads the server's offer itself
    (probes/tls/legacy.py), one connection per suite and protocol, after sslyze's deadlines. A
    server that sends a ServerHello and never the rest made each of up to 160 connections wait a
    full timeout (48 s here at --timeout 0.3); now the reader stops at the scan's budget and the
    protocols it could not finish are errors (never 'refused')."""
    from secaudit.core.model import Target
    from secaudit.probes.base import ProbeContext
    from secaudit.probes.tls import legacy

    server = Server("127.0.0.109", _server_hello_then_stall)
    try:
        ctx = ProbeContext(timeout=0.3, budget=2.0)
        t = Target(raw="x", host="127.0.0.109", port=server.port)
        obs = legacy.observation(t, "127.0.0.109", ctx, "sslyze gave up", "intermediate")
    finally:
        server.stop()
    assert obs is not None
    protocols = obs["protocols"]
    cut = [p for p, v in protocols.items() if v.get("error")]
    assert cut and all("time budget" in protocols[p]["error"] for p in cut), protocols
    assert server.connections < 20


def _short_server_hello(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"\x16\x03\x01\x00\x06\x02\x00\x00\x02\x03\x01")  # a ServerHello of 2 bytes


def test_the_first_flight_reader_survives_a_truncated_server_hello() -> None:
    """A 2-byte ServerHello made the reader raise IndexError, out of the tls probe's worker
    thread (a traceback on stderr, the target 'no result from sslyze'); now it is a hello that
    says nothing, so nothing was read."""
    from secaudit.core.model import Target
    from secaudit.probes.base import ProbeContext
    from secaudit.probes.tls import legacy

    server = Server("127.0.0.108", _short_server_hello)
    try:
        t = Target(raw="x", host="127.0.0.108", port=server.port)
        obs = legacy.observation(t, "127.0.0.108", ProbeContext(timeout=0.5), "gave up", "intermediate")
    finally:
        server.stop()
    assert obs is None


def test_a_probe_that_raises_on_one_target_does_not_hold_the_others() -> None:
    """run_parallel's workers: a target whose probe raised killed its worker thread (a traceback
    on stderr) and, once every worker had died that way, the targets still queued were never run
    and the call waited for ever. Now that target's slot is empty (the probe's 'no result'
    error) and the others are probed."""
    from secaudit.probes.base import ProbeContext, run_parallel

    def probe(i: int) -> int:
        if i % 2 == 0:
            raise RuntimeError("odd server")
        return i

    got: list[Any] = []
    th = threading.Thread(target=lambda: got.append(run_parallel(probe, range(6), 2, ProbeContext())))
    th.start()
    th.join(20)
    assert not th.is_alive(), "run_parallel hung"
    assert got == [[None, 1, None, 3, None, 5]]


def _responder_cert(ca: Any, subject: Any) -> Any:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(ca.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(ca.key, hashes.SHA256())
    )


def test_a_stapled_ocsp_responder_name_is_recorded_escaped() -> None:
    """The stapled OCSP response is the server's too: its responder name (an escape sequence in
    its CN here) is recorded escaped like the certificate's names. (Python's ssl cannot staple, so
    the response is built with cryptography and read by the probe's own reader.)"""
    import datetime as dt
    from types import SimpleNamespace

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp
    from cryptography.x509.oid import NameOID

    from secaudit.lab.certs import LabCA
    from secaudit.probes.tls.facts import ocsp_of

    ca = LabCA()
    leaf = x509.load_pem_x509_certificate(ca.issue(["ocsp.lab.test"]).cert_pem)
    now = dt.datetime.now(dt.timezone.utc)
    responder = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"responder{ESC}")])
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf,
            issuer=ca.cert,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + dt.timedelta(days=1),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.NAME, _responder_cert(ca, responder))
    )
    resp = builder.sign(ca.key, hashes.SHA256())
    dep = SimpleNamespace(
        ocsp_response=resp, ocsp_response_is_trusted=False, leaf_certificate_has_must_staple_extension=False
    )
    got = ocsp_of(dep)
    assert got is not None and got["cert_status"] == "good"
    no_control_chars("".join(strings(got)))
