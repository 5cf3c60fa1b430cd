"""Verdict reasons as codes with parameters, rendered in the reader's language at report time.

A reason is ``{"code": CODE, "params": {...}}`` (templates in secaudit/data/reasons.yaml) or, as in
``secaudit.bundle/1`` and in code that still builds texts, ``{"vi": ..., "en": ...}``. Every reader
goes through ``render_reason``, which takes both. Check results named in a reason are rendered with
their summary, looked up by (check id, target) in the bundle's targets: the summary is stored once.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml

LANGS = ("vi", "en")
Summaries = dict[tuple[str, str], dict[str, str]]


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    return load_yaml(package_file("data/reasons.yaml"))


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


class Reason(dict):
    """``{"code", "params"}``. ``r["vi"]`` / ``r["en"]`` (and ``.get``) render it, so code written for
    the old ``{"vi", "en"}`` texts keeps working; JSON sees only code and params. ``summaries`` (not
    serialised) lets the text name check results' summaries before a bundle exists."""

    def __init__(self, code: str, params: dict[str, Any] | None = None, summaries: Summaries | None = None):
        kept = {k: v for k, v in (params or {}).items() if not _empty(v)}
        super().__init__(code=code, params=kept)
        self.summaries = summaries

    def __missing__(self, key: str) -> str:
        if key in LANGS:
            return render_reason(self, key, self.summaries)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key in LANGS and key not in self:
            return self[key]
        return super().get(key, default)

    def plain(self) -> dict[str, Any]:
        """A plain-dict copy (nested reasons too), for JSON writers."""
        return plain(self)


def plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: plain(x) for k, x in dict.items(v)}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def is_coded(reason: Any) -> bool:
    return isinstance(reason, dict) and isinstance(dict.get(reason, "code"), str)


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _tpl(node: Any, lang: str) -> str:
    if isinstance(node, dict):
        val = node.get(lang) or node.get("en") or node.get("vi") or ""
        return str(val)
    return str(node or "")


def _item(kind: str, values: dict[str, Any], lang: str) -> str:
    tpl = _tpl(templates()["_items"][kind], lang)
    return tpl.format_map(_Params(values))


def _value(v: Any, lang: str, summaries: Summaries | None) -> str:
    """One parameter as text; lists are joined (check results and sources with "; ")."""
    if isinstance(v, list):
        parts = [_value(x, lang, summaries) for x in v]
        parts = [p for p in parts if p]
        nested = v and all(isinstance(x, dict) and ("code" in x or set(x) <= set(LANGS)) for x in v)
        labelled = v and all(isinstance(x, dict) and "reason" in x for x in v)
        checks = v and all(isinstance(x, dict) and ("target" in x or "relation" in x) for x in v)
        sep = " " if nested or labelled else "; " if checks else ", "
        return sep.join(parts)
    if isinstance(v, dict):
        if "code" in v or set(v) <= set(LANGS) and v:
            return render_reason(v, lang, getattr(v, "summaries", None) or summaries)
        if "id" in v and "target" in v:
            # A check judged unlike the stored target (another profile) carries its own summary.
            summary = _tpl(v.get("summary") or (summaries or {}).get((str(v["id"]), str(v["target"]))), lang)
            out = _item("check", {"id": v["id"], "target": v["target"], "summary": summary}, lang)
            return out.rstrip(": ")
        if "path" in v and "why" in v:
            return _item("evidence_invalid", v, lang)
        if "path" in v:
            return _item("evidence", v, lang)
        if "relation" in v:
            return _item("source", v, lang)
        if "reason" in v:
            inner = _value(v["reason"], lang, summaries)
            return _item("labelled", {"requirement": v.get("requirement", "?"), "reason": inner}, lang)
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    if isinstance(v, bool):
        return str(v).lower()
    return "" if v is None else str(v)


def render_reason(reason: Any, lang: str, summaries: Summaries | None = None) -> str:
    """The reason as text in ``lang`` ("vi" or "en"), from either form; "" for anything else."""
    if isinstance(reason, str):
        return reason
    if not isinstance(reason, dict):
        return ""
    code = dict.get(reason, "code")
    if not isinstance(code, str):
        return _tpl(reason, lang) if any(k in reason for k in LANGS) else ""
    params = dict.get(reason, "params")
    params = params if isinstance(params, dict) else {}
    node = templates().get(code)
    if not isinstance(node, dict) or code.startswith("_"):
        # A code this version does not know (a newer writer): still say something readable.
        shown = ", ".join(f"{k}={_value(v, lang, summaries)}" for k, v in sorted(params.items()))
        return f"[{code}] {shown}".strip()
    values = _Params({k: _value(v, lang, summaries) for k, v in params.items()})
    for name, piece in (node.get("opt") or {}).items():
        values[f"opt_{name}"] = "" if _empty(params.get(name)) else _tpl(piece, lang).format_map(values)
    return _tpl(node.get("text"), lang).format_map(values)


