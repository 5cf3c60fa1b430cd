"""Inventory targets (``targets: [URL | {url, address}]``), validated with the inventory's checker."""

from __future__ import annotations

from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.yamlio import line_of


def target_spec(c: Any, node: Any, entry: str, parent: Any) -> dict[str, Any]:
    """One inventory target: a URL or {url, address}, checked (url, address, line)."""
    from secaudit.config.targets import parse_target

    line = line_of(node) or line_of(parent)
    if isinstance(node, dict):
        unknown = sorted(str(k) for k in node if k not in ("url", "address"))
        if unknown:
            c.fail(
                f"trường không hợp lệ / unknown key {unknown[0]!r} in a target (allowed: url, address)",
                entry=entry,
                line=line,
            )
        url = node.get("url")
        address = node.get("address")
        if address is not None:
            address = str(address)
    else:
        url, address = node, None
    if not isinstance(url, str) or not url.strip():
        c.fail(
            f"mục tiêu không hợp lệ / bad target {node!r}: expected a URL or {{url, address}}",
            entry=entry,
            line=line,
        )
    if "://" in url and not url.lower().startswith(("https://", "http://")):
        c.fail(f"địa chỉ không hợp lệ / bad URL {url!r}: use https://host[:port]", entry=entry, line=line)
    try:
        parse_target(url)
        if address is not None:
            import ipaddress

            ipaddress.ip_address(address.strip("[]"))
    except InputError as exc:
        c.fail(f"địa chỉ không hợp lệ / bad URL: {exc.message}", entry=entry, line=line)
    except ValueError:
        c.fail(
            f"địa chỉ IP không hợp lệ / bad address {address!r}: must be an IP address",
            entry=entry,
            line=line,
        )
    return {"url": url, "address": address.strip("[]") if address else None, "line": line}
