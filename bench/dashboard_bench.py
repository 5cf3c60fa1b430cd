"""Benchmark: the Department dashboard of `secaudit serve` for 1 000 systems vs `secaudit summary`.

    python bench/dashboard_bench.py [--systems 1000] [--agencies 100] [--keep DIR] [--rounds 5]

Issue 15 item 6: the dashboard for 1 000 systems must be served within 1.5 × the time
`secaudit summary --format html` takes on the same bundles, in the same run.

Bundles are real: each is built by the assess service itself (tests/real_bundles.py: the recorded
scan of a well-configured lab site, real attestations for both regimes, level3 + tcvn14423-level3)
and signed with its agency's Ed25519 key; about one system in ten has a non-compliant or missing
answer, so the dashboard has failures to show. Generation is not timed.

Timed (wall clock, the same machine and bundles):
1. `secaudit summary BUNDLES --inventory INV --keyring KEYS --format html -o FILE` (a subprocess: what
   the Department runs);
2. the served app: `secaudit serve --data DIR` (a subprocess on 127.0.0.1, ephemeral port) with the
   bundles, keyring and inventory in its data folder, a department user logged in, then the dashboard
   page fetched: the first fetch (cold) and the median of ``--rounds`` more.
Prints both and the ratios; never asserts (target: ratio ≤ 1.5).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # real_bundles: the assess service's own bundles

DUAL = ("level3", "tcvn14423-level3")


def exe() -> str:
    here = Path(sys.executable).parent / "secaudit"
    return str(here) if here.exists() else "secaudit"


def inventory_text(agencies: list[tuple[str, list[str]]], target: str, ports: list[int]) -> str:
    lines = [
        "province: Thừa Thiên Huế",
        "period: 2026",
        "due: 2026-11-01",
        "target: {level: 3, goal_pct: 100}",
        "agencies:",
    ]
    for n, (agency, systems) in enumerate(agencies):
        lines += [f"  - id: {agency}", f"    name: Báo số {n}", "    type: newspaper", "    systems:"]
        for s in systems:
            lines.append(
                f"      - {{id: {s}, name: Cổng {s}, level: 3, profiles: [{', '.join(DUAL)}], "
                f"targets: [{target}], expected_ports: {ports}}}"
            )
    return "\n".join(lines) + "\n"


def generate(root: Path, systems: int, agencies: int) -> dict[str, Path]:
    import real_bundles as rb

    from secaudit.signing.keys import generate_keypair

    keys, bundles = root / "keys", root / "bundles"
    bundles.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(15)
    per, extra = divmod(systems, agencies)
    plan: list[tuple[str, list[str]]] = []
    for n in range(agencies):
        agency = f"bao-{n:04d}"
        generate_keypair(agency, keys, force=True)
        names = [f"he-thong-{s:02d}" for s in range(per + (n < extra))]
        plan.append((agency, names))
        for s in names:
            statuses: dict[str, str] = {}
            roll = rnd.random()
            if roll < 0.06:
                statuses = {rb.MANUAL: "fail"}
            elif roll < 0.10:
                statuses = {rb.OTHER_MANUAL: "not_reviewed"}
            a = rb.assessment(agency, s, profiles=DUAL, statuses=statuses, name=f"Cổng {s}")
            rb.put(a, keys, bundles)
    inv = root / "inventory.yaml"
    target = rb.GOOD["target"]["target"]
    inv.write_text(inventory_text(plan, target, rb.GOOD["expected_ports"]), encoding="utf-8")
    return {"keys": keys, "bundles": bundles, "inventory": inv}


def time_summary(world: dict[str, Path], out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    cmd = [exe(), "summary", str(world["bundles"]), "--inventory", str(world["inventory"])]
    cmd += ["--keyring", str(world["keys"]), "--format", "html", "--today", "2026-11-15", "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    return time.perf_counter() - t0, proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--systems", type=int, default=1000)
    ap.add_argument("--agencies", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5, help="warm dashboard fetches after the first")
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder instead of a temp dir")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="secaudit-dash-") as tmp:
        root = args.keep or Path(tmp)
        if args.keep and (root / "inventory.yaml").is_file():
            world = {"keys": root / "keys", "bundles": root / "bundles", "inventory": root / "inventory.yaml"}
        else:
            t0 = time.perf_counter()
            world = generate(root, args.systems, args.agencies)
            print(f"generated {args.systems} bundles in {time.perf_counter() - t0:.1f} s (not timed)")
        files = list(world["bundles"].glob("*.json"))
        size = sum(p.stat().st_size for p in files)
        print(f"bundles: {len(files)} ({size / len(files) / 1024:.0f} KB average, {size / 2**20:.0f} MB)")
        print(f"cpus: {os.cpu_count()} · load average before: {os.getloadavg()[0]:.1f}")
        summary_s, proc = time_summary(world, Path(tmp) / "summary.html")
        if proc.returncode != 0:
            print(f"summary failed ({proc.returncode}): {proc.stderr[-1500:]}")
            sys.exit(1)
        print(f"secaudit summary --format html: {summary_s:.2f} s")
        served: dict[str, Any] = dashboard_times(world, Path(tmp), args.rounds)
        for k, v in served.items():
            print(f"{k}: {v}")
        if "cold_s" in served:
            print(f"ratio cold / summary: {served['cold_s'] / summary_s:.2f} (target ≤ 1.5)")
            print(f"ratio warm median / summary: {served['warm_median_s'] / summary_s:.2f}")


def dashboard_times(world: dict[str, Path], tmp: Path, rounds: int) -> dict[str, Any]:
    """Filled in once the web application's data folder layout is known (docs/web.md)."""
    return {"dashboard": "not measured"}


if __name__ == "__main__":
    main()
