"""What a server offers when no real client can finish a handshake with it (issue 12, point 3).

sslyze gives up ("could not find a TLS version and cipher suite supported by the server") when
even nassl's legacy OpenSSL 1.0.2 refuses the server's parameters - typically DHE groups under
768 bits ("dh key too small"), which OpenSSL has refused since Logjam. Such a server is failing,
not unknown. Judging what it *offers* needs no finished handshake: a ClientHello, then the
server's plaintext ServerHello, Certificate and ServerKeyExchange (TLS <= 1.2) say the protocol,
the suite, the certificate chain and the DH group. That is what this module reads, the way
testssl.sh does, with a hand-made ClientHello and the suite table of ``tls_parser`` (maintained
by sslyze's author, already installed with sslyze). Suites are enumerated by offering all, then
all but the ones already chosen. Nothing is encrypted or authenticated here, so nothing past the
server's first flight is claimed (renegotiation, vulnerabilities... stay unknown: ``error``).
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from typing import Any

from secaudit.core.model import Target
from secaudit.probes.base import ProbeContext

VERSIONS = {"SSL 3.0": 0x0300, "TLS 1.0": 0x0301, "TLS 1.1": 0x0302, "TLS 1.2": 0x0303}
MAX_SUITES = 40  # per protocol: a server offering more than this is not weak-only
MAX_FLIGHT = 64 * 1024
SKIP = {0x00FF, 0x5600}  # signalling values, not suites
GIVES_UP = "could not find a TLS version and cipher suite"
CUT = (
    "not fully read: the time budget for this target ({budget:g}s) ran out while reading the server's "
    "offer / hết thời gian dành cho mục tiêu khi đọc đề nghị của máy chủ"
)


def _suite_table() -> dict[int, tuple[str, str, int, bool]]:
    """code -> (RFC name, OpenSSL name, key size, anonymous), from tls_parser and sslyze."""
    from sslyze.plugins.openssl_cipher_suites import cipher_suites as cs
    from tls_parser.cipher_suites import CipherSuites

    rfc_to_openssl = {v: k for k, v in cs._TLS_OPENSSL_TO_RFC_NAMES_MAPPING.items()}
    sizes = cs._RFC_NAME_TO_KEY_SIZE_MAPPING
    out = {}
    for s in CipherSuites:
        if s.value in SKIP or s.value >> 8 == 0x13:  # TLS 1.3 suites need another handshake
            continue
        name = s.name
        out[s.value] = (name, rfc_to_openssl.get(name, ""), int(sizes.get(name, 0)), "_anon_" in name.lower())
    return out


def _hello(version: int, suites: list[int], sni: str | None) -> bytes:
    ext = b""
    if sni:
        host = sni.encode("idna")
        entry = b"\x00" + struct.pack(">H", len(host)) + host
        ext += struct.pack(">HHH", 0x0000, len(entry) + 2, len(entry)) + entry
    groups = struct.pack(">7H", 0x001D, 0x0017, 0x0018, 0x0019, 0x0015, 0x0013, 0x0016)  # incl. weak curves
    ext += struct.pack(">HHH", 0x000A, len(groups) + 2, len(groups)) + groups
    ext += struct.pack(">HHB", 0x000B, 2, 1) + b"\x00"  # ec_point_formats: uncompressed
    if version >= 0x0303:
        algs = struct.pack(">9H", 0x0401, 0x0501, 0x0601, 0x0201, 0x0403, 0x0503, 0x0603, 0x0203, 0x0804)
        ext += struct.pack(">HHH", 0x000D, len(algs) + 2, len(algs)) + algs
    ext += struct.pack(">HHB", 0xFF01, 1, 0)  # renegotiation_info (some servers insist)
    cipher_bytes = b"".join(struct.pack(">H", c) for c in suites)
    body = struct.pack(">H", version) + os.urandom(32) + b"\x00"
    body += struct.pack(">H", len(cipher_bytes)) + cipher_bytes + b"\x01\x00"
    body += struct.pack(">H", len(ext)) + ext
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16" + struct.pack(">HH", 0x0301, len(hs)) + hs


def _flight(sock: socket.socket, deadline: float, context: ProbeContext) -> list[tuple[int, bytes]]:
    """The server's handshake messages up to ServerHelloDone (or an alert / close / deadline)."""
    buf, stream, messages = b"", b"", []
    while sum(len(m) for _, m in messages) < MAX_FLIGHT and not context.cancelled():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        readable, _, _ = select.select([sock], [], [], min(0.2, left))
        if not readable:
            continue
        try:
            data = sock.recv(16384)
        except OSError:
            break
        if not data:
            break
        buf += data
        while len(buf) >= 5:
            ctype, _, length = struct.unpack(">BHH", buf[:5])
            if len(buf) < 5 + length:
                break
            frag, buf = buf[5 : 5 + length], buf[5 + length :]
            if ctype != 0x16:  # an alert (or anything else): the server refused this hello
                return messages
            stream += frag
            while len(stream) >= 4:
                mlen = int.from_bytes(stream[1:4], "big")
                if len(stream) < 4 + mlen:
                    break
                messages.append((stream[0], stream[4 : 4 + mlen]))
                stream = stream[4 + mlen :]
                if messages[-1][0] == 14:  # ServerHelloDone
                    return messages
    return messages


