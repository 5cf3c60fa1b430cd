"""HTML renderings (Jinja2, autoescape ON): self-contained pages with inline CSS and SVG.

Everything that comes from a bundle (and so possibly from a scanned server) goes through Jinja's
autoescaping; only our own stylesheet is inserted as-is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..resources import data_dir
from . import views


def environment(templates: Path | None = None) -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates or data_dir("reports"))),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.globals.update(heat_class=views.heat_class, version=__version__)
    return env


def _css(templates: Path | None) -> str:
    return ((templates or data_dir("reports")) / "style.css").read_text(encoding="utf-8")


def render_summary(summary: dict[str, Any], lang: str = "vi", templates: Path | None = None) -> str:
    tmpl = environment(templates).get_template("summary.html.j2")
    return tmpl.render(s=summary, lang=lang, L=views.labels(lang), css=_css(templates),
                       headline=views.headline(summary, lang), notes=views.notes_text(summary, lang),
                       regimes=views.regime_lines(summary, lang),
                       chart=views.trend_chart(summary.get("trend") or []),
                       title=views.t("summary_title", lang))


def render_report(bundle: dict[str, Any], lang: str = "vi", catalog: Any = None,
                  templates: Path | None = None) -> str:
    tmpl = environment(templates).get_template("report.html.j2")
    return tmpl.render(r=views.report_view(bundle, lang, catalog), lang=lang, L=views.labels(lang),
                       css=_css(templates), title=views.t("report_title", lang))
