"""http.cookies: every cookie set over HTTPS has Secure; session-like ones also HttpOnly; SameSite,
when given, is a value browsers know (metadata: cookies.yaml)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import Cookie, HttpObservation, clip
from secaudit.checks.observation import need

SAMESITE_VALUES = ("strict", "lax", "none")


def is_session_cookie(name: str, patterns: list[str], readable: list[str] | None = None) -> bool:
    """Session-like by name; anti-CSRF tokens (``readable``) must stay readable by scripts."""
    low = name.lower()
    if any(str(p).lower() in low for p in readable or []):
        return False
    return any(str(p).lower() in low for p in patterns)


def cookie_problems(c: Cookie, session: bool) -> list[str]:
    missing = []
    if c.over != "https":
        missing.append("set over plain HTTP")
    elif not c.secure:
        missing.append("Secure")
    if session and not c.httponly:
        missing.append("HttpOnly")
    # An empty or unknown value (``SameSite=``, ``SameSite=Nonee``) is ignored by browsers, which
    # then apply their own default: the site did not get what it wrote.
    if c.samesite is not None and c.samesite.strip().lower() not in SAMESITE_VALUES:
        missing.append(f"valid SameSite (got {clip(c.samesite, 40) or 'an empty value'})")
    return missing


@check("http.cookies")
def cookies(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    jar = [*need(sec.cookies), *need(obs.plain_cookies)]
    patterns = list(ctx.params.get("session_cookie_patterns") or [])
    readable = list(ctx.params.get("script_readable_cookie_patterns") or [])
    ev = obs.base_evidence(sec)
    problems: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    for c in jar:
        session = is_session_cookie(c.name, patterns, readable)
        name = clip(c.name, 100)
        seen.append(
            {
                "name": name,
                "session": session,
                "secure": c.secure,
                "httponly": c.httponly,
                "samesite": c.samesite,
                "over": c.over,
            }
        )
        if missing := cookie_problems(c, session):
            problems.append({"name": name, "missing": missing})
    ev["cookies"] = seen
    if not jar:
        return Outcome("pass", "pass_none", {}, ev)
    if problems:
        ev["problems"] = problems
        names = [f"{p['name']} ({', '.join(p['missing'])})" for p in problems]
        return Outcome("fail", "fail", {"cookies": names}, ev)
    return Outcome("pass", "pass", {"count": len(jar)}, ev)
