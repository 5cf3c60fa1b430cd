"""Certificates for the loopback lab: a root CA and leaves, good and deliberately bad.

Made with ``cryptography`` (a runtime dependency: ``secaudit demo`` uses the lab, so trustme, a
test-only dependency, is not an option). cryptography refuses to sign with SHA-1, so SHA-1 leaves
are signed by the ``openssl`` command-line tool instead (research/toolnotes.md).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_CURVES: dict[int, ec.EllipticCurve] = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _new_key(key_type: str, key_size: int) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    if key_type == "ec":
        curve = _CURVES.get(key_size)
        if curve is None:
            raise ValueError(f"unsupported EC size {key_size} (use 256, 384 or 521)")
        return ec.generate_private_key(curve)
    raise ValueError(f"unsupported key type {key_type!r} (use 'rsa' or 'ec')")


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _general_names(names: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def _name(common_name: str, org: str = "secaudit lab") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


@dataclass
class Leaf:
    """A server certificate and its key. ``chain_pem`` is what the server sends (leaf + CA)."""

    cert_pem: bytes
    key_pem: bytes
    chain_pem: bytes
    names: list[str]

    @property
    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    def write(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``<name>-<serial>.pem`` (chain incl. CA) and ``...-key.pem``; return both paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", self.names[0] if self.names else "leaf")
        stem = f"{stem}-{self.cert.serial_number:x}"[:80]
        certfile, keyfile = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
        certfile.write_bytes(self.chain_pem)
        keyfile.write_bytes(self.key_pem)
        keyfile.chmod(0o600)
        return certfile, keyfile


class LabCA:
    """A throw-away root CA that issues the lab's server certificates."""

    def __init__(self, common_name: str = "secaudit lab root CA") -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_pem: bytes = self.cert.public_bytes(serialization.Encoding.PEM)
        self.key_pem: bytes = _key_pem(self.key)

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.cert_pem)
        return path

    def issue(
        self,
        names: list[str],
        key_type: str = "rsa",
        key_size: int = 2048,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        self_signed: bool = False,
        sha1: bool = False,
        crl_url: str | None = None,
    ) -> Leaf:
        """Issue a server certificate for ``names`` (DNS names and/or IP addresses, first = CN);
        ``crl_url``: the CRL distribution point it names."""
        if not names:
            raise ValueError("a leaf needs at least one name")
        now = _now()
        not_before = not_before or now - dt.timedelta(days=1)
        not_after = not_after or now + dt.timedelta(days=90)
        key = _new_key(key_type, key_size)
        if sha1:
            cert_pem = _openssl_sha1(self, key, names, not_before, not_after, self_signed)
        else:
            cert_pem = self._build(key, names, not_before, not_after, self_signed, crl_url).public_bytes(
                serialization.Encoding.PEM
            )
        chain = cert_pem if self_signed else cert_pem + self.cert_pem
        return Leaf(cert_pem=cert_pem, key_pem=_key_pem(key), chain_pem=chain, names=list(names))

    def _build(
        self,
        key: PrivateKey,
        names: list[str],
        not_before: dt.datetime,
        not_after: dt.datetime,
        self_signed: bool,
        crl_url: str | None = None,
    ) -> x509.Certificate:
        subject = _name(names[0])
        issuer_key: PrivateKey = key if self_signed else self.key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        )
        if crl_url:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def crl(self, serials: list[int]) -> x509.CertificateRevocationList:
        """A CRL signed by this CA revoking ``serials`` (key compromise), valid for a week."""
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now - dt.timedelta(days=1))
            .next_update(now + dt.timedelta(days=7))
        )
        for serial in serials:
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - dt.timedelta(hours=1))
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(self.key, hashes.SHA256())


def _openssl_sha1(
    ca: LabCA,
    key: PrivateKey,
    names: list[str],
    not_before: dt.datetime,
    not_after: dt.datetime,
    self_signed: bool,
) -> bytes:
    """Sign a leaf with SHA-1 using the openssl CLI (cryptography refuses to)."""
    exe = shutil.which("openssl")
    if exe is None:
        raise RuntimeError("the openssl command is needed for SHA-1 certificates")
    if not_before > _now():
        raise ValueError("SHA-1 leaves start now (openssl x509 -req has no start date option)")
    days = max(1, (not_after - _now()).days)
    san = ",".join(
        f"IP:{n}" if isinstance(g, x509.IPAddress) else f"DNS:{n}"
        for n, g in zip(names, _general_names(names), strict=True)
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(names[0])).sign(key, hashes.SHA256())
    with tempfile.TemporaryDirectory(prefix="secaudit-sha1-") as tmp:
        d = Path(tmp)
        (d / "req.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
        (d / "ext.cnf").write_text(
            f"subjectAltName={san}\nbasicConstraints=critical,CA:FALSE\n"
            "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n"
            + ("" if self_signed else "authorityKeyIdentifier=keyid\n")
        )
        cmd = [
            exe,
            "x509",
            "-req",
            "-in",
            str(d / "req.csr"),
            "-sha1",
            "-days",
            str(days),
            "-extfile",
            str(d / "ext.cnf"),
            "-out",
            str(d / "leaf.pem"),
        ]
        if self_signed:
            (d / "leaf.key").write_bytes(_key_pem(key))
            cmd += ["-signkey", str(d / "leaf.key")]
        else:
            (d / "ca.pem").write_bytes(ca.cert_pem)
            (d / "ca.key").write_bytes(ca.key_pem)
            cmd += [
                "-CA",
                str(d / "ca.pem"),
                "-CAkey",
                str(d / "ca.key"),
                "-set_serial",
                str(x509.random_serial_number()),
            ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"openssl failed: {proc.stderr.strip()}")
        return (d / "leaf.pem").read_bytes()
