"""``secaudit profile list|show``: the shipped profiles and what a (user's) profile resolves to."""

from __future__ import annotations

import json
from typing import Any

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.core.model import KINDS, Profile, text

PROFILE_HELP = """Hồ sơ kiểm tra: cấp độ, danh mục, ngưỡng kiểm tra tự động và các yêu cầu loại trừ.

Profiles: which catalogue and level apply, the thresholds of the automated checks, and the
requirements tailored out (with a written justification).

\b
Ví dụ / examples:
  secaudit profile list
  secaudit profile show level3
  secaudit profile show ./ho-so-cua-toi.yaml --format json

Tạo hồ sơ riêng / your own profile: a YAML file with `profile: {id, title, extends: level3}`,
then `parameters:` and/or `tailoring: [{requirement, status: not_applicable, justification}]`.
A path to such a file works wherever a profile name is asked for.
"""


@click.group("profile", help=PROFILE_HELP)
def profile() -> None:
    pass


@profile.command(
    "list", help="Liệt kê các hồ sơ có sẵn / list the shipped profiles (name, catalogue, level, title)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Định dạng đầu ra / output format.",
)
@LANG_OPTION
def list_cmd(fmt: str, lang: str) -> None:
    from secaudit.config.catalog import load_profile, profile_names

    profiles = [load_profile(name) for name in profile_names()]
    if fmt == "json":
        rows = [
            {
                "name": p.id,
                "catalog": p.catalog,
                "level": p.level,
                "title": dict(p.title),
                "extends": p.extends,
            }
            for p in profiles
        ]
        write_output(json.dumps({"profiles": rows}, ensure_ascii=False, indent=2) + "\n", None)
        return
    head = ("Tên / name", "Danh mục / catalogue", "Cấp", "Tiêu đề / title")
    width = max([len(head[0])] + [len(p.id) for p in profiles])
    cwidth = max([len(head[1])] + [len(p.catalog) for p in profiles])
    lines = [f"{head[0]:<{width}}  {head[1]:<{cwidth}}  {head[2]:<3}  {head[3]}"]
    for p in profiles:
        lines.append(f"{p.id:<{width}}  {p.catalog:<{cwidth}}  {p.level:<3}  {text(p.title, lang)}")
    write_output("\n".join(lines) + "\n", None)


SHOW_HELP = """Hiển thị một hồ sơ đã giải quyết kế thừa: tham số, loại trừ, số yêu cầu áp dụng theo
cách kiểm tra.

Show a profile after inheritance: resolved parameters, tailoring, and how many requirements apply
(automated, partly automated, manual). NAME is a shipped profile (secaudit profile list) or a path
to a profile YAML file.
"""


@profile.command("show", help=SHOW_HELP)
@click.argument("name", metavar="NAME|FILE")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Định dạng đầu ra / output format.",
)
@LANG_OPTION
@click.option("-o", "--output", metavar="FILE", default=None, help="Ghi ra tệp / write to FILE.")
def show(name: str, fmt: str, lang: str, output: str | None) -> None:
    from secaudit.config.catalog import load_profile

    prof = load_profile(name)
    refuse_input_as_output(output, *([prof.path] if getattr(prof, "path", None) else []))
    data = profile_data(prof)
    if fmt == "json":
        write_output(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", output)
    else:
        write_output(_text(prof, data, lang), output)


def profile_data(prof: Profile) -> dict[str, Any]:
    from secaudit.config.catalog import applicable, profile_catalog

    catalog = profile_catalog(prof)
    rows = applicable(prof, catalog)
    by_kind = {k: 0 for k in KINDS}
    tailored = 0
    for req, tail in rows:
        if tail is not None:
            tailored += 1
        else:
            by_kind[req.kind] += 1
    return {
        "profile": {
            "id": prof.id,
            "title": dict(prof.title),
            "description": dict(prof.description),
            "catalog": prof.catalog,
            "level": prof.level,
            "extends": prof.extends,
            "path": str(prof.path) if prof.path else None,
        },
        "catalog": catalog.header(),
        "parameters": prof.parameters,
        "tailoring": [
            {
                "requirement": t.requirement,
                "status": t.status,
                "justification": t.justification,
                "source": t.source,
            }
            for t in prof.tailoring.values()
        ],
        "requirements": {
            "total": len(rows),
            "applicable": len(rows) - tailored,
            "not_applicable": tailored,
            "by_kind": by_kind,
        },
    }


def _text(prof: Profile, data: dict[str, Any], lang: str) -> str:
    from secaudit.core.yamlio import dump_yaml

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


COMMANDS = [profile]
