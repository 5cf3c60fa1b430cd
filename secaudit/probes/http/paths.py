"""Sensitive paths (the profile's list), content-aware: status and a regex on the first 4 KiB."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

# ``regex`` (re-compatible syntax, VERSION0) because its matching takes a timeout: a profile's
# pattern that backtracks catastrophically ("(a+)+$") on a hostile page would hang ``re`` for ever.
import regex

from secaudit.core.model import Target
from secaudit.probes.http.connection import (
    Conn,
    body_error,
    classify,
    clip,
    decompress,
    discard,
    read_capped,
)

MATCH_WINDOW = 4 * 1024  # sensitive-path regexes see only the first 4 KiB
MAX_PATH_TIMEOUTS = 2  # after this many timeouts the remaining paths are skipped (bounded run time)
MATCH_SECONDS = 1.0  # one pattern on one 4 KiB window: a sane pattern takes microseconds


def sensitive_paths(conn: Conn, target: Target, entries: list[Any], deadline: float) -> dict[str, Any]:
    base = urlsplit(target.url)
    items: list[dict[str, Any]] = []
    timeouts = 0
    for entry in entries:
        path = str(entry.get("path", "")) if isinstance(entry, dict) else str(entry)
        pattern = str(entry.get("match", "")) if isinstance(entry, dict) else ""
        item: dict[str, Any] = {
            "path": path,
            "what": str(entry.get("what", "")) if isinstance(entry, dict) else "",
            "match": pattern,
        }
        items.append(item)
        if not path.startswith("/"):
            item["error"] = "path must start with /"
            continue
        url = f"{base.scheme}://{base.netloc}{path}"
        if (
            timeouts >= MAX_PATH_TIMEOUTS
            or time.monotonic() > deadline
            or conn.expired
            or conn.port_of(url) in conn.gave_up
        ):
            item["error"] = "skipped: the server stopped answering in time"
            continue
        try:
            compiled = regex.compile(pattern) if pattern else None
        except (regex.error, ValueError, TypeError) as exc:
            item["error"] = (
                f"biểu thức chính quy trong hồ sơ không hợp lệ / invalid regex in profile: {exc}; "
                "sửa `match` của đường dẫn này / fix this path's `match`"
            )
            continue
        try:
            resp = conn.get(url)
        except Exception as exc:
            kind, reason = classify(exc)
            timeouts += kind == "timeout"
            item["error"] = reason
            continue
        try:
            body, capped = read_capped(resp)
        except Exception as exc:
            kind, _ = classify(exc)
            reason = body_error(conn, exc)  # the watchdog's cut says so
            timeouts += kind == "timeout"
            if kind == "timeout":
                conn.note_timeout(conn.port_of(url))  # a body that stalls counts too
            item.update({"status": resp.status, "error": reason})
            continue
        finally:
            discard(resp)
        body = decompress(body, resp.headers.get("Content-Encoding", ""))
        ctype = resp.headers.get("Content-Type")
        window = body[:MATCH_WINDOW].decode("latin-1")
        try:
            served = 200 <= resp.status < 300
            hit = served and (compiled.search(window, timeout=MATCH_SECONDS) if compiled else True)
        except TimeoutError:
            item.update({"status": resp.status, "error": _too_slow(pattern)})
            continue
        item.update(
            {
                "status": resp.status,
                "content_type": clip(ctype, 200) if ctype else None,
                "size": len(body),
                "size_capped": capped,
                # a 200 HTML "not found" page is not an exposure: the content must match too
                "matched": bool(hit),
            }
        )
    return {"items": items}


def _too_slow(pattern: str) -> str:
    return (
        f"biểu thức chính quy `{clip(pattern, 80)}` chạy quá {MATCH_SECONDS:g} giây trên trang này, "
        "hãy đơn giản hoá nó trong hồ sơ / the profile's regex ran over "
        f"{MATCH_SECONDS:g} s on this page (catastrophic backtracking): simplify it"
    )
