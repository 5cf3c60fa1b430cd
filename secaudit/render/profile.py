"""``secaudit profile list|show``: the shipped profiles, and one profile after inheritance.

Chosen through render/registry.py (document types ``profiles`` and ``profile``), so the command has
no format chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from secaudit.core.model import Profile, text


@dataclass(frozen=True)
class ProfileDoc:
    """One resolved profile and its view (commands/profile.py ``profile_data``)."""

    profile: Profile
    data: dict[str, Any]


def list_json(profiles: list[Profile]) -> str:
    rows = [
        {"name": p.id, "catalog": p.catalog, "level": p.level, "title": dict(p.title), "extends": p.extends}
        for p in profiles
    ]
    return json.dumps({"profiles": rows}, ensure_ascii=False, indent=2) + "\n"


def list_text(profiles: list[Profile], lang: str) -> str:
    head = ("Tên / name", "Danh mục / catalogue", "Cấp", "Tiêu đề / title")
    width = max([len(head[0])] + [len(p.id) for p in profiles])
    cwidth = max([len(head[1])] + [len(p.catalog) for p in profiles])
    lines = [f"{head[0]:<{width}}  {head[1]:<{cwidth}}  {head[2]:<3}  {head[3]}"]
    for p in profiles:
        lines.append(f"{p.id:<{width}}  {p.catalog:<{cwidth}}  {p.level:<3}  {text(p.title, lang)}")
    return "\n".join(lines) + "\n"


def show_json(doc: ProfileDoc) -> str:
    return json.dumps(doc.data, ensure_ascii=False, indent=2, default=str) + "\n"


def show_text(doc: ProfileDoc, lang: str) -> str:
    from secaudit.core.yamlio import dump_yaml

    prof, data = doc.profile, doc.data
    counts = data["requirements"]
    lines = [
        f"{prof.id} — {text(prof.title, lang)}",
        text(prof.description, lang),
        "",
        f"Danh mục / catalogue: {prof.catalog}    Cấp độ / level: {prof.level}"
        + (f"    Kế thừa / extends: {prof.extends}" if prof.extends else ""),
        "",
        f"Yêu cầu áp dụng / applicable requirements: {counts['applicable']} of {counts['total']}"
        f"  (tự động/auto {counts['by_kind']['auto']}, một phần/partial {counts['by_kind']['partial']},"
        f" thủ công/manual {counts['by_kind']['manual']}; loại trừ/tailored out "
        f"{counts['not_applicable']})",
        "",
    ]
    if data["tailoring"]:
        lines.append("Loại trừ / tailoring:")
        for t in data["tailoring"]:
            lines.append(f"  {t['requirement']}: {t['status']} — {t['justification']}")
        lines.append("")
    lines.append("Tham số / parameters:")
    lines += ["  " + ln for ln in dump_yaml(prof.parameters).rstrip().splitlines()]
    return "\n".join(lines) + "\n"
