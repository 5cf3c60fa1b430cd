"""Numbers, percentages and dates in the reader's language (Babel: CLDR data, not hand-rolled).

Vietnamese: "20,0 %", "1.234", "15/11/2026", times in local time (Asia/Ho_Chi_Minh, UTC+7 all year).
English keeps the same day-first dates (the documents are Vietnamese first; one date order avoids
misreading 03/11 between the two versions of the same report).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from babel.numbers import format_decimal as _fmt_decimal

LOCALES = {"vi": "vi_VN", "en": "en_GB"}
TZ_NAME = "Asia/Ho_Chi_Minh"


def local_tz() -> tzinfo:
    """Asia/Ho_Chi_Minh; a fixed UTC+7 where the system has no tz database (Vietnam keeps no DST)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(TZ_NAME)
    except Exception:  # noqa: BLE001 - no tzdata: the offset is the same all year
        return timezone(timedelta(hours=7), "ICT")


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["vi"])


def number(v: Any, lang: str = "vi", decimals: int | None = None) -> str:
    """1234.5 -> "1.234,5" (vi) / "1,234.5" (en); None -> "—"."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return "—" if v is None else str(v)
    fmt = None if decimals is None else ("#,##0" + ("." + "0" * decimals if decimals else ""))
    try:
        return str(_fmt_decimal(v, format=fmt, locale=_locale(lang)))
    except (ArithmeticError, ValueError):  # 1e300 from a hostile bundle: beyond decimal's precision
        return str(v)


def pct(v: Any, lang: str = "vi") -> str:
    """A 0–100 figure as a percentage with one decimal: "20,0 %" (vi), "20.0%" (en); None -> "—".

    Vietnamese typography puts a space before the sign (TCVN / CLDR vi pattern "#,##0 %")."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return "—"
    n = number(float(v), lang, 1)
    return f"{n}\u00a0%" if lang == "vi" else f"{n}%"


def _parse(v: Any) -> date | datetime | None:
    if isinstance(v, datetime) or isinstance(v, date):
        return v
    if not isinstance(v, str) or not v:
        return None
    s = v.strip().replace("Z", "+00:00")
    try:
        if len(s) == 10:
            return date.fromisoformat(s)
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def day(v: Any, lang: str = "vi") -> str:
    """An ISO date (or the date of a timestamp, in local time) as dd/mm/yyyy; unreadable -> as given."""
    d = _parse(v)
    if d is None:
        return "—" if v in (None, "") else str(v)
    if isinstance(d, datetime):
        d = (_local(d) or d).date()
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _local(d: datetime) -> datetime | None:
    """``d`` in local time; None when that is past the calendar's end (9999-12-31T23:00Z + 7 h)."""
    try:
        return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(local_tz())
    except OverflowError:
        return None


def moment(v: Any, lang: str = "vi") -> str:
    """A UTC ISO timestamp as local time: "15/11/2026 14:05 (giờ Việt Nam, UTC+7)"."""
    d = _parse(v)
    if not isinstance(d, datetime):
        return day(v, lang)
    local = _local(d)
    zone = "giờ Việt Nam, UTC+7" if lang == "vi" else "Vietnam time, UTC+7"
    if local is None:  # no local time after the calendar's end: the instant as written
        local, zone = d, "như ghi / as written"
    return f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d} ({zone})"


def count_line(counts: dict[str, Any], lang: str, words: dict[str, str], order: tuple[str, ...]) -> str:
    """ "17 đạt · 7 không đạt": counts with the reader's status words, zero counts left out."""

    def n(k: str) -> int:  # a bundle is untrusted input: anything but a count is no count
        v = counts.get(k) if isinstance(counts, dict) else None
        return v if isinstance(v, int) and not isinstance(v, bool) else 0

    return " · ".join(f"{number(n(k), lang)} {words.get(k, k)}" for k in order if n(k))
