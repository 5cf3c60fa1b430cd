"""The plain-HTTP redirect chain and the main HTTPS response of one target."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import secaudit.probes.http.legacy_tls as legacy_tls
from secaudit.core.model import Target
from secaudit.probes.http.connection import (
    MAX_VALUE,
    Conn,
    body_error,
    classify,
    clip,
    discard,
    negotiated,
)
from secaudit.probes.http.content import page_content
from secaudit.probes.http.headers import headers_of, parse_cookie


def same_host(url: str, host: str) -> bool:
    h = (urlsplit(url).hostname or "").rstrip(".").lower()
    return h == host.rstrip(".").lower().strip("[]")


BAD_LOCATION = "invalid redirect Location {loc!r}: {why} / tiêu đề Location chuyển hướng không hợp lệ"


def next_url(url: str, location: str) -> tuple[str | None, str | None]:
    """(absolute URL, None) of a redirect, or (None, reason) when its Location cannot be parsed
    ('http://[::1/', a port out of range): that response's error, not the whole probe's."""
    try:
        nxt = urljoin(url, location.strip())
        parts = urlsplit(nxt)
        _ = parts.hostname, parts.port  # both raise ValueError on a malformed authority
        return nxt, None
    except ValueError as exc:
        return None, BAD_LOCATION.format(loc=clip(location, 200), why=exc)


def plain_http(conn: Conn, target: Target, max_redirects: int) -> dict[str, Any]:
    """``http://host[:http_port]/``, followed hop by hop on the same host only."""
    hostpart = f"[{target.host}]" if ":" in target.host else target.host
    if target.scheme == "http":
        start = target.url
    else:
        port = "" if target.http_port == 80 else f":{target.http_port}"
        start = f"http://{hostpart}{port}/"
    sec: dict[str, Any] = {"start": start, "hops": [], "cookies": []}
    url, seen = start, set()
    while True:
        if url in seen:
            return {**sec, "outcome": "loop", "final": clip(url, MAX_VALUE)}
        if len(sec["hops"]) > max_redirects:
            return {**sec, "outcome": "too_many_redirects", "final": clip(url, MAX_VALUE)}
        seen.add(url)
        try:
            resp = conn.get(url)
        except Exception as exc:
            kind, reason = classify(exc)
            if kind == "refused" and not sec["hops"]:
                return {**sec, "outcome": "no_service", "reason": reason}
            if kind == "refused":
                # DESIGN §9: the plain-HTTP service answered, and its redirect ends at a plain-HTTP
                # port that refuses: a dead end that never reaches https, not an unseen answer
                return {
                    **sec,
                    "outcome": "redirect_not_https",
                    "final": clip(url, MAX_VALUE),
                    "reason": reason,
                }
            return {**sec, "outcome": "error", "error": reason, "final": clip(url, MAX_VALUE)}
        try:
            location = resp.headers.get("Location")
            hop = {
                "url": clip(url, MAX_VALUE),  # built from the Location
                "status": resp.status,
                "location": clip(location, MAX_VALUE) if location is not None else None,
            }
            sec["hops"].append(hop)
            sec["cookies"] += [parse_cookie(v, "http") for v in resp.headers.getlist("Set-Cookie")]
        finally:
            discard(resp)
        if not (300 <= resp.status < 400 and location):
            return {**sec, "outcome": "no_redirect", "final": clip(url, MAX_VALUE)}
        nxt, bad = next_url(url, location)
        if nxt is None:
            return {**sec, "outcome": "error", "error": bad, "final": clip(url, MAX_VALUE)}
        scheme = urlsplit(nxt).scheme.lower()
        if not same_host(nxt, target.host):
            return {**sec, "outcome": "redirect_other_host", "final": clip(nxt, MAX_VALUE)}
        if scheme == "https":
            return {**sec, "outcome": "redirect_https_same_host", "final": clip(nxt, MAX_VALUE)}
        if scheme != "http":
            return {**sec, "outcome": "redirect_not_https", "final": clip(nxt, MAX_VALUE)}
        url = nxt


def main_page(conn: Conn, target: Target, max_redirects: int) -> dict[str, Any]:
    """GET target.url, following redirects that stay on the same host and scheme."""
    sec: dict[str, Any] = {"hops": [], "cookies": []}
    url, seen = target.url, set()
    while True:
        if url in seen or len(sec["hops"]) > max_redirects:
            sec["error"] = ("redirect loop" if url in seen else "too many redirects") + f" at {url}"
            return sec
        seen.add(url)
        try:
            resp = _get_tolerant(conn, url, sec)
        except Exception as exc:
            sec["error"] = classify(exc)[1]
            return sec
        try:
            headers = headers_of(resp, sec)
            location = resp.headers.get("Location")
            sec["hops"].append(
                {
                    "url": clip(url, MAX_VALUE),  # built from the Location
                    "status": resp.status,
                    "location": clip(location, MAX_VALUE) if location is not None else None,
                }
            )
            sec["cookies"] += [
                parse_cookie(v, urlsplit(url).scheme) for v in resp.headers.getlist("Set-Cookie")
            ]
            if not 300 <= resp.status < 400 and urlsplit(url).scheme.lower() == "https":
                if not conn.verified:  # read over the permissive fallback: say over what
                    sec["tls_cipher"] = getattr(resp, "cipher", None) or negotiated(conn)
                sec["content"] = _content(conn, resp, url)  # for http.mixed_content
        finally:
            discard(resp)
        if 300 <= resp.status < 400 and location:
            nxt, bad = next_url(url, location)
            if nxt is None:
                sec["error"] = bad
                return sec
            if same_host(nxt, target.host) and urlsplit(nxt).scheme.lower() == target.scheme:
                url = nxt
                continue
            sec["left_to"] = clip(nxt, MAX_VALUE)  # not followed: we only probe the given target
        sec.update({"final_url": clip(url, MAX_VALUE), "status": resp.status, "headers": headers})
        return sec


def _content(conn: Conn, resp: Any, url: str) -> dict[str, Any]:
    try:
        return page_content(resp, url)
    except Exception as exc:  # a body that stalls or breaks: this section's error only
        return {"url": clip(url, MAX_VALUE), "error": body_error(conn, exc)}


def _get_tolerant(conn: Conn, url: str, sec: dict[str, Any]) -> Any:
    """GET with verification; on a TLS failure record it and retry once without verification."""
    try:
        return conn.get(url)
    except Exception as exc:
        kind, reason = classify(exc)
        if kind != "tls" or not conn.verified or not url.startswith("https:"):
            raise
        sec["tls_error"] = reason
        conn.verified = False
    try:
        return conn.get(url)
    except Exception as exc:
        if classify(exc)[0] != "tls":
            raise
        # no suite in common with OpenSSL 3 (3DES/RC4-only): nassl's legacy client (legacy_tls.py)
        try:
            parts = urlsplit(url)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            timeout = float(conn.timeout.read_timeout or 10.0)
            return legacy_tls.get(conn, conn.target, path, parts.port or 443, timeout)
        except Exception:
            raise exc from None
