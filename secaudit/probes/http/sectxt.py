"""Fetch RFC 9116 ``/.well-known/security.txt`` (then legacy ``/security.txt`` only if that is
404), capped, and parse it (secaudit/probes/security_txt.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from secaudit.core.model import Target
from secaudit.probes import security_txt as parser
from secaudit.probes.http.connection import (
    MAX_VALUE,
    Conn,
    body_error,
    clip,
    decompress,
    discard,
    read_capped,
)
from secaudit.probes.http.pages import next_url, same_host
from secaudit.probes.safe_text import escape_controls

SECURITY_TXT_MAX = 32 * 1024  # security.txt bytes read (a real one, even signed, is ~2-3 KiB)
SECURITY_TXT_PATHS = ("/.well-known/security.txt", "/security.txt")  # RFC 9116 §3, then legacy


def security_txt(conn: Conn, target: Target, max_redirects: int) -> dict[str, Any]:
    """Fetch and parse security.txt. ``found`` is true only for a 2xx non-HTML answer with at
    least one RFC 9116 field: a CMS catch-all page at the path is "not found", not a file."""
    base = urlsplit(target.url)
    tried: list[dict[str, Any]] = []
    got: dict[str, Any] = {}
    for path in SECURITY_TXT_PATHS:
        url = f"{base.scheme}://{base.netloc}{path}"
        try:
            got = _fetch_text(conn, target, url, min(max_redirects, 5), tried)
        except Exception as exc:
            return {"tried": tried, "found": False, "error": body_error(conn, exc)}
        got["location"] = "well_known" if path == SECURITY_TXT_PATHS[0] else "legacy"
        if got.get("status") != 404:  # the legacy path is asked only when the RFC path is 404
            break
    sec: dict[str, Any] = {"tried": tried, "found": False} | got
    parsed = sec.pop("parsed", None)
    if parsed is not None:
        sec.update(parsed)
        sec["found"] = any(parsed["fields"].values())
        if not sec["found"]:
            sec["not_found_reason"] = "no_fields"
    return sec


def _fetch_text(
    conn: Conn, target: Target, url: str, max_redirects: int, tried: list[dict[str, Any]]
) -> dict[str, Any]:
    """GET ``url``, following redirects on the same host that stay on HTTPS (or on the target's
    own scheme); read at most SECURITY_TXT_MAX bytes. Raises on transport failure."""
    seen: set[str] = set()
    while True:
        if url in seen or len(seen) > max_redirects:
            return {"url": url, "status": None, "not_found_reason": "redirect_loop"}
        seen.add(url)
        resp = conn.get(url)
        try:
            location = resp.headers.get("Location")
            tried.append(
                {
                    "url": clip(url, MAX_VALUE),
                    "status": resp.status,
                    "location": clip(location, MAX_VALUE) if location is not None else None,
                }
            )
            if 300 <= resp.status < 400 and location:
                nxt, bad = next_url(url, location)
                if nxt is None:
                    return {"url": url, "status": resp.status, "error": bad}  # the check's error
                scheme = urlsplit(nxt).scheme.lower()
                if same_host(nxt, target.host) and scheme in ("https", target.scheme):
                    url = nxt
                    continue
                # another host (or a downgrade): not ours to probe; a reporter may follow it
                return {
                    "url": url,
                    "status": resp.status,
                    "left_to": clip(nxt, MAX_VALUE),
                    "not_found_reason": "redirect_not_followed",
                }
            ctype = resp.headers.get("Content-Type")
            got: dict[str, Any] = {
                "url": clip(url, MAX_VALUE),
                "status": resp.status,
                "content_type": clip(ctype, 200) if ctype else None,
                "https": urlsplit(url).scheme.lower() == "https",
                "verified": conn.verified,
            }
            if not 200 <= resp.status < 300:
                return got | {"not_found_reason": "status"}
            body, capped = read_capped(resp, SECURITY_TXT_MAX)
        finally:
            discard(resp)
        body = decompress(body, resp.headers.get("Content-Encoding", ""))[:SECURITY_TXT_MAX]
        got.update({"size": len(body), "size_capped": capped})
        if "html" in (ctype or "").lower() or body.lstrip()[:1] == b"<":
            return got | {"not_found_reason": "html"}
        if capped:  # the last line may be cut: drop it rather than judge half a value
            body = body[: body.rfind(b"\n") + 1]
        # the file's lines are kept; any other control character is escaped (safe_text.py)
        text = escape_controls(body.decode("utf-8", "replace").lstrip("\ufeff"), keep="\t\r\n")
        got["parsed"] = parser.parse(text)
        if "\ufffd" in text:
            got["parsed"]["problems"].append("not valid UTF-8")
        if capped:
            got["parsed"]["problems"].append(
                f"file larger than {SECURITY_TXT_MAX} bytes: the rest was not read"
            )
        return got
