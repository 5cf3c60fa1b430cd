"""Parsing TARGET arguments, ``--resolve HOST:PORT:ADDR`` and port lists."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from secaudit.core.errors import InputError
from secaudit.core.model import Target

_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})"
_HOST_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


def _check_host(host: str, raw: str) -> str:
    if not host:
        raise InputError(f"mục tiêu {raw!r}: thiếu tên máy chủ / target {raw!r}: no host name")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not _HOST_RE.match(host):
        raise InputError(
            f"mục tiêu {raw!r}: tên máy chủ không hợp lệ / target {raw!r}: invalid host name {host!r}"
        )
    return host.rstrip(".").lower()


def parse_target(raw: str, resolve: list[str] | None = None, http_port: int | None = None) -> Target:
    """Parse ``https://host[:port][/path]``, ``http://host[:port]`` or ``host[:port]``.

    An ``http://`` target names the plain-HTTP side of a site: its TLS side is probed on 443.
    """
    text = raw.strip()
    if not text:
        raise InputError("mục tiêu trống / empty target")
    if "://" not in text:
        # A bare IPv6 address is a host without a port (as in curl and nmap): ``[::1]:8443`` names one.
        text = "https://" + (f"[{text}]" if _is_ipv6(text) else text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"mục tiêu không hợp lệ / target {raw!r}: {exc}") from None
    if port == 0:  # "port or 443" below would silently scan 443 instead
        raise InputError(f"mục tiêu {raw!r}: cổng 0 không hợp lệ / target {raw!r}: port 0 is not a port")
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise InputError(
            f"mục tiêu {raw!r}: giao thức không hỗ trợ (dùng https:// hoặc http://) / "
            f"target {raw!r}: unsupported scheme {scheme!r} (use https:// or http://)"
        )
    if parts.username or parts.password:
        raise InputError(
            f"mục tiêu {raw!r}: không nhận thông tin đăng nhập trong URL / "
            f"target {raw!r}: credentials in the URL are not accepted"
        )
    host = _check_host(parts.hostname or "", raw)
    plain = http_port if http_port is not None else 80
    if scheme == "http":
        plain = port or 80
        port = 443
    target = Target(
        raw=raw, host=host, port=port or 443, scheme="https", path=parts.path or "/", http_port=plain
    )
    if resolve:
        target.address = resolve_address(target, resolve)
    return target


def parse_resolve(entry: str) -> tuple[str, int, str]:
    """``HOST:PORT:ADDR`` (curl's form); ADDR may be an IPv6 address, bracketed or not."""
    if entry.startswith("["):  # an IPv6 host: [::1]:443:ADDR
        host, sep, rest = entry[1:].partition("]:")
    else:
        host, sep, rest = entry.partition(":")
    port_s, sep2, addr = rest.partition(":")
    if not sep or not sep2 or not host or not addr:
        raise InputError(f"--resolve {entry!r}: cần dạng HOST:PORT:ADDR / expected HOST:PORT:ADDR")
    try:
        port = int(port_s)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise InputError(f"--resolve {entry!r}: cổng không hợp lệ / bad port {port_s!r}") from None
    addr = addr.strip("[]")
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        raise InputError(
            f"--resolve {entry!r}: ADDR phải là địa chỉ IP / ADDR must be an IP address, got {addr!r}"
        ) from None
    return host.lower().rstrip("."), port, addr


def resolve_address(target: Target, resolve: list[str]) -> str | None:
    for entry in resolve:
        host, port, addr = parse_resolve(entry)
        if host == target.host and port == target.port:
            return addr
    return None


def parse_ports(spec: str | None) -> list[int]:
    """``80,443,8000-8010`` -> sorted unique ports."""
    if not spec:
        return []
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo_s, hi_s = part.split("-", 1)
                lo, hi = int(lo_s), int(hi_s)
            else:
                lo = hi = int(part)
        except ValueError:
            raise InputError(
                f"--ports: {part!r} không phải cổng hay dải cổng / "
                f"{part!r} is not a port or range (e.g. 80,443,8000-8010)"
            ) from None
        if not (0 < lo <= hi < 65536):
            raise InputError(f"--ports: {part!r} nằm ngoài khoảng 1-65535 / {part!r} is outside 1-65535")
        if hi - lo > 65535:
            raise InputError(f"--ports: dải cổng {part!r} quá lớn / range {part!r} is too large")
        out.update(range(lo, hi + 1))
    return sorted(out)
