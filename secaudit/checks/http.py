"""http.* checks: pure judgements of the HTTP probe's observation (secaudit/probes/http.py).

Each check reads only its own section (plain_http, https, paths or security_txt); a section with an ``error``
gives ``error`` for the checks that need it - never ``pass``. Header values come from a possibly
hostile server: they are only compared, stored as (already truncated) strings, never interpreted.
Verdict tables follow the MDN HTTP Observatory where it has one (research/anchors.md §3).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from secaudit.checks import CheckContext, Outcome, check

EVIDENCE_MAX = 300  # header values quoted in evidence


def _clip(value: str, limit: int = EVIDENCE_MAX) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _https(obs: dict[str, Any]) -> dict[str, Any] | Outcome:
    """The HTTPS response section, or an ``error`` outcome when it is missing or failed."""
    sec = obs.get("https")
    if not isinstance(sec, dict):
        return _error("no HTTPS response recorded / không có phản hồi HTTPS")
    if sec.get("error"):
        return _error(str(sec["error"]))
    if not isinstance(sec.get("headers"), list):
        # unknown headers are not "no headers" (server_disclosure would pass on them)
        return _error("incomplete observation: no header list / thiếu danh sách header")
    return sec


def _error(reason: str) -> Outcome:
    return Outcome("error", "error", {"reason": reason}, {"reason": reason})


def _values(sec: dict[str, Any], name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), in the order received."""
    low = name.lower()
    return [str(v) for n, v in sec.get("headers") or [] if str(n).lower() == low]


def _base_evidence(obs: dict[str, Any], sec: dict[str, Any]) -> dict[str, Any]:
    ev: dict[str, Any] = {"url": sec.get("final_url") or obs.get("url"), "status": sec.get("status")}
    if obs.get("verified") is False:
        # requests refused the certificate: headers were fetched without verification (TLS checks judge it)
        ev["verified"] = False
        ev["tls_error"] = obs.get("tls_error")
    return ev


# --------------------------------------------------------------------------- redirect


