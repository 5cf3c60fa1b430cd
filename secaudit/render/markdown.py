"""Markdown renderings of the province summary and of a per-system report.

Text from bundles is escaped: Markdown viewers render inline HTML, and table cells break on "|".
"""

from __future__ import annotations

import re
from typing import Any

from secaudit.core.i18n import day, number, pct
from secaudit.core.model import text
from secaudit.render import providers
from secaudit.render.phrases import one_language
from secaudit.render.views import headline, labels, notes_text, regime_lines, report_view, t, tier_strings

# Characters Markdown would read as markup, written as HTML entities: they show as themselves in
# every viewer, and no backslash is left behind in the text (issue 11).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])")
_ENTITY = {"<": "&lt;", ">": "&gt;"}


def esc(v: Any) -> str:
    s = "" if v is None else str(v)
    s = s.replace("&", "&amp;").replace("\n", " ")
    return _MD_SPECIAL.sub(lambda m: _ENTITY.get(m.group(1), f"&#{ord(m.group(1))};"), s)


def _warned(s: dict[str, Any], L: dict[str, str]) -> str:  # noqa: N803 - the labels, as elsewhere
    """A system's warnings beside its failures (DESIGN §3: carried into every report)."""
    w = s.get("warnings") or []
    return f" ({esc(L['status.warn'])}: {esc(', '.join(w))})" if w else ""


def _yn(v: bool | None, L: dict[str, str]) -> str:
    return "—" if v is None else (L["yes"] if v else L["no"])


def _why(s: dict[str, Any], lang: str = "vi") -> str:
    """Why a verified system does not count, or that it was re-judged (DESIGN §10 "Trust")."""
    shown = s["status"] in ("inconsistent", "profile_not_accepted") or s.get("trust") == "rejudged"
    if not (shown and s.get("reason")):
        return ""
    parts = [one_language(p, lang) for p in str(s["reason"]).split("; ")]
    return f" — {esc('; '.join(parts))}"


