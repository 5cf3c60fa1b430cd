"""Threshold placeholders in requirement texts.

A requirement's description may name profile parameters as ``{name}`` (e.g. "minimum password
length without MFA: {password_min_length_without_mfa}"), so that one text serves every level and
the attestation template / reports can state the profile's value to the auditor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_NOT_SET = {"vi": "không quy định ở cấp độ này", "en": "not set at this level"}
_BOOL = {"vi": ("có", "không"), "en": ("yes", "no")}


def placeholders(text: str) -> list[str]:
    """Parameter names a text refers to, in order, without repeats."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def fill(text: str, params: Mapping[str, Any], lang: str = "vi") -> str:
    """Put the profile's values into ``text``. A parameter the profile sets to null reads "not
    set"; a name the profile does not know stays as ``{name}`` (visible, never silently dropped)."""
    lang = lang if lang in _NOT_SET else "vi"

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in params:
            return m.group(0)
        val = params[name]
        if val is None:
            return _NOT_SET[lang]
        if isinstance(val, bool):
            return _BOOL[lang][0 if val else 1]
        return str(val)

    return PLACEHOLDER.sub(one, text or "")
