"""The dns/mail options shared by ``scan`` and ``assess`` (one decorator, one builder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def domain_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--domain, --dns-server, --trust-anchor, --smtp-port (``scan``)."""
    domain = click.option(
        "--domain",
        "domains",
        multiple=True,
        metavar="DOMAIN",
        help="Tên miền kiểm tra DNS/thư (lặp lại được; mặc định: tên máy của mục tiêu) / "
        "domain for the dns,mail probes (repeatable; default: the target's host).",
    )
    return domain(resolver_options(func))


def resolver_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--dns-server, --trust-anchor, --smtp-port (``assess``: the domains come from the inventory)."""
    opts = [
        click.option(
            "--dns-server",
            "dns_servers",
            multiple=True,
            metavar="ADDR[:PORT]",
            help="Máy chủ DNS để hỏi (lặp lại được; mặc định: của hệ thống) / DNS server to ask.",
        ),
        click.option(
            "--trust-anchor",
            type=click.Path(dir_okay=False),
            default=None,
            help="Bản ghi DS/DNSKEY thêm vào neo gốc IANA / DS or DNSKEY records added to the root anchor.",
        ),
        click.option(
            "--smtp-port",
            type=click.IntRange(1, 65535),
            default=25,
            show_default=True,
            help="Cổng SMTP của MX (phòng thí nghiệm) / SMTP port of the MX servers (labs).",
        ),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def build(
    dns_servers: tuple[str, ...],
    trust_anchor: str | None,
    smtp_port: int,
    timeout: float,
    ca_file: Path | None = None,
    domains: tuple[str, ...] = (),
) -> Any:
    """DomainOptions from the command line; bad values are InputError (exit 2) before any scan."""
    from secaudit.core.errors import InputError
    from secaudit.probes.dnssec import load_anchors, parse_server
    from secaudit.probes.domains import DomainOptions, normalise

    for d in domains:
        if not d.strip() or " " in d.strip() or "/" in d:
            raise InputError(f"--domain {d!r}: không phải tên miền / not a domain name")
    anchor = Path(trust_anchor) if trust_anchor else None
    if anchor is not None:
        load_anchors(anchor)  # validate now: a bad file is bad input, not a scan error
    return DomainOptions(
        domains=[normalise(d) for d in domains],
        dns_servers=[parse_server(s) for s in dns_servers],
        trust_anchor=anchor,
        smtp_port=smtp_port,
        timeout=min(timeout, 10.0),
        ca_file=ca_file,
    )
