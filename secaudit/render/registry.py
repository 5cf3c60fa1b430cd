"""Renderers by document type and format name: the one place that knows which module draws what.

A command asks ``render(DOC, FORMAT, data, RenderOptions(...))`` and never chooses a module itself,
so a new format is one function here plus its module (see docs/architecture.md). Every renderer of a
document type takes the same inputs (the document's data and the options); the adapters below only
pass on what their module needs, and import it lazily so that ``secaudit --help`` stays fast.

Document types:
- ``scan``: a ``ScanResult`` (``secaudit scan``)
- ``report``: one bundle (``secaudit report``)
- ``summary``: the province summary JSON (``secaudit summary``)
- ``mau08``: the Mẫu 08 view (``secaudit summary --format mau08``)
- ``checklist``: a ``Catalog`` (``secaudit checklist show``)
- ``crosswalk``: a ``render.crosswalk.CrosswalkDoc`` (``secaudit checklist crosswalk``)
- ``profiles``: the shipped ``Profile`` list (``secaudit profile list``); ``profile``: a
  ``render.profile.ProfileDoc`` (``secaudit profile show``)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError


@dataclass(frozen=True)
class RenderOptions:
    """What a reader chose about the document's look, not its content."""

    lang: str = "vi"
    templates: Path | None = None  # a user's copy of reports/ (HTML formats)
    catalog: Any = None  # the shipped catalogue a bundle names (titles, groups, hints)
    level: int | None = None  # checklist: only this level
    color: bool = False  # terminal table
    verbose: bool = False  # terminal table: passed checks too
    width: int = 80  # terminal table
    source: Path | None = None  # the file (report) or folder (summary) read: ohdf/oscal hash or re-read it


Renderer = Callable[[Any, RenderOptions], "str | bytes"]


# --------------------------------------------------------------------------- scan


def _scan_table(result: Any, o: RenderOptions) -> str:
    from secaudit.render.scan_table import render_scan_table

    return render_scan_table(result, o.lang, color=o.color, width=o.width, verbose=o.verbose)


def _scan_json(result: Any, o: RenderOptions) -> str:
    from secaudit.render.json import render

    return render(result.to_dict())


def _scan_html(result: Any, o: RenderOptions) -> str:
    from secaudit.render.scan_html import render_scan_html

    return render_scan_html(result, o.lang, o.templates)


def _scan_sarif(result: Any, o: RenderOptions) -> str:
    from secaudit.render.sarif import render_scan_sarif

    return render_scan_sarif(result, o.lang)


# --------------------------------------------------------------------------- report (one bundle)


def _report_html(bundle: Any, o: RenderOptions) -> str:
    from secaudit.render.html import render_report

    return render_report(bundle, o.lang, o.catalog, o.templates)


def _report_md(bundle: Any, o: RenderOptions) -> str:
    from secaudit.render.markdown import render_report

    return render_report(bundle, o.lang, o.catalog)


def _report_json(bundle: Any, o: RenderOptions) -> str:
    from secaudit.render.json import render_report

    return render_report(bundle, o.lang, o.catalog)


def _report_sarif(bundle: Any, o: RenderOptions) -> str:
    from secaudit.render.sarif import render_bundle_sarif

    return render_bundle_sarif(bundle, o.lang, o.catalog)


def _report_ohdf(bundle: Any, o: RenderOptions) -> str:
    from secaudit.render.ohdf import render_report_ohdf

    return render_report_ohdf(bundle, o.lang, o.source)


def _report_oscal(bundle: Any, o: RenderOptions) -> str:
    from secaudit.render.oscal import render_assessment_results

    return render_assessment_results(bundle, o.lang, o.source)


# --------------------------------------------------------------------------- summary


def _summary_html(summary: Any, o: RenderOptions) -> str:
    from secaudit.render.html import render_summary

    return render_summary(summary, o.lang, o.templates)


def _summary_json(summary: Any, o: RenderOptions) -> str:
    from secaudit.render.json import render

    return render(summary)


def _summary_csv(summary: Any, o: RenderOptions) -> str:
    from secaudit.render.csv import render_summary

    return render_summary(summary)


def _summary_xlsx(summary: Any, o: RenderOptions) -> bytes:
    from secaudit.render.xlsx import render_summary

    return render_summary(summary, o.lang)


def _summary_md(summary: Any, o: RenderOptions) -> str:
    from secaudit.render.markdown import render_summary

    return render_summary(summary, o.lang)


def _summary_ohdf(summary: Any, o: RenderOptions) -> str:
    from secaudit.render.ohdf import render_summary_ohdf

    return render_summary_ohdf(summary, o.lang, o.source)


# --------------------------------------------------------------------------- Mẫu 08


