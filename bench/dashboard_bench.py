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


def _agency_bundles(job: tuple[int, str, list[str], str, str]) -> None:
    import real_bundles as rb

    n, agency, names, keys, bundles = job
    rnd = random.Random(n)
    for s in names:
        statuses: dict[str, str] = {}
        roll = rnd.random()
        if roll < 0.06:
            statuses = {rb.MANUAL: "fail"}
        elif roll < 0.10:
            statuses = {rb.OTHER_MANUAL: "not_reviewed"}
        a = rb.assessment(agency, s, profiles=DUAL, statuses=statuses, name=f"Cổng {s}")
        rb.put(a, Path(keys), Path(bundles))


def generate(root: Path, systems: int, agencies: int) -> dict[str, Path]:
    import multiprocessing

    import real_bundles as rb

    from secaudit.signing.keys import generate_keypair

    keys, bundles = root / "keys", root / "bundles"
    bundles.mkdir(parents=True, exist_ok=True)
    per, extra = divmod(systems, agencies)
    plan: list[tuple[str, list[str]]] = []
    for n in range(agencies):
        agency = f"bao-{n:04d}"
        generate_keypair(agency, keys, force=True)
        plan.append((agency, [f"he-thong-{s:02d}" for s in range(per + (n < extra))]))
    jobs = [(n, agency, names, str(keys), str(bundles)) for n, (agency, names) in enumerate(plan)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        pool.map(_agency_bundles, jobs, chunksize=1)
    inv = root / "inventory.yaml"
    target = rb.GOOD["target"]["target"]
    inv.write_text(inventory_text(plan, target, rb.GOOD["expected_ports"]), encoding="utf-8")
    return {"keys": keys, "bundles": bundles, "inventory": inv}


def time_summary(world: dict[str, Path], out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    cmd = [exe(), "summary", str(world["bundles"]), "--inventory", str(world["inventory"])]
    cmd += ["--keyring", str(world["keys"]), "--format", "html", "--today", "2026-11-15", "-o", str(out)]
    cmd.append("--no-cache")  # the served dashboard keeps no incremental cache either: like for like
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
        print(f"secaudit summary --format html --no-cache: {summary_s:.2f} s (whole command)")
        served: dict[str, Any] = dashboard_times(world, Path(tmp), args.rounds)
        for k, v in served.items():
            if not k.endswith("_s"):
                print(f"{k}: {v}")
        if "cold_s" in served:
            print(f"ratio cold / summary: {served['cold_s'] / summary_s:.2f} (target ≤ 1.5)")
            print(f"ratio warm median / summary: {served['warm_median_s'] / summary_s:.2f}")


def served_data(world: dict[str, Path], root: Path) -> Path:
    """A `serve` data folder holding the same bundles, public keys and inventory."""
    import shutil

    data = root / "served"
    (data / "keyring").mkdir(parents=True)
    shutil.copytree(world["bundles"], data / "bundles")
    for pub in world["keys"].glob("*.pub"):
        shutil.copy2(pub, data / "keyring" / pub.name)
    shutil.copy2(world["inventory"], data / "inventory.yaml")
    (data / "attestations").mkdir()
    return data


def dashboard_times(world: dict[str, Path], tmp: Path, rounds: int) -> dict[str, Any]:
    """Serve the bundles; log in landing on a page that computes nothing (the late list), then time
    the first dashboard (cold: the server computes the summary) and ``rounds`` more (warm)."""
    import re

    import requests
    from web_fixtures import add_user, start_serve

    data = served_data(world, tmp)
    add_user(data, "bench-dept", "department", "bench-password-123")
    app = start_serve(data)
    try:
        s = requests.Session()
        r = s.get(app.base + "login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text)
        assert token, r.text[:500]
        form = {"username": "bench-dept", "password": "bench-password-123", "csrfmiddlewaretoken": token[1]}
        form["next"] = "/department/late/"
        r = s.post(app.base + "login/", data=form, headers={"Referer": app.base + "login/"}, timeout=600)
        assert r.status_code == 200 and r.url.endswith("/department/late/"), (r.status_code, r.url)
        times = []
        for _ in range(rounds + 1):
            t0 = time.perf_counter()
            r = s.get(app.base + "department/", timeout=1800)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200 and "/department/agency/" in r.text, r.status_code
        size = len(r.content)
    finally:
        app.stop()
    cold, warm = times[0], times[1:]
    return {
        "dashboard page": f"{size / 1024:.0f} KB",
        "cold_s": cold,
        "warm_median_s": statistics.median(warm),
        "dashboard cold (first fetch, the server computes the summary)": f"{cold:.2f} s",
        f"dashboard warm (median of {rounds})": f"{statistics.median(warm):.3f} s",
    }


if __name__ == "__main__":
    main()
