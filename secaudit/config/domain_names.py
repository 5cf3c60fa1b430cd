"""Domain names users write (inventory ``domains:``): validated and normalised in one place."""

from __future__ import annotations

import re
from typing import Any

_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}\.?$"
)


def domain_list(val: Any, key: str = "domains") -> list[str] | None:
    """None when absent; else a non-empty list of host names, lower-case, without a final dot.
    Raises ValueError with a bilingual message otherwise."""
    if val is None:
        return None
    if (
        not isinstance(val, list)
        or not val
        or not all(isinstance(d, str) and _DOMAIN_RE.match(d.strip()) for d in val)
    ):
        raise ValueError(
            f"{key} phải là danh sách tên miền / {key} must be a list of domain names, e.g. [baovidu.vn]"
        )
    return list(dict.fromkeys(d.strip().rstrip(".").lower() for d in val))


def parse_domains(ctx: Any, node: dict, key: str, entry: str) -> list[str] | None:
    """For the inventory reader: its context's ``fail`` names the file, line and entry."""
    try:
        return domain_list(node.get(key), key)
    except ValueError as exc:
        ctx.fail(str(exc), node, entry)
        return None
