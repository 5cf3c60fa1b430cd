"""``secaudit attest template|export|import``: manual attestations as YAML and as a workbook."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from secaudit.commands._common import (
    AGENCY_OPTION,
    ATTESTATIONS_DIR_OPTION,
    LANG_OPTION,
    PROVIDER_OPTION,
    SYSTEM_OPTION,
    one_subject,
    refuse_input_as_output,
    write_output,
)


def _w(lang: str, vi: str, en: str) -> str:
    """One language of a message (--lang)."""
    return en if lang == "en" else vi


INV = click.option(
    "--inventory",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp danh mục hệ thống / the inventory file (inventory.yaml).",
)


@click.group("attest", help="Xác nhận thủ công / manual attestations (YAML, Excel).")
def attest_group() -> None:
    pass


@attest_group.command("template", help="Tệp YAML để điền / a YAML file to fill in for one system.")
@INV
@AGENCY_OPTION
@SYSTEM_OPTION
@PROVIDER_OPTION
@click.option(
    "--attestations",
    type=click.Path(file_okay=False, path_type=Path),
    help="Lấy câu trả lời đã có / start from the answers already in DIR.",
)
@click.option("-o", "--output", help="Tệp ra / output file (default: stdout).")
def template(
    inventory: Path,
    agency: str | None,
    system_id: str | None,
    provider: str | None,
    attestations: Path | None,
    output: str | None,
) -> None:
    from secaudit.assessment.attestations import load_for_system
    from secaudit.config.catalog import applicable, profile_catalog
    from secaudit.config.inventory import load_inventory
    from secaudit.render.attest_template import render_template

    inv = load_inventory(inventory)
    ag, sysm = inv.find(*one_subject(agency, system_id, provider))
    profile = inv.profile(sysm.profile)
    existing = load_for_system(attestations, ag.id, sysm.id) if attestations else None
    refuse_input_as_output(output, inventory, *([existing.path] if existing and existing.path else []))
    if existing is None:
        refuse_answered_output(output)
    rows = applicable(profile)
    if provider is not None:  # a provider answers what systems inherit from it
        from secaudit.config.inventory_providers import provider_rows

        rows = provider_rows(inv, sysm.id, rows)
    write_output(
        render_template(
            ag.id,
            ag.name,
            sysm.id,
            sysm.name,
            sysm.level,
            profile.id,
            rows,
            existing,
            catalog=profile_catalog(profile),
            params=profile.parameters,
        ),
        output,
    )


def refuse_answered_output(output: str | None) -> None:
    """A blank template written over a file that already holds answers would lose them all:
    refused unless the answers are the template's start (--attestations)."""
    from secaudit.core.errors import InputError
    from secaudit.core.files import read_input
    from secaudit.core.yamlio import load_yaml_text

    if output in (None, "", "-") or not os.path.isfile(output):
        return
    try:
        data = load_yaml_text(read_input(Path(output), "a file").decode("utf-8"), Path(output))
    except (InputError, UnicodeDecodeError):
        return  # not an attestation file: nothing of ours to lose
    entries = data.get("attestations") if isinstance(data, dict) else None
    if isinstance(entries, list) and any(isinstance(e, dict) and e.get("status") for e in entries):
        raise InputError(
            "tệp đã có câu trả lời, mẫu trống sẽ xóa chúng; chọn tệp -o khác (thêm --attestations "
            "THƯ_MỤC để bắt đầu từ chúng) / the file already holds answers a blank template would "
            "erase: choose another -o (with --attestations DIR to start from them)",
            output,
        )


@attest_group.command(
    "wizard",
    help="Trả lời từng câu hỏi, lưu ngay / answer the manual checklist one "
    "question at a time; every answer is saved at once.",
)
@INV
@AGENCY_OPTION
@SYSTEM_OPTION
@PROVIDER_OPTION
@ATTESTATIONS_DIR_OPTION
@click.option("--attested-by", default=None, help="Người xác nhận / attester (asked if omitted).")
@click.option("--all", "redo", is_flag=True, help="Hỏi lại cả câu đã trả lời / ask answered ones too.")
@LANG_OPTION
def wizard(
    inventory: Path,
    agency: str | None,
    system_id: str | None,
    provider: str | None,
    attestations: Path,
    attested_by: str | None,
    redo: bool,
    lang: str,
) -> None:
    from secaudit.assessment.wizard import run_wizard
    from secaudit.config.inventory import load_inventory

    inv = load_inventory(inventory)
    ag, sysm = inv.find(*one_subject(agency, system_id, provider))
    profile = inv.profile(sysm.profile)
    attester = attested_by or click.prompt("Người xác nhận / attester (họ tên, chức vụ / name, role)")

    def ask(question: str, choices: list[str] | None = None, default: str = "") -> str:
        kind = click.Choice(choices) if choices else None
        return str(
            click.prompt(question, type=kind, default=default, show_default=bool(default), show_choices=False)
        )

    only = None
    if provider is not None:  # only what systems inherit from it: the template's and export's selection
        from secaudit.config.catalog import applicable
        from secaudit.config.inventory_providers import provider_rows

        only = {r.id for r, _ in provider_rows(inv, sysm.id, applicable(profile))}
    say = lambda m: click.echo(m, err=True)  # noqa: E731
    path, saved = run_wizard(
        attestations, ag.id, sysm.id, profile, sysm.level, ask, say, attester, redo=redo, only=only
    )
    click.echo(f"{path}: {saved} " + _w(lang, "câu trả lời đã lưu", "answer(s) saved"), err=True)


