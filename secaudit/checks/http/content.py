"""The main page's content facts (``https.content`` of the HTTP observation), typed once.

Shape (probes/http/content.py): ``{url, content_type, bytes_read, truncated, base, references,
insecure_total, insecure: [{tag, attr, url, rel?}]}``, or ``{skipped}`` (not HTML), or ``{error}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secaudit.checks.observation import (
    Broken,
    Malformed,
    as_dict,
    get_bool,
    get_int,
    get_list,
    get_str,
    incomplete,
)


@dataclass(frozen=True)
class Reference:
    tag: str
    attr: str
    url: str
    rel: str


@dataclass(frozen=True)
class Content:
    url: str | None
    skipped: str | None
    truncated: bool
    references: int
    insecure_total: int
    insecure: tuple[Reference, ...]


def parse_content(obs: dict[str, Any]) -> Content | Broken | None:
    """None: no page content on record (an older bundle, or the main page was not fetched)."""
    https = obs.get("https")
    if not isinstance(https, dict) or https.get("content") is None:
        return None
    path = "https.content"
    try:
        raw = as_dict(https["content"], path)
        if raw.get("error"):
            return Broken(f"{path}: {raw['error']}")
        refs = []
        for i, r in enumerate(get_list(raw, "insecure", path, [])):
            p = f"{path}.insecure[{i}]"
            d = as_dict(r, p)
            refs.append(
                Reference(
                    get_str(d, "tag", p),
                    get_str(d, "attr", p),
                    get_str(d, "url", p),
                    get_str(d, "rel", p, ""),
                )
            )
        return Content(
            url=get_str(raw, "url", path, None),
            skipped=get_str(raw, "skipped", path, None),
            truncated=get_bool(raw, "truncated", path, False),
            references=get_int(raw, "references", path, 0),
            insecure_total=get_int(raw, "insecure_total", path, len(refs)),
            insecure=tuple(refs),
        )
    except Malformed as exc:
        return incomplete(exc)
