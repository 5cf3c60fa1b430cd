"""View models shared by the renderers: a per-system report in report order, the text strings,
and chart geometry. Pure data shaping, no judging: verdicts come from the bundle as they are."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from secaudit.core.model import text
from secaudit.core.reasons import render_reason, summaries_of
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml
from secaudit.render.phrases import localise

REPORT_SCHEMA = "secaudit.report/1"


@lru_cache(maxsize=1)
def strings() -> dict[str, Any]:
    return load_yaml(package_file("data/report_strings.yaml"))


def t(key: str, lang: str, **params: Any) -> str:
    """A string from report_strings.yaml: ``t("labels.agency", "vi")``."""
    node: Any = strings()
    for part in key.split("."):
        node = node[part]
    return text(node, lang).format(**params) if params else text(node, lang)


@lru_cache(maxsize=1)
def tier_strings() -> dict[str, Any]:
    return load_yaml(package_file("data/report_tiers.yaml"))


def labels(lang: str) -> dict[str, str]:
    s = strings()
    out = {k: text(v, lang) for k, v in s["labels"].items()}
    out.update({k: text(v, lang) for k, v in tier_strings()["labels"].items()})
    out.update({f"checks_status.{k}": text(v, lang) for k, v in tier_strings()["checks_status"].items()})
    out.update({f"status.{k}": text(v, lang) for k, v in s["status"].items()})
    out.update({f"system_status.{k}": text(v, lang) for k, v in s["system_status"].items()})
    out.update({f"severity.{k}": text(v, lang) for k, v in s["severity"].items()})
    return out


def evidence_items(evidence: Any) -> list[tuple[str, str]]:
    """Evidence as (key, printable value) pairs; nested values as compact JSON."""
    if not isinstance(evidence, dict):
        return [("", _printable(evidence))] if evidence not in (None, "", {}) else []
    return [(str(k), _printable(v)) for k, v in evidence.items()]


def _printable(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------- per-system report


def report_view(bundle: dict[str, Any], lang: str = "vi", catalog: Any = None) -> dict[str, Any]:
    """The report in the order a reader needs it: verdict, failures with fixes, errors, manual
    items to review, warnings, then what passed. ``catalog`` (a model.Catalog, optional) supplies
    the evidence to look for and the group when the bundle does not carry them. A
    ``secaudit.bundle/2`` carries no catalogue text: its titles come from the catalogue version it
    names (``catalog_archive.find_catalog``), with a note when only another version is shipped."""
    a, catalog, catalog_note = _readable(bundle, catalog)
    summaries = summaries_of(a.get("targets"))
    checks: dict[tuple[str, str], dict[str, Any]] = {}
    warnings = []
    for tgt in _dicts(a.get("targets")):
        for c in _dicts(tgt.get("checks")):
            checks[(_key(tgt.get("target", "")), _key(c.get("id", "")))] = c
            if c.get("status") == "warn":
                warnings.append(
                    {
                        "id": c.get("id"),
                        "target": tgt.get("target"),
                        "summary": localise(_text(c.get("summary"), lang), lang),
                    }
                )

    def check_view(ref: dict[str, Any]) -> dict[str, Any]:
        full = checks.get((_key(ref.get("target", "")), _key(ref.get("id", ""))), {})
        return {
            "id": ref.get("id"),
            "target": ref.get("target"),
            "status": ref.get("status"),
            "severity": full.get("severity", ""),
            "title": _text(full.get("title"), lang),
            "summary": localise(_text(full.get("summary"), lang), lang),
            "evidence": evidence_items(full.get("evidence")),
            "evidence_rows": evidence_rows(full.get("evidence"), lang),
            "remediation": _text(full.get("remediation"), lang),
            "fix_parts": fix_parts(_text(full.get("remediation"), lang)),
        }

    def req_view(r: dict[str, Any], only: tuple[str, ...] | None = None) -> dict[str, Any]:
        refs = [c for c in _dicts(r.get("checks")) if only is None or c.get("status") in only]
        att = r.get("attestation") if isinstance(r.get("attestation"), dict) else None
        creq = catalog.get(r.get("id")) if catalog is not None and isinstance(r.get("id"), str) else None
        hint = r.get("evidence") if r.get("evidence") else (creq.evidence if creq else None)
        level = a.get("system", {}).get("level") if isinstance(a.get("system"), dict) else None
        section = r.get("section") or (creq.section(level) if creq and isinstance(level, int) else "")
        return {
            "id": r.get("id"),
            "section": section if isinstance(section, str) else "",
            "group": r.get("group") or (creq.group if creq else ""),
            "kind": r.get("kind", ""),
            "title": _text(r.get("title"), lang) or (text(creq.title, lang) if creq else "") or r.get("id"),
            "group_title": _group_title(r.get("group") or (creq.group if creq else ""), catalog, lang),
            "status": r.get("status"),
            "checks_status": _checks_status(r.get("checks"), r.get("checks_status")),
            "reason": localise(render_reason(r.get("reason"), lang, summaries), lang),
            "look_for": _text(hint, lang),
            "checks": [check_view(c) for c in refs],
            "attestation": evidence_items(att) if att else [],
            "attestation_rows": attestation_rows(att, lang) if att else [],
            "inherited_from": r.get("inherited_from") if isinstance(r.get("inherited_from"), dict) else None,
        }

    reqs = _dicts(a.get("requirements"))
    by = {
        st: [r for r in reqs if r.get("status") == st]
        for st in ("fail", "error", "not_reviewed", "pass", "not_applicable")
    }
    s = a["summary"] if isinstance(a.get("summary"), dict) else {}
    counts = s["counts"] if isinstance(s.get("counts"), dict) else {}
    level = a["system"].get("level") if isinstance(a.get("system"), dict) else None
    names = {
        "system": text(_name(a.get("system")), lang),
        "agency": text(_name(a.get("agency")), lang),
        "level": level,
    }
    trust = _examined(bundle)
    meets, counts, pct = _headline(trust, bool(s.get("meets_level")), counts, s.get("compliance_pct"))
    current = trust is not None and trust.state == "consistent" and trust.primary is not None
    problems = trust.primary.problems if current else []
    if meets:
        sentence = t("verdict_meets", lang, **names)
    elif trust is not None and trust.state == "inconsistent":
        sentence = t("verdict_inconsistent", lang, **names)
    elif problems:
        half = 0 if lang == "vi" else -1  # each problem reads "vi / en"
        why = "; ".join(p.split(" / ", 1)[half] for p in problems)
        sentence = t("verdict_profile", lang, why=why, **names)
    else:
        parts = [
            t(f"verdict_part_{k}", lang, n=counts.get(k, len(by[k])))
            for k in ("fail", "not_reviewed", "error")
            if counts.get(k, len(by[k]))
        ]
        sentence = t("verdict_fails", lang, parts="; ".join(parts), **names)
    view = {
        "schema": REPORT_SCHEMA,
        "lang": lang,
        "province": a.get("province", ""),
        "period": str(a.get("period", "")),
        "agency": a.get("agency"),
        "system": a.get("system"),
        "profile": a.get("profile"),
        "assessed_at": a.get("assessed_at"),
        "tool": a.get("tool"),
        "bundle_schema": bundle.get("schema"),
        "catalog_note": render_reason(catalog_note, lang) if catalog_note else "",
        "trust_note": _trust_note(bundle, lang, trust),
        "targets": [tg.get("target") for tg in _dicts(a.get("targets"))],
        "verdict": {
            "meets_level": meets,
            "level": level,
            "sentence": sentence,
            "counts": counts,
            "compliance_pct": pct,
        },
        "failing": [req_view(r, ("fail", "warn")) for r in by["fail"]],
        "errors": [req_view(r, ("error",)) for r in by["error"]],
        "to_review": [req_view(r, ()) for r in by["not_reviewed"]],
        "warnings": warnings,
        "passed": [req_view(r, ()) for r in by["pass"]],
        "not_applicable": [req_view(r, ()) for r in by["not_applicable"]],
    }
    from secaudit.render.report_tiers import tiers

    view.update(tiers(view, a, lang, labels(lang)))
    return view


def _group_title(group: Any, catalog: Any, lang: str) -> str:
    """A requirement group's name in the reader's language (never the id such as design_build)."""
    if not isinstance(group, str) or not group:
        return ""
    titles = getattr(catalog, "groups", None) or {}
    return text(titles.get(group), lang) if titles.get(group) else ""


def _checks_status(rows: Any, stored: Any = None) -> str:
    """The verdict's checks_status as stored when it is one of the four words, else from its rows."""
    from secaudit.core.score import checks_status

    return stored if stored in ("pass", "fail", "error", "none") else checks_status(_dicts(rows))


