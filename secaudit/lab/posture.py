"""DNS and e-mail posture lab for the demo (and anyone who wants to see the dns/mail checks work):
domains with a signed zone and good mail, or an unsigned zone and weak mail, served on loopback.

    with PostureLab(ca, workdir) as lab:
        lab.add("bao-song-huong.demo.test", "good")
        lab.add("tap-chi-ngu-binh.demo.test", "poor")
        lab.start()
        args = lab.cli_args()   # --dns-server … --trust-anchor … --smtp-port … for scan/assess

``good``: DNSSEC-signed (DS in the signed parent), two name servers over IPv4 and IPv6, CAA, an MX
with STARTTLS on TLS 1.2+ and a matching DANE-EE TLSA, ``v=spf1 mx -all``, DMARC ``p=reject``.
``poor``: unsigned, no CAA, one name server, an MX that still accepts TLS 1.0, SPF ``?all``, DMARC
``p=none``. ``nomail``: a null MX, ``v=spf1 -all`` and DMARC ``p=reject`` (passes mail.*).
Needs NSD and ldnsutils (apt) and aiosmtpd (pip); ``tools_missing()`` says what is absent.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any

from secaudit.lab.certs import LabCA
from secaudit.lab.dnslab import DnsLab, RunningDns, ZoneSpec
from secaudit.lab.dnslab import tools_missing as _dns_tools_missing
from secaudit.lab.smtplab import SmtpLab

POSTURES = ("good", "poor", "nomail")


def tools_missing() -> list[str]:
    missing = _dns_tools_missing()
    if importlib.util.find_spec("aiosmtpd") is None:
        missing.append("aiosmtpd (pip)")
    return missing


def _spki_sha256(cert: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


class PostureLab:
    def __init__(
        self,
        ca: LabCA,
        workdir: Path,
        parent: str = "demo.test",
        dns_address: str = "127.0.0.95",
        mx_addresses: tuple[str, ...] = ("127.0.0.96", "127.0.0.97", "127.0.0.98", "127.0.0.99"),
    ) -> None:
        self.dns = DnsLab(dns_address, parent=parent)
        self.smtp = SmtpLab(ca, Path(workdir))
        self.mx_addresses = list(mx_addresses)
        self._wanted: list[tuple[str, str, list[str]]] = []
        self.running: RunningDns | None = None

    def __enter__(self) -> PostureLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, domain: str, posture: str, extra_records: list[str] | None = None) -> None:
        """``extra_records``: zone lines for the domain, e.g. ``www IN A 127.0.0.60``."""
        if posture not in POSTURES:
            raise ValueError(f"posture must be one of {', '.join(POSTURES)}, not {posture!r}")
        self._wanted.append((domain.rstrip(".").lower(), posture, list(extra_records or [])))

    def start(self) -> RunningDns:
        mail_domains = [w for w in self._wanted if w[1] != "nomail"]
        if len(mail_domains) > len(self.mx_addresses):
            raise ValueError(f"at most {len(self.mx_addresses)} domains with an MX (one address each)")
        mx = {}
        for (domain, posture, _), address in zip(mail_domains, self.mx_addresses, strict=False):
            mx[domain] = (
                address,
                self.smtp.start(address, f"mail.{domain}", "good" if posture == "good" else "weak"),
            )
        port = self.smtp.port or 25
        for domain, posture, extra in self._wanted:
            self.dns.add(self._zone(domain, posture, extra, mx.get(domain), port))
        self.running = self.dns.start()
        return self.running

    @staticmethod
    def _zone(domain: str, posture: str, extra: list[str], mx: Any, port: int) -> ZoneSpec:
        if posture == "nomail":
            records = ["@ IN MX 0 .", '@ IN TXT "v=spf1 -all"', '_dmarc IN TXT "v=DMARC1; p=reject"']
            return ZoneSpec(domain, records + extra, signed=True)
        address, server = mx
        records = ["@ IN MX 10 mail", f"mail IN A {address}"]
        if posture == "good":
            records += [
                '@ IN TXT "v=spf1 mx -all"',
                f'_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{domain}; adkim=s; aspf=s"',
                '@ IN CAA 0 issue "letsencrypt.org"',
                f'@ IN CAA 0 iodef "mailto:attt@{domain}"',
                f"_{port}._tcp.mail IN TLSA 3 1 1 {_spki_sha256(server.leaf.cert)}",
            ]
            return ZoneSpec(domain, records + extra, signed=True)
        records += ['@ IN TXT "v=spf1 mx ?all"', '_dmarc IN TXT "v=DMARC1; p=none"']
        return ZoneSpec(domain, records + extra, signed=False, nameservers=1)

    def cli_args(self) -> list[str]:
        """What ``secaudit scan``/``assess`` need to see the lab's domains."""
        if self.running is None:
            raise RuntimeError("start() the lab first")
        return [
            "--dns-server",
            self.running.server,
            "--trust-anchor",
            str(self.running.trust_anchor),
            "--smtp-port",
            str(self.smtp.port),
        ]

    def close(self) -> None:
        self.dns.close()
        self.smtp.close()
