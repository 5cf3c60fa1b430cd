"""State a requirement's thresholds with a profile's values.

A catalogue words each threshold parameter once (``catalog.parameters``: name -> {vi, en} with a
``{value}`` placeholder) and a requirement lists the parameters it states (``parameters: [...]``).
The attestation template and reports call :func:`statements` to tell the auditor, e.g. "minimum
password length without MFA (characters, suggested): 14".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secaudit.core.model import Catalog, Requirement

_NOT_SET = {"vi": "không quy định ở cấp độ này", "en": "not set at this level"}
_BOOL = {"vi": ("có", "không"), "en": ("yes", "no")}


def format_value(value: Any, lang: str = "vi") -> str:
    lang = lang if lang in _NOT_SET else "vi"
    if value is None:  # the level leaves it open (null in the profile)
        return _NOT_SET[lang]
    if isinstance(value, bool):
        return _BOOL[lang][0 if value else 1]
    return str(value)


def statements(req: Requirement, catalog: Catalog, params: Mapping[str, Any], lang: str = "vi") -> list[str]:
    """One sentence per threshold of ``req``, filled from ``params`` (a profile's parameters).
    A parameter the profile does not define at all reads "not set" too: never a silent gap."""
    out = []
    for name in getattr(req, "parameters", []) or []:
        wording = catalog.parameters.get(name) or {}
        text = wording.get(lang) or wording.get("vi") or f"{name}: {{value}}"
        out.append(text.replace("{value}", format_value(params.get(name), lang)))
    return out
