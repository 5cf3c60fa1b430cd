"""What the dns and mail probes share: their options, which domains a target stands for, and one
resolver + DNSSEC validator per scan (so a domain named by several targets is asked once)."""

from __future__ import annotations

import ipaddress
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secaudit.core.model import Target
from secaudit.probes.dnssec import Querier, Server, Validator, load_anchors


@dataclass
class DomainOptions:
    domains: list[str] = field(default_factory=list)  # --domain (every target); else the target's own
    dns_servers: list[Server] = field(default_factory=list)  # --dns-server; else the system's resolvers
    trust_anchor: Path | None = None  # --trust-anchor: DS/DNSKEY records added to IANA's root anchors
    smtp_port: int = 25  # --smtp-port (labs)
    timeout: float = 5.0
    ca_file: Path | None = None

    @property
    def ns_port(self) -> int:
        """Port the NS addresses are asked on: 53, or the lab's port when --dns-server gave one."""
        ports = {s.port for s in self.dns_servers}
        return ports.pop() if len(ports) == 1 else 53


def options_from(context: Any) -> DomainOptions:
    """Our options from whatever context the scan hands the probes (a ProbeContext or ours)."""
    if isinstance(context, DomainOptions):
        return context
    found = getattr(context, "domains_options", None) or getattr(context, "domain_options", None)
    if isinstance(found, DomainOptions):
        return found
    return DomainOptions(
        timeout=float(getattr(context, "timeout", 5.0) or 5.0), ca_file=getattr(context, "ca_file", None)
    )


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def normalise(domain: str) -> str:
    d = domain.strip().rstrip(".").lower()
    try:
        return d.encode("idna").decode("ascii")
    except UnicodeError:
        return d


def domains_for(target: Target, options: DomainOptions) -> list[str]:
    """--domain, else the inventory's ``domains:``, else the target's host name (never an IP)."""
    given = options.domains or list(getattr(target, "domains", None) or [])
    if given:
        return list(dict.fromkeys(normalise(d) for d in given))
    return [] if is_ip(target.host) else [normalise(target.host)]


def printable(text: str, limit: int = 2048) -> str:
    """DNS text (TXT, CAA) may hold any byte: control and format characters become ``\\xNN``
    escapes (a hostile record must not drive the auditor's terminal), and the length is capped."""
    out = "".join(
        c if c == " " or unicodedata.category(c)[0] not in "CZ" else f"\\x{ord(c):02x}" for c in text[:limit]
    )
    return out + ("…" if len(text) > limit else "")


def mail_domain(domain: str) -> str:
    """Mail is judged for the host without a leading ``www.``."""
    return domain[4:] if domain.startswith("www.") and domain.count(".") >= 2 else domain


class Resolvers:
    """One querier and validator per scan, shared by threads (answers are cached)."""

    def __init__(self, options: DomainOptions, context: Any = None) -> None:
        self.options = options
        # Ctrl-C: the scanner sets the context's cancel event; work not yet started is skipped
        self.cancelled: Callable[[], bool] = getattr(context, "cancelled", None) or (lambda: False)
        self.anchors = load_anchors(options.trust_anchor)
        self._lock = threading.Lock()

        self._once: dict[Any, Future[Any]] = {}

    def validator(self) -> Validator:
        # a Querier per domain keeps the caches thread-confined; the anchors are shared (read-only)
        return Validator(Querier(self.options.dns_servers, self.options.timeout), self.anchors)

    def once(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key for the whole scan (an MX shared by many domains is scanned
        once), also when several threads ask at the same time."""
        with self._lock:
            fut = self._once.get(key)
            mine = fut is None
            if mine:
                fut = self._once[key] = Future()
        assert fut is not None
        if mine:
            try:
                fut.set_result(compute())
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                fut.set_exception(exc)
        return fut.result()


def no_domain(target: Target) -> dict[str, Any]:
    return {
        "domains": [],
        "reason": f"{target.host} is an IP address: no domain to check (give --domain or domains:)",
    }
