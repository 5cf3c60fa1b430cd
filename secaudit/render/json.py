"""JSON rendering: the data as-is (summary JSON contract, report view)."""

from __future__ import annotations

from typing import Any

from secaudit.core.jsonio import dumps_pretty, dumps_pretty_bytes
from secaudit.render.views import report_view


def render(data: dict[str, Any]) -> str:
    return dumps_pretty(data, newline=True)


def render_bytes(data: dict[str, Any]) -> bytes:
    """``render`` as the UTF-8 a file receives, without the text in between (a 10 000-system
    summary is ~55 MB of JSON: its text held 110 MB more)."""
    return dumps_pretty_bytes(data)


def render_report(bundle: dict[str, Any], lang: str = "vi", catalog: Any = None) -> str:
    return render(report_view(bundle, lang, catalog))
