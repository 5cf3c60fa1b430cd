"""The per-system report in tiers (issue 11 point 2): the director's first screen, the de-duplicated
to-do list, then technical detail with evidence as readable tables in the reader's language."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from secaudit.core import i18n
from secaudit.core.model import text
from secaudit.core.resources import package_file
from secaudit.core.score import from_public, public, targets_score
from secaudit.core.yamlio import load_yaml
from secaudit.render.fixes import plain, todo
from secaudit.render.hosts_view import host_view

FIRST_SCREEN_ITEMS = 5
MAX_VALUE = 600  # characters of one evidence value in a table cell (the bundle keeps everything)
STATUS_ORDER = ("pass", "fail", "not_reviewed", "error", "not_applicable")
WHO = {
    "fix": {"vi": "Quản trị viên hệ thống / máy chủ web", "en": "System / web server administrator"},
    "evidence": {
        "vi": "Bộ phận phụ trách an toàn thông tin (cung cấp bằng chứng)",
        "en": "Information security officer (provides evidence)",
    },
    "attested_fail": {
        "vi": "Lãnh đạo cơ quan và bộ phận an toàn thông tin",
        "en": "Agency leadership and the security officer",
    },
}
DEFAULT_DAYS = 30  # no plan deadline in the bundle, or it has passed: within 30 days of the assessment


@lru_cache(maxsize=1)
def evidence_labels() -> dict[str, dict[str, str]]:
    return load_yaml(package_file("data/evidence_labels.yaml")) or {}


def _value(v: Any, lang: str) -> str:
    yes_no = {"vi": ("có", "không"), "en": ("yes", "no")}[lang if lang in ("vi", "en") else "vi"]
    if isinstance(v, bool):
        return yes_no[0] if v else yes_no[1]
    if v is None:
        return "—"
    if isinstance(v, (int, float)):
        return i18n.number(v, lang)
    if isinstance(v, dict):
        if set(v) <= {"vi", "en"} and v:
            return text(v, lang)
        return "; ".join(f"{label(k, lang)[0]}: {_value(x, lang)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x, lang) for x in v) or "—"
    s = str(v)
    word = (evidence_labels().get("_values") or {}).get(s)
    if isinstance(word, dict):  # a check status met as a value: in the reader's words
        return text(word, lang)
    return s if len(s) <= MAX_VALUE else s[:MAX_VALUE].rstrip() + " …"


def label(key: str, lang: str) -> tuple[str, bool]:
    """(label, is_identifier): a known evidence key in the reader's words, else the key as code."""
    known = evidence_labels().get(key)
    return (text(known, lang), False) if known else (key, True)


def evidence_rows(evidence: Any, lang: str) -> list[dict[str, Any]]:
    """Evidence as table rows {"label", "ident" (label is an identifier), "value"}."""
    if not isinstance(evidence, dict):
        return (
            []
            if evidence in (None, "", {})
            else [{"label": "", "ident": False, "value": _value(evidence, lang)}]
        )
    rows = []
    for k, v in evidence.items():
        if isinstance(k, str) and k.endswith(("_vi", "_en")) and not k.endswith(f"_{lang}"):
            continue  # the other language's copy of a bilingual value
        name, code = label(str(k).removesuffix(f"_{lang}"), lang)
        rows.append({"label": name, "ident": code, "value": _value(v, lang)})
    return rows


def _deadline(a: dict[str, Any], lang: str) -> str:
    """By when: the plan's deadline (inventory ``due``) when it is after the assessment, else 30 days
    after the assessment."""
    assessed = i18n._parse(a.get("assessed_at"))
    start = assessed.date() if hasattr(assessed, "date") else assessed
    due = i18n._parse(a.get("due"))
    if isinstance(due, date) and (not isinstance(start, date) or due >= start):
        return i18n.day(due.isoformat(), lang)
    if isinstance(start, date):
        try:
            return i18n.day((start + timedelta(days=DEFAULT_DAYS)).isoformat(), lang)
        except OverflowError:  # assessed at the end of the calendar (9999-12-31): no later day
            pass
    return "—"


def score_of_assessment(a: dict[str, Any]) -> dict[str, Any]:
    """The bundle's automated score (computed from its targets when an older bundle has none)."""
    s = a.get("summary") if isinstance(a.get("summary"), dict) else {}
    got = from_public(s)
    targets = a.get("targets") if isinstance(a.get("targets"), list) else []  # untrusted input
    return public(got) if got else public(targets_score(t for t in targets if isinstance(t, dict)))


def tiers(view: dict[str, Any], a: dict[str, Any], lang: str, words: dict[str, str]) -> dict[str, Any]:
    """The keys report_view adds: score, status line, director's screen, to-do list."""
    sc = score_of_assessment(a)
    items = todo(view["failing"], view["to_review"], lang)
    by_when = _deadline(a, lang)
    for e in items:
        e["who"] = e.get("who") or text(WHO.get(e["kind"], WHO["fix"]), lang)  # a provider names itself
        e["when"] = by_when
        e["plain"] = plain(e["remediation"])
        e["severity_word"] = words.get(f"severity.{e['severity']}", "") if e["severity"] else ""
    counts = view["verdict"]["counts"] or {}
    status_words = {k: words.get(f"status.{k}", k).lower() for k in STATUS_ORDER}
    authority = a.get("authority") if isinstance(a.get("authority"), str) else ""
    from secaudit.config.inventory import DEFAULT_AUTHORITY

    authority = authority or DEFAULT_AUTHORITY
    if " / " in authority:  # the neutral default is bilingual: one language on a page
        vi, en = authority.split(" / ", 1)
        authority = vi if lang == "vi" else en
    return {
        "score": {
            "automated": sc["automated_score"],
            "automated_text": i18n.pct(sc["automated_score"], lang),
            "coverage": sc["score_coverage"],
            "coverage_text": i18n.pct(sc["score_coverage"], lang),
        },
        "status_line": i18n.count_line(counts, lang, status_words, STATUS_ORDER),
        "compliance_text": i18n.pct(view["verdict"]["compliance_pct"], lang),
        "assessed_text": i18n.moment(a.get("assessed_at"), lang),
        "authority": authority,
        "director": {
            "meets": view["verdict"]["meets_level"],
            "items": items[:FIRST_SCREEN_ITEMS],
            "more": max(0, len(items) - FIRST_SCREEN_ITEMS),
            "by_when": by_when,
        },
        "todo": items,
        "hosts": host_view(a, lang),  # declared servers, imported results (render/hosts_view.py)
    }
