"""``secaudit demo``: the embedded default — a simulated province on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import click

DEMO_HELP = """Chạy thử: một tỉnh mô phỏng trên loopback (5 cơ quan báo chí hư cấu), quét thật
bằng sslyze, requests, nmap; ký kết quả; lập báo cáo tổng hợp.

Demo: a simulated province on loopback (5 fictional press agencies), scanned for real with
sslyze, requests and nmap; signed bundles; the province dashboard.

\b
Kết quả / output: DIR/index.html (bảng điều khiển ngoại tuyến / offline dashboard site:
  index -> DIR/agencies/*.html -> DIR/reports/*.html -> DIR/mau08.html), DIR/summary.json,
  .csv, .xlsx, .md, DIR/mau08.xlsx, DIR/bundles/*.json (signed). Every file written is listed.
Chỉ dùng địa chỉ loopback 127.0.0.60-99; không cần mạng / loopback only, no network needed.
"""


@click.command("demo", help=DEMO_HELP)
@click.option(
    "-o",
    "--output",
    "out",
    default="secaudit-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Thư mục kết quả / output directory.",
)
@click.option("-v", "--verbose", is_flag=True, help="Hiện chi tiết các lệnh / show the commands' progress.")
def demo_cmd(out: str, verbose: bool) -> None:
    from secaudit.demo.run import run_demo

    start = time.monotonic()
    out_dir = Path(out)
    before = _snapshot(out_dir)

    def say(msg: str) -> None:
        click.echo(f"[{time.monotonic() - start:5.1f}s] {msg}", err=True)

    summary = run_demo(out_dir, say, quiet_commands=not verbose)
    totals = summary.get("totals", {})
    target = summary.get("target", {})
    click.echo(f"\n{summary.get('province', '')} — kỳ/period {summary.get('period', '')}")
    level = target.get("level", 3)
    from secaudit.core.i18n import pct  # Vietnamese number format: "14,3 %" (issue 11)

    click.echo(
        f"Cơ quan đạt cấp độ {level} / agencies meeting level {level}: "
        f"{totals.get('agencies_meeting')}/{totals.get('agencies')} ({pct(totals.get('pct'))}) "
        f"— mục tiêu / target {pct(target.get('goal_pct', 100))}"
    )
    click.echo(
        f"Hệ thống đạt / systems meeting their level: {totals.get('systems_meeting')}/{totals.get('systems')}"
    )
    for agency in summary.get("agencies", []):
        mark = "ĐẠT / MEETS" if agency.get("meets_target") else "CHƯA ĐẠT / NOT YET"
        # DESIGN §10 "Trust": a verified bundle the re-judging did not believe says so.
        untrusted = {
            "inconsistent": "kết quả mâu thuẫn / inconsistent",
            "profile_not_accepted": "hồ sơ không được chấp nhận / profile not accepted",
        }
        found = {s.get("status") for s in agency.get("systems", [])}
        why = sorted(untrusted[k] for k in found if k in untrusted)
        click.echo(f"  - {agency.get('name')}: {mark}" + (f" ({'; '.join(why)})" if why else ""))
    _list_written(out_dir, before)
    click.echo(f"\nBảng điều khiển / dashboard: {(out_dir / 'index.html').resolve()}")
    click.echo(f"Tổng hợp JSON / summary JSON: {(out_dir / 'summary.json').resolve()}")
    click.echo(f"Báo cáo từng hệ thống / per-system reports: {(out_dir / 'reports').resolve()}")
    click.echo(f"Thời gian / time: {time.monotonic() - start:.1f}s")


def _snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every file under ``root``: what the run writes is what changes."""
    out: dict[Path, tuple[int, int]] = {}
    if root.is_dir():
        for p in root.rglob("*"):
            if p.is_file() and not p.is_symlink():
                st = p.stat()
                out[p] = (st.st_mtime_ns, st.st_size)
    return out


def _list_written(root: Path, before: dict[Path, tuple[int, int]]) -> None:
    """Every file this run wrote, one folder a line (the evidence folders hold dozens of files)."""
    after = _snapshot(root)
    # The dashboard's own files first (the folder's top level), then each folder in name order.
    written = sorted(
        (p for p, sig in after.items() if before.get(p) != sig),
        key=lambda p: (p.parent != root, p.parent.as_posix(), p.name),
    )
    by_dir: dict[Path, list[str]] = {}
    for p in written:
        by_dir.setdefault(p.parent, []).append(p.name)
    click.echo(f"\nĐã ghi {len(written)} tệp / wrote {len(written)} files in {root.resolve()}:")
    for folder, names in by_dir.items():
        rel = folder.relative_to(root).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        if len(names) <= 3 or not prefix:
            for n in names:
                click.echo(f"  {prefix}{n}")
        else:
            click.echo(f"  {prefix} ({len(names)}): {', '.join(names)}")


COMMANDS = [demo_cmd]
