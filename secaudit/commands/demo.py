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
Kết quả / output: DIR/index.html (bảng điều khiển / dashboard), DIR/summary.json,
DIR/reports/*.html (báo cáo từng hệ thống / per system), DIR/bundles/*.json (signed).
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

    def say(msg: str) -> None:
        click.echo(f"[{time.monotonic() - start:5.1f}s] {msg}", err=True)

    summary = run_demo(out_dir, say, quiet_commands=not verbose)
    totals = summary.get("totals", {})
    target = summary.get("target", {})
    click.echo(f"\n{summary.get('province', '')} — kỳ/period {summary.get('period', '')}")
    level = target.get("level", 3)
    click.echo(
        f"Cơ quan đạt cấp độ {level} / agencies meeting level {level}: "
        f"{totals.get('agencies_meeting')}/{totals.get('agencies')} ({totals.get('pct')}%) "
        f"— mục tiêu / target {target.get('goal_pct', 100)}%"
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
    click.echo(f"\nBảng điều khiển / dashboard: {(out_dir / 'index.html').resolve()}")
    click.echo(f"Tổng hợp JSON / summary JSON: {(out_dir / 'summary.json').resolve()}")
    click.echo(f"Báo cáo từng hệ thống / per-system reports: {(out_dir / 'reports').resolve()}")
    click.echo(f"Thời gian / time: {time.monotonic() - start:.1f}s")


COMMANDS = [demo_cmd]
