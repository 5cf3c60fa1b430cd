"""The crosswalk between two catalogues (``secaudit checklist crosswalk``): table, Markdown, JSON.

Chosen through render/registry.py (document type ``crosswalk``), so the command has no format chain.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

REL = {
    "vi": {"equivalent": "tương đương", "partial": "một phần", "none": "không có"},
    "en": {"equivalent": "equivalent", "partial": "partial", "none": "none"},
}
# The confidence vocabulary in the reader's words (JSON keeps the codes); short: the table's column is 8 wide.
CONF = {"vi": {"high": "cao", "medium": "vừa", "low": "thấp", "unmapped": "chưa có"}}


@dataclass(frozen=True)
class CrosswalkDoc:
    """What the renderers draw: the crosswalk and its two catalogues (titles, standards)."""

    cw: Any  # config.crosswalk.Crosswalk
    src: Any  # core.model.Catalog of --from
    dst: Any  # core.model.Catalog of --to


def _conf(value: str, lang: str) -> str:
    return CONF.get(lang, {}).get(value, value)


def render_json(doc: CrosswalkDoc) -> str:
    return json.dumps(doc.cw.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_table(doc: CrosswalkDoc, lang: str) -> str:
    cw, src, dst = doc.cw, doc.src, doc.dst
    head = ("Đối chiếu" if lang == "vi" else "Crosswalk") + f" {src.standard} -> {dst.standard}"
    lines = [
        head,
        "",
        f"{'ID':<13} {'QUAN HỆ' if lang == 'vi' else 'RELATION':<12} "
        f"{'TIN CẬY' if lang == 'vi' else 'CONF.':<8} {'->'}",
    ]
    for m in cw.mappings:
        to = ", ".join(m.to) or "-"
        wrapped = textwrap.wrap(to, 44) or ["-"]
        conf = _conf(m.confidence, lang)
        lines.append(f"{m.from_id:<13} {REL[lang][m.relation]:<12} {conf:<8} {wrapped[0]}")
        lines.extend(" " * 36 + w for w in wrapped[1:])
    counts = {r: sum(1 for m in cw.mappings if m.relation == r) for r in REL["en"]}
    lines += ["", " · ".join(f"{REL[lang][r]}: {n}" for r, n in counts.items())]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: CrosswalkDoc, lang: str) -> str:
    cw, src, dst = doc.cw, doc.src, doc.dst

    def title(cat: Any, rid: str) -> str:
        req = cat.get(rid)
        return req.title.get(lang, rid) if req else rid

    head = "Đối chiếu" if lang == "vi" else "Crosswalk"
    cols = (
        ["Yêu cầu", "Tiêu đề", "Quan hệ", "Độ tin cậy", f"Tương ứng ({dst.standard})", "Ghi chú"]
        if lang == "vi"
        else ["Requirement", "Title", "Relation", "Confidence", f"Covered by ({dst.standard})", "Note"]
    )
    out = [
        f"# {head}: {src.standard} → {dst.standard}",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for m in cw.mappings:
        to = "<br>".join(f"{rid} {_md(title(dst, rid))}" for rid in m.to) or "—"
        out.append(
            f"| {m.from_id} | {_md(title(src, m.from_id))} | {REL[lang][m.relation]} | "
            f"{_conf(m.confidence, lang)} | {to} | {_md(m.note.get(lang, ''))} |"
        )
    return "\n".join(out) + "\n"
