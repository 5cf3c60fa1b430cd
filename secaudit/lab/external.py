"""Lab servers run by other TLS stacks: ``openssl s_server`` and GnuTLS's ``gnutls-serv``.

Python's ssl cannot staple OCSP, set DH parameters, or serve what OpenSSL 3 refuses (DHE under
1024 bits, RC4, 3DES). ``openssl s_server`` binds the loopback address it is given.
``gnutls-serv`` binds every interface, so it runs in a network namespace of its own (``unshare -n``,
only ``lo``), reached through a Unix socket that ``socat`` bridges to the caller's loopback address
(research/toolnotes.md). Every process is ours and is stopped by its id.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secaudit.lab.certs import LabCA, Leaf

START_TIMEOUT = 10.0
INNER_PORT = 4433  # inside gnutls-serv's own namespace: nothing else lives there


@dataclass
class ExternalServer:
    address: str
    port: int
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tmp: tempfile.TemporaryDirectory[str] | None = None

    def stop(self) -> None:
        for p in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGTERM)  # its own session: only our children
        for p in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=5)
        if self.tmp is not None:
            self.tmp.cleanup()

    def __enter__(self) -> ExternalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def available(*commands: str) -> bool:
    return all(shutil.which(c) for c in commands)


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def openssl_server(
    address: str, cert: Path, key: Path, args: list[str], chain: Path | None = None
) -> ExternalServer:
    """``openssl s_server -www`` on ``address`` and an ephemeral port (read from its ACCEPT line)."""
    tmp = tempfile.TemporaryDirectory(prefix="secaudit-ossl-")
    log = Path(tmp.name) / "s_server.log"
    cmd = ["openssl", "s_server", "-accept", f"{address}:0", "-cert", str(cert), "-key", str(key), "-www"]
    if chain is not None:
        cmd += ["-cert_chain", str(chain)]
    proc = _spawn([*cmd, *args], log)
    server = ExternalServer(address, 0, [proc], tmp)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        m = re.search(rb"ACCEPT \S+:(\d+)", log.read_bytes())
        if m:
            server.port = int(m.group(1))
            return server
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    text = log.read_text(errors="replace")[-500:]
    server.stop()
    raise RuntimeError(f"openssl s_server did not start: {text}")


def gnutls_server(
    address: str, cert: Path, key: Path, priority: str, dhparams: Path | None = None
) -> ExternalServer:
    """``gnutls-serv`` in a loopback-only network namespace, bridged to ``address``:ephemeral."""
    tmp = tempfile.TemporaryDirectory(prefix="secaudit-gnutls-")
    d = Path(tmp.name)
    sock_path = d / "bridge.sock"
    serv = ["gnutls-serv", "--http", "-p", str(INNER_PORT), "--x509certfile", str(cert)]
    serv += ["--x509keyfile", str(key), "--priority", priority, "--disable-client-cert"]
    if dhparams is not None:
        serv += ["--dhparams", str(dhparams)]
    inner = (
        "ip link set lo up && "
        + " ".join(_q(a) for a in serv)
        + " & exec socat UNIX-LISTEN:"
        + _q(str(sock_path))
        + f",fork TCP:127.0.0.1:{INNER_PORT}"
    )
    procs = [_spawn(["unshare", "-n", "sh", "-c", inner], d / "inner.log")]
    server = ExternalServer(address, 0, procs, tmp)
    # The outer bridge listens on a port we bind first, so no other process can take it.
    port = _free_port(address)
    outer = ["socat", f"TCP-LISTEN:{port},bind={address},reuseaddr,fork", f"UNIX-CONNECT:{sock_path}"]
    procs.append(_spawn(outer, d / "outer.log"))
    server.port = port
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if sock_path.exists() and _accepts(address, port) and _inner_up(d / "inner.log"):
            return server
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.1)
    text = (d / "inner.log").read_text(errors="replace")[-500:]
    server.stop()
    raise RuntimeError(f"gnutls-serv did not start: {text}")


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def _accepts(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def _inner_up(log: Path) -> bool:
    return b"listening" in log.read_bytes().lower() or b"echo server ready" in log.read_bytes().lower()


# --------------------------------------------------------------------------- PKI odds for such servers


def lenient_ca(common_name: str = "secaudit lab internal CA (basicConstraints not critical)") -> LabCA:
    """A lab CA whose basicConstraints is NOT marked critical, as many home-made internal CAs are:
    OpenSSL accepts its chains, a strict RFC 5280 / Web PKI validator does not."""
    return _rebuilt_ca(common_name, critical_bc=False)


def backdated_ca(days: int, common_name: str = "secaudit lab CA (old)") -> LabCA:
    """A lab CA valid since ``days`` ago, so that it can have issued a leaf that has expired."""
    import datetime as dt

    return _rebuilt_ca(common_name, not_before=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days))


def _rebuilt_ca(common_name: str, critical_bc: bool = True, not_before: Any = None) -> LabCA:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    ca = LabCA(common_name)
    old = ca.cert
    builder = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(old.subject)
        .public_key(ca.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or old.not_valid_before_utc)
        .not_valid_after(old.not_valid_after_utc)
    )
    for ext in old.extensions:
        bc = isinstance(ext.value, x509.BasicConstraints)
        builder = builder.add_extension(ext.value, critical=critical_bc if bc else ext.critical)
    ca.cert = builder.sign(ca.key, hashes.SHA256())
    ca.cert_pem = ca.cert.public_bytes(serialization.Encoding.PEM)
    return ca


def ocsp_response(ca: LabCA, leaf: Leaf, directory: Path, revoked: bool) -> Path:
    """A DER OCSP response for ``leaf`` signed by ``ca``, made by ``openssl ocsp`` from a CA index
    file (status R = revoked, keyCompromise; V = valid); for ``s_server -status_file``."""
    directory.mkdir(parents=True, exist_ok=True)
    cert = leaf.cert
    (directory / "ca.pem").write_bytes(ca.cert_pem)
    (directory / "ca.key").write_bytes(ca.key_pem)
    (directory / "leaf.pem").write_bytes(leaf.cert_pem)
    serial = format(cert.serial_number, "X")
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    expiry = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
    subject = "/" + "/".join(a.rfc4514_string() for a in cert.subject.rdns)
    if revoked:
        when = (cert.not_valid_before_utc).strftime("%y%m%d%H%M%SZ")
        line = f"R\t{expiry}\t{when},keyCompromise\t{serial}\tunknown\t{subject}\n"
    else:
        line = f"V\t{expiry}\t\t{serial}\tunknown\t{subject}\n"
    (directory / "index.txt").write_text(line)
    out = directory / ("revoked.der" if revoked else "good.der")
    d = str(directory)
    cmd = ["openssl", "ocsp", "-index", f"{d}/index.txt", "-rsigner", f"{d}/ca.pem", "-rkey", f"{d}/ca.key"]
    cmd += ["-CA", f"{d}/ca.pem", "-issuer", f"{d}/ca.pem", "-cert", f"{d}/leaf.pem", "-ndays", "7"]
    cmd += ["-respout", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"openssl ocsp failed: {proc.stderr.strip()[-300:]}")
    return out


def malformed_san_leaf(ca: LabCA, address: str) -> Leaf:
    """A leaf whose subjectAltName holds an IP address entry of 1 byte: OpenSSL serves it, and
    sslyze's certificate_info plugin fails on it (a "strange certificate" of the wild)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtensionOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    bad_san = b"\x30\x03\x87\x01\x7f"  # SEQUENCE { [7] iPAddress: 1 byte }
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, bad_san), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Leaf(cert_pem=pem, key_pem=key_pem, chain_pem=pem + ca.cert_pem, names=[address])
