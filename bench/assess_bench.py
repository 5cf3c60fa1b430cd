"""Benchmark: `secaudit assess` over a province of N loopback systems, against sslyze alone.

Starts 200 lab sites (one per system: HTTPS + plain-HTTP redirect, one in five a legacy TLS 1.0
server) on 127.0.2.1-200, ephemeral ports, loopback only. Writes inventories of the first 50, 100
and 200 systems and runs, in a fresh subprocess each:
  A) `secaudit assess --inventory INV --ca-file CA --no-progress --parallel P -o OUT` (the default
     probes tls, http, ports: what a province run does), and
  B) sslyze alone on the same HTTPS sites through its Scanner API: the scan commands of secaudit's
     TLS probe, the same CA file, `concurrent_server_scans_limit=P` (the same concurrency).
For each it prints wall time, systems per minute and peak memory: the peak RSS of the process tree
(the process and its children, e.g. nmap, sampled from /proc every 50 ms) and the child's own
ru_maxrss (os.wait4). Memory must stay flat as N grows. Then the ratio A/B at every N.
It prints figures; it asserts nothing.

    .venv/bin/python bench/assess_bench.py [--systems 50,100,200] [--parallel 10] [--timeout 10]
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
import threading
import time
from pathlib import Path

from secaudit.lab.sites import Lab, RunningSite, SiteSpec

ADDR = "127.0.2.{}"
PER_AGENCY = 10


def start_sites(lab: Lab, n: int) -> list[RunningSite]:
    sites = []
    for i in range(n):
        addr = ADDR.format(i + 1)
        legacy = i % 5 == 4
        spec = SiteSpec(
            name=f"assess-bench{i}",
            address=addr,
            hostname=addr,
            tls_min=ssl.TLSVersion.TLSv1 if legacy else ssl.TLSVersion.TLSv1_2,
            ciphers="ALL:@SECLEVEL=0" if legacy else None,
        )
        sites.append(lab.start(spec))
    return sites


def write_inventory(path: Path, sites: list[RunningSite]) -> None:
    lines = ["province: Tỉnh thử tải", "period: 2026", "agencies:"]
    for a in range(0, len(sites), PER_AGENCY):
        lines += [
            f"  - id: co-quan-{a // PER_AGENCY:03d}",
            f"    name: Cơ quan {a // PER_AGENCY}",
            "    systems:",
        ]
        for i, s in enumerate(sites[a : a + PER_AGENCY], start=a):
            lines.append(
                f'      - {{id: he-thong-{i:03d}, name: Hệ thống {i}, level: 3, targets: ["{s.url}"], '
                f"http_port: {s.http_port}}}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tree_rss(pid: int) -> int:
    """Bytes of RSS of ``pid`` and all its descendants (Linux /proc), 0 when gone."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measured(cmd: list[str], stdout: Path) -> dict[str, float]:
    """Run ``cmd``; wall seconds, exit code, peak tree RSS and ru_maxrss (MiB)."""
    peak = [0]
    with stdout.open("wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.PIPE)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        err = threading.Thread(target=lambda: setattr(proc, "err_text", proc.stderr.read()), daemon=True)
        err.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        err.join(5)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        tail = getattr(proc, "err_text", b"").decode(errors="replace")[-2000:]
        print(f"command failed ({code}): {' '.join(cmd[:4])}…\n{tail}", file=sys.stderr)
    return {"wall": wall, "exit": code, "tree_mib": peak[0] / 2**20, "maxrss_mib": usage.ru_maxrss / 1024}


def sslyze_child(spec_file: str) -> None:
    """B): sslyze's Scanner over the sites, as secaudit's TLS probe asks it (same commands, CA)."""
    from sslyze import (
        CertificateInfoExtraArgument,
        ScanCommandsExtraArguments,
        Scanner,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
    )

    from secaudit.probes.tls import scan_commands

    spec = json.loads(Path(spec_file).read_text())
    extra = ScanCommandsExtraArguments(
        certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(spec["ca"]))
    )
    reqs = [
        ServerScanRequest(
            server_location=ServerNetworkLocation(hostname=h, port=p, ip_address=h),
            network_configuration=ServerNetworkConfiguration(
                tls_server_name_indication=h, network_timeout=10
            ),
            scan_commands=scan_commands(),
            scan_commands_extra_arguments=extra,
        )
        for h, p in spec["sites"]
    ]
    scanner = Scanner(concurrent_server_scans_limit=spec["parallel"])
    scanner.queue_scans(reqs)
    status = collections.Counter(str(r.scan_status.name) for r in scanner.get_results())
    print(json.dumps({"status": status}))