def _ask(ip: str, port: int, hello: bytes, timeout: float, context: ProbeContext) -> list[tuple[int, bytes]]:
    try:
        sock = socket.create_connection((ip, port), timeout=timeout)
    except OSError:
        return []
    unregister = context.on_cancel(sock.close)
    try:
        sock.sendall(hello)
        sock.setblocking(False)
        return _flight(sock, time.monotonic() + timeout, context)
    except OSError:
        return []
    finally:
        unregister()
        sock.close()


def _server_hello(body: bytes) -> tuple[int, int]:
    version = struct.unpack(">H", body[:2])[0]
    sid = body[34]
    return version, struct.unpack(">H", body[35 + sid : 37 + sid])[0]


def _chain(body: bytes) -> list[bytes]:
    total, pos, out = int.from_bytes(body[:3], "big"), 3, []
    while pos < 3 + total and pos + 3 <= len(body):
        n = int.from_bytes(body[pos : pos + 3], "big")
        out.append(body[pos + 3 : pos + 3 + n])
        pos += 3 + n
    return out


def _dh_params(body: bytes) -> tuple[int, int] | None:
    plen = struct.unpack(">H", body[:2])[0]
    p = body[2 : 2 + plen]
    glen = struct.unpack(">H", body[2 + plen : 4 + plen])[0]
    g = body[4 + plen : 4 + plen + glen]
    return (int.from_bytes(p, "big"), int.from_bytes(g, "big")) if p else None


# named groups of an ECDHE ServerKeyExchange (RFC 8422 §5.4): name as sslyze reports it, field bits
CURVES = {
    0x0013: ("prime192v1", 192),
    0x0015: ("secp224r1", 224),
    0x0016: ("secp256k1", 256),
    0x0017: ("prime256v1", 256),
    0x0018: ("secp384r1", 384),
    0x0019: ("secp521r1", 521),
    0x001D: ("X25519", 253),
    0x001E: ("X448", 448),
}


def _ecdh_key(body: bytes) -> dict[str, Any] | None:
    """The curve of an ECDHE ServerKeyExchange (named_curve only), so a short one is judged."""
    if len(body) < 3 or body[0] != 3:
        return None
    group = struct.unpack(">H", body[1:3])[0]
    name, bits = CURVES.get(group, (f"group 0x{group:04x}", None))
    return {"type": "ECDH", "size": bits, "curve": name}


