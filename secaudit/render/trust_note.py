"""The per-system report's line on re-judging (DESIGN §10 "Trust"): what the shipped rules make of the
bundle's own observations and attestations, as the province summary will see it."""

from __future__ import annotations

from typing import Any

from secaudit.core.reasons import MEETS_LEVEL_WORDS


def trust_note(bundle: dict[str, Any], lang: str, examined: Any = None) -> str:
    """One bilingual-aware line ("" if the bundle cannot be read as an assessment); ``examined``:
    the bundle's Trust when the caller has re-judged it already."""
    from secaudit.province.trust import examine

    a = bundle.get("assessment") if isinstance(bundle, dict) else None
    if not isinstance(a, dict):
        return ""
    system = a.get("system") if isinstance(a.get("system"), dict) else {}
    t = examined if examined is not None else examine(a, require_review=system.get("require_review") is True)
    if t.state == "consistent":
        text = {
            "vi": "Đánh giá lại từ dữ liệu quan sát: khớp với kết luận trong gói.",
            "en": "Re-judged from its observations: the bundle's verdicts stand.",
        }
    elif t.state == "rejudged" and t.primary is not None:
        meets = t.primary.meets_level
        text = {
            "vi": f"{t.reason.split(' / ')[0]}: {'đạt' if meets else 'chưa đạt'} cấp độ"
            + (f"; thay đổi: {', '.join(t.differing[:12])}" if t.differing else "")
            + ".",
            "en": f"{t.reason.split(' / ')[-1]}: {'meets' if meets else 'does not meet'} its level"
            + (f"; changed: {', '.join(t.differing[:12])}" if t.differing else "")
            + ".",
        }
    elif t.differing and t.differing != ["*"]:
        more = f" (+{len(t.differing) - 12})" if len(t.differing) > 12 else ""

        def ids(lang: str) -> str:
            return (
                ", ".join(MEETS_LEVEL_WORDS[lang] if d == "meets_level" else d for d in t.differing[:12])
                + more
            )

        text = {
            "vi": f"Mâu thuẫn: kết luận ghi trong gói khác kết quả đánh giá lại ({ids('vi')}).",
            "en": f"Inconsistent: the bundle's verdicts differ from its re-judged ones ({ids('en')}).",
        }
    else:
        text = {"vi": f"Mâu thuẫn: {t.reason}.", "en": f"Inconsistent: {t.reason}."}
    problems = t.primary.problems if t.primary else []
    if problems:
        text = {k: f"{v} Hồ sơ / profile: {'; '.join(problems)}." for k, v in text.items()}
    return text.get(lang) or text["en"]
