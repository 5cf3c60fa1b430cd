"""http.security_txt: an RFC 9116 security.txt with a contact and a future Expires
(metadata: security_txt.yaml; the file is fetched and parsed by secaudit/probes/security_txt.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, SecurityTxt, clip
from secaudit.checks.observation import need


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


def _not_found(sec: SecurityTxt, ev: dict[str, Any]) -> Outcome:
    reason = sec.not_found_reason or "status"
    ev["not_found_reason"] = reason
    if sec.left_to:
        ev["left_to"] = sec.left_to
        return Outcome("warn", "warn_redirect", {"url": sec.url, "left_to": sec.left_to}, ev)
    if reason == "html":
        ev["content_type"] = sec.content_type
    return Outcome("warn", "warn_missing", {"status": sec.status}, ev)


@check("http.security_txt")
def security_txt(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.security_txt)
    ev: dict[str, Any] = {
        "url": sec.url,
        "status": sec.status,
        "tried": [f"{t.url} → {t.status}" for t in sec.tried],
        "location": sec.location,
    }
    if obs.verified is False:
        ev["verified"] = False  # fetched without certificate verification (TLS checks judge it)
    if not sec.found:
        return _not_found(sec, ev)

    contacts = list(sec.fields.get("contact", ()))
    expires = list(sec.fields.get("expires", ()))
    problems = list(sec.problems)
    ev.update(
        {
            "content_type": sec.content_type,
            "https": sec.https,
            "signed": sec.signed,
            "contact": contacts,
            "expires": expires,
            "fields": {k: list(v) for k, v in sec.fields.items() if v and k not in ("contact", "expires")},
        }
    )
    if not contacts:
        return Outcome("fail", "fail_no_contact", {"url": sec.url}, ev | {"problems": problems})
    if not expires:
        return Outcome("fail", "fail_no_expires", {"url": sec.url}, ev | {"problems": problems})
    when, remark = parse_expires(expires[0])
    if remark:
        problems.append(remark)
    ev["problems"] = problems
    if when is None or len(expires) > 1:
        return Outcome("fail", "fail_expires_invalid", {"value": clip(", ".join(expires), 80)}, ev)
    now = ctx.reference_time()
    days = (when - now).days
    warn_days = int(ctx.params.get("security_txt_warn_days", 30))
    ev.update(
        {"now": now.isoformat(), "expires_at": when.isoformat(), "days_left": days, "warn_days": warn_days}
    )
    date = when.date().isoformat()
    # RFC 9116: the file is stale from the Expires instant on
    if when <= now:
        return Outcome("fail", "fail_expired", {"date": date}, ev)
    # Warnings: the first (most serious) picks the message; all are in the evidence.
    ctype = (sec.content_type or "").split(";")[0].strip().lower()
    warnings: list[tuple[str, dict[str, Any]]] = []
    if not sec.https:
        warnings.append(("warn_not_https", {"url": sec.url}))
    if sec.location == "legacy":
        warnings.append(("warn_legacy", {}))
    if ctype != "text/plain":
        warnings.append(("warn_content_type", {"content_type": clip(str(sec.content_type), 80)}))
    if days < warn_days:
        warnings.append(("warn_expiring", {"date": date, "days": days}))
    if warnings:
        ev["warnings"] = [k for k, _ in warnings]
        key, params = warnings[0]
        return Outcome("warn", key, params, ev)
    return Outcome("pass", "pass", {"contacts": [clip(c, 80) for c in contacts[:3]], "date": date}, ev)