def render_summary(summary: dict[str, Any], lang: str = "vi") -> str:
    L = labels(lang)
    h = headline(summary, lang)
    out = [
        f"# {esc(t('summary_title', lang))} — {esc(summary['province'])} {esc(summary['period'])}",
        "",
        f"**{esc(h['agencies'])}**",
        "",
        esc(h["systems"]),
        "",
        *([esc(h["trust"]), ""] if h.get("trust") else []),
    ]
    out += [f"> {esc(n)}" for n in notes_text(summary, lang)]
    rl = regime_lines(summary, lang)
    if rl:
        out += [
            "",
            f"## {L['regimes']}",
            "",
            f"- **{esc(rl['current'])}**",
            f"- **{esc(rl['new'])}**",
            "",
            f"### {L['new_regime_adds']}",
            "",
            f"| {L['agency']} | {L['ready']} | {L['system']} | {L['compliance']} | {L['failing']} | "
            f"{L['not_reviewed']} |",
            "|---|---|---|---|---|---|",
        ]
        for a in summary["regimes"]["agencies"]:
            for s in a["systems"]:
                if not s["assessed"]:
                    out.append(
                        f"| {esc(a['name'])} | {_yn(a['ready'], L)} | {esc(s['name'])} | "
                        f"{esc(L['not_assessed_new'])} | | |"
                    )
                    continue
                out.append(
                    f"| {esc(a['name'])} | {_yn(a['ready'], L)} | {esc(s['name'])} | "
                    f"{pct(s['compliance_pct'], lang)} | "
                    f"{esc(', '.join(s['failing']) or '—')} | "
                    f"{esc(', '.join(s['not_reviewed']) or '—')} |"
                )
    out += [
        "",
        f"## {L['agencies']}",
        "",
        f"| {L['agency']} | {L['meets_target']} | {L['system']} | {L['level']} | {L['status']} | "
        f"{L['meets_level']} | {L['compliance']} | {L['score']} | {L['failing']} | {L['not_reviewed']} | "
        f"{L['reviewed_of_attested']} | {L['servers_with_results']} |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a in summary["agencies"]:
        for s in a["systems"]:
            rv, h = s.get("reviews") or {}, s.get("hosts") or {}
            reviewed = f"{rv.get('reviewed', 0)}/{rv['attested']}" if rv.get("attested") else "—"
            servers = f"{h.get('imported', 0)}/{h['declared']}" if h.get("declared") else "—"
            out.append(
                f"| {esc(a['name'])} | {_yn(a['meets_target'], L)} | {esc(s['name'])} | "
                f"{esc(s['level'])} | {esc(L['system_status.' + s['status']])}{_why(s, lang)} | "
                f"{_yn(s['meets_level'], L)} | {pct(s['compliance_pct'], lang)} | "
                f"{pct(s.get('automated_score'), lang)} | {len(s['failing'])}{_warned(s, L)} | "
                f"{len(s['not_reviewed'])} | {reviewed} | {servers} |"
            )
    out += _changes(summary, lang, L)
    out += providers.markdown_lines(summary, lang, esc)  # shared infrastructure (issue 14)
    out += [
        "",
        f"## {L['most_failed']}",
        "",
        f"| {L['requirement']} | {L['fail_count']} | {L['nr_count']} |",
        "|---|---|---|",
    ]
    # Only requirements that fail somewhere: awaiting evidence is not failing (issue 11).
    for q in [q for q in summary["requirements"] if q["fail"]][:15]:
        title = (q.get("title") or {}).get(lang) or q["id"]
        out.append(f"| {esc(title)} ({esc(q['id'])}) | {q['fail']} | {q['not_reviewed']} |")
    if summary.get("trend"):
        out += ["", f"## {L['trend']}", ""]
        for p in summary["trend"]:
            out.append(
                f"- **{esc(p['period'])}**: {p.get('agencies_meeting')}/{p.get('agencies')} "
                f"({pct(p.get('pct'), lang)})"
            )
            for c in p["changes"]:
                out.append(
                    f"  - {esc(c['agency'])}/{esc(c['system'])}: {L['pass_to_fail']}: "
                    f"{esc(', '.join(c['pass_to_fail']) or '—')}; {L['fail_to_pass']}: "
                    f"{esc(', '.join(c['fail_to_pass']) or '—')}"
                )
    if summary.get("not_bundles"):
        out += ["", f"## {L['not_bundles']}", ""]
        out += [f"- {esc(f['file'])}: {esc(f['reason'])}" for f in summary["not_bundles"]]
    return "\n".join(out) + "\n"


CHANGE_KEYS = ("newly_failing", "fixed", "evidence_expired", "evidence_expiring")


def _changes(summary: dict[str, Any], lang: str, L: dict[str, str]) -> list[str]:
    """What changed per agency since the compared period (summary["changes"], DESIGN §10)."""
    changes = summary.get("changes")
    if not changes:
        return []
    words = {k: text(v, lang) for k, v in tier_strings()["changes"].items()}
    out = ["", f"## {L['changes']}", ""]
    for a in summary["agencies"]:
        ch = changes.get(a["id"])
        if not ch:
            continue
        when = (
            words["compared_with"].format(period=ch["previous_period"])
            if ch.get("previous_period")
            else words["no_previous"]
        )
        move = f"{pct(ch.get('score_before'), lang)} → {pct(ch.get('score_after'), lang)}"
        if ch.get("score_change") is not None:
            move += f" ({'+' if ch['score_change'] >= 0 else ''}{number(ch['score_change'], lang, 1)})"
        out.append(f"- **{esc(a['name'])}** ({esc(when)}): {words['score']} {esc(move)}")
        for k in CHANGE_KEYS:
            items = ch.get(k) or []
            if items:
                shown = ", ".join(
                    f"{x['system']}/{x['requirement']}"
                    + (f" ({day(x['until'], lang)})" if x.get("until") else "")
                    for x in items
                )
                out.append(f"  - {words[k]}: {esc(shown)}")
    return out


def _code(s: str) -> str:
    """An inline code span that survives a backtick inside it."""
    return f"`` {s} ``" if "`" in s else f"`{s}`"


def fix_md(parts: list[tuple[str, str]]) -> list[str]:
    """Remediation as Markdown: prose escaped, short code inline, configuration lines as fenced
    blocks (copyable, never re-flowed)."""
    out: list[str] = []
    line = ""
    for kind, s in parts:
        if kind == "block":
            if line.strip():
                out.append(line.strip())
            fence = "~~~" if "```" in s else "```"
            out += ["", fence, s, fence, ""]
            line = ""
        elif kind == "inline":
            line += _code(s)
        else:
            line += esc(s)
    if line.strip():
        out.append(line.strip())
    return out


def _rows(rows: list[dict[str, Any]], L: dict[str, str]) -> list[str]:
    if not rows:
        return []
    out = ["", f"| {L['item']} | {L['value']} |", "|---|---|"]
    for e in rows:
        name = _code(e["label"]) if e["ident"] else esc(e["label"])
        out.append(f"| {name} | {esc(e['value'])} |")
    return out + [""]


def _req(q: dict[str, Any], L: dict[str, str], with_checks: bool = True) -> list[str]:
    sec = f"{esc(q['section'])} · " if q.get("section") else ""
    group = f" · {L['group']}: {esc(q['group_title'])}" if q.get("group_title") else ""
    cs = L.get("checks_status." + str(q.get("checks_status")), "")
    status = L.get("status." + str(q.get("status")), str(q.get("status")))
    out = [f"#### {sec}{esc(q['title'])} ({esc(q['id'])}{group})", ""]
    out += [f"{L['status']}: **{esc(status)}** · {L['checks_status']}: {esc(cs)}", "", esc(q["reason"]), ""]
    for c in q["checks"] if with_checks else []:
        out.append(
            f"- **{esc(L.get('status.' + str(c['status']), c['status']))}** {esc(c['title'] or c['id'])} "
            f"({esc(c['id'])}) — {esc(c['target'])}: {esc(c['summary'])}"
        )
        out += _rows(c["evidence_rows"], L)
    out += _rows(q.get("attestation_rows") or [], L)
    if q.get("look_for") and (not with_checks or not q["checks"]):
        out.append(f"- **{L['look_for']}:** {esc(q['look_for'])}")
    out.append("")
    return out


def _todo(r: dict[str, Any], L: dict[str, str]) -> list[str]:
    out = [f"## {L['todo']}", ""]
    for i, e in enumerate(r["todo"], 1):
        sev = f" · {L['severity']}: {esc(e['severity_word'])}" if e["severity_word"] else ""
        clears = "; ".join(
            f"{esc(q['section']) + ' ' if q.get('section') else ''}{esc(q['title'])} ({esc(q['id'])})"
            for q in e["requirements"]
        )
        out += [
            f"### {i}. {esc(e['title'])}",
            "",
            f"{esc(L['kind_' + e['kind']])}{sev} · {L['who']}: {esc(e['who'])} · "
            f"{L['when']}: {esc(e['when'])}",
            "",
            f"{L['clears']}: {clears}",
            "",
        ]
        if e["targets"]:
            out += [f"{L['targets']}: {esc(', '.join(str(t) for t in e['targets']))}", ""]
        out += fix_md(e["parts"]) + [""]
    if not r["todo"]:
        out += [L["nothing_to_do"], ""]
    return out


def _director(r: dict[str, Any], L: dict[str, str]) -> list[str]:
    d = r["director"]
    out = [
        f"## {L['director']}",
        "",
        f"**{L['meets_yes'] if d['meets'] else L['meets_no']} {esc(r['verdict']['level'])}**",
        "",
        f"**{L['verdict']}:** {esc(r['verdict']['sentence'])}",
        "",
        f"**{L['score']}: {esc(r['score']['automated_text'])}** ({esc(L['score_help'])}; "
        f"{L['score_coverage']} {esc(r['score']['coverage_text'])})",
        "",
        f"{L['status_counts']}: {esc(r['status_line'])}",
        "",
        f"### {L['top_actions']}",
        "",
    ]
    if not d["items"]:
        return out + [L["nothing_to_do"], ""]
    out += [f"| # | {L['item']} | {L['who']} | {L['when']} |", "|---|---|---|---|"]
    for i, e in enumerate(d["items"], 1):
        out.append(f"| {i} | {esc(e['title'])} | {esc(e['who'])} | {esc(e['when'])} |")
    if d["more"]:
        out += ["", esc(L["more_actions"].replace("{n}", str(d["more"])))]
    return out + [""]


def _hosts(r: dict[str, Any]) -> list[str]:
    """Declared servers and their imported results (render/hosts_view.py), when there are any."""
    h = r.get("hosts")
    if not h:
        return []
    out = [f"## {h['T']['heading']}", "", f"{h['count']}. {h['T']['intro']}", ""]
    for row in h["rows"]:
        got = "; ".join(row["results"]) or h["T"]["none"]
        out.append(f"- `{row['name']}`{' (' + esc(row['label']) + ')' if row['label'] else ''}: {esc(got)}")
    return [*out, ""]


def render_report(bundle: dict[str, Any], lang: str = "vi", catalog: Any = None) -> str:
    r = report_view(bundle, lang, catalog)
    L = labels(lang)
    out = [
        f"# {esc(t('report_title', lang))}",
        "",
        f"{L['agency']}: {esc((r['agency'] or {}).get('name'))} · {L['system']}: "
        f"{esc((r['system'] or {}).get('name'))} · {L['period']}: {esc(r['period'])} · "
        f"{L['assessed_at']}: {esc(r['assessed_text'])}",
        "",
        f"{L['sent_to']}: {esc(r['authority'])}",
        "",
        *([f"> {esc(r['catalog_note'])}", ""] if r.get("catalog_note") else []),
        *([f"> {esc(r['trust_note'])}", ""] if r.get("trust_note") else []),
    ]
    out += _director(r, L) + _hosts(r) + _todo(r, L) + [f"## {L['details']}", ""]
    for key, items in (
        ("section_failing", r["failing"]),
        ("section_errors", r["errors"]),
        ("section_review", r["to_review"]),
    ):
        out += [f"### {L[key]}", ""]
        for q in items:
            out += _req(q, L, key != "section_review")
        if not items:
            out += [L["none"], ""]
    if r["warnings"]:
        out += [f"### {L['section_warnings']}", ""]
        out += [f"- {esc(w['id'])} — {esc(w['target'])}: {esc(w['summary'])}" for w in r["warnings"]]
        out.append("")
    out += [f"### {L['section_passed']}", ""]
    out += [f"- {esc(q['title'])} ({esc(q['id'])})" for q in r["passed"]] or [L["none"]]
    if r["not_applicable"]:
        out += ["", f"#### {L['section_na']}", ""]
        out += [f"- {esc(q['title'])} ({esc(q['id'])}): {esc(q['reason'])}" for q in r["not_applicable"]]
    return "\n".join(out) + "\n"
