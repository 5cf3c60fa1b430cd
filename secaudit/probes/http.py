"""HTTP probe: gathers what the http.* checks judge, one JSON-able observation per target.

Sections of an observation (each may carry its own ``error``; checks judge only their section):
- ``plain_http``: the ``http://host`` redirect chain, followed hop by hop on the same host only;
- ``https``: the final response of ``target.url`` (headers as received, cookies parsed);
- ``paths``: the profile's sensitive paths, content-aware (status + regex on the first 4 KiB);
- ``security_txt``: RFC 9116 ``/.well-known/security.txt`` (then legacy ``/security.txt`` only if
  that is 404), capped and parsed (secaudit/probes/security_txt.py).

urllib3 (requests' transport) is used directly: per-connection ``server_hostname`` and
``assert_hostname`` let us connect to ``target.address`` while SNI, Host and certificate checks use
``target.host`` (DESIGN §9), without touching the resolver or global verification settings.
Nothing here raises out of ``collect()``: failures are recorded as information.
"""

from __future__ import annotations

import _socket
import re
import socket
import ssl
import threading
import time
import warnings
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from secaudit import __version__
from secaudit.core.model import Target
from secaudit.probes import security_txt as sectxt

USER_AGENT = f"secaudit/{__version__} (+security posture audit)"
MAX_BODY = 64 * 1024  # never read more than this from any response (hostile servers)
MATCH_WINDOW = 4 * 1024  # sensitive-path regexes see only the first 4 KiB
MAX_VALUE = 1024  # header values are stored truncated (they come from a possibly hostile server)
MAX_HEADERS = 100
MAX_PATH_TIMEOUTS = 2  # after this many timeouts the remaining paths are skipped (bounded run time)
TIME_BUDGET_TIMEOUTS = 8  # wall-clock budget per target, in multiples of --timeout
SECURITY_TXT_MAX = 32 * 1024  # security.txt bytes read (a real one, even signed, is ~2-3 KiB)
SECURITY_TXT_PATHS = ("/.well-known/security.txt", "/security.txt")  # RFC 9116 §3, then legacy

Progress = Callable[[str], None]


# --------------------------------------------------------------------------- public API


