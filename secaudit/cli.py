"""Entry point: the ``secaudit`` command group. Each sub-command lives in secaudit/commands/.

Bad input anywhere (an InputError) becomes one line on stderr and exit code 2, never a traceback;
Ctrl-C (KeyboardInterrupt, or a scan's Interrupted) one bilingual line and exit code 130.
Heavy libraries (sslyze, nmap) are imported only by the commands that use them.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED_EXIT = 130  # 128 + SIGINT, as shells report it
INTERRUPTED_LINE = "secaudit: Đã dừng theo yêu cầu / interrupted\n"
# SIGTERM (kill, systemd, a Kubernetes pod evicted before its Job finished) stops like Ctrl-C: the
# scans cancel, a bundle being written finishes, the run log stays true for `assess --resume`.
TERMINATED_EXIT = 143  # 128 + SIGTERM
TERMINATED_LINE = "secaudit: Đã dừng (SIGTERM) / terminated\n"
_TERMINATED: list[bool] = []


def _early_sigint(_signum: int, _frame: object) -> None:
    """Ctrl-C while the program is still starting (imports: a second or more on a busy machine).
    Nothing has been done or written yet, so leaving at once is safe and prints no traceback."""
    try:
        os.write(2, INTERRUPTED_LINE.encode())
    finally:
        os._exit(INTERRUPTED_EXIT)


def _sigterm(_signum: int, _frame: object) -> None:
    _TERMINATED.append(True)
    raise KeyboardInterrupt  # the Ctrl-C path from here on


def _sigterm_default() -> None:
    """In every forked child (the summary's worker pool): SIGTERM kills again, as without the
    handler. Pool.terminate stops its workers with SIGTERM; one that had to run a Python handler
    first could sit in a queue lock for ever, and the pool waited on it (a summary hung)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# Only when this process *is* the secaudit program (console script or ``python -m``), never when a
# test runner merely imports the module. SecauditGroup.invoke restores Python's handler.
_EARLY = bool(sys.argv) and os.path.basename(sys.argv[0]) in ("secaudit", "cli.py", "__main__.py")
if _EARLY and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _early_sigint)

import importlib  # noqa: E402 - after the handler: these imports are the slow part of startup
from typing import Any  # noqa: E402

import click  # noqa: E402

from secaudit import __version__  # noqa: E402
from secaudit.commands._click_vi import install as _click_vietnamese  # noqa: E402
from secaudit.core.errors import InputError  # noqa: E402

_click_vietnamese()  # Click's own texts Vietnamese first, before any option is declared

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
    "host",
    "verify",
    "summary",
    "report",
    "demo",
    "serve",
    "users",
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

Sau khi cài bằng scripts/setup.sh / after scripts/setup.sh: .venv/bin/secaudit …, hoặc / or
source .venv/bin/activate rồi / then secaudit …

Mã thoát / exit codes: 0 đạt/pass · 1 không đạt/fail · 2 đầu vào sai/bad input · 3 chưa đầy đủ/incomplete
· 130 đã dừng/interrupted (Ctrl-C) · 143 đã dừng/terminated (SIGTERM)
"""


class SecauditGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            # From here a Ctrl-C is a KeyboardInterrupt again: a scan cancels its probes cleanly.
            if signal.getsignal(signal.SIGINT) is _early_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)
            if _EARLY and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # never a test runner's
                signal.signal(signal.SIGTERM, _sigterm)  # `serve` sets its own (web/server.py)
                os.register_at_fork(after_in_child=_sigterm_default)
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"secaudit: error: {exc.format()}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:  # Ctrl-C, or a scan's Interrupted: one line, not Click's "Aborted!"
            _interrupted()

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        if not standalone_mode:  # a caller handling Click's exceptions itself
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except BrokenPipeError:  # `secaudit ... | head` is not an error
            sys.stderr.close()
            sys.exit(0)
        except click.UsageError as exc:  # one bilingual line, not Click's three-line English block
            sys.stderr.write(usage_line(exc) + "\n")
            sys.exit(2)
        except click.Abort:  # a prompt answered with Ctrl-D: Click would say "Aborted!"
            sys.stderr.write("secaudit: Đã huỷ / aborted\n")
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        sys.exit(rv if isinstance(rv, int) else 0)


def usage_line(exc: click.UsageError) -> str:
    """ "secaudit scan: Không có tùy chọn / no such option '--x'. (xem / see: secaudit scan --help)" """
    where = exc.ctx.command_path if exc.ctx is not None else "secaudit"
    message = " ".join(exc.format_message().split())
    return f"{where}: lỗi cú pháp / usage error: {message} (xem / see: {where} --help)"


def _interrupted() -> None:
    """Ctrl-C or SIGTERM: the command wrote nothing (outputs are written only after the work is
    done; `assess` keeps the bundles it had finished, each in the run log)."""
    code, line = (TERMINATED_EXIT, TERMINATED_LINE) if _TERMINATED else (INTERRUPTED_EXIT, INTERRUPTED_LINE)
    try:
        sys.stderr.write(line)
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    if _EARLY:
        # The real program leaves at once: no interpreter shutdown waiting for a probe's worker
        # threads, and no exit "by SIGINT" - CPython flags an interrupt that hit exec() (dataclass
        # creation during a lazy import) as unhandled even though we handled it (exit -2).
        os._exit(code)
    sys.exit(code)


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
