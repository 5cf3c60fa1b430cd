"""Benchmark: the full `secaudit scan` (tls+http+ports) against sslyze alone, same loopback sites.

Starts N lab sites (TLS + HTTP; one in four a legacy TLS 1.0 server) on 127.0.1.x, then times,
alternately and --repeat times each:
  A) `secaudit scan https://127.0.1.x:PORT ... --ca-file CA --probes tls,http,ports --format json`
  B) `python -m sslyze --certinfo_ca_file CA 127.0.1.x:PORT ...` (sslyze's own CLI, its default scan)
and prints wall times (best and all runs), the ratio A/B and each child's peak RSS (os.wait4 ru_maxrss,
which on Linux includes the child's own children, e.g. nmap). Target: A <= 1.2 x B.
Each site's main page is a ~40 KB HTML page with a few hundred references, so the HTTP probe's
mixed-content parse (http.mixed_content) is part of the measured work. It prints figures; it asserts nothing.

    /work/venv/bin/python bench/scan_bench.py [--sites 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from secaudit.lab.sites import Lab, RunningSite, SiteSpec

# A realistic main page: navigation, images, scripts and style sheets, all over https or relative.
PAGE = (
    b'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cong thong tin</title>'
    + b"".join(
        b'<link rel="stylesheet" href="/css/s%d.css"><script src="https://cdn.lab.test/j%d.js"></script>'
        % (i, i)
        for i in range(20)
    )
    + b"</head><body>"
    + b"".join(
        b'<div class="item"><a href="/tin-tuc/%d">Tin %d</a><img src="/img/%d.jpg" alt="anh %d">'
        b"<p>Noi dung bai viet so %d, mot doan van ngan de trang co kich thuoc thuc te.</p></div>"
        % (i, i, i, i, i)
        for i in range(250)
    )
    + b"</body></html>"
)


def start_sites(lab: Lab, n: int) -> list[RunningSite]:
    sites = []
    for i in range(n):
        addr = f"127.0.1.{i + 1}"
        legacy = i % 4 == 3
        sites.append(
            lab.start(
                SiteSpec(
                    name=f"bench{i}",
                    address=addr,
                    hostname=addr,
                    plain_http="none",
                    tls_min=ssl.TLSVersion.TLSv1 if legacy else ssl.TLSVersion.TLSv1_2,
                    ciphers="ALL:@SECLEVEL=0" if legacy else None,
                    paths={"/": (200, "text/html; charset=utf-8", PAGE)},
                )
            )
        )
    return sites


def timed(cmd: list[str], out: Path) -> tuple[float, int, int]:
    """Run ``cmd`` (stdout to ``out``); return (wall seconds, exit code, peak RSS in MiB)."""
    with out.open("wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, proc.returncode, usage.ru_maxrss // 1024


def outcome(name: str, path: Path) -> str:
    """What the run produced, so that a fast run made of errors is visible."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return f"(no JSON output: {exc})"
    if name == "sslyze":
        st = collections.Counter(r.get("scan_status") for r in data.get("server_scan_results", []))
        return f"server scans {dict(st)}"
    st = collections.Counter(c["status"] for t in data.get("targets", []) for c in t["checks"])
    return f"checks {dict(st)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    secaudit = shutil.which("secaudit", path=str(Path(sys.executable).parent)) or shutil.which("secaudit")
    scan_cmd = [secaudit] if secaudit else [sys.executable, "-m", "secaudit"]

    with Lab() as lab, tempfile.TemporaryDirectory(prefix="secaudit-bench-") as tmp:
        sites = start_sites(lab, args.sites)
        ca = str(lab.ca_file)
        full = scan_cmd + [
            "scan",
            *[s.url for s in sites],
            "--ca-file",
            ca,
            "--probes",
            "tls,http,ports",
            "--format",
            "json",
            "--quiet",
            "--timeout",
            str(args.timeout),
        ]
        alone = [
            sys.executable,
            "-m",
            "sslyze",
            "--certinfo_ca_file",
            ca,
            "--json_out",
            "-",
            *[f"{s.address}:{s.https_port}" for s in sites],
        ]
        runs: dict[str, list[tuple[float, int, int]]] = {"secaudit": [], "sslyze": []}
        for r in range(args.repeat):
            for name, cmd in (("sslyze", alone), ("secaudit", full)):
                res = timed(cmd, Path(tmp) / f"{name}{r}.json")
                runs[name].append(res)
                print(
                    f"run {r + 1} {name:8s} {res[0]:6.2f} s  exit {res[1]}  peak RSS {res[2]} MiB  "
                    f"{outcome(name, Path(tmp) / f'{name}{r}.json')}",
                    file=sys.stderr,
                    flush=True,
                )

    best = {k: min(v[0] for v in runs[k]) for k in runs}
    peak = {k: max(v[2] for v in runs[k]) for k in runs}
    legacy = sum(1 for i in range(args.sites) if i % 4 == 3)
    print(f"sites: {args.sites} ({legacy} legacy TLS 1.0), repeat: {args.repeat}, cores: {os.cpu_count()}")
    print(
        f"secaudit scan (tls+http+ports): best {best['secaudit']:.2f} s  "
        f"runs {[round(v[0], 2) for v in runs['secaudit']]}  peak RSS {peak['secaudit']} MiB"
    )
    print(
        f"sslyze CLI alone:               best {best['sslyze']:.2f} s  "
        f"runs {[round(v[0], 2) for v in runs['sslyze']]}  peak RSS {peak['sslyze']} MiB"
    )
    ratio = best["secaudit"] / best["sslyze"] if best["sslyze"] else float("nan")
    print(f"ratio secaudit/sslyze: {ratio:.2f} (target <= 1.20: {'met' if ratio <= 1.2 else 'NOT met'})")


if __name__ == "__main__":
    main()