def reason_texts(reason: Any, summaries: Summaries | None = None) -> dict[str, str]:
    """``{"vi", "en"}`` for any reason."""
    return {lang: render_reason(reason, lang, summaries) for lang in LANGS}


def summaries_of(targets: Any) -> Summaries:
    """(check id, target) -> check summary, from a bundle's (or a scan's) target entries."""
    out: Summaries = {}
    for t in targets if isinstance(targets, list) else []:
        if not isinstance(t, dict):
            continue
        for c in t.get("checks") if isinstance(t.get("checks"), list) else []:
            if isinstance(c, dict) and isinstance(c.get("summary"), dict):
                out[(str(c.get("id")), str(t.get("target")))] = c["summary"]
    return out


@lru_cache(maxsize=256)
def template_keys(code: str) -> frozenset[str]:
    """The parameter names a code's templates use (text placeholders and ``opt`` names)."""
    import string

    node = templates().get(code)
    if not isinstance(node, dict) or code.startswith("_"):
        return frozenset()
    found: set[str] = set(node.get("opt") or {})
    pieces = [node.get("text")] + list((node.get("opt") or {}).values())
    for piece in pieces:
        for lang in LANGS:
            tpl = piece.get(lang) if isinstance(piece, dict) else None
            if isinstance(tpl, str):
                found |= {f for _, f, _, _ in string.Formatter().parse(tpl) if f}
    return frozenset(k for k in found if not k.startswith("opt_"))


# Parameters an attestation-based reason repeats from the attestation record it was made from:
# a /2 bundle stores them once, in the record (``"att": 1`` marks a reason that takes them back).
FROM_RECORD = (
    "by",
    "at",
    "note",
    "expired",
    "expires_soon",
    "evidence",
    "requirements",
    "standard",
    "sources",
)


def _evidence_param(code: str, ev: Any) -> Any:
    """What ``evidence`` means in a code: the files in trouble, or how many there are."""
    if not isinstance(ev, list):
        return None
    items = [e for e in ev if isinstance(e, dict)]
    if code == "evidence_bad":
        return [
            {"path": e.get("path"), "state": e.get("state")}
            for e in items
            if e.get("state") in ("changed", "missing")
        ]
    if code == "evidence_invalid":
        return [
            {"path": e.get("path"), "why": e.get("reason") or "?"}
            for e in items
            if e.get("state") == "invalid"
        ]
    return len(ev) or None


def record_params(rec: Any, code: str = "", standard_of: Any = None) -> dict[str, Any]:
    """The FROM_RECORD values an attestation record (/1 shape) gives a reason ``code``; empty ones
    left out. ``standard_of(catalogue id)`` names a catalogue's standard (catalogue text, not stored)."""
    if not isinstance(rec, dict):
        return {}
    exp = rec.get("effective_expires_at")
    cf = rec.get("carried_from") if isinstance(rec.get("carried_from"), dict) else {}
    std = standard_of or (lambda c: c)
    cands = [c for c in rec.get("prefilled_from") or [] if isinstance(c, dict)] if code == "prefilled" else []
    out = {
        "by": rec.get("attested_by") or "?",
        "at": rec.get("attested_at") or "?",
        "note": rec.get("note"),
        "expired": exp,
        "expires_soon": exp if rec.get("expiring_soon") else None,
        "evidence": _evidence_param(code, rec.get("evidence")),
        "requirements": cf.get("requirements"),
        "standard": cf.get("standard")
        or (std(cf["catalog"]) if isinstance(cf.get("catalog"), str) else None),
        "sources": [
            {
                "requirement": c.get("requirement"),
                "standard": std(c.get("catalog")),
                "relation": c.get("relation"),
                "status": c.get("status"),
            }
            for c in cands
        ],
    }
    return {k: v for k, v in out.items() if not _empty(v)}


# Not a requirement id: the overall verdict, named in the reader's words wherever ids are listed.
MEETS_LEVEL_WORDS = {"vi": "kết luận đạt cấp độ", "en": "the meets-level verdict"}
