"""HTTP probe: gathers what the http.* checks judge, one JSON-able observation per target.

Sections of an observation (each may carry its own ``error``; checks judge only their section):
- ``plain_http``: the ``http://host`` redirect chain, followed hop by hop on the same host only
  (pages.py);
- ``https``: the final response of ``target.url`` (headers as received, cookies parsed; pages.py,
  headers.py);
- ``paths``: the profile's sensitive paths, content-aware (status + regex on the first 4 KiB;
  paths.py);
- ``security_txt``: RFC 9116 ``/.well-known/security.txt`` (then legacy ``/security.txt`` only if
  that is 404), capped and parsed (sectxt.py, secaudit/probes/security_txt.py).

Bounds per target: connect and read timeouts of ``--timeout`` per request; after
``MAX_TIMEOUTS`` timed-out requests to one port that port is given up (a server that accepts and
stalls costs about 2 x timeout, not one timeout per path); a wall-clock budget (``TIME_BUDGET_TIMEOUTS``
x timeout, or ``context.budget``) cuts off a server that trickles bytes. A cancelled scan shuts
every socket at once. Nothing here raises out of ``collect()``: failures are recorded as
information.
"""

from __future__ import annotations

import ssl
import threading
import time
from typing import Any

from secaudit.core.model import Target
from secaudit.probes.base import ProbeContext, run_parallel
from secaudit.probes.http.connection import (
    CANCELLED,
    MAX_BODY,
    MAX_VALUE,
    USER_AGENT,
    Conn,
    clip,
    permissive_context,
    trust_context,
)
from secaudit.probes.http.pages import main_page, plain_http
from secaudit.probes.http.paths import MATCH_WINDOW, sensitive_paths
from secaudit.probes.http.sectxt import SECURITY_TXT_MAX, SECURITY_TXT_PATHS, security_txt

__all__ = [
    "collect",
    "MAX_BODY",
    "MAX_VALUE",
    "MATCH_WINDOW",
    "SECURITY_TXT_MAX",
    "SECURITY_TXT_PATHS",
    "USER_AGENT",
]

TIME_BUDGET_TIMEOUTS = 8  # wall-clock budget per target, in multiples of --timeout
MAX_TIMEOUTS = 2  # timed-out requests after which a target is given up

Contexts = tuple[ssl.SSLContext, ssl.SSLContext]


def collect(targets: list[Target], context: ProbeContext) -> list[dict[str, Any]]:
    """Probe every target (concurrently, at most ``context.max_workers``); one observation per
    target, same order."""
    if not targets:
        return []
    ca_file = context.ca_file
    try:
        trust = trust_context(ca_file)
    except (OSError, ssl.SSLError) as exc:
        reason = f"cannot load CA file {ca_file}: {getattr(exc, 'strerror', None) or exc}"
        return [{"error": reason} for _ in targets]
    contexts = (trust, permissive_context())
    live: set[Conn] = set()
    lock = threading.Lock()

    def cancel_all() -> None:
        with lock:
            conns = list(live)
        for conn in conns:
            conn.expire(CANCELLED)

    def one(target: Target) -> dict[str, Any]:
        return _safe_probe(target, context, contexts, live, lock)

    unregister = context.on_cancel(cancel_all)
    try:
        results = run_parallel(one, targets, context.max_workers, context, name="http-probe")
    finally:
        unregister()
    return [r if r is not None else {"error": f"HTTP probe: {CANCELLED}"} for r in results]


def _safe_probe(
    target: Target, context: ProbeContext, contexts: Contexts, live: set[Conn], lock: threading.Lock
) -> dict[str, Any]:
    conn = Conn(target, contexts, context.timeout, max_timeouts=MAX_TIMEOUTS)
    with lock:
        live.add(conn)
    if context.cancelled():
        conn.expire(CANCELLED)
    try:
        obs = _probe(conn, target, context.params, context.timeout, context.budget)
    except Exception as exc:  # last line of defence: one broken target never stops the run
        obs = {"error": f"HTTP probe failed: {type(exc).__name__}: {clip(str(exc), 300)}"}
    finally:
        with lock:
            live.discard(conn)
    try:
        context.progress(target.raw + (" (lỗi/error)" if obs.get("error") else ""))
    except Exception:
        pass
    return obs


def _probe(
    conn: Conn, target: Target, params: dict[str, Any], timeout: float, budget: float | None = None
) -> dict[str, Any]:
    max_redirects = int(params.get("http_max_redirects", 10))
    # Budget: a server that trickles bytes must not hold the run: the watchdog cuts it off.
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
        obs["plain_http"] = plain_http(conn, target, max_redirects)
        obs["https"] = main_page(conn, target, max_redirects)
        obs["verified"] = conn.verified
        obs["tls_error"] = obs["https"].pop("tls_error", None)
        if obs["https"].get("error"):
            obs["paths"] = {"error": f"site not reachable: {obs['https']['error']}", "items": []}
            obs["security_txt"] = {"error": f"site not reachable: {obs['https']['error']}"}
            # Nothing answered at all (not even a redirect loop): the whole target is an error.
            if not obs["https"]["hops"] and obs["plain_http"].get("outcome") in ("error", "no_service"):
                obs["error"] = f"target not reachable over HTTP(S): {obs['https']['error']}"
        else:
            obs["security_txt"] = security_txt(conn, target, max_redirects)
            obs["paths"] = sensitive_paths(conn, target, params.get("sensitive_paths") or [], deadline)
        if conn.gave_up:
            obs["gave_up_after_timeouts"] = max(conn.timeouts[p] for p in conn.gave_up)
        if conn.expired and conn.reason != CANCELLED:
            obs["time_budget_exhausted"] = budget
        return obs
    finally:
        watchdog.cancel()
        conn.close()