def _mau08_xlsx(view: Any, o: RenderOptions) -> bytes:
    from secaudit.render.mau08 import render_xlsx

    return render_xlsx(view)


def _mau08_html(view: Any, o: RenderOptions) -> str:
    from secaudit.render.mau08 import render_html

    return render_html(view, o.templates)


# --------------------------------------------------------------------------- checklist


def _checklist_table(catalog: Any, o: RenderOptions) -> str:
    from secaudit.render.checklist import render_table

    return render_table(catalog, o.level, o.lang)


def _checklist_json(catalog: Any, o: RenderOptions) -> str:
    from secaudit.render.checklist import render_json

    return render_json(catalog, o.level)


def _checklist_md(catalog: Any, o: RenderOptions) -> str:
    from secaudit.render.checklist import render_markdown

    return render_markdown(catalog, o.level, o.lang)


def _checklist_xlsx(catalog: Any, o: RenderOptions) -> bytes:
    from secaudit.render.checklist import render_xlsx

    return render_xlsx(catalog, o.level, o.lang)


def _checklist_oscal(catalog: Any, o: RenderOptions) -> str:
    from secaudit.render.oscal import render_catalog

    return render_catalog(catalog, o.level, o.lang)


# --------------------------------------------------------------------------- crosswalk


def _crosswalk_table(doc: Any, o: RenderOptions) -> str:
    from secaudit.render.crosswalk import render_table

    return render_table(doc, o.lang)


def _crosswalk_json(doc: Any, o: RenderOptions) -> str:
    from secaudit.render.crosswalk import render_json

    return render_json(doc)


def _crosswalk_md(doc: Any, o: RenderOptions) -> str:
    from secaudit.render.crosswalk import render_markdown

    return render_markdown(doc, o.lang)


# --------------------------------------------------------------------------- profiles


def _profiles_text(profiles: Any, o: RenderOptions) -> str:
    from secaudit.render.profile import list_text

    return list_text(profiles, o.lang)


def _profiles_json(profiles: Any, o: RenderOptions) -> str:
    from secaudit.render.profile import list_json

    return list_json(profiles)


def _profile_text(doc: Any, o: RenderOptions) -> str:
    from secaudit.render.profile import show_text

    return show_text(doc, o.lang)


def _profile_json(doc: Any, o: RenderOptions) -> str:
    from secaudit.render.profile import show_json

    return show_json(doc)


REGISTRY: dict[str, dict[str, Renderer]] = {
    "scan": {"table": _scan_table, "json": _scan_json, "html": _scan_html, "sarif": _scan_sarif},
    "report": {
        "html": _report_html,
        "md": _report_md,
        "json": _report_json,
        "sarif": _report_sarif,
        "ohdf": _report_ohdf,
        "oscal": _report_oscal,
    },
    "summary": {
        "html": _summary_html,
        "json": _summary_json,
        "csv": _summary_csv,
        "xlsx": _summary_xlsx,
        "md": _summary_md,
        "ohdf": _summary_ohdf,
    },
    "mau08": {"xlsx": _mau08_xlsx, "html": _mau08_html},
    "checklist": {
        "table": _checklist_table,
        "json": _checklist_json,
        "md": _checklist_md,
        "xlsx": _checklist_xlsx,
        "oscal": _checklist_oscal,
    },
    "crosswalk": {"table": _crosswalk_table, "json": _crosswalk_json, "md": _crosswalk_md},
    "profiles": {"text": _profiles_text, "json": _profiles_json},
    "profile": {"text": _profile_text, "json": _profile_json},
}

# Formats whose output is a binary file: they need -o FILE, never the terminal.
BINARY_FORMATS = {"xlsx"}


def formats(doc: str) -> list[str]:
    """The format names a document type can be written in (for click.Choice and --help)."""
    return list(REGISTRY[doc])


def render_bytes(doc: str, fmt: str, data: Any, options: RenderOptions | None = None) -> bytes:
    """``render``'s output as the bytes a file receives (UTF-8 for text formats); the summary's JSON
    straight from its writer (render/json.render_bytes)."""
    if (doc, fmt) == ("summary", "json"):
        from secaudit.render.json import render_bytes as json_bytes

        return json_bytes(data)
    out = render(doc, fmt, data, options)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def render(doc: str, fmt: str, data: Any, options: RenderOptions | None = None) -> str | bytes:
    """Draw ``data`` (a document of type ``doc``) in format ``fmt``."""
    try:
        fn = REGISTRY[doc][fmt]
    except KeyError:
        known = ", ".join(REGISTRY.get(doc, {})) or "-"
        raise InputError(
            f"định dạng không hỗ trợ / unsupported format {fmt!r} for {doc} (choose: {known})"
        ) from None
    return fn(data, options or RenderOptions())