def outcome(out_dir: Path) -> str:
    """What assess produced, so that a fast run made of errors is visible."""
    st: collections.Counter[str] = collections.Counter()
    files = sorted(out_dir.glob("*.json"))
    for p in files:
        counts = json.loads(p.read_bytes())["assessment"]["summary"]["counts"]
        st.update({k: v for k, v in counts.items() if v})
    return f"{len(files)} bundles, verdicts {dict(st)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", default="50,100,200", help="comma-separated province sizes")
    ap.add_argument("--parallel", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--sslyze-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sslyze_child:
        sslyze_child(args.sslyze_child)
        return
    sizes = [int(x) for x in args.systems.split(",")]
    exe = shutil.which("secaudit", path=str(Path(sys.executable).parent))
    secaudit = [exe] if exe else [sys.executable, "-m", "secaudit.cli"]
    rows = []
    with Lab() as lab, tempfile.TemporaryDirectory(prefix="secaudit-assess-bench-") as tmp:
        t0 = time.perf_counter()
        sites = start_sites(lab, max(sizes))
        print(f"{len(sites)} lab sites up in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        for n in sizes:
            inv = Path(tmp) / f"inventory-{n}.yaml"
            write_inventory(inv, sites[:n])
            out = Path(tmp) / f"out-{n}"
            cmd_a = [*secaudit, "assess", "--inventory", str(inv), "--ca-file", str(lab.ca_file)]
            cmd_a += ["--timeout", str(args.timeout), "--parallel", str(args.parallel), "--no-progress"]
            a = measured([*cmd_a, "-o", str(out)], Path(tmp) / f"assess-{n}.txt")
            spec = Path(tmp) / f"sslyze-{n}.json"
            spec.write_text(
                json.dumps(
                    {
                        "ca": str(lab.ca_file),
                        "parallel": args.parallel,
                        "sites": [(s.address, s.https_port) for s in sites[:n]],
                    }
                )
            )
            b = measured([sys.executable, __file__, "--sslyze-child", str(spec)], Path(tmp) / f"sy-{n}.txt")
            sy = (Path(tmp) / f"sy-{n}.txt").read_text().strip()
            rows.append((n, a, b))
            print(
                f"{n:4d} systems  assess {a['wall']:7.1f} s ({60 * n / a['wall']:6.1f} systems/min, exit "
                f"{a['exit']}) peak RSS tree {a['tree_mib']:6.1f} MiB, process {a['maxrss_mib']:6.1f} MiB | "
                f"sslyze alone {b['wall']:6.1f} s ({60 * n / b['wall']:6.1f}/min) "
                f"peak {b['tree_mib']:6.1f} MiB | ratio {a['wall'] / b['wall']:.2f}\n"
                f"      {outcome(out)}; sslyze {sy}",
                flush=True,
            )
    print(f"cores: {os.cpu_count()}, parallel: {args.parallel}, probes: tls,http,ports (assess default)")
    for n, a, b in rows:
        print(
            f"N={n}: {60 * n / a['wall']:.1f} systems/min, peak RSS {a['tree_mib']:.0f} MiB "
            f"(process {a['maxrss_mib']:.0f} MiB), assess/sslyze {a['wall'] / b['wall']:.2f}"
        )


if __name__ == "__main__":
    main()
