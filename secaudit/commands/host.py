"""``secaudit host import`` / ``host scan``: host evidence from real audit engines (issue 14).

Parse, call assessment/host_import.py, print, exit: 0 imported · 2 bad input (nothing written).
"""

from __future__ import annotations

from pathlib import Path

import click

from secaudit.commands._common import AGENCY_OPTION, SYSTEM_OPTION

INVENTORY = click.option(
    "--inventory", required=True, type=click.Path(dir_okay=False, path_type=Path), help="inventory.yaml."
)
HOST = click.option("--host", "host", required=True, help="Tên máy chủ đã khai báo / declared host (hosts:).")
ATTESTATIONS = click.option(
    "--attestations",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận / attestations folder (default: attestations/ beside the inventory); "
    "results go to <agency>/<system>.hosts/<host>/<engine>.json.",
)


@click.group("host", help="Bằng chứng máy chủ từ OpenSCAP/SCC/Lynis / host evidence from audit engines.")
def host_group() -> None:
    pass


def _say(result: object) -> None:
    for rec, path in zip(result.records, result.written, strict=False):  # type: ignore[attr-defined]
        counts = ", ".join(f"{k} {v}" for k, v in sorted((rec.get("counts") or {}).items()))
        click.echo(
            f"secaudit: {result.host}: {rec['engine']} {rec.get('engine_version', '')} "  # type: ignore[attr-defined]
            f"{rec.get('benchmark', '')} {rec.get('content_version', '')}, ran {rec['ran_at']} ({counts}) "
            f"-> {path}"
        )


@host_group.command(
    "import",
    help="Nhập kết quả / import results: OpenSCAP ARF (--results-arf), XCCDF results (also DISA SCC), "
    "lynis-report.dat. Exit: 0 imported · 2 bad input (nothing written).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@INVENTORY
@AGENCY_OPTION
@SYSTEM_OPTION
@HOST
@ATTESTATIONS
@click.option(
    "--force",
    is_flag=True,
    help="Thay cả kết quả mới hơn đã có / replace a kept result that ran later than this one.",
)
def import_cmd(
    files: tuple[Path, ...],
    inventory: Path,
    agency: str,
    system_id: str,
    host: str,
    attestations: Path | None,
    force: bool,
) -> None:
    from secaudit.assessment.host_import import import_files
    from secaudit.assessment.scan import now_iso

    _say(import_files(inventory, agency, system_id, host, list(files), attestations, now_iso(), force))


@host_group.command(
    "scan",
    help="Quét máy này bằng OpenSCAP (chỉ các quy tắc được ánh xạ, ngưỡng của hồ sơ) rồi nhập kết quả / "
    "run a tailored oscap scan on THIS machine and import it. Exit: 0 imported · 2 bad input.",
)
@INVENTORY
@AGENCY_OPTION
@SYSTEM_OPTION
@HOST
@ATTESTATIONS
@click.option(
    "--content",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SCAP data stream (default: /usr/share/xml/scap/ssg/content/ssg-<os>-ds.xml).",
)
def scan_cmd(
    inventory: Path, agency: str, system_id: str, host: str, attestations: Path | None, content: Path | None
) -> None:
    from secaudit.assessment.host_import import scan_here
    from secaudit.assessment.scan import now_iso

    result = scan_here(inventory, agency, system_id, host, content, attestations, now_iso())
    click.echo(f"secaudit: oscap {result.scan_seconds:.1f} s, {'; '.join(result.notes)}", err=True)
    _say(result)


COMMANDS = [host_group]