def collect(
    targets: list[Target],
    params: dict[str, Any],
    ca_file: Path | None,
    timeout: float,
    progress: Progress | None = None,
    max_workers: int = 8,
    budget: float | None = None,
) -> list[dict[str, Any]]:
    """Probe every target (concurrently, bounded); one observation per target, same order.

    ``budget``: wall-clock seconds per target (default ``TIME_BUDGET_TIMEOUTS`` x ``timeout``)."""
    if not targets:
        return []
    try:
        trust = _trust_context(ca_file)
    except (OSError, ssl.SSLError) as exc:
        reason = f"cannot load CA file {ca_file}: {getattr(exc, 'strerror', None) or exc}"
        return [{"error": reason} for _ in targets]
    contexts = (trust, _permissive_context())
    workers = max(1, min(max_workers, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="http-probe") as pool:
        futures = [pool.submit(_safe_probe, t, params, contexts, timeout, budget, progress) for t in targets]
        return [f.result() for f in futures]


# --------------------------------------------------------------------------- trust


def _trust_context(ca_file: Path | None) -> ssl.SSLContext:
    """One verifying context for the whole run: certifi's bundle (requests' trust store) PLUS
    ``ca_file`` - added, not replacing (requests' verify=PATH would replace it). Loaded once:
    parsing the bundle per connection costs more than the request on loopback."""
    import certifi

    ctx = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        ctx.load_verify_locations(cafile=str(ca_file))
    # urllib3 checks the name itself against assert_hostname (= target.host, also for IPs).
    ctx.check_hostname = False
    return ctx


def _permissive_context() -> ssl.SSLContext:
    """For the unverified re-fetch only: headers of a legacy/weak server are still worth judging
    (its TLS faults are judged by the TLS checks, from sslyze)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pass
    return ctx


# --------------------------------------------------------------------------- one target


class _Conn:
    """Connection pools of one target: connect to ``address``, speak to ``host``."""

    def __init__(
        self, target: Target, contexts: tuple[ssl.SSLContext, ssl.SSLContext], timeout: float
    ) -> None:
        import urllib3

        self.target = target
        self.trust, self.permissive = contexts
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.verified = True
        self.pools: dict[tuple[str, int, bool], Any] = {}
        self.sockets: list[socket.socket] = []
        self.expired = False
        self._lock = threading.Lock()

    def _track(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._lock:
                self.sockets.append(sock)
                if self.expired:
                    _shutdown(sock)

    def expire(self) -> None:
        """Watchdog: the target's time budget is spent. Shut its sockets down so that a server
        trickling one byte per read-timeout cannot hold the run (per-read timeouts cannot)."""
        with self._lock:
            self.expired = True
            for sock in self.sockets:
                _shutdown(sock)

    def pool(self, scheme: str, port: int) -> Any:
        import urllib3

        if not self.verified:
            # We say "verified": false in the observation ourselves; urllib3's warning is noise.
            warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)

        key = (scheme, port, self.verified)
        if key not in self.pools:
            addr = self.target.connect_address
            common: dict[str, Any] = {"timeout": self.timeout, "retries": False, "maxsize": 1, "block": False}
            if scheme == "http":
                pool = urllib3.HTTPConnectionPool(addr, port, **common)
            elif self.verified:
                pool = urllib3.HTTPSConnectionPool(
                    addr,
                    port,
                    ssl_context=self.trust,
                    cert_reqs="CERT_REQUIRED",
                    server_hostname=self.target.host,
                    assert_hostname=self.target.host,
                    **common,
                )
            else:
                pool = urllib3.HTTPSConnectionPool(
                    addr,
                    port,
                    ssl_context=self.permissive,
                    cert_reqs="CERT_NONE",
                    assert_hostname=False,
                    server_hostname=self.target.host,
                    **common,
                )
            pool.ConnectionCls = _tracking(pool.ConnectionCls, self._track)
            self.pools[key] = pool
        return self.pools[key]

    def get(self, url: str) -> Any:
        """GET one URL of this target's host without following redirects; body not read yet."""
        if self.expired:
            raise TimeoutError("time budget for this target exhausted")
        parts = urlsplit(url)
        scheme = parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default = 443 if scheme == "https" else 80
        hostpart = f"[{self.target.host}]" if ":" in self.target.host else self.target.host
        headers = {
            "Host": hostpart if port == default else f"{hostpart}:{port}",
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "Accept-Encoding": "identity",
        }
        try:
            resp = self.pool(scheme, port).urlopen(
                "GET",
                path,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
            )
        except Exception as exc:
            if self.expired:  # the watchdog cut it: say so rather than "connection reset"
                raise TimeoutError("time budget for this target exhausted") from exc
            raise
        if self.expired:  # cut mid-headers: http.client took the EOF for their end
            _discard(resp)
            raise TimeoutError("time budget for this target exhausted")
        return resp

    def close(self) -> None:
        for p in self.pools.values():
            try:
                p.close()
            except Exception:  # closing must never mask the observation
                pass


def _shutdown(sock: socket.socket) -> None:
    try:
        # _socket-level shutdown: unblocks a blocked reader without touching SSL state.
        _socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed, or detached when TLS wrapped it


def _tracking(base: type, track: Callable[[socket.socket | None], None]) -> type:
    """A connection class that reports each socket it opens (for the watchdog)."""

    class Tracked(base):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            track(sock)  # the raw TCP socket: covers a server that stalls the TLS handshake
            return sock

        def connect(self) -> None:
            super().connect()
            track(self.sock)  # the TLS socket that replaced it

    return Tracked


def _safe_probe(
    target: Target,
    params: dict[str, Any],
    contexts: tuple[ssl.SSLContext, ssl.SSLContext],
    timeout: float,
    budget: float | None,
    progress: Progress | None,
) -> dict[str, Any]:
    try:
        obs = _probe(target, params, contexts, timeout, budget)
    except Exception as exc:  # last line of defence: one broken target never stops the run
        obs = {"error": f"HTTP probe failed: {type(exc).__name__}: {_clip(str(exc), 300)}"}
    if progress:
        try:
            progress(target.raw + (" (lỗi/error)" if obs.get("error") else ""))
        except Exception:
            pass
    return obs


def _probe(
    target: Target,
    params: dict[str, Any],
    contexts: tuple[ssl.SSLContext, ssl.SSLContext],
    timeout: float,
    budget: float | None = None,
) -> dict[str, Any]:
    max_redirects = int(params.get("http_max_redirects", 10))
    conn = _Conn(target, contexts, timeout)
    # Budget: a server that accepts and never answers must not cost one timeout per path, and
    # one that trickles bytes must not hold the run: the watchdog cuts the target off.
    budget = timeout * TIME_BUDGET_TIMEOUTS if budget is None else budget
    deadline = time.monotonic() + budget
    watchdog = threading.Timer(budget, conn.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        obs: dict[str, Any] = {
            "url": target.url,
            "host": target.host,
            "address": target.address,
            "scheme": target.scheme,
        }
        obs["plain_http"] = _plain_http(conn, target, max_redirects)
        obs["https"] = _main(conn, target, max_redirects)
        obs["verified"] = conn.verified
        obs["tls_error"] = obs["https"].pop("tls_error", None)
        if obs["https"].get("error"):
            obs["paths"] = {"error": f"site not reachable: {obs['https']['error']}", "items": []}
            obs["security_txt"] = {"error": f"site not reachable: {obs['https']['error']}"}
            # Nothing answered at all (not even a redirect loop): the whole target is an error.
            if not obs["https"]["hops"] and obs["plain_http"].get("outcome") in ("error", "no_service"):
                obs["error"] = f"target not reachable over HTTP(S): {obs['https']['error']}"
        else:
            obs["security_txt"] = _security_txt(conn, target, max_redirects)
            obs["paths"] = _paths(conn, target, params.get("sensitive_paths") or [], deadline)
        if conn.expired:
            obs["time_budget_exhausted"] = budget
        return obs
    finally:
        watchdog.cancel()
        conn.close()


# --------------------------------------------------------------------------- plain HTTP


def _same_host(url: str, host: str) -> bool:
    h = (urlsplit(url).hostname or "").rstrip(".").lower()
    return h == host.rstrip(".").lower().strip("[]")


def _plain_http(conn: _Conn, target: Target, max_redirects: int) -> dict[str, Any]:
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
            return {**sec, "outcome": "loop", "final": url}
        if len(sec["hops"]) > max_redirects:
            return {**sec, "outcome": "too_many_redirects", "final": url}
        seen.add(url)
        try:
            resp = conn.get(url)
        except Exception as exc:
            kind, reason = _classify(exc)
            if kind == "refused" and not sec["hops"]:
                return {**sec, "outcome": "no_service", "reason": reason}
            return {**sec, "outcome": "error", "error": reason, "final": url}
        try:
            location = resp.headers.get("Location")
            hop = {
                "url": url,
                "status": resp.status,
                "location": _clip(location, MAX_VALUE) if location is not None else None,
            }
            sec["hops"].append(hop)
            sec["cookies"] += [_parse_cookie(v, "http") for v in resp.headers.getlist("Set-Cookie")]
        finally:
            _discard(resp)
        if not (300 <= resp.status < 400 and location):
            return {**sec, "outcome": "no_redirect", "final": url}
        nxt = urljoin(url, location.strip())
        scheme = urlsplit(nxt).scheme.lower()
        if not _same_host(nxt, target.host):
            return {**sec, "outcome": "redirect_other_host", "final": nxt}
        if scheme == "https":
            return {**sec, "outcome": "redirect_https_same_host", "final": nxt}
        if scheme != "http":
            return {**sec, "outcome": "redirect_not_https", "final": nxt}
        url = nxt


# --------------------------------------------------------------------------- main response


def _main(conn: _Conn, target: Target, max_redirects: int) -> dict[str, Any]:
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
            sec["error"] = _classify(exc)[1]
            return sec
        try:
            headers = _headers(resp, sec)
            location = resp.headers.get("Location")
            sec["hops"].append(
                {
                    "url": url,
                    "status": resp.status,
                    "location": _clip(location, MAX_VALUE) if location is not None else None,
                }
            )
            sec["cookies"] += [
                _parse_cookie(v, urlsplit(url).scheme) for v in resp.headers.getlist("Set-Cookie")
            ]
        finally:
            _discard(resp)
        if 300 <= resp.status < 400 and location:
            nxt = urljoin(url, location.strip())
            if _same_host(nxt, target.host) and urlsplit(nxt).scheme.lower() == target.scheme:
                url = nxt
                continue
            sec["left_to"] = _clip(nxt, MAX_VALUE)  # not followed: we only probe the given target
        sec.update({"final_url": url, "status": resp.status, "headers": headers})
        return sec


def _get_tolerant(conn: _Conn, url: str, sec: dict[str, Any]) -> Any:
    """GET with verification; on a TLS failure record it and retry once without verification."""
    try:
        return conn.get(url)
    except Exception as exc:
        kind, reason = _classify(exc)
        if kind != "tls" or not conn.verified or not url.startswith("https:"):
            raise
        sec["tls_error"] = reason
        conn.verified = False
        return conn.get(url)


def _headers(resp: Any, sec: dict[str, Any]) -> list[list[str]]:
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
        out.append([_clip(name, 200), _clip(value, MAX_VALUE)])
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
        odd.append(_clip(name, 200))
        return value.encode("latin-1", "replace").decode("ascii", "backslashreplace")


def _redact_cookie(raw: str) -> str:
    name, _, rest = raw.partition(";")
    cname = name.split("=", 1)[0].strip()
    return f"{cname}=<redacted>" + (";" + rest if rest else "")


def _parse_cookie(raw: str, over: str) -> dict[str, Any]:
    """Name and attributes of one Set-Cookie (the value is never stored: it may be a secret)."""
    parts = raw.split(";")
    name = parts[0].split("=", 1)[0].strip()
    cookie: dict[str, Any] = {
        "name": _clip(name, 200),
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
        key, val = key.strip().lower(), _clip(val.strip(), 200)
        if key == "secure":
            cookie["secure"] = True
        elif key == "httponly":
            cookie["httponly"] = True
        elif key in ("samesite", "path", "domain", "expires"):
            cookie[key] = val
        elif key == "max-age":
            cookie["max_age"] = val
    return cookie


# --------------------------------------------------------------------------- sensitive paths


def _paths(conn: _Conn, target: Target, entries: list[Any], deadline: float) -> dict[str, Any]:
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
        if timeouts >= MAX_PATH_TIMEOUTS or time.monotonic() > deadline:
            item["error"] = "skipped: the server stopped answering in time"
            continue
        try:
            regex = re.compile(pattern) if pattern else None
        except re.error as exc:
            item["error"] = f"invalid regex in profile: {exc}"
            continue
        try:
            resp = conn.get(f"{base.scheme}://{base.netloc}{path}")
        except Exception as exc:
            kind, reason = _classify(exc)
            timeouts += kind == "timeout"
            item["error"] = reason
            continue
        try:
            body, capped = _read_capped(resp)
        except Exception as exc:
            kind, reason = _classify(exc)
            timeouts += kind == "timeout"
            item.update({"status": resp.status, "error": reason})
            continue
        finally:
            _discard(resp)
        body = _decompress(body, resp.headers.get("Content-Encoding", ""))
        ctype = resp.headers.get("Content-Type")
        window = body[:MATCH_WINDOW].decode("latin-1")
        item.update(
            {
                "status": resp.status,
                "content_type": _clip(ctype, 200) if ctype else None,
                "size": len(body),
                "size_capped": capped,
                # a 200 HTML "not found" page is not an exposure: the content must match too
                "matched": bool(200 <= resp.status < 300 and (regex.search(window) if regex else True)),
            }
        )
    return {"items": items}


def _read_capped(resp: Any, limit: int = MAX_BODY) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        chunk = resp.read(min(16384, limit - total))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), True


def _decompress(body: bytes, encoding: str) -> bytes:
    """Undo gzip/deflate though we asked for identity, bounded (no decompression bombs)."""
    enc = encoding.strip().lower()
    if enc not in ("gzip", "x-gzip", "deflate"):
        return body
    try:
        return zlib.decompressobj(wbits=47 if "gzip" in enc else 15).decompress(body, MAX_BODY)
    except zlib.error:
        return body


def _discard(resp: Any) -> None:
    """Close without draining: a hostile body is never read to its end."""
    try:
        resp.close()
        resp.release_conn()
    except Exception:
        pass


# --------------------------------------------------------------------------- security.txt


def _security_txt(conn: _Conn, target: Target, max_redirects: int) -> dict[str, Any]:
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
            return {"tried": tried, "found": False, "error": _classify(exc)[1]}
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
    conn: _Conn, target: Target, url: str, max_redirects: int, tried: list[dict[str, Any]]
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
                    "url": _clip(url, MAX_VALUE),
                    "status": resp.status,
                    "location": _clip(location, MAX_VALUE) if location is not None else None,
                }
            )
            if 300 <= resp.status < 400 and location:
                nxt = urljoin(url, location.strip())
                scheme = urlsplit(nxt).scheme.lower()
                if _same_host(nxt, target.host) and scheme in ("https", target.scheme):
                    url = nxt
                    continue
                # another host (or a downgrade): not ours to probe; a reporter may follow it
                return {
                    "url": url,
                    "status": resp.status,
                    "left_to": _clip(nxt, MAX_VALUE),
                    "not_found_reason": "redirect_not_followed",
                }
            ctype = resp.headers.get("Content-Type")
            got: dict[str, Any] = {
                "url": _clip(url, MAX_VALUE),
                "status": resp.status,
                "content_type": _clip(ctype, 200) if ctype else None,
                "https": urlsplit(url).scheme.lower() == "https",
                "verified": conn.verified,
            }
            if not 200 <= resp.status < 300:
                return got | {"not_found_reason": "status"}
            body, capped = _read_capped(resp, SECURITY_TXT_MAX)
        finally:
            _discard(resp)
        body = _decompress(body, resp.headers.get("Content-Encoding", ""))[:SECURITY_TXT_MAX]
        got.update({"size": len(body), "size_capped": capped})
        if "html" in (ctype or "").lower() or body.lstrip()[:1] == b"<":
            return got | {"not_found_reason": "html"}
        if capped:  # the last line may be cut: drop it rather than judge half a value
            body = body[: body.rfind(b"\n") + 1]
        text = body.decode("utf-8", "replace").lstrip("\ufeff")
        got["parsed"] = sectxt.parse(text)
        if "\ufffd" in text:
            got["parsed"]["problems"].append("not valid UTF-8")
        if capped:
            got["parsed"]["problems"].append(
                f"file larger than {SECURITY_TXT_MAX} bytes: the rest was not read"
            )
        return got


