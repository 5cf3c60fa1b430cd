"""Benchmark: the province summary against its floor, cold and incremental (issue 16 item 3).

    python bench/summary_bench.py [--count 10000] [--workers N] [--changed 1.0] [--no-check]

On ``--count`` real-size dual-regime bundles (bench/_bundles.py: made from the demo's real scans by
the real assess service, signed, every one different; cached, generation is not timed), in ONE run:

(a) floor: reading, parsing (the strict JSON reader) and verifying (signature and byte-exact layout:
    ``bundle.verify_bytes``) every file and nothing else, in the same worker pool the summary uses;
    and again with every review record's signature verified too (a bundle carries ~60, each an
    Ed25519 verification the summary cannot skip): both ratios are printed;
    then with each verified bundle re-judged as ``verify --rejudge`` does (the trust contract's
    per-file work; what cold takes beyond it is the summary's own: aggregation, titles, totals);
(b) cold: ``summarise`` with no cache;
(c) incremental: ``--changed`` % of the bundles assessed again (new content, re-signed), then
    ``summarise`` with the cache filled by a first cached run;
and, unless ``--no-check``, that the incremental run's summary is byte-identical to a cold run's on
the same (changed) folder.

Each phase runs in its own process; peak memory is the largest sum of the resident set sizes of
that process and all its worker processes (sampled every 20 ms from /proc). Prints the times, the
ratios (targets: cold / floor <= 1.5, incremental / cold <= 0.15) and peak memory (target < 500 MB).
Never asserts: speed is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after PYTHONPATH: a phase may run a snapshot (see snapshot)


# --------------------------------------------------------------------------- memory of a process tree


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


_ENV: dict[str, str] = dict(os.environ)


def snapshot(tmp: Path) -> None:
    """Run every phase on a frozen copy of the package (code, catalogues, profiles): an edit in the
    working tree during the run would otherwise be a new cache context halfway (a cold "incremental")."""
    from secaudit.core.resources import data_dir

    src = Path(__import__("secaudit").__file__).resolve().parent
    dst = tmp / "snapshot" / "secaudit"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("checklists", "profiles", "reports"):
        if not (dst / name).is_dir():  # an editable checkout keeps them beside the package
            shutil.copytree(data_dir(name), dst / name, ignore=shutil.ignore_patterns("__pycache__"))
    _ENV["PYTHONPATH"] = os.pathsep.join([str(dst.parent), str(HERE.parent)])


def _run_phase(args: list[str]) -> dict[str, Any]:
    """Run ``this script --phase …`` and sample its tree's memory; its JSON line plus peak_mb."""
    cmd = [sys.executable, __file__, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=_ENV)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"phase {args[:2]} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 2**20
    return result


# --------------------------------------------------------------------------- phases (child processes)


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the pool's workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _floor_one(path: str) -> bool:
    from secaudit.core.files import read_input
    from secaudit.core.jsonio import loads_strict
    from secaudit.signing.bundle import MAX_BUNDLE_BYTES, verify_bytes

    raw = read_input(Path(path), "a bundle (.json)", MAX_BUNDLE_BYTES)
    data = loads_strict(raw)
    ok = verify_bytes(raw, data, _KEYRING)[0]
    if _REJUDGE:  # what `verify --rejudge` does to the file (examine verifies the reviews itself)
        from secaudit.province.trust import examine

        if ok:
            a = data["assessment"]
            examine(a, a["system"].get("require_review") is True, _reviewer_keys())
        return ok
    if _REVIEWS:  # every other signature the file carries: the reviewers' (assessment.reviews)
        from secaudit.assessment.reviews import record_problem

        for r in data["assessment"].get("reviews") or []:
            ok = record_problem(r) is None and ok
    return ok


_KEYRING = Path()
_REVIEWS = False
_REJUDGE = False
_KEYS: list[Any] = []


def _reviewer_keys() -> Any:
    if not _KEYS:  # once per worker, as the summary's Verifier does
        from secaudit.province.verifier import Verifier

        _KEYS.append(Verifier(_KEYRING).reviewer_keys)
    return _KEYS[0]


def phase_floor(
    bdir: Path, keyring: Path, workers: int, reviews: bool = False, rejudge: bool = False
) -> dict[str, Any]:
    """Read + strict parse + verify, and nothing else, with the summary's pool and chunk size;
    ``reviews``: the review records' signatures verified too (the file's every signature);
    ``rejudge``: and each verified bundle re-judged as `verify --rejudge` does (not a floor: the
    per-file work of the trust contract, so that what is left is the summary's own)."""
    import multiprocessing

    from secaudit.province.digest import pool_chunk

    global _KEYRING, _REVIEWS, _REJUDGE
    _KEYRING, _REVIEWS, _REJUDGE = keyring, reviews, rejudge
    paths = [str(p) for p in sorted(bdir.glob("*.json"))]
    c0, t0 = _cpu(), time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        ok = sum(pool.map(_floor_one, paths, chunksize=pool_chunk(len(paths), workers)))
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu": _cpu() - c0, "verified": ok, "files": len(paths)}


