"""The main page's subresources loaded over plain http:// (for http.mixed_content).

The page (at most ``MAX_BODY`` bytes, decompressed at most as much) is parsed with the standard
library's ``html.parser``: maintained with CPython, tolerant of broken markup like browsers are,
no dependency, and it never fetches or executes anything. The probe only records references
(tag, attribute, URL); which are active or passive is the check's judgement.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from secaudit.probes.http.connection import MAX_BODY, MAX_VALUE, clip, decompress, read_capped

MAX_REFS = 25  # insecure references kept per tag (the total is counted): a page full of http://
# images must not push a later http:// script out of the record
# (tag, attribute) pairs that load a subresource or send data, as in the W3C Mixed Content spec
REFERENCE_ATTRS: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "link": ("href",),
    "object": ("data",),
    "embed": ("src",),
    "form": ("action",),
    "img": ("src", "srcset"),
    "audio": ("src",),
    "video": ("src", "poster"),
    "source": ("src", "srcset"),
    "track": ("src",),
    "input": ("src",),
}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.refs: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"].strip()
            return
        for attr in REFERENCE_ATTRS.get(tag, ()):
            value = a.get(attr, "").strip()
            if not value:
                continue
            urls = (
                [u.strip().split()[0] for u in value.split(",") if u.strip()] if attr == "srcset" else [value]
            )
            for url in urls:
                ref: dict[str, Any] = {"tag": tag, "attr": attr, "url": url}
                if tag == "link":
                    ref["rel"] = a.get("rel", "").lower()
                if tag == "input" and a.get("type", "").lower() != "image":
                    continue
                self.refs.append(ref)

    handle_startendtag = handle_starttag


def page_content(resp: Any, page_url: str) -> dict[str, Any]:
    """What the main page loads over http:// (read from ``resp``, which the caller discards)."""
    ctype = resp.headers.get("Content-Type", "") or ""
    out: dict[str, Any] = {"url": clip(page_url, MAX_VALUE), "content_type": clip(ctype, 100)}
    if ctype and "html" not in ctype.lower():  # no Content-Type: browsers sniff, so do we
        out["skipped"] = "not an HTML page"
        return out
    body, capped = read_capped(resp, MAX_BODY)
    body = decompress(body, resp.headers.get("Content-Encoding", ""))
    out.update({"bytes_read": len(body), "truncated": bool(capped)})
    parser = _Refs()
    try:
        parser.feed(body.decode(_charset(ctype), errors="replace"))
        parser.close()
    except Exception as exc:  # html.parser is tolerant; anything else is recorded, never raised
        out["error"] = f"cannot parse the page: {type(exc).__name__}: {clip(str(exc), 200)}"
        return out
    base = urljoin(page_url, parser.base) if parser.base else page_url
    total = 0
    insecure, kept = [], dict.fromkeys(REFERENCE_ATTRS, 0)
    for ref in parser.refs:
        absolute = urljoin(base, ref["url"])
        if urlsplit(absolute).scheme.lower() == "http":
            total += 1
            if kept[ref["tag"]] < MAX_REFS:
                kept[ref["tag"]] += 1
                insecure.append(ref | {"url": clip(absolute, MAX_VALUE)})
    out["base"] = clip(parser.base, MAX_VALUE) if parser.base else None
    out["references"] = len(parser.refs)
    out["insecure_total"] = total
    out["insecure"] = insecure
    return out


def _charset(ctype: str) -> str:
    for part in ctype.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            name = v.strip("\"' ").lower()
            try:
                "".encode(name)
                return name
            except LookupError:
                break
    return "utf-8"
