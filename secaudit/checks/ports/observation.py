"""The ports probe's observation (secaudit/probes/ports.py), typed and validated once.

Stored shape (JSON, unchanged): ``address``, ``scanned`` [port, ...], ``open`` [{port, service,
product, version}, ...], ``nmap_version``, ``command``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secaudit.checks.observation import Broken, Malformed, as_dict, get_list, get_str, incomplete


@dataclass(frozen=True)
class OpenPort:
    port: int
    service: str
    product: str
    version: str


@dataclass(frozen=True)
class PortScan:
    scanned: tuple[int, ...]
    open: dict[int, OpenPort]


@dataclass(frozen=True)
class PortsObservation:
    address: str | None
    scan: PortScan | Broken


def label(port: int, service: str) -> str:
    return f"{port}/{service}" if service else str(port)


def _port(v: Any, path: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 65536:
        raise Malformed(f"{path} is not a TCP port number ({str(v)[:20]!r})")
    return v


def _scan(obs: dict[str, Any]) -> PortScan:
    scanned = tuple(_port(p, f"scanned[{i}]") for i, p in enumerate(get_list(obs, "scanned", "observation")))
    open_ports: dict[int, OpenPort] = {}
    for i, raw in enumerate(get_list(obs, "open", "observation")):
        path = f"open[{i}]"
        d = as_dict(raw, path)
        port = _port(d.get("port"), f"{path}.port")
        if port not in scanned:
            # an open port that was never scanned is a hand edit; its "closed" neighbours are in doubt too
            raise Malformed(f"{path}.port {port} is not among the scanned ports")
        open_ports[port] = OpenPort(
            port,
            get_str(d, "service", path, ""),
            get_str(d, "product", path, ""),
            get_str(d, "version", path, ""),
        )
    return PortScan(scanned, open_ports)


def parse(obs: dict[str, Any]) -> PortsObservation:
    """Never raises: a malformed port list is ``Broken`` for both checks."""
    try:
        scan: PortScan | Broken = _scan(obs)
    except Malformed as exc:
        scan = incomplete(exc)
    address = obs.get("address")
    return PortsObservation(None if address is None else str(address), scan)
