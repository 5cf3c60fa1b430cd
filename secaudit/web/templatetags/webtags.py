"""Template words: ``{% t "Tiếng Việt" "English" %}`` prints both (Vietnamese first) in the default
language, English alone when the reader chose English. Autoescaped like any other value."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape

register = template.Library()


def words(vi: str, en: str, lang: str) -> str:
    return en if lang == "en" else f"{vi} / {en}"


@register.simple_tag(takes_context=True)
def t(context: Any, vi: str, en: str) -> str:
    return conditional_escape(words(vi, en, context.get("lang", "vi")))


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