def phase_summary(
    bdir: Path, keyring: Path, workers: int, cache: str | None, out: str | None
) -> dict[str, Any]:
    from secaudit.core.files import atomic_write
    from secaudit.province.digest import CACHE_STATS
    from secaudit.province.summary import summarise
    from secaudit.render.registry import RenderOptions, render_bytes

    c0, t0 = _cpu(), time.perf_counter()
    result = summarise(bdir, keyring=keyring, workers=workers, cache=Path(cache) if cache else None)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    if out:  # what `summary --format json -o FILE` writes, for the identity check
        atomic_write(Path(out), render_bytes("summary", "json", result, RenderOptions()))
    tot = result["totals"]
    return {"seconds": seconds, "cpu": cpu, "totals": tot, "cache": dict(CACHE_STATS)}


# --------------------------------------------------------------------------- the run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--changed", type=float, default=1.0, help="percent of bundles changed (incremental)")
    ap.add_argument("--no-check", action="store_true", help="skip the incremental == cold identity check")
    ap.add_argument("--corpus", type=Path, help="a folder bench/_bundles.py made (bundles/, keyring/)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--keyring", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        import secaudit

        print(f"phase {args.phase}: secaudit from {secaudit.__file__}", file=sys.stderr)
        bdir, ring = Path(args.dir), Path(args.keyring)
        if args.phase in ("floor", "floor-reviews", "floor-rejudge"):
            kind = args.phase.removeprefix("floor-")
            res = phase_floor(bdir, ring, args.workers, reviews=kind == "reviews", rejudge=kind == "rejudge")
        else:
            res = phase_summary(bdir, ring, args.workers, args.cache, args.out)
        print(json.dumps(res))
        return

    from bench._bundles import corpus, rewrite

    t0 = time.perf_counter()
    root = args.corpus or corpus(args.count)
    print(f"corpus: {root} (ready in {time.perf_counter() - t0:.1f} s, not timed)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="secaudit-summary-bench-") as tmp:
        work = Path(tmp) / "bundles"
        work.mkdir()
        for p in (root / "bundles").glob("*.json"):  # hard links: the changed ones are replaced, not edited
            os.link(p, work / p.name)
        files = sorted(work.glob("*.json"))
        size = sum(p.stat().st_size for p in files)
        ring, cache = root / "keyring", Path(tmp) / "cache"
        snapshot(Path(tmp))
        common = ["--dir", str(work), "--keyring", str(ring), "--workers", str(args.workers)]
        load = os.getloadavg()[0]
        floor = _run_phase(["--phase", "floor", *common])
        floor_rv = _run_phase(["--phase", "floor-reviews", *common])
        rejudged = _run_phase(["--phase", "floor-rejudge", *common])
        cold = _run_phase(["--phase", "summary", *common])
        fill = _run_phase(["--phase", "summary", *common, "--cache", str(cache)])
        n = max(1, round(len(files) * args.changed / 100))
        step = max(1, len(files) // n)
        salt = int(time.time()) & 0xFFFF  # new content every run
        changed = rewrite(root, list(range(0, args.count, step))[:n], salt=salt, out=work)
        cached = ["--cache", str(cache), "--out", str(Path(tmp) / "i.json")]
        incr = _run_phase(["--phase", "summary", *common, *cached])
        same = None
        if not args.no_check:
            _run_phase(["--phase", "summary", *common, "--out", str(Path(tmp) / "c.json")])
            same = (Path(tmp) / "i.json").read_bytes() == (Path(tmp) / "c.json").read_bytes()
        shutil.rmtree(cache, ignore_errors=True)

    tot = cold["totals"]
    print(f"bundles: {len(files)} ({size / len(files) / 1024:.0f} KB average, {size / 2**20:.0f} MB), "
          f"workers: {args.workers}, cpus: {os.cpu_count()}, load average before: {load:.1f}")  # fmt: skip
    print(f"verified {floor['verified']}/{floor['files']} · systems {tot['systems']} · inconsistent "
          f"{tot['inconsistent']} · profile_not_accepted {tot['profile_not_accepted']}")  # fmt: skip
    rows = [
        ("floor (read + parse + verify)", floor),
        ("floor + the reviews' signatures", floor_rv),
        ("floor + re-judging (verify --rejudge)", rejudged),
        ("cold summary (no cache)", cold),
        ("cold summary, filling the cache", fill),
        (f"incremental ({len(changed)} changed)", incr),
    ]
    for name, r in rows:
        hits = f"   cache hits {r['cache']['hits']}" if r.get("cache") else ""
        times = f"{r['seconds']:7.2f} s wall {r['cpu']:7.2f} s CPU"
        print(f"  {name:<38} {times}   peak {r['peak_mb']:5.0f} MB{hits}")
    # CPU seconds (process + workers) are the fairer ratio on a shared machine; wall is what a user waits.
    for what in ("seconds", "cpu"):
        label = "wall" if what == "seconds" else "CPU "
        print(f"{label} cold / floor        = {cold[what] / floor[what]:.2f}  (target <= 1.5)")
        print(f"{label} cold / floor+reviews= {cold[what] / floor_rv[what]:.2f}  (every signature checked)")
        print(f"{label} cold / floor+rejudge= {cold[what] / rejudged[what]:.2f}  (the summary's own share)")
        print(f"{label} incremental / cold  = {incr[what] / cold[what]:.3f} (target <= 0.15)")
    peak = max(r["peak_mb"] for _, r in rows)
    print(f"peak memory         = {peak:.0f} MB (target < 500 MB; process + workers)")
    if same is not None:
        print(f"incremental output == cold output on the changed folder: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
