"""One loopback lab for the dns/mail tests: NSD serving zones signed at test time with
ldns-signzone under a signed parent ``lab.`` (its DS is the trust anchor), and aiosmtpd MX servers
with a good, a weak and no STARTTLS set-up. Started once per test session (lazily, stopped at
exit); the probes run once over every domain and the tests judge the stored observations."""

from __future__ import annotations

import atexit
import hashlib
import socket
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from secaudit.core.model import Target
from secaudit.lab.certs import LabCA
from secaudit.lab.dnslab import DnsLab, RunningDns, ZoneSpec
from secaudit.lab.smtplab import SmtpLab
from secaudit.probes.dnssec import Server
from secaudit.probes.domains import DomainOptions

DNS_ADDR = "127.0.0.240"
MX_GOOD, MX_WEAK, MX_DANEBAD, MX_PLAIN = "127.0.0.241", "127.0.0.242", "127.0.0.243", "127.0.0.244"
MX_SILENT, MX_DEAD = "127.0.0.250", "127.0.0.251"


@dataclass
class Scenario:
    dns: RunningDns
    smtp_port: int
    web_port: int  # a listener on ::1 for www.good.lab's AAAA
    options: DomainOptions


def _spki_sha256(cert: Any) -> str:
    return hashlib.sha256(
        cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).hexdigest()