@attest_group.command("export", help="Xuất sổ tính Excel / export a workbook, one sheet per system.")
@INV
@click.option(
    "--attestations",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận / attestations folder (answers to pre-fill).",
)
@click.option("--agency", help="Chỉ một cơ quan / one agency only.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx"]),
    default="xlsx",
    show_default=True,
    help="Định dạng sổ tính / workbook format.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp sổ tính ghi ra / the workbook to write (FILE.xlsx).",
)
@LANG_OPTION
def export(
    inventory: Path, attestations: Path | None, agency: str | None, fmt: str, output: Path, lang: str
) -> None:
    from secaudit.assessment.attestations import load_for_system
    from secaudit.config.catalog import applicable, profile_catalog
    from secaudit.config.inventory import load_inventory
    from secaudit.config.inventory_providers import PROVIDERS_AGENCY, provider_rows
    from secaudit.render.attest_xlsx import export_xlsx

    inv = load_inventory(inventory)
    read = [Path(inventory), *(sorted(Path(attestations).glob("*/*.y*ml")) if attestations else [])]
    refuse_input_as_output(str(output), *read)
    systems: list[dict[str, Any]] = []
    # Providers' sheets (issue 14) come after the agencies', or alone with --agency _providers.
    chosen = [] if agency == PROVIDERS_AGENCY else [(ag, ag.systems) for ag in inv.select(agency)]
    if agency in (None, PROVIDERS_AGENCY):
        chosen += [inv.find(PROVIDERS_AGENCY, p.id) for p in inv.providers]
        chosen = [(a, s if isinstance(s, list) else [s]) for a, s in chosen]
    for ag, members in chosen:
        for sysm in members:
            profile = inv.profile(sysm.profile)
            rows = applicable(profile)
            rows = provider_rows(inv, sysm.id, rows) if ag.id == PROVIDERS_AGENCY else rows
            systems.append(
                {
                    "agency": ag.id,
                    "agency_name": ag.name,
                    "system": sysm.id,
                    "system_name": sysm.name,
                    "level": sysm.level,
                    "profile": profile.id,
                    "rows": rows,
                    "catalog": profile_catalog(profile),
                    "params": profile.parameters,
                    "existing": load_for_system(attestations, ag.id, sysm.id),
                }
            )
    export_xlsx(systems, output)
    click.echo(f"{output}: {len(systems)} " + _w(lang, "hệ thống", "system(s)"), err=True)


@attest_group.command(
    "import", help="Nhập lại sổ tính / read a filled workbook back into DIR/<agency>/<system>.yaml."
)
@click.argument("workbook", type=click.Path(path_type=Path))  # a folder: one-line InputError
@click.option(
    "--attestations",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận để ghi vào / attestations folder to write (DIR/<agency>/<system>.yaml).",
)
@click.option(
    "--inventory",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Kiểm tra theo hồ sơ của từng hệ thống / check every id against each system's profile.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Ghi đè cả dòng đã sửa trong thư mục sau khi xuất / overwrite entries changed since the export.",
)
def import_(workbook: Path, attestations: Path, inventory: Path | None, force: bool) -> None:
    from secaudit.render.attest_xlsx import import_xlsx

    catalog_for = None
    if inventory is not None:
        from secaudit.config.catalog import profile_catalog
        from secaudit.config.inventory import load_inventory

        inv = load_inventory(inventory)

        def catalog_for(agency: str, system: str) -> Any:
            _ag, sysm = inv.find(agency, system)
            return profile_catalog(inv.profile(sysm.profile))

    for path in import_xlsx(workbook, attestations, force=force, catalog_for=catalog_for):
        click.echo(str(path))


@attest_group.command(
    "migrate",
    help="Điền sẵn xác nhận cho danh mục khác qua bảng đối chiếu / pre-fill "
    "attestations for another catalogue through the crosswalk.",
)
@click.option(
    "--attestations",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục nguồn / source folder (<agency>/<system>.yaml).",
)
@click.option(
    "--to", "to_catalog", required=True, help="Danh mục đích / target catalogue id, e.g. tcvn-14423-2026."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục đích / output folder (DIR2/<agency>/<system>.yaml).",
)
@click.option("--force", is_flag=True, help="Ghi đè tệp đã có / overwrite existing files.")
@LANG_OPTION
def migrate(attestations: Path, to_catalog: str, output: Path, force: bool, lang: str) -> None:
    from secaudit.assessment.migrate import migrate_dir

    if output.resolve() == attestations.resolve():
        from secaudit.core.errors import InputError

        raise InputError(
            "thư mục đích -o phải khác thư mục --attestations / "
            "-o must be another folder than --attestations",
            output,
        )
    done = migrate_dir(attestations, to_catalog, output, force)
    written = [m for m in done if m.skipped is None]
    for m in done:
        if m.skipped:
            click.echo(f"{m.source}: {_w(lang, 'bỏ qua', 'skipped')} ({m.skipped})", err=True)
        else:
            click.echo(f"{m.target}: {m.equivalent} equivalent, {m.partial} partial")
    n_eq = sum(m.equivalent for m in written)
    n_pa = sum(m.partial for m in written)
    line = _w(
        lang,
        f"{len(written)} tệp, {n_eq} tương đương, {n_pa} một phần (cần xác nhận)",
        f"{len(written)} files, {n_eq} equivalent, {n_pa} partial (to confirm)",
    )
    click.echo(f"secaudit: {line}", err=True)


COMMANDS = [attest_group]
