"""Benchmark: `attest import` of a small workbook with one stray cell in the last row (1 048 576).

    python bench/xlsx_bench.py [--row 1048576] [--keep DIR]

Exports the workbook for a one-system inventory with `attest export`, adds one cell far below the
table with openpyxl (the file stays ~15 KB), then times `secaudit attest import` in a child process
and prints seconds, peak RSS and the exit code. Never asserts.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INVENTORY = """\
province: T
period: "2026"
agencies:
  - id: a
    name: A
    systems:
      - {id: s, name: S, level: 3, targets: ["https://s.example.vn"]}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--row", type=int, default=1_048_576)
    ap.add_argument("--column", type=int, default=20, help="20: outside the table; 1: a stray requirement id")
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="xlsxbench"))
    tmp.mkdir(parents=True, exist_ok=True)
    inv = tmp / "inventory.yaml"
    inv.write_text(INVENTORY, encoding="utf-8")
    xlsx = tmp / "stray.xlsx"
    exe = [sys.executable, "-m", "secaudit.cli"]
    subprocess.run(
        [*exe, "attest", "export", "--inventory", inv, "-o", xlsx], check=True, capture_output=True
    )
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    wb.worksheets[1].cell(row=args.row, column=args.column, value="x")
    wb.save(xlsx)
    t0 = time.perf_counter()
    r = subprocess.run([*exe, "attest", "import", xlsx, "--attestations", tmp / "att"], capture_output=True)
    secs = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"workbook {xlsx.stat().st_size} bytes, stray cell in row {args.row}, column {args.column}")
    print(f"attest import: {secs:.2f} s, peak RSS {rss:.0f} MB, exit {r.returncode}")
    print((r.stderr or r.stdout).decode("utf-8", "replace").strip().splitlines()[-1:])


if __name__ == "__main__":
    main()
