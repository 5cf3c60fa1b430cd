"""HTML renderings (Jinja2, autoescape ON): self-contained pages with inline CSS and SVG.

Everything that comes from a bundle (and so possibly from a scanned server) goes through Jinja's
autoescaping; only our own stylesheet is inserted as-is. ``templates`` is a user's copy of reports/
(``--templates DIR``): a missing or broken file there is bad input (InputError), never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secaudit import __version__
from secaudit.core.errors import InputError
from secaudit.core.resources import data_dir
from secaudit.render import hosts_view, providers, views

_SHIPPED_ENV: list[Any] = []  # the shipped templates' environment, kept: compiling costs ~70 ms a page


def environment(templates: Path | None = None) -> Any:
    if templates is None:
        if not _SHIPPED_ENV:
            _SHIPPED_ENV.append(_environment(None))
        return _SHIPPED_ENV[0]
    return _environment(templates)


def _environment(templates: Path | None) -> Any:
    import jinja2

    if templates is not None and not templates.is_dir():
        raise InputError("thư mục mẫu báo cáo không tồn tại / --templates is not a directory", templates)
    folder = templates or data_dir("reports")

    class Loader(jinja2.FileSystemLoader):
        def get_source(self, environment: Any, name: str) -> Any:
            try:
                return super().get_source(environment, name)
            except UnicodeDecodeError:  # a user's copy saved in another encoding (also an include)
                raise InputError(
                    "mẫu báo cáo không phải UTF-8 / template is not UTF-8", folder / name
                ) from None
            except OSError as exc:  # unreadable (a folder or file without permission)
                raise InputError(
                    f"không đọc được / cannot read: {exc.strerror or exc}", folder / name
                ) from None

    # A user's copy of reports/ is a file from outside (a colleague's, a download): sandboxed, so
    # ``{{ ''.__class__.__mro__ }}``-style access to Python internals is a template error, not code.
    from jinja2.sandbox import SandboxedEnvironment

    kind = jinja2.Environment if templates is None else SandboxedEnvironment
    env = kind(
        loader=Loader(str(folder)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(heat_class=views.heat_class, version=__version__)
    env.globals.update(provider_view=providers.view, provider_causes_for=providers.agency_causes)  # issue 14
    env.globals.update(hosts_count=hosts_view.summary_count)  # declared vs imported servers (issue 14)
    return env


def template(env: Any, name: str, templates: Path | None = None) -> Any:
    """``env.get_template(name)``; a missing or malformed template is an InputError naming it."""
    import jinja2

    where = (templates or data_dir("reports")) / name
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        raise InputError("thiếu tệp mẫu báo cáo / template not found", where) from None
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"mẫu báo cáo bị lỗi / template error: {exc.message}", where, exc.lineno) from None


def load_css(templates: Path | None) -> str:
    path = (templates or data_dir("reports")) / "style.css"
    from secaudit.core.files import read_input

    try:  # a user's --templates folder: regular file only (a FIFO must not hang), bounded
        return read_input(path, "a stylesheet", 4 * 1024 * 1024).decode("utf-8")
    except (InputError, UnicodeDecodeError):
        raise InputError(
            "thiếu tệp style.css hoặc không đọc được / stylesheet not found or unreadable", path
        ) from None


def _render(tmpl: Any, name: str, templates: Path | None, **context: Any) -> str:
    import jinja2

    try:
        return tmpl.render(**context)
    except InputError:
        raise
    except jinja2.TemplateError as exc:  # e.g. an undefined name in a user's edited copy
        raise InputError(
            f"mẫu báo cáo bị lỗi / template error: {exc}", (templates or data_dir("reports")) / name
        ) from None
    except Exception as exc:
        if templates is None:  # a shipped template that raises is our bug: let it show
            raise
        # a user's copy that raises while it renders ({{ 1 / 0 }}, {{ 'a' + 1 }}): bad input
        why = f"{type(exc).__name__}: {exc}"
        raise InputError(f"mẫu báo cáo bị lỗi / template error: {why}", templates / name) from None


def site_strings(lang: str) -> dict[str, str]:
    """The dashboard site's own texts (data/site_strings.yaml) in the reader's language."""
    from secaudit.core.model import text
    from secaudit.core.resources import package_file
    from secaudit.core.yamlio import load_yaml

    if not _SITE_STRINGS:
        _SITE_STRINGS.append(load_yaml(package_file("data/site_strings.yaml")))
    return {k: text(v, lang) for k, v in _SITE_STRINGS[0].items()}


_SITE_STRINGS: list[dict[str, Any]] = []


def summary_context(summary: dict[str, Any], lang: str) -> dict[str, Any]:
    """What summary.html.j2 draws from (shared by the one-page summary and the site's index)."""
    from secaudit.core import i18n
    from secaudit.render import charts

    return {
        "s": summary,
        "lang": lang,
        "L": views.labels(lang),
        "S": site_strings(lang),
        "headline": views.headline(summary, lang),
        "notes": views.notes_text(summary, lang),
        "regimes": views.regime_lines(summary, lang),
        "chart": views.trend_chart(summary.get("trend") or []),
        "status_chart": charts.status_bars(summary),
        "score_chart": charts.score_histogram(summary),
        "agency_score": charts.agency_score,
        "pct": lambda v: i18n.pct(v, lang),
        "num": lambda v: i18n.number(v, lang, 1),
        "title": views.t("summary_title", lang),
    }


def render_summary(
    summary: dict[str, Any],
    lang: str = "vi",
    templates: Path | None = None,
    site: dict[str, Any] | None = None,
) -> str:
    """One page with its stylesheet inlined, or (``site``) the offline site's index: linked pages,
    stylesheet and script beside it (``site``: assets, downloads, agency_href, report_href)."""
    from secaudit.core import i18n

    tmpl = template(environment(templates), "summary.html.j2", templates)
    links = site or {}
    return _render(
        tmpl,
        "summary.html.j2",
        templates,
        **summary_context(summary, lang),
        css=None if site else load_css(templates),
        site=site,
        day=lambda v: i18n.day(v, lang),
        agency_href=links.get("agency_href") or (lambda a: ""),
        report_href=links.get("report_href") or (lambda a, s: ""),
    )


def render_report(
    bundle: dict[str, Any], lang: str = "vi", catalog: Any = None, templates: Path | None = None
) -> str:
    tmpl = template(environment(templates), "report.html.j2", templates)
    return _render(
        tmpl,
        "report.html.j2",
        templates,
        r=views.report_view(bundle, lang, catalog),
        lang=lang,
        L=views.labels(lang),
        css=load_css(templates),
        title=views.t("report_title", lang),
    )
