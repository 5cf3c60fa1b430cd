"""Entry point: the ``secaudit`` command group. Each sub-command lives in secaudit/commands/.

Bad input anywhere (an InputError) becomes one line on stderr and exit code 2, never a traceback.
Heavy libraries (sslyze, nmap) are imported only by the commands that use them.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from secaudit import __version__
from secaudit.core.errors import InputError

# Module name in secaudit.commands -> the commands it contributes (``COMMANDS`` list there).
COMMAND_MODULES = (
    "checklist",
    "crosswalk",
    "profile",
    "scan",
    "attest",
    "assess",
    "keys",
    "review",
    "verify",
    "summary",
    "report",
    "demo",
)

HELP = """secaudit — kiểm tra mức độ an toàn thông tin theo cấp độ (TCVN 11930:2017, NĐ 85/2016;
TCVN 14423:2026, NĐ 331/2026).

secaudit — security-posture audit of information systems against Vietnamese security levels.

\b
Bắt đầu / Getting started:
  secaudit demo                          tỉnh mô phỏng trên loopback / simulated province
  secaudit checklist show --level 3      danh mục yêu cầu cấp độ 3 / level-3 requirements
  secaudit scan https://portal.example.vn   quét một hệ thống / scan one site
  secaudit assess --inventory inventory.yaml -o ket-qua/

Mã thoát / exit codes: 0 đạt/pass · 1 không đạt/fail · 2 đầu vào sai/bad input · 3 chưa đầy đủ/incomplete
"""


class SecauditGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"secaudit: error: {exc.format()}", err=True)
            ctx.exit(2)

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().main(*args, **kwargs)
        except BrokenPipeError:  # `secaudit ... | head` is not an error
            sys.stderr.close()
            sys.exit(0)


@click.group(cls=SecauditGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="secaudit")
def main() -> None:
    pass


for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"secaudit.commands.{_name}")
    except ModuleNotFoundError as _exc:  # a command not written yet must not break the others
        if _exc.name != f"secaudit.commands.{_name}":
            raise
        continue
    for _cmd in getattr(_mod, "COMMANDS", []):
        main.add_command(_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()
