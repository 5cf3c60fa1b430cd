"""Inventory targets (``targets: [URL | {url, address, http_port}]``), validated with the inventory's
checker."""

from __future__ import annotations

from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.yamlio import line_of


def target_spec(c: Any, node: Any, entry: str, parent: Any) -> dict[str, Any]:
    """One inventory target: a URL or {url, address, http_port}, checked (url, address, http_port, line)."""
    from secaudit.config.inventory_fields import is_port
    from secaudit.config.targets import parse_target

    line = line_of(node) or line_of(parent)
    if isinstance(node, dict):
        unknown = sorted(str(k) for k in node if k not in ("url", "address", "http_port"))
        if unknown:
            c.fail(
                f"trường không hợp lệ / unknown key {unknown[0]!r} in a target"
                " (allowed: url, address, http_port)",
                entry=entry,
                line=line,
            )
        url = node.get("url")
        address = node.get("address")
        if address is not None:
            address = str(address)
        # DESIGN §9: "the target's http_port (inventory)": per target, over the system's http_port.
        http_port = node.get("http_port")
        if http_port is not None and not is_port(http_port):
            c.fail(
                "http_port phải là số cổng 1-65535 / http_port must be a port number 1-65535",
                entry=entry,
                line=line,
            )
    else:
        url, address, http_port = node, None, None
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
    address = address.strip("[]") if address else None
    return {"url": url, "address": address, "http_port": http_port, "line": line}
