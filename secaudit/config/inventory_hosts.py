"""The servers a system runs on (inventory ``hosts:``), whose audit-engine results are imported.

A system may list its hosts by name, each optionally with its ``os`` (e.g. ``debian-12``) and
``role`` (e.g. ``web``, ``db``)::

    hosts:
      - srv-web-01
      - {name: srv-db-01, os: debian-12, role: db}

Host evidence (``secaudit host import``) is accepted only for a declared host, and each declared
host becomes one pseudo-target ``host://NAME`` of the system's assessment (checks/host/), so a
declared host without an imported result is visible as ``error``, never as a pass
(docs/host-evidence.md). A system without ``hosts:`` has the host checks out of scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from secaudit.core.model import Target

HOST_SCHEME = "host://"
_HOST_KEYS = {"name", "os", "role"}
# A host name as `hostname`/`fqdn` print it (letters, digits, '-', '.', '_'); it names a folder.
_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,252})$")
_OS_RE = re.compile(r"^[a-z][a-z0-9]*-[0-9][0-9.]*$")  # debian-12, ubuntu-22.04, rhel-9, windows-2022


@dataclass(frozen=True)
class HostSpec:
    name: str
    os: str = ""  # <distribution>-<version>; compared with the benchmark an imported result used
    role: str = ""
    line: int | None = None


def host_name(value: Any) -> str | None:
    """A valid host name, lower-case, without a final dot; None when not one."""
    if not isinstance(value, str):
        return None
    name = value.strip().rstrip(".").lower()
    if not _NAME_RE.match(name) or ".." in name:
        return None
    return name


def parse_hosts(ctx: Any, node: dict, key: str, entry: str) -> list[HostSpec] | None:
    """For the inventory reader (its ``fail`` names the file, line and entry); None when absent."""
    from secaudit.core.yamlio import line_of

    val = node.get(key)
    if val is None:
        return None
    if not isinstance(val, list) or not val:
        ctx.fail(
            f"{key} phải là danh sách tên máy chủ không rỗng / {key} must be a non-empty list of host names",
            node,
            entry,
        )
    out: list[HostSpec] = []
    seen: set[str] = set()
    for item in val:
        spec = _one(ctx, item, node, entry, line_of(item) or line_of(node))
        if spec.name in seen:
            ctx.fail(f"máy chủ {spec.name!r} bị trùng / host {spec.name!r} is listed twice", node, entry)
        seen.add(spec.name)
        out.append(spec)
    return out


def _one(ctx: Any, item: Any, parent: dict, entry: str, line: int | None) -> HostSpec:
    if isinstance(item, dict):
        ctx.keys(item, _HOST_KEYS, "a hosts entry", entry)
        raw, os_name, role = item.get("name"), item.get("os"), item.get("role")
    else:
        raw, os_name, role = item, None, None
    name = host_name(raw)
    if name is None:
        ctx.fail(f"tên máy chủ không hợp lệ / host name {raw!r} is not a host name", parent, entry, line)
    os_s = "" if os_name is None else str(os_name).strip().lower()
    if os_s and not _OS_RE.match(os_s):
        ctx.fail(
            f"máy chủ {name}: hệ điều hành phải có dạng debian-12 hoặc ubuntu-22.04 / "
            f"host {name}: os {os_name!r} must look like debian-12 or ubuntu-22.04",
            parent,
            entry,
            line,
        )
    if role is not None and not isinstance(role, str):
        ctx.fail(f"máy chủ {name}: role phải là chuỗi / host {name}: role must be text", parent, entry, line)
    return HostSpec(str(name), os_s, str(role or "").strip(), line)


def host_target(name: str) -> Target:
    """The pseudo-target that carries one host's imported evidence in an assessment."""
    return Target(raw=f"{HOST_SCHEME}{name}", host=name, port=443, scheme="host", path="/")


def is_host_target(target: Any) -> bool:
    raw = getattr(target, "raw", target)
    return isinstance(raw, str) and raw.startswith(HOST_SCHEME)


def find_host(hosts: list[HostSpec] | None, name: str) -> HostSpec | None:
    wanted = host_name(name)
    return next((h for h in hosts or [] if h.name == wanted), None)
