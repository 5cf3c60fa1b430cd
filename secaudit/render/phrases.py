"""Probe and library messages (English as recorded) in our own Vietnamese words on Vietnamese pages.

Observations keep what the probe saw, verbatim (a bundle is re-judged from them); only what a reader
sees changes: data/probe_phrases.yaml maps known English phrases to Vietnamese.
"""

from __future__ import annotations

import re
from functools import lru_cache

from secaudit.core.reasons import MEETS_LEVEL_WORDS
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml


@lru_cache(maxsize=1)
def _rules() -> list[tuple[re.Pattern[str], str]]:
    rows = load_yaml(package_file("data/probe_phrases.yaml")) or []
    return [(re.compile(str(p), re.IGNORECASE), str(r)) for p, r in rows]


def localise(text: str, lang: str) -> str:
    """``text`` with the known English probe phrases in Vietnamese (``lang`` "vi"); as is otherwise."""
    if lang != "vi" or not text:
        return text
    for pattern, repl in _rules():
        text = pattern.sub(repl, text)
    return text


def one_language(text: str, lang: str) -> str:
    """A bilingual "vi / en[: detail]" message (the summary's trust reasons) in one language; the
    detail after the English part's last ": " (ids, values) is kept. Other texts are unchanged."""
    if " / " not in text:
        return text
    vi, en = text.split(" / ", 1)
    # "meets_level" among the differing ids is our field name, never a word on a reader's page
    words = MEETS_LEVEL_WORDS["en" if lang == "en" else "vi"]
    if lang == "en":
        return re.sub(r"\bmeets_level\b", words, en)
    detail = en.rsplit(": ", 1)[1] if ": " in en else ""
    detail = re.sub(r"\bmeets_level\b", words, detail)
    return f"{vi}: {detail}" if detail and detail not in vi else vi