# --------------------------------------------------------------------------- errors


def _classify(exc: BaseException) -> tuple[str, str]:
    """(kind, reason) for a failed request: refused | timeout | tls | protocol | other."""
    from urllib3 import exceptions as ue

    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 8:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__ or (cur.reason if isinstance(cur, ue.MaxRetryError) else None)
    text = _clip(str(exc), 300)
    for e in chain:
        if isinstance(e, ConnectionRefusedError):
            return "refused", "connection refused / bị từ chối kết nối"
    for e in chain:
        if isinstance(e, (ue.SSLError, ssl.SSLError, ssl.CertificateError)) and not isinstance(
            e, ue.ProtocolError
        ):
            return "tls", f"TLS error: {text}"
    for e in chain:
        if isinstance(e, ue.NewConnectionError):
            return "other", f"cannot connect: {text}"
        if isinstance(e, (ue.ConnectTimeoutError, ue.ReadTimeoutError, TimeoutError)):
            return "timeout", f"timed out: {text}"
    for e in chain:
        if isinstance(e, (ue.ProtocolError, ue.DecodeError)):
            return "protocol", f"invalid HTTP response: {text}"
    return "other", f"{type(exc).__name__}: {text}"


def _clip(value: str | None, limit: int) -> str:
    if value is None:
        return ""
    value = str(value)
    return value if len(value) <= limit else value[:limit] + f"…[+{len(value) - limit} chars]"
