"""Runs the probes over many targets concurrently, then judges the observations.

The three probes run at the same time in threads: sslyze queues every server at once, the HTTP
probe uses a bounded pool, nmap runs once for all hosts. A probe that crashes yields an error
observation for its checks only; the other probes and targets complete.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secaudit import __version__
from secaudit.checks import CheckContext, checks_for_probe, run_check
from secaudit.core.errors import InputError
from secaudit.core.model import PROBES, CheckResult, Profile, ScanResult, Target, TargetResult
from secaudit.core.progress import Progress

__all__ = ["ScanOptions", "scan", "judge", "scan_result", "parse_probes", "now_iso"]


@dataclass
class ScanOptions:
    ca_file: Path | None = None
    timeout: float = 10.0
    extra_ports: list[int] | None = None
    progress: bool = True


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_probes(spec: str | None) -> set[str]:
    if not spec:
        return set(PROBES)
    chosen = {p.strip() for p in spec.split(",") if p.strip()}
    if not chosen:
        raise InputError(f"--probes {spec!r}: name at least one probe (tls,http,ports)")
    unknown = chosen - set(PROBES)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise InputError(f"--probes: unknown probe(s) {names} (choose from tls,http,ports)")
    return chosen


def _run_probe(
    name: str, targets: list[Target], profile: Profile, options: ScanOptions, progress: Progress
) -> list[dict[str, Any]]:
    """Run one probe over all targets; never raises (a crash is an error observation)."""
    params = profile.parameters
    try:
        mod = importlib.import_module(f"secaudit.probes.{name}")
        if name == "ports":
            obs = mod.collect(targets, params, options.extra_ports, options.timeout)
        else:
            obs = mod.collect(
                targets, params, options.ca_file, options.timeout, progress=progress.callback(name)
            )
        if len(obs) != len(targets):
            raise RuntimeError(f"{name} probe returned {len(obs)} observations for {len(targets)} targets")
        return obs
    except Exception as exc:  # noqa: BLE001 - a probe bug must not stop the run or become a pass
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        progress.say(f"{name}: lỗi/error: {detail}")
        return [{"error": f"{name} probe failed: {detail}"} for _ in targets]


def judge(
    target: Target,
    observations: dict[str, dict[str, Any]],
    profile: Profile,
    probes: Iterable[str] | None = None,
) -> list[CheckResult]:
    """Pure: every check of the selected probes, from stored observations and profile parameters."""
    selected = [p for p in PROBES if p in set(probes if probes is not None else observations)]
    ctx = CheckContext(
        host=target.host,
        port=target.port,
        params=profile.parameters,
        expected_ports=target.expected_ports,
        scheme=target.scheme,
    )
    results: list[CheckResult] = []
    for probe in selected:
        for check_id in checks_for_probe(probe):
            results.append(run_check(check_id, observations.get(probe), ctx))
    return results


def scan(
    targets: list[Target],
    profile: Profile,
    probes: set[str] | None = None,
    options: ScanOptions | None = None,
) -> list[TargetResult]:
    options = options or ScanOptions()
    probes = set(probes or PROBES)
    progress = Progress(options.progress)
    ordered = [p for p in PROBES if p in probes]
    per_probe: dict[str, list[dict[str, Any]]] = {}
    if targets:
        for name in ordered:
            if name != "ports":
                progress.begin(name, len(targets))
        with ThreadPoolExecutor(max_workers=len(ordered) or 1) as pool:
            futures = {
                name: pool.submit(_run_probe, name, targets, profile, options, progress) for name in ordered
            }
            for name, fut in futures.items():
                per_probe[name] = fut.result()
        if "ports" in per_probe:
            progress.say("ports: nmap xong/done")
    results = []
    for i, target in enumerate(targets):
        observations = {name: per_probe[name][i] for name in ordered}
        results.append(TargetResult(target, judge(target, observations, profile, ordered), observations))
    return results


def scan_result(
    targets: list[Target],
    profile: Profile,
    probes: set[str] | None = None,
    options: ScanOptions | None = None,
) -> ScanResult:
    started = now_iso()
    results = scan(targets, profile, probes, options)
    return ScanResult(
        profile=profile.id,
        started_at=started,
        finished_at=now_iso(),
        targets=results,
        tool_version=__version__,
    )