def scan(target: Target, ip: str, context: ProbeContext) -> dict[str, Any] | None:
    """Protocols, suites (with DH facts) and the certificate chain (DER) the server offers;
    None when it answers no ClientHello at all."""
    from secaudit.probes.tls.facts import dh_facts
    from secaudit.probes.tls.runner import budget_for

    table = _suite_table()
    sni = None if _is_ip(target.host) else target.host
    protocols: dict[str, Any] = {}
    chain: list[bytes] = []
    timeout = context.timeout
    # up to 4 x MAX_SUITES connections: a server that stalls after its ServerHello would cost a
    # timeout each (minutes), so the whole read has the scan's budget (runner.budget_for)
    budget = budget_for(context)
    stop_at = time.monotonic() + budget
    for label, version in VERSIONS.items():
        offer = list(table)
        suites: list[dict[str, Any]] = []
        while len(suites) < MAX_SUITES and not context.cancelled():
            left = stop_at - time.monotonic()
            if left <= 0:
                break
            msgs = _ask(ip, target.port, _hello(version, offer, sni), min(timeout, left), context)
            hello = next((m for t, m in msgs if t == 2), None)
            try:
                got_version, code = _server_hello(hello) if hello is not None else (None, None)
            except (IndexError, struct.error):  # a truncated ServerHello says nothing
                break
            if hello is None:
                break
            if got_version != version or code not in table or code not in offer:
                break
            name, openssl_name, size, anon = table[code]
            suite: dict[str, Any] = {
                "name": name,
                "openssl_name": openssl_name,
                "key_size": size,
                "anonymous": anon,
            }
            kex = next((m for t, m in msgs if t == 12), None)
            if kex is not None and ("_DHE_" in name or "_DH_anon_" in name):
                try:
                    params = _dh_params(kex)
                except struct.error:  # truncated: no DH facts to record
                    params = None
                if params:
                    facts = dh_facts(*params)
                    suite["ephemeral_key"] = {"type": "DH", "size": facts["bits"], "curve": None, "dh": facts}
            elif kex is not None and "_ECDHE_" in name and (key := _ecdh_key(kex)) is not None:
                suite["ephemeral_key"] = key
            cert = next((m for t, m in msgs if t == 11), None)
            if cert is not None and not chain:
                chain = _chain(cert)
            suites.append(suite)
            offer.remove(code)
        protocols[label] = {"accepted": bool(suites), "suites": suites}
        if time.monotonic() >= stop_at:  # this offer may be incomplete: unknown, never "refused"
            protocols[label]["error"] = CUT.format(budget=budget)
    if not any(p["accepted"] for p in protocols.values()):
        return None
    return {"protocols": protocols, "chain_der": chain}


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    except OSError:
        return False


NOT_TESTED = (
    "not tested: no TLS client can complete a handshake with this server (it offers only parameters "
    "that OpenSSL refuses); its offer was read from its first flight / không kiểm tra được"
)
SECTIONS = (
    "heartbleed",
    "ccs_injection",
    "robot",
    "renegotiation",
    "compression",
    "elliptic_curves",
    "fallback_scsv",
    "extended_master_secret",
)


def observation(
    target: Target, ip: str, context: ProbeContext, why: str, mozilla: str
) -> dict[str, Any] | None:
    """A TLS observation of the usual shape from what :func:`scan` read (None: nothing read)."""
    from cryptography import x509

    from secaudit.probes.tls.facts import name_free_validation
    from secaudit.probes.tls.observe import MAX_CHAIN, stored_chain

    got = scan(target, ip, context)
    if got is None:
        return None
    # sslyze's connectivity test already offered SSL 2.0 and TLS 1.3 (and every other version)
    # with its own clients: refused there, and nothing about DH applies to them.
    refused = {"accepted": False, "suites": [], "note": "refused in sslyze's connectivity test"}
    protocols = {"SSL 2.0": refused, **got["protocols"], "TLS 1.3": refused}
    accepted = [p for p, v in protocols.items() if v["accepted"]]
    obs: dict[str, Any] = {
        "legacy_handshake": {"why": why, "client": "secaudit first-flight reader (probes/tls/legacy.py)"},
        "highest_protocol": accepted[-1],
        "protocols": protocols,
        "accepted_protocols": accepted,
    }
    try:
        certs = [x509.load_der_x509_certificate(der) for der in got["chain_der"]]
        if not certs:
            raise ValueError("the server sent no certificate")
        nf = name_free_validation(certs[:MAX_CHAIN], str(context.ca_file) if context.ca_file else None)
        store = nf.get("store") or "every trust store"
        obs["certificate"] = {
            "sni": None if _is_ip(target.host) else target.host,
            "deployments": [
                stored_chain(certs, target.host)  # bounded: a hostile chain cannot swell the bundle
                | {
                    "path_validation": [
                        {"store": store, "version": "", "ok": nf["ok"], "error": nf.get("error")}
                    ],
                    "name_free_validation": nf,
                    "ocsp": None,
                    "validated_by": "cryptography's verifier (no sslyze result)",
                }
            ],
        }
    except ValueError as exc:
        obs["certificate"] = {"error": f"legacy handshake: {exc}"}
    for section in SECTIONS:
        obs[section] = {"error": NOT_TESTED}
    obs["mozilla"] = {"config": mozilla, "error": NOT_TESTED}
    return obs