@check("http.https_redirect")
def https_redirect(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = obs.get("plain_http")
    if not isinstance(sec, dict):
        return _error("plain-HTTP check did not run / không kiểm tra được HTTP")
    outcome = sec.get("outcome")
    ev = {
        "start": sec.get("start"),
        "outcome": outcome,
        "final": sec.get("final"),
        "hops": [
            {"url": h.get("url"), "status": h.get("status"), "location": h.get("location")}
            for h in sec.get("hops") or []
        ],
    }
    if outcome == "redirect_https_same_host":
        return Outcome("pass", "pass", {"final": sec.get("final")}, ev)
    if outcome == "no_service":
        # Nothing listens on plain HTTP: nothing to downgrade to (the Observatory scores it so).
        return Outcome("pass", "pass_no_service", {"start": sec.get("start")}, ev)
    if outcome in ("no_redirect", "redirect_other_host", "redirect_not_https"):
        return Outcome("fail", f"fail_{outcome}", {"start": sec.get("start"), "final": sec.get("final")}, ev)
    if outcome in ("loop", "too_many_redirects"):
        return Outcome("fail", f"fail_{outcome}", {"start": sec.get("start"), "final": sec.get("final")}, ev)
    reason = str(sec.get("error") or f"unknown outcome {outcome!r}")
    return Outcome("error", "error", {"reason": reason}, {**ev, "reason": reason})


# --------------------------------------------------------------------------- HSTS


_MAX_AGE = re.compile(r'^\s*max-age\s*=\s*"?(\d+)"?\s*$', re.I)


def parse_hsts(value: str) -> tuple[int | None, list[str]]:
    """(max-age or None when invalid, other directives lower-cased)."""
    max_age: int | None = None
    seen_max_age = 0
    others: list[str] = []
    for part in value.split(";"):
        if not part.strip():
            continue
        m = _MAX_AGE.match(part)
        if m:
            seen_max_age += 1
            max_age = int(m.group(1))
        elif part.strip().lower().startswith("max-age"):
            return None, others
        else:
            others.append(part.strip().lower())
    return (max_age if seen_max_age == 1 else None), others


@check("http.hsts")
def hsts(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    minimum = int(ctx.params.get("hsts_min_max_age", 15552000))
    ev = _base_evidence(obs, sec) | {"minimum": minimum}
    if obs.get("scheme", "https") != "https":
        return Outcome("fail", "fail_not_https", {}, ev)
    values = _values(sec, "Strict-Transport-Security")
    if not values:
        return Outcome("fail", "fail_missing", {"minimum": minimum}, ev)
    ev["header"] = _clip(values[0])  # browsers honour the first header only
    max_age, directives = parse_hsts(values[0])
    ev["directives"] = directives
    if max_age is None:
        return Outcome("fail", "fail_invalid", {"value": ev["header"]}, ev)
    ev["max_age"] = max_age
    if max_age < minimum:
        return Outcome("fail", "fail_short", {"max_age": max_age, "minimum": minimum}, ev)
    return Outcome("pass", "pass", {"max_age": max_age}, ev)


# --------------------------------------------------------------------------- CSP


def parse_csp(value: str) -> dict[str, list[str]]:
    """Directive -> sources (lower-cased); the first occurrence of a directive wins (CSP3)."""
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name not in out:
            out[name] = [t.lower() for t in tokens[1:]]
    return out


def _script_risks(policy: dict[str, list[str]]) -> list[str]:
    """What this one policy lets scripts do: unrestricted | unsafe-inline | unsafe-eval | data:."""
    sources = policy.get("script-src", policy.get("default-src"))
    if sources is None:
        return ["unrestricted"]
    risks: list[str] = []
    # A nonce or hash makes browsers ignore 'unsafe-inline' (CSP2+): it is then a fallback only.
    hashed = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in sources)
    if "'unsafe-inline'" in sources and not hashed:
        risks.append("'unsafe-inline'")
    if "'unsafe-eval'" in sources:
        risks.append("'unsafe-eval'")
    if "data:" in sources:
        risks.append("data:")
    if any(s in ("*", "http:", "https:") for s in sources):
        risks.append("any-source")
    return risks


@check("http.csp")
def csp(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    ev = _base_evidence(obs, sec)
    values = _values(sec, "Content-Security-Policy")
    if not values:
        report_only = _values(sec, "Content-Security-Policy-Report-Only")
        if report_only:
            ev["report_only"] = _clip(report_only[0])
            return Outcome("fail", "fail_report_only", {}, ev)
        return Outcome("fail", "fail_missing", {}, ev)
    ev["policies"] = [_clip(v) for v in values]
    policies = [parse_csp(v) for v in values]
    # Several policies are all enforced: a risk exists only if every policy allows it.
    per_policy = [set(_script_risks(p)) for p in policies]
    risks = sorted(set.intersection(*per_policy)) if per_policy else []
    if "unrestricted" in risks:
        risks = ["unrestricted"]
    ev["script_risks"] = risks
    if risks:
        return Outcome("warn", "warn_unsafe", {"risks": risks}, ev)
    return Outcome("pass", "pass", {}, ev)


# --------------------------------------------------------------------------- framing


@check("http.frame_options")
def frame_options(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    ev = _base_evidence(obs, sec)
    ancestors: list[str] | None = None
    for value in _values(sec, "Content-Security-Policy"):
        pol = parse_csp(value)
        if "frame-ancestors" in pol:
            ancestors = pol["frame-ancestors"]
            break
    xfo = _values(sec, "X-Frame-Options")
    if xfo:
        ev["x_frame_options"] = _clip(xfo[0])
    if ancestors is not None:
        # CSP frame-ancestors takes precedence over X-Frame-Options in browsers.
        ev["frame_ancestors"] = " ".join(ancestors)[:EVIDENCE_MAX]
        if "*" in ancestors or "https:" in ancestors or "http:" in ancestors:
            return Outcome("fail", "fail_ancestors_any", {"value": ev["frame_ancestors"]}, ev)
        return Outcome("pass", "pass_csp", {"value": ev["frame_ancestors"] or "'none'"}, ev)
    if not xfo:
        return Outcome("fail", "fail_missing", {}, ev)
    value = xfo[0].strip().upper()
    if value in ("DENY", "SAMEORIGIN"):
        return Outcome("pass", "pass", {"value": value}, ev)
    return Outcome("fail", "fail_invalid", {"value": _clip(xfo[0], 80)}, ev)


# --------------------------------------------------------------------------- nosniff


@check("http.content_type_options")
def content_type_options(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    ev = _base_evidence(obs, sec)
    values = _values(sec, "X-Content-Type-Options")
    if not values:
        return Outcome("fail", "fail_missing", {}, ev)
    ev["header"] = _clip(values[0])
    if values[0].strip().lower() != "nosniff":
        return Outcome("fail", "fail_invalid", {"value": _clip(values[0], 80)}, ev)
    return Outcome("pass", "pass", {}, ev)


# --------------------------------------------------------------------------- Referrer-Policy

REFERRER_SAFE = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
# The Observatory's "unsafe" set: each sends the full URL, or the origin over a downgrade.
REFERRER_UNSAFE = ("unsafe-url", "no-referrer-when-downgrade", "origin-when-cross-origin", "origin")


@check("http.referrer_policy")
def referrer_policy(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    ev = _base_evidence(obs, sec)
    values = _values(sec, "Referrer-Policy")
    if not values:
        # Browsers default to strict-origin-when-cross-origin, so the Observatory passes this;
        # we warn: the behaviour then depends on the visitor's browser, not on the agency.
        return Outcome("warn", "warn_missing", {}, ev)
    ev["header"] = _clip(", ".join(values))
    # Browsers take the last token they recognise (comma list and repeated headers alike).
    tokens = [t.strip().lower() for v in values for t in v.split(",") if t.strip()]
    known = [t for t in tokens if t in REFERRER_SAFE or t in REFERRER_UNSAFE]
    if not known:
        return Outcome("fail", "fail_invalid", {"value": _clip(ev["header"], 80)}, ev)
    effective = known[-1]
    ev["effective"] = effective
    if effective in REFERRER_UNSAFE:
        return Outcome("fail", "fail_unsafe", {"value": effective}, ev)
    return Outcome("pass", "pass", {"value": effective}, ev)


# --------------------------------------------------------------------------- cookies


def is_session_cookie(name: str, patterns: list[str], readable: list[str] | None = None) -> bool:
    """Session-like by name; anti-CSRF tokens (``readable``) must stay readable by scripts."""
    low = name.lower()
    if any(str(p).lower() in low for p in readable or []):
        return False
    return any(str(p).lower() in low for p in patterns)


@check("http.cookies")
def cookies(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    if not isinstance(sec.get("cookies"), list):
        return _error("incomplete observation: no cookie list / thiếu danh sách cookie")
    patterns = list(ctx.params.get("session_cookie_patterns") or [])
    readable = list(ctx.params.get("script_readable_cookie_patterns") or [])
    plain = (obs.get("plain_http") or {}).get("cookies") or []
    jar = [c for c in sec["cookies"] if isinstance(c, dict)] + [c for c in plain if isinstance(c, dict)]
    ev = _base_evidence(obs, sec)
    problems: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    for c in jar:
        name = str(c.get("name", ""))
        session = is_session_cookie(name, patterns, readable)
        over_http = c.get("over") != "https"
        missing = []
        if over_http:
            missing.append("set over plain HTTP")
        elif not c.get("secure"):
            missing.append("Secure")
        if session and not c.get("httponly"):
            missing.append("HttpOnly")
        samesite = c.get("samesite")
        if samesite and str(samesite).lower() not in ("strict", "lax", "none"):
            missing.append(f"valid SameSite (got {_clip(str(samesite), 40)})")
        seen.append(
            {
                "name": _clip(name, 100),
                "session": session,
                "secure": bool(c.get("secure")),
                "httponly": bool(c.get("httponly")),
                "samesite": samesite,
                "over": c.get("over"),
            }
        )
        if missing:
            problems.append({"name": _clip(name, 100), "missing": missing})
    ev["cookies"] = seen
    if not jar:
        return Outcome("pass", "pass_none", {}, ev)
    if problems:
        ev["problems"] = problems
        names = [f"{p['name']} ({', '.join(p['missing'])})" for p in problems]
        return Outcome("fail", "fail", {"cookies": names}, ev)
    return Outcome("pass", "pass", {"count": len(jar)}, ev)


# --------------------------------------------------------------------------- disclosure

DISCLOSURE_HEADERS = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version")
# A version number: "2.4.41", "/7", "v10"; a bare product name ("nginx", "cloudflare") is fine.
_VERSION = re.compile(r"\d+\.\d+|/\s*v?\d|\bv\d+\b|^\s*\d+\s*$", re.I)


@check("http.server_disclosure")
def server_disclosure(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = _https(obs)
    if isinstance(sec, Outcome):
        return sec
    ev = _base_evidence(obs, sec)
    seen: dict[str, str] = {}
    leaking: list[str] = []
    for name in DISCLOSURE_HEADERS:
        for value in _values(sec, name):
            seen.setdefault(name, _clip(value, 200))
            if _VERSION.search(value):
                leaking.append(f"{name}: {_clip(value, 80)}")
    ev["headers"] = seen
    if leaking:
        ev["leaking"] = leaking
        return Outcome("fail", "fail", {"headers": leaking}, ev)
    return Outcome("pass", "pass", {}, ev)


# --------------------------------------------------------------------------- sensitive paths


@check("http.sensitive_paths")
def sensitive_paths(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = obs.get("paths")
    if not isinstance(sec, dict):
        return _error("sensitive paths were not probed / chưa kiểm tra đường dẫn nhạy cảm")
    if sec.get("error"):
        return _error(str(sec["error"]))
    items = [i for i in sec.get("items") or [] if isinstance(i, dict)]
    probed = {str(i.get("path")) for i in items}
    wanted = [str(e.get("path")) for e in ctx.params.get("sensitive_paths") or [] if isinstance(e, dict)]
    exposed = [
        {
            "path": i.get("path"),
            "what": i.get("what"),
            "status": i.get("status"),
            "content_type": i.get("content_type"),
            "size": i.get("size"),
        }
        for i in items
        if i.get("matched")
    ]
    # an item with neither a verdict nor an error (truncated observation) is unknown, not "absent"
    errors = [
        {"path": i.get("path"), "error": _clip(str(i.get("error") or "incomplete observation"), 200)}
        for i in items
        if i.get("error") or not isinstance(i.get("matched"), bool)
    ]
    not_probed = [p for p in wanted if p not in probed]
    ev: dict[str, Any] = {"checked": len(items) - len(errors), "exposed": exposed}
    if errors:
        ev["errors"] = errors
    if not_probed:
        ev["not_probed"] = not_probed
    # Served but not matching (e.g. a 200 HTML page for /.git/HEAD) is not an exposure: say so.
    soft = [i.get("path") for i in items if not i.get("matched") and 200 <= int(i.get("status") or 0) < 300]
    if soft:
        ev["served_without_match"] = soft
    if exposed:
        return Outcome("fail", "fail", {"paths": [f"{e['path']} ({e['what']})" for e in exposed]}, ev)
    if errors or not_probed:
        missing = [e["path"] for e in errors] + not_probed
        reason = f"could not check / không kiểm tra được: {', '.join(str(m) for m in missing)}"
        return Outcome("error", "error", {"reason": reason}, ev | {"reason": reason})
    return Outcome("pass", "pass", {"count": len(items)}, ev)


# --------------------------------------------------------------------------- security.txt


def _now(ctx: CheckContext) -> datetime:
    # A fixed "now" may be given (tests, re-judging at a reference date), as for tls.cert.validity.
    now = ctx.params.get("now")
    if isinstance(now, datetime):
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    if now:
        return parse_expires(str(now))[0] or datetime.now(timezone.utc)
    return datetime.now(timezone.utc)


def parse_expires(value: str) -> tuple[datetime | None, str | None]:
    """(instant, remark): RFC 9116 wants an RFC 3339 date-time; a bare date or a missing zone is
    read as UTC with a remark, anything else is invalid (None)."""
    text = value.strip()
    try:
        t = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None, None
    remark = None
    if "T" not in text.upper() and " " not in text:
        remark = "Expires is a date without a time (RFC 3339 date-time expected)"
    elif t.tzinfo is None:
        remark = "Expires has no time zone (read as UTC)"
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)), remark


@check("http.security_txt")
def security_txt(obs: dict[str, Any], ctx: CheckContext) -> Outcome:
    sec = obs.get("security_txt")
    if not isinstance(sec, dict):
        # e.g. an observation recorded before this check existed: say so, never pass
        return _error("security.txt not in the observation (rescan) / chưa thu thập security.txt (quét lại)")
    if sec.get("error"):
        return _error(str(sec["error"]))
    tried = [f"{t.get('url')} → {t.get('status')}" for t in sec.get("tried") or [] if isinstance(t, dict)]
    ev: dict[str, Any] = {
        "url": sec.get("url"),
        "status": sec.get("status"),
        "tried": tried,
        "location": sec.get("location"),
    }
    if obs.get("verified") is False:
        ev["verified"] = False  # fetched without certificate verification (TLS checks judge it)
    if not sec.get("found"):
        reason = sec.get("not_found_reason") or "status"
        ev["not_found_reason"] = reason
        if sec.get("left_to"):
            ev["left_to"] = sec["left_to"]
            return Outcome("warn", "warn_redirect", {"url": sec.get("url"), "left_to": sec["left_to"]}, ev)
        if reason == "html":
            ev["content_type"] = sec.get("content_type")
        return Outcome("warn", "warn_missing", {"status": sec.get("status")}, ev)

    fields = sec.get("fields") or {}
    contacts = [str(c) for c in fields.get("contact") or []]
    expires = [str(e) for e in fields.get("expires") or []]
    problems = [str(p) for p in sec.get("problems") or []]
    ev.update(
        {
            "content_type": sec.get("content_type"),
            "https": bool(sec.get("https")),
            "signed": bool(sec.get("signed")),
            "contact": contacts,
            "expires": expires,
            "fields": {k: v for k, v in fields.items() if v and k not in ("contact", "expires")},
        }
    )
    if not contacts:
        return Outcome("fail", "fail_no_contact", {"url": sec.get("url")}, ev | {"problems": problems})
    if not expires:
        return Outcome("fail", "fail_no_expires", {"url": sec.get("url")}, ev | {"problems": problems})
    when, remark = parse_expires(expires[0])
    if remark:
        problems.append(remark)
    ev["problems"] = problems
    if when is None or len(expires) > 1:
        return Outcome("fail", "fail_expires_invalid", {"value": _clip(", ".join(expires), 80)}, ev)
    now = _now(ctx)
    days = (when - now).days
    warn_days = int(ctx.params.get("security_txt_warn_days", 30))
    ev.update(
        {"now": now.isoformat(), "expires_at": when.isoformat(), "days_left": days, "warn_days": warn_days}
    )
    date = when.date().isoformat()
    if when <= now:
        return Outcome("fail", "fail_expired", {"date": date}, ev)
    # Warnings: the first (most serious) picks the message; all are in the evidence.
    ctype = str(sec.get("content_type") or "").split(";")[0].strip().lower()
    warnings: list[tuple[str, dict[str, Any]]] = []
    if not sec.get("https"):
        warnings.append(("warn_not_https", {"url": sec.get("url")}))
    if sec.get("location") == "legacy":
        warnings.append(("warn_legacy", {}))
    if ctype != "text/plain":
        warnings.append(("warn_content_type", {"content_type": _clip(str(sec.get("content_type")), 80)}))
    if days < warn_days:
        warnings.append(("warn_expiring", {"date": date, "days": days}))
    if warnings:
        ev["warnings"] = [k for k, _ in warnings]
        key, params = warnings[0]
        return Outcome("warn", key, params, ev)
    return Outcome("pass", "pass", {"contacts": [_clip(c, 80) for c in contacts[:3]], "date": date}, ev)
