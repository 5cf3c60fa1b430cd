"""The Department's live figures: ``province.summary.collect`` over the data folder — the same
aggregation, re-judging and history store as ``secaudit summary --keyring --store`` — computed again
only when a bundle, the inventory or the keyring changed (fingerprint of names, sizes and mtimes),
and then with the summary's incremental cache (province/cache, ``DATA/summary-cache/``): a bundle
whose bytes and context did not change is not re-judged again, after a restart too.
Pages come from the shared renderers (render/html, render/site's agency page, render/mau08)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

CACHE_DIR = "summary-cache"  # in the data folder: the summary's incremental digest cache
_LOCK = threading.Lock()  # one computation at a time; others wait for its result
_CACHE: dict[str, Any] = {}


def _listing(folder: Path, pattern: str) -> tuple[tuple[str, int, int], ...]:
    out = []
    for p in sorted(folder.glob(pattern)):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((p.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def fingerprint(today: date) -> tuple[Any, ...]:
    from secaudit.web import data

    inv = data.inventory_path()
    inv_sig = (inv.stat().st_size, inv.stat().st_mtime_ns) if inv.is_file() else None
    kr = data.keyring_dir()
    return (
        today.isoformat(),
        inv_sig,
        _listing(data.bundles_dir(), "*.json"),
        _listing(kr, "*.pub"),
        _listing(kr / "reviewers", "*.pub"),
    )


def _previous_period(digests: list[Any], period: str) -> str | None:
    from secaudit.province.digest import period_key

    others = {d.period for d in digests if not d.error and d.period and d.period != period}
    older = [p for p in others if period_key(p) < period_key(period)]
    return max(older, key=period_key) if older else None


def current(today: date) -> tuple[dict[str, Any], list[Any], dict[str, Any] | None]:
    """(summary JSON, digests, inventory view) for the data folder as it is now."""
    from secaudit.province.summary import collect
    from secaudit.web import data

    key = fingerprint(today)
    with _LOCK:
        if _CACHE.get("key") == key:
            return _CACHE["value"]
        inv = data.inventory_path() if data.inventory_path().is_file() else None
        store = data.store_path() if data.store_path().is_file() else None
        cache = data.path(CACHE_DIR)  # province/cache: a bundle unchanged since is not re-judged again
        kr = data.keyring_dir()
        result = collect(data.bundles_dir(), inventory=inv, keyring=kr, store=store, today=today, cache=cache)
        if store is None and "changes" not in result[0]:
            prev = _previous_period(result[1], result[0].get("period") or "")
            if prev is not None:  # no history store: the folder's bundles of the previous period
                result = collect(
                    data.bundles_dir(), inventory=inv, keyring=kr, today=today, compare=prev, cache=cache
                )
        if store is not None:  # the history store was written (as summary --store does): a state change
            from secaudit.web import audit

            audit.log("dashboard", "history_store", f"period:{result[0].get('period')}")
        _CACHE["key"], _CACHE["value"] = key, result
        return result


def forget() -> None:
    with _LOCK:
        _CACHE.clear()


def agency_href(a: dict[str, Any]) -> str:
    return f"/department/agency/{a.get('id')}/"


def system_href(a: dict[str, Any], s: dict[str, Any]) -> str:
    return f"/department/system/{a.get('id')}/{s.get('id')}/"


def dashboard_html(summary: dict[str, Any], lang: str) -> str:
    from secaudit.render import html

    S = html.site_strings(lang)  # noqa: N806 - the templates' name
    site = {
        "assets": "/static/",
        "downloads": [
            ("/department/mau08.html", S["dl_mau08_html"]),
            ("/department/mau08.xlsx", S["dl_mau08_xlsx"]),
        ],
        "agency_href": agency_href,
        "report_href": system_href,
    }
    return html.render_summary(summary, lang, site=site)


def agency_html(summary: dict[str, Any], ag: dict[str, Any], lang: str) -> str:
    """The offline site's agency page (render/site's template and context), linked into the app."""
    from secaudit.core import i18n
    from secaudit.render import charts, html

    changes = summary.get("changes") if isinstance(summary.get("changes"), dict) else {}
    tmpl = html.template(html.environment(None), "site_agency.html.j2")
    return html._render(
        tmpl,
        "site_agency.html.j2",
        None,
        **html.summary_context(summary, lang),
        a=ag,
        ch=ag.get("changes") if isinstance(ag.get("changes"), dict) else changes.get(str(ag.get("id"))),
        score=charts.agency_score(ag),
        system_names={str(s.get("id")): s.get("name") for s in ag.get("systems") or []},
        report_href=system_href,
        bundle_href=lambda s: "",
        downloads=[],
        day=lambda v: i18n.day(v, lang),
    )


def find(summary: dict[str, Any], agency: str, system: str | None = None) -> Any:
    ag = next((a for a in summary.get("agencies") or [] if a.get("id") == agency), None)
    if ag is None or system is None:
        return ag
    return next((s for s in ag.get("systems") or [] if s.get("id") == system), None)


def digest_of(digests: list[Any], sy: dict[str, Any] | None) -> Any:
    if not sy or not sy.get("file"):
        return None
    return next((d for d in digests if d.file == sy.get("file") and not d.error), None)
