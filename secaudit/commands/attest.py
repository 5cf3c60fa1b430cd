"""``secaudit attest template|export|import``: manual attestations as YAML and as a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._common import write_output

INV = click.option("--inventory", required=True, type=click.Path(dir_okay=False, path_type=Path),
                   help="inventory.yaml")


@click.group("attest", help="Xác nhận thủ công / manual attestations (YAML, Excel).")
def attest_group() -> None:
    pass


@attest_group.command("template", help="Tệp YAML để điền / a YAML file to fill in for one system.")
@INV
@click.option("--agency", required=True, help="Mã cơ quan / agency id.")
@click.option("--system", "system_id", required=True, help="Mã hệ thống / system id.")
@click.option("--attestations", type=click.Path(file_okay=False, path_type=Path),
              help="Lấy câu trả lời đã có / start from the answers already in DIR.")
@click.option("-o", "--output", help="Tệp ra / output file (default: stdout).")
def template(inventory: Path, agency: str, system_id: str, attestations: Path | None,
             output: str | None) -> None:
    from ..attest import load_for_system, render_template
    from ..catalog import applicable
    from ..inventory import load_inventory

    inv = load_inventory(inventory)
    ag, sysm = inv.find(agency, system_id)
    profile = inv.profile(sysm.profile)
    existing = load_for_system(attestations, ag.id, sysm.id) if attestations else None
    write_output(render_template(ag.id, ag.name, sysm.id, sysm.name, sysm.level, profile.id,
                                 applicable(profile), existing), output)


@attest_group.command("export", help="Xuất sổ tính Excel / export a workbook, one sheet per system.")
@INV
@click.option("--attestations", type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục xác nhận / attestations folder (answers to pre-fill).")
@click.option("--agency", help="Chỉ một cơ quan / one agency only.")
@click.option("--format", "fmt", type=click.Choice(["xlsx"]), default="xlsx", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export(inventory: Path, attestations: Path | None, agency: str | None, fmt: str, output: Path) -> None:
    from ..attest import export_xlsx, load_for_system
    from ..catalog import applicable
    from ..inventory import load_inventory

    inv = load_inventory(inventory)
    systems: list[dict[str, Any]] = []
    for ag in inv.select(agency):
        for sysm in ag.systems:
            profile = inv.profile(sysm.profile)
            systems.append({"agency": ag.id, "agency_name": ag.name, "system": sysm.id,
                            "system_name": sysm.name, "level": sysm.level, "profile": profile.id,
                            "rows": applicable(profile),
                            "existing": load_for_system(attestations, ag.id, sysm.id)})
    export_xlsx(systems, output)
    click.echo(f"{output}: {len(systems)} hệ thống / system(s)", err=True)


@attest_group.command("import", help="Nhập lại sổ tính / read a filled workbook back into "
                                     "DIR/<agency>/<system>.yaml.")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--attestations", required=True, type=click.Path(file_okay=False, path_type=Path))
def import_(workbook: Path, attestations: Path) -> None:
    from ..attest import import_xlsx

    for path in import_xlsx(workbook, attestations):
        click.echo(str(path))


COMMANDS = [attest_group]
