"""The offline dashboard site: index (province headline, charts, agencies, systems) → one page per
agency (its systems, what changed since the last period) → each system's report → Mẫu 08, with the
summary's CSV/XLSX/JSON beside it.

Plain files with relative links only: it opens from a folder (file://), a USB stick or any static web
server; nothing is fetched from the network. Stylesheet and script are files in ``assets/`` (never
inline script), so a strict Content-Security-Policy (``script-src 'self'``) holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from secaudit.core.files import atomic_write
from secaudit.core.resources import data_dir
from secaudit.render import html

# What the caller may already have written beside the index, in the order the site lists them.
DOWNLOADS = [
    ("summary.json", "dl_json"),
    ("summary.csv", "dl_csv"),
    ("summary.xlsx", "dl_xlsx"),
    ("summary.md", "dl_md"),
    ("mau08.html", "dl_mau08_html"),
    ("mau08.xlsx", "dl_mau08_xlsx"),
]
_SAFE = re.compile(r"[a-z0-9][a-z0-9._-]{0,120}")
_MODE = 0o644  # pages are for reading (a web server's user too); keys are elsewhere


def _page_name(ident: Any) -> str:
    """A file name for an id: ids are already safe (core/ids), anything else gets a stable hash."""
    s = str(ident)
    if _SAFE.fullmatch(s) and ".." not in s:
        return s
    import hashlib

    return "id-" + hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def write_site(
    out: Path,
    summary: dict[str, Any],
    bundle_dir: Path | None,
    lang: str = "vi",
    templates: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the site into ``out`` and return every file written (index.html first).

    ``bundle_dir``: where the systems' bundles are (``summary``'s ``file`` names); a report page is
    written for each bundle found there. Downloads are linked only when the file exists in ``out``.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(path: Path, content: str | bytes) -> None:
        atomic_write(path, content, mode=_MODE)
        written.append(path)

    S = html.site_strings(lang)
    downloads = [(name, S[key]) for name, key in DOWNLOADS if (out / name).is_file()]

    # System reports first: the index and agency pages link only to reports that exist.
    reports: dict[tuple[str, str], str] = {}
    bundles: dict[tuple[str, str], str] = {}
    for ag in summary.get("agencies") or []:
        for sy in ag.get("systems") or []:
            name = Path(str(sy.get("file") or "")).name
            src = bundle_dir / name if bundle_dir is not None and name.endswith(".json") else None
            if src is None or not src.is_file():
                continue
            key = (str(ag.get("id")), str(sy.get("id")))
            page = f"reports/{_page_name(Path(name).stem)}.html"
            write(out / page, _report_page(src, ag, lang, templates, S))
            reports[key] = page
            if bundle_dir is not None and bundle_dir.resolve().parent == out.resolve():
                bundles[key] = f"{bundle_dir.name}/{name}"
    if say:
        say(f"Đã viết {len(reports)} báo cáo hệ thống / wrote {len(reports)} system reports")

    def agency_href(a: dict[str, Any]) -> str:
        return f"agencies/{_page_name(a.get('id'))}.html"

    def report_href(a: dict[str, Any], s: dict[str, Any]) -> str:
        return reports.get((str(a.get("id")), str(s.get("id"))), "")

    site = {
        "assets": "assets/",
        "downloads": downloads,
        "agency_href": agency_href,
        "report_href": report_href,
    }
    index = out / "index.html"
    write(index, html.render_summary(summary, lang, templates, site=site))
    written.insert(0, written.pop())  # index.html first in the list

    env = html.environment(templates)
    tmpl = html.template(env, "site_agency.html.j2", templates)
    ctx = html.summary_context(summary, lang)
    from secaudit.core import i18n
    from secaudit.render import charts

    changes = summary.get("changes") if isinstance(summary.get("changes"), dict) else {}
    for ag in summary.get("agencies") or []:
        aid = str(ag.get("id"))

        def up_report(a: dict[str, Any], s: dict[str, Any]) -> str:
            page = report_href(a, s)
            return f"../{page}" if page else ""

        def up_bundle(s: dict[str, Any], aid: str = aid) -> str:
            page = bundles.get((aid, str(s.get("id"))))
            return f"../{page}" if page else ""

        page = html._render(
            tmpl,
            "site_agency.html.j2",
            templates,
            **ctx,
            a=ag,
            ch=ag.get("changes") if isinstance(ag.get("changes"), dict) else changes.get(aid),
            score=charts.agency_score(ag),
            system_names={str(s.get("id")): s.get("name") for s in ag.get("systems") or []},
            report_href=up_report,
            bundle_href=up_bundle,
            downloads=downloads,
            day=lambda v: i18n.day(v, lang),
        )
        write(out / agency_href(ag), page)

    reports_dir = templates or data_dir("reports")
    write(out / "assets" / "style.css", html.load_css(templates))
    write(out / "assets" / "site.js", (reports_dir / "site.js").read_bytes())
    return written


def _report_page(
    src: Path, agency: dict[str, Any], lang: str, templates: Path | None, S: dict[str, str]
) -> str:
    """The per-system report (the same renderer as ``secaudit report``) with the site's way back."""
    from markupsafe import escape

    from secaudit.province.digest import load_bundle_file, shipped_catalog
    from secaudit.render.registry import RenderOptions, render

    data = load_bundle_file(src)
    cat = data["assessment"].get("catalog")
    catalog = shipped_catalog(cat.get("id") if isinstance(cat, dict) else None)
    page = str(render("report", "html", data, RenderOptions(lang=lang, templates=templates, catalog=catalog)))
    nav = (
        f'<nav aria-label="{escape(S["skip"])}"><a href="../index.html">{escape(S["home"])}</a> › '
        f'<a href="../agencies/{_page_name(agency.get("id"))}.html">{escape(agency.get("name") or "")}</a>'
        "</nav>"
    )
    return page.replace("<body>", f"<body>\n{nav}", 1)