def fix_parts(remediation: str) -> list[tuple[str, str]]:
    from secaudit.render.fixes import parts

    return parts(remediation)


def evidence_rows(evidence: Any, lang: str) -> list[dict[str, Any]]:
    from secaudit.render.report_tiers import evidence_rows as rows

    return rows(evidence, lang)


ATTESTATION_SHOWN = ("status", "note", "attested_by", "attested_at", "effective_expires_at", "file")


def attestation_rows(att: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The attestation record as readable rows (dates dd/mm/yyyy, the answer in the reader's words)."""
    from secaudit.core import i18n

    words = {"compliant": ("Tuân thủ", "Compliant"), "non_compliant": ("Không tuân thủ", "Not compliant")}
    words["not_applicable"] = ("Không áp dụng", "Not applicable")
    names = {
        "status": ("Trả lời", "Answer"),
        "note": ("Ghi chú", "Note"),
        "attested_by": ("Người xác nhận", "Attested by"),
        "attested_at": ("Ngày xác nhận", "Attested on"),
        "effective_expires_at": ("Hiệu lực đến", "Valid until"),
        "file": ("Tệp tự đánh giá", "Attestation file"),
    }
    i = 0 if lang == "vi" else 1
    rows = []
    for k in ATTESTATION_SHOWN:
        v = att.get(k)
        if v in (None, ""):
            continue
        if k == "status" and isinstance(v, str):
            v = words.get(v, (v, v))[i]
        elif k.endswith("_at") and isinstance(v, str):
            v = i18n.day(v, lang)
        rows.append({"label": names[k][i], "ident": False, "value": str(v)})
    ev = att.get("evidence")
    if isinstance(ev, list) and ev:
        label = ("Tệp bằng chứng", "Evidence files")[i]
        shown = ", ".join(str(e.get("path")) for e in ev if isinstance(e, dict) and e.get("path"))
        rows.append({"label": label, "ident": False, "value": shown or str(len(ev))})
    return rows


def _trust_note(bundle: dict[str, Any], lang: str, trust: Any = None) -> str:
    from secaudit.render.trust_note import trust_note

    return trust_note(bundle, lang, trust)


def _examined(bundle: dict[str, Any]) -> Any:
    """The bundle re-judged as the summary will see it (province/trust.py), None if unreadable."""
    from secaudit.province.trust import examine

    a = bundle.get("assessment") if isinstance(bundle, dict) else None
    if not isinstance(a, dict):
        return None
    system = a.get("system") if isinstance(a.get("system"), dict) else {}
    return examine(a, require_review=system.get("require_review") is True)


def _headline(trust: Any, meets: bool, counts: Any, pct: Any) -> tuple[bool, Any, Any]:
    """(meets, counts, compliance_pct) the report headlines (DESIGN §10 "Trust"): a bundle of this
    tool whose verdicts differ from its re-judged ones, or whose profile is weaker than the shipped
    one, does not meet its level whatever it says. An older tool's bundle keeps its own headline;
    the trust note says what the shipped rules make of it now."""
    f = trust.primary if trust is not None else None
    if trust is None:
        return meets, counts, pct
    if trust.state == "inconsistent":
        return False, (f.counts if f else counts), (f.compliance_pct if f else pct)
    if trust.state == "consistent" and f is not None and f.problems:
        return False, counts, pct
    return meets, counts, pct


def _readable(bundle: dict[str, Any], catalog: Any) -> tuple[dict[str, Any], Any, Any]:
    """(assessment in the /1 shape, catalogue for its texts, note on the catalogue version or None)."""
    from secaudit.signing.bundle_view import as_v1, version

    raw = bundle["assessment"]
    if version(bundle) == 1:
        return raw, catalog, None
    from secaudit.config.catalog_archive import find_catalog

    entry = raw.get("catalog") if isinstance(raw.get("catalog"), dict) else {}
    found, note = find_catalog(entry.get("id"), entry.get("sha256"))
    return as_v1(raw, catalog=False), found or catalog, note


def _key(v: Any) -> str:
    """A lookup key from a bundle value (untrusted: a list there must not crash the report)."""
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)


def _dicts(v: Any) -> list[dict[str, Any]]:
    """The mappings of a list from a bundle (untrusted input: anything else is skipped)."""
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _text(v: Any, lang: str) -> str:
    """A {vi, en} text from a bundle; a plain string stands for both languages, anything else is ""."""
    if isinstance(v, str):
        return v
    return str(text(v, lang)) if isinstance(v, dict) else ""


def _name(obj: Any) -> dict[str, str]:
    if not isinstance(obj, dict):
        return {}
    name = obj.get("name") or obj.get("id") or ""
    return name if isinstance(name, dict) else {"vi": str(name), "en": str(name)}


# --------------------------------------------------------------------------- summary helpers


def notes_text(summary: dict[str, Any], lang: str) -> list[str]:
    return [t(f"notes.{n}", lang) for n in summary.get("notes", []) if n in strings()["notes"]]


def headline(summary: dict[str, Any], lang: str) -> dict[str, str]:
    from secaudit.core.i18n import pct as fmt_pct

    tot, tgt = summary["totals"], summary["target"]
    pct = tot["pct"] if tot["pct"] is not None else 0
    return {
        "agencies": t(
            "headline",
            lang,
            meeting=tot["agencies_meeting"],
            total=tot["agencies"],
            level=tgt["level"],
            pct=fmt_pct(pct, lang),
            goal=fmt_pct(tgt["goal_pct"], lang),
        ),
        "systems": t(
            "headline_systems",
            lang,
            meeting=tot["systems_meeting"],
            total=tot["systems"],
            missing=tot["missing"],
            unverified=tot["unverified"],
        ),
        "trust": _trust_line(summary, lang),
    }


def _trust_line(summary: dict[str, Any], lang: str) -> str:
    """DESIGN §10 "Trust": what re-judging found ("" without a keyring: nothing was re-judged)."""
    if not (summary.get("verification") or {}).get("keyring"):
        return ""
    from secaudit import __version__

    tot = summary["totals"]
    return t(
        "headline_trust",
        lang,
        inconsistent=tot.get("inconsistent", 0),
        not_accepted=tot.get("profile_not_accepted", 0),
        rejudged=tot.get("rejudged", 0),
        version=(summary.get("verification") or {}).get("rejudged_under") or __version__,
    )


def _ddmmyyyy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def regime_lines(summary: dict[str, Any], lang: str) -> dict[str, str]:
    """Both regimes' headlines ({} when no bundle was assessed under the successor regime)."""
    from secaudit.core.i18n import pct as fmt_pct

    rg = summary.get("regimes")
    if not rg:
        return {}
    cur, new = rg["current"], rg["new"]
    days = new["days_left"]
    return {
        "current": t(
            "regime_current",
            lang,
            standard=cur["standard"],
            meeting=cur["agencies_meeting"],
            total=cur["agencies"],
            level=cur["level"],
            pct=fmt_pct(cur["pct"] if cur["pct"] is not None else 0, lang),
            goal=fmt_pct(cur["goal_pct"], lang),
        ),
        "new": t(
            "regime_new" if days >= 0 else "regime_new_overdue",
            lang,
            standard=new["standard"],
            meeting=new["agencies_meeting"],
            total=new["agencies"],
            pct=fmt_pct(new["pct"] if new["pct"] is not None else 0, lang),
            assessed=new["systems_assessed"],
            systems=new["systems"],
            deadline=_ddmmyyyy(new["transition_deadline"]),
            days=abs(days),
        ),
    }


def trend_chart(trend: list[dict[str, Any]], width: int = 480, height: int = 160) -> dict[str, Any]:
    """Bar geometry for the inline SVG trend chart (% of agencies meeting the target per period)."""
    pts = [p for p in trend if p.get("pct") is not None]
    if not pts:
        return {"bars": [], "width": width, "height": height}
    slot = width / len(pts)
    bars = []
    for i, p in enumerate(pts):
        h = (height - 30) * float(p["pct"]) / 100.0
        bars.append(
            {
                "x": round(i * slot + slot * 0.15, 1),
                "w": round(slot * 0.7, 1),
                "y": round(height - 20 - h, 1),
                "h": round(h, 1),
                "pct": p["pct"],
                "label": p["period"],
                "cx": round(i * slot + slot / 2, 1),
            }
        )
    return {"bars": bars, "width": width, "height": height}


def heat_class(pct: float | None) -> str:
    if pct is None:
        return "h-none"
    if pct >= 100:
        return "h-full"
    if pct >= 80:
        return "h-high"
    if pct >= 50:
        return "h-mid"
    return "h-low"
