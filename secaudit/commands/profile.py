"""``secaudit profile list|show``: the shipped profiles and what a (user's) profile resolves to."""

from __future__ import annotations

from typing import Any

import click

from secaudit.commands._common import LANG_OPTION, refuse_input_as_output, write_output
from secaudit.core.model import KINDS, Profile
from secaudit.render.registry import formats

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
    type=click.Choice(formats("profiles")),
    default="text",
    show_default=True,
    help="Định dạng đầu ra / output format.",
)
@LANG_OPTION
def list_cmd(fmt: str, lang: str) -> None:
    from secaudit.config.catalog import load_profile, profile_names
    from secaudit.render.registry import RenderOptions, render

    profiles = [load_profile(name) for name in profile_names()]
    write_output(render("profiles", fmt, profiles, RenderOptions(lang=lang)), None)


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
    type=click.Choice(formats("profile")),
    default="text",
    show_default=True,
    help="Định dạng đầu ra / output format.",
)
@LANG_OPTION
@click.option("-o", "--output", metavar="FILE", default=None, help="Ghi ra tệp / write to FILE.")
def show(name: str, fmt: str, lang: str, output: str | None) -> None:
    from secaudit.config.catalog import load_profile
    from secaudit.render.profile import ProfileDoc
    from secaudit.render.registry import RenderOptions, render

    prof = load_profile(name)
    refuse_input_as_output(output, *([prof.path] if getattr(prof, "path", None) else []))
    doc = ProfileDoc(prof, profile_data(prof))
    write_output(render("profile", fmt, doc, RenderOptions(lang=lang)), output)


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


COMMANDS = [profile]