@lru_cache(maxsize=1)
def scenario() -> Scenario:
    tmp = Path(tempfile.mkdtemp(prefix="secaudit-dnsmail-"))
    ca = LabCA()
    smtp = SmtpLab(ca, tmp)
    lab = DnsLab(DNS_ADDR)
    web = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    web.bind(("::1", 0))
    web.listen(16)

    def stop() -> None:
        lab.close()
        smtp.close()
        web.close()

    atexit.register(stop)
    good = smtp.start(MX_GOOD, "mail.good.lab", "good")
    smtp.start(MX_WEAK, "mail.weak.lab", "weak")
    danebad = smtp.start(MX_DANEBAD, "mail.danebad.lab", "good")
    smtp.start(MX_PLAIN, "mail.plain.lab", "none")
    port = smtp.port
    assert good.leaf is not None and danebad.leaf is not None
    wrong = "00" * 32
    many = " ".join(f"include:i{i}.weak.lab" for i in range(11))
    weak_records = [
        "@ IN MX 10 mail",
        f"mail IN A {MX_WEAK}",
        '@ IN TXT "v=spf1 include:inc.weak.lab ?all"',
        'inc IN TXT "v=spf1 ip4:10.0.0.0/8 ~all"',
        '_dmarc IN TXT "v=DMARC1; p=none; sp=reject"',
        # SPF and DMARC variants at names inside the zone
        'soft IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"',
        "soft IN MX 10 mail.weak.lab.",
        '_dmarc.soft IN TXT "v=DMARC1; p=quarantine; pct=50"',
        f'many IN TXT "v=spf1 {many} -all"',
        "many IN MX 10 mail.weak.lab.",
        *[f'i{i} IN TXT "v=spf1 ip4:10.1.0.{i} -all"' for i in range(11)],
        'two IN TXT "v=spf1 -all"',
        'two IN TXT "v=spf1 mx -all"',
        "two IN MX 10 mail.weak.lab.",
        'redir IN TXT "v=spf1 redirect=inc.weak.lab"',
        "redir IN MX 10 mail.weak.lab.",
        '_dmarc.redir IN TXT "v=DMARC1; p=reject; rua=mailto:d@reports.good.lab"',
        "nospf IN MX 10 mail.weak.lab.",
        "silentmx IN MX 10 quiet.weak.lab.",  # an MX that accepts TCP and never greets
        f"quiet IN A {MX_SILENT}",
        "deadmx IN MX 10 dead.weak.lab.",  # an MX where nothing listens
        f"dead IN A {MX_DEAD}",
        'esc IN TXT "v=spf1 ip4:10.9.0.0/16 \\027[2J -all"',  # an ESC byte: must not reach a terminal
        '_dmarc.esc IN TXT "v=DMARC1; p=reject; x=\\027]0;owned\\007"',
    ]
    zones = [
        ZoneSpec(
            "good.lab",
            [
                "@ IN MX 10 mail",
                f"mail IN A {MX_GOOD}",
                '@ IN TXT "v=spf1 mx -all"',
                '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.lab; adkim=s"',
                '@ IN CAA 0 issue "letsencrypt.org"',
                f"_{port}._tcp.mail IN TLSA 3 1 1 {_spki_sha256(good.leaf.cert)}",
                "www IN AAAA ::1",
                f"www IN A {DNS_ADDR}",
                "v4only IN A 127.0.0.245",
                "sub IN A 127.0.0.252",  # a host below the apex: DMARC comes from good.lab
                'weak.lab._report._dmarc.reports IN TXT "v=DMARC1"',
            ],
            signed=True,
        ),
        ZoneSpec("weak.lab", weak_records),
        ZoneSpec("bogus.lab", ['@ IN TXT "v=spf1 -all"'], signed=True, bogus="expired"),
        ZoneSpec("wrongds.lab", [], signed=True, bogus="wrong_ds"),
        ZoneSpec("onev6.lab", [], ns_ipv6=1),
        ZoneSpec("nsec3.lab", ['@ IN CAA 0 issue "ca.example.vn"'], signed=True, nsec3=True),
        ZoneSpec(
            "nomail.lab",
            ["@ IN MX 0 .", '@ IN TXT "v=spf1 -all"', '_dmarc IN TXT "v=DMARC1; p=reject"'],
        ),
        ZoneSpec("nomailopen.lab", ['@ IN TXT "v=spf1 ~all"', '_dmarc IN TXT "v=DMARC1; p=none"']),
        ZoneSpec(
            "danebad.lab",
            [
                "@ IN MX 10 mail",
                f"mail IN A {MX_DANEBAD}",
                '@ IN TXT "v=spf1 mx -all"',
                '_dmarc IN TXT "v=DMARC1; p=reject"',
                f"_{port}._tcp.mail IN TLSA 3 1 1 {wrong}",
                '@ IN CAA 128 tbs "x"',
            ],
            signed=True,
        ),
        ZoneSpec(
            "plain.lab",
            [
                "@ IN MX 10 mail",
                f"mail IN A {MX_PLAIN}",
                '@ IN TXT "v=spf1 mx -all"',
                '_dmarc IN TXT "v=DMARC1; p=reject"',
                '@ IN CAA 0 iodef "mailto:attt@plain.lab"',
            ],
            nameservers=1,
        ),
        ZoneSpec("broken.lab", broken=True),
    ]
    for z in zones:
        lab.add(z)
    running = lab.start()
    options = DomainOptions(
        dns_servers=[Server(running.address, running.port)],
        trust_anchor=running.trust_anchor,
        smtp_port=port,
        timeout=3.0,
    )
    return Scenario(running, port, web.getsockname()[1], options)


def target(host: str, port: int = 443, domains: list[str] | None = None) -> Target:
    t = Target(raw=f"https://{host}:{port}", host=host, port=port)
    if domains is not None:
        t.domains = domains  # type: ignore[attr-defined]
    return t


def context(host: str = "x.lab", port: int = 443) -> Any:
    from secaudit.checks import CheckContext
    from secaudit.config.catalog import load_profile

    return CheckContext(host=host, port=port, params=load_profile("level3").parameters)


@lru_cache(maxsize=4)
def observed(probe: str, domains: tuple[str, ...]) -> dict[str, Any]:
    """One collect per probe over ``domains`` (each its own target); {domain: observation}."""
    import importlib

    mod = importlib.import_module(f"secaudit.probes.{probe}")
    targets = [target(d) for d in domains]
    return dict(zip(domains, mod.collect(targets, scenario().options), strict=True))


def verdicts(probe: str, obs: dict[str, Any], host: str = "x.lab", port: int = 443) -> dict[str, Any]:
    from secaudit.checks import run_probe_checks

    return {r.id: r for r in run_probe_checks(probe, obs, context(host, port))}
