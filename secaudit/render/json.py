"""JSON rendering: the data as-is (summary JSON contract, report view)."""

from __future__ import annotations

from typing import Any

from secaudit.core.jsonio import dumps_pretty
from secaudit.render.views import report_view


def render(data: dict[str, Any]) -> str:
    return dumps_pretty(data, newline=True)


def render_report(bundle: dict[str, Any], lang: str = "vi", catalog: Any = None) -> str:
    return render(report_view(bundle, lang, catalog))
