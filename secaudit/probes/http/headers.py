"""Response headers and Set-Cookie parsing, bounded: the server may be hostile."""

from __future__ import annotations

from typing import Any

from secaudit.probes.http.connection import MAX_VALUE, clip

MAX_HEADERS = 100


def headers_of(resp: Any, sec: dict[str, Any]) -> list[list[str]]:
    """Headers as received (repeats kept, order kept), values truncated; Set-Cookie values redacted."""
    out: list[list[str]] = []
    odd: list[str] = []
    items = list(resp.headers.items())
    if len(items) > MAX_HEADERS:
        sec["headers_truncated"] = len(items)
    for name, value in items[:MAX_HEADERS]:
        value = _redecode(value, name, odd)
        if name.lower() == "set-cookie":
            value = _redact_cookie(value)
        out.append([clip(name, 200), clip(value, MAX_VALUE)])
    if odd:
        sec["non_utf8_headers"] = odd
    return out


def _redecode(value: str, name: str, odd: list[str]) -> str:
    """http.client decodes header bytes as latin-1; show UTF-8 where it is valid, flag the rest."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        odd.append(clip(name, 200))
        return value.encode("latin-1", "replace").decode("ascii", "backslashreplace")


def _redact_cookie(raw: str) -> str:
    name, _, rest = raw.partition(";")
    cname = name.split("=", 1)[0].strip()
    return f"{cname}=<redacted>" + (";" + rest if rest else "")


def parse_cookie(raw: str, over: str) -> dict[str, Any]:
    """Name and attributes of one Set-Cookie (the value is never stored: it may be a secret)."""
    parts = raw.split(";")
    name = parts[0].split("=", 1)[0].strip()
    cookie: dict[str, Any] = {
        "name": clip(name, 200),
        "over": over,
        "secure": False,
        "httponly": False,
        "samesite": None,
        "path": None,
        "domain": None,
        "expires": None,
        "max_age": None,
    }
    for attr in parts[1:]:
        key, _, val = attr.partition("=")
        key, val = key.strip().lower(), clip(val.strip(), 200)
        if key == "secure":
            cookie["secure"] = True
        elif key == "httponly":
            cookie["httponly"] = True
        elif key in ("samesite", "path", "domain", "expires"):
            cookie[key] = val
        elif key == "max-age":
            cookie["max_age"] = val
    return cookie
