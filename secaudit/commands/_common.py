"""Small helpers shared by the command modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from secaudit.core.files import atomic_write

LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Ngôn ngữ / language of titles and messages.",
)

# One system of one agency (attest template/wizard, review): both ids, or --provider ID (shared
# infrastructure, issue 14: the pair _providers/ID, files in <attestations>/_providers/ID.yaml).
AGENCY_OPTION = click.option("--agency", help="Mã cơ quan / agency id (with --system).")
SYSTEM_OPTION = click.option("--system", "system_id", help="Mã hệ thống / system id (with --agency).")
PROVIDER_OPTION = click.option(
    "--provider",
    help="Đơn vị hạ tầng dùng chung / shared-infrastructure provider id (instead of --agency/--system).",
)


def one_subject(agency: str | None, system_id: str | None, provider: str | None) -> tuple[str, str]:
    """(agency id, system id) of --agency/--system, or of --provider (the pair ``_providers``/ID)."""
    from secaudit.config.inventory_providers import PROVIDERS_AGENCY
    from secaudit.core.errors import InputError
    from secaudit.core.ids import ID_RE

    if provider is not None:
        if agency is not None or system_id is not None:
            raise InputError(
                "chọn --provider ID hoặc --agency/--system, không dùng cả hai / "
                "give --provider ID or --agency/--system, not both"
            )
        if not ID_RE.match(provider):
            raise InputError(
                f"--provider {provider!r}: chỉ dùng chữ, số, '-' hoặc '_' / letters, digits, '-' or '_' only"
            )
        return PROVIDERS_AGENCY, provider
    if agency is None or system_id is None:
        raise InputError("thiếu --agency, --system / give --agency ID --system ID (or --provider ID)")
    return agency, system_id


ATTESTATIONS_DIR_OPTION = click.option(
    "--attestations",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận / attestations folder (<agency>/<system>.yaml).",
)


def refuse_input_as_output(output: str | None, *inputs: Path) -> None:
    """``-o`` naming one of the command's own input files by any spelling (``../``, a hard link, a
    symlink to it) would replace that input with the result: refused, before anything is written."""
    from secaudit.core.errors import InputError

    if output in (None, "", "-") or not os.path.exists(output):  # a new file replaces nothing
        return
    for src in inputs:
        try:
            same = os.path.samefile(output, src)
        except (OSError, ValueError):  # either does not exist (yet): not the same file
            same = False
        if same:
            raise InputError(
                "-o là chính tệp đầu vào, sẽ bị ghi đè / -o is the input file itself, it would be lost",
                output,
            )


def write_output(content: str | bytes, output: str | None) -> None:
    """Write to ``-o FILE`` atomically (temp file + rename), or to stdout."""
    if output in (None, "-"):
        if isinstance(content, bytes) and content[:4] == b"PK\x03\x04" and sys.stdout.isatty():
            # a workbook (zip) would fill the terminal with binary: piped or redirected, it is kept
            from secaudit.core.errors import InputError

            raise InputError("bảng tính cần -o TỆP.xlsx / a spreadsheet needs -o FILE.xlsx (not a terminal)")
        if isinstance(content, bytes):
            sys.stdout.flush()  # text written before goes out first
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            click.echo(content, nl=not content.endswith("\n"))
        return
    atomic_write(Path(output), content)


def use_color(stream: object = None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
