"""Inventory fields of the annual report form (NĐ 331/2026 Mẫu 08): vocabularies and reporting dates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from secaudit.core.yamlio import line_of

# Mẫu 08 (NĐ 331/2026) Part 3 vocabularies: YAML key -> the form's Vietnamese wording. Either is accepted.
APPROVAL_STATUSES = {
    "drafting": "Đang dự thảo",
    "submitted": "Đã gửi thẩm định",
    "appraised": "Đã thẩm định",
    "approved": "Đã được phê duyệt",
}
DEPLOYMENTS = {
    "none": "Chưa triển khai",
    "partial": "Đã triển khai một số hạng mục",
    "full": "Đã triển khai đầy đủ",
}
CHECK_TYPES = {
    "before_use": "Trước khi đưa vào sử dụng",
    "periodic": "Định kỳ",
    "both": "Trước khi đưa vào sử dụng; Định kỳ",
}
# NĐ 331 Art. 35.3-35.4 and Law 116 Art. 45.1 (12 months from 01/07/2026); all overridable.
REPORTING_DEFAULTS = {
    "period_start": "15/12",
    "period_end": "14/12",
    "internal_deadline": "20/12",
    "national_deadline": "25/12",
    "recipient": "Bộ Công an",
}
TRANSITION_DEADLINE = "2027-07-01"

_REPORTING_KEYS = set(REPORTING_DEFAULTS) | {"systems_in_scope", "expected_all_approved"}
_DECISION_KEYS = {
    "approval_decision": ("number", "date", "approver"),
    "quy_che_decision": ("number", "date", "issuer"),
}
UNIT_KEYS = {"name", "representative", "address", "phone", "email"}


def parse_date(val: Any) -> str | None:
    """YAML date, YYYY-MM-DD or DD/MM/YYYY -> YYYY-MM-DD (None if not a date)."""
    if isinstance(val, date):
        return val.isoformat()
    text = str(val).strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _day_month(text: str) -> bool:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})", text)
    if not m:
        return False
    try:
        date(2024, int(m[2]), int(m[1]))  # a leap year: 29/02 is a valid day-month
    except ValueError:
        return False
    return True


def reporting(c: Any, data: dict) -> dict[str, Any]:
    out: dict[str, Any] = dict(REPORTING_DEFAULTS)
    node = data.get("reporting")
    if node is None:
        return out
    c.mapping(node, "reporting", line=line_of(data))
    c.keys(node, _REPORTING_KEYS, "reporting")
    for key in ("period_start", "period_end", "internal_deadline", "national_deadline"):
        if node.get(key) is not None:
            val = str(node[key]).strip()
            if not _day_month(val):
                c.fail(
                    f"reporting.{key}: phải là ngày/tháng như 14/12 / "
                    f"reporting.{key} {node[key]!r} must be a day/month like 14/12",
                    node,
                )
            out[key] = val
    if node.get("recipient") is not None:
        out["recipient"] = c.opt_str(node, "recipient") or REPORTING_DEFAULTS["recipient"]
    n = node.get("systems_in_scope")
    if n is not None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            c.fail(
                "reporting.systems_in_scope phải là số nguyên >= 0 / "
                "reporting.systems_in_scope must be a whole number >= 0",
                node,
            )
        out["systems_in_scope"] = n
    when = c.date(node, "expected_all_approved")
    if when:
        out["expected_all_approved"] = when
    return out


def decision(c: Any, node: dict, key: str, entry: str) -> dict[str, str] | None:
    val = node.get(key)
    if val is None:
        return None
    c.mapping(val, key, entry, line=line_of(node))
    allowed = _DECISION_KEYS[key]
    c.keys(val, set(allowed), key, entry)
    out = {k: c.opt_str(val, k, entry) for k in allowed}
    if val.get("date") is not None:
        out["date"] = c.date(val, "date", entry) or ""
    return {k: v for k, v in out.items() if v}
