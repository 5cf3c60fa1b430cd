"""Shared infrastructure as the summary pages show it (issue 14): the providers, who inherits what,
and each failing provider requirement as one line ("… T.DES.07 hết hạn → ảnh hưởng 4 hệ thống").

Texts live in secaudit/data/provider_strings.yaml; the HTML partial is reports/_providers.html.j2
(included by summary.html.j2, so the site index shows it too), Markdown is ``markdown_lines``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml


@lru_cache(maxsize=1)
def _strings() -> dict[str, Any]:
    return load_yaml(package_file("data/provider_strings.yaml"))


def _t(key: str, lang: str, group: str | None = None) -> str:
    node = (_strings().get(group) or {}).get(key) if group else _strings().get(key)
    if not isinstance(node, dict):
        return key
    return str(node.get(lang) or node.get("vi") or key)


def cause_text(c: dict[str, Any], lang: str) -> str:
    word = _t(c.get("cause") or c.get("status") or "", lang, "causes")
    if word == (c.get("cause") or c.get("status") or ""):
        word = _t(c.get("status") or "", lang, "statuses")
    return _t("cause_line", lang).format(name=c["name"], requirement=c["requirement"], cause=word, n=c["n"])


def view(summary: dict[str, Any], lang: str = "vi") -> dict[str, Any] | None:
    """What the partial shows, in the reader's language; None when the province has no provider."""
    providers = summary.get("providers") if isinstance(summary, dict) else None
    if not providers:
        return None
    rows = []
    for p in providers:
        reqs = []
        for r in p["requirements"]:
            st = r.get("status")
            word = _t(st, lang, "statuses") if st else _t("no_bundle", lang)
            if st and st != "pass" and r.get("cause"):
                word += f" ({_t(r['cause'], lang, 'causes')})"
            reqs.append(
                {
                    "id": r["id"],
                    "status": st or "none",
                    "text": word,
                    "expires": r.get("expires"),
                    "systems": r["systems"],
                    "affected": r["affected"],
                    "differ": r.get("entries_differ"),
                }
            )
        systems = [f"{s['name']} ({s['agency']}/{s['system']})" for s in p["systems"]]
        rows.append(
            {"id": p["id"], "name": p["name"], "contact": p.get("contact"), "systems": systems, "reqs": reqs}
        )
    return {
        "T": {
            k: _t(k, lang) for k in _strings() if isinstance(_strings()[k], dict) and "vi" in _strings()[k]
        },
        "providers": rows,
        "causes": [cause_text(c, lang) for c in summary.get("provider_causes") or []],
    }


def agency_causes(summary: dict[str, Any], agency: dict[str, Any], lang: str = "vi") -> dict[str, Any] | None:
    """The shared causes that touch one agency's systems (its page on the dashboard), or None."""
    mine = [
        (c, [k for k in c["systems"] if k.split("/", 1)[0] == agency.get("id")])
        for c in (summary.get("provider_causes") or [] if isinstance(summary, dict) else [])
    ]
    lines = [f"{cause_text(c, lang)} ({', '.join(k.split('/', 1)[1] for k in ks)})" for c, ks in mine if ks]
    return (
        {"heading": _t("causes_heading", lang) + " — " + _t("heading", lang), "lines": lines}
        if lines
        else None
    )


def markdown_lines(summary: dict[str, Any], lang: str, esc: Any) -> list[str]:
    v = view(summary, lang)
    if v is None:
        return []
    T = v["T"]  # noqa: N806 - the partial's name for its texts
    out = ["", f"## {T['heading']}", "", esc(T["intro"]), "", f"### {T['causes_heading']}", ""]
    out += [f"- {esc(c)}" for c in v["causes"]] or [f"- {esc(T['no_cause'])}"]
    for p in v["providers"]:
        out += [
            "",
            f"### {esc(p['name'])} ({esc(p['id'])})",
            "",
            f"{esc(T['dependents'])}: {esc(', '.join(p['systems']))}",
        ]
        out += ["", f"| {T['requirement']} | {T['verdict']} | {T['affected']} |", "|---|---|---|"]
        for r in p["reqs"]:
            until = f", {T['valid_until']} {r['expires']}" if r.get("expires") else ""
            out.append(
                f"| {esc(r['id'])} | {esc(r['text'] + until)} | {esc(', '.join(r['affected']) or '—')} |"
            )
    return out


def xlsx_sheet(wb: Any, summary: dict[str, Any], lang: str, put: Any) -> None:
    """The workbook's "Ha tang dung chung - Providers" sheet: one row per provider requirement."""
    v = view(summary, lang)
    if v is None:
        return
    ws = wb.create_sheet("Ha tang dung chung - Providers")
    put(ws, ["provider", "name", "requirement", "verdict", "valid_until", "systems", "affected", "cause"])
    causes = {
        (c["provider"], c["requirement"]): cause_text(c, lang) for c in summary.get("provider_causes") or []
    }
    for p in v["providers"]:
        for r in p["reqs"]:
            row = [p["id"], p["name"], r["id"], r["text"], r.get("expires") or "", ";".join(r["systems"])]
            put(ws, [*row, ";".join(r["affected"]), causes.get((p["id"], r["id"]), "")])
