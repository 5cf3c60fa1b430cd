"""Runs the probes over many targets concurrently, then judges the observations.

Every selected probe (secaudit/probes registry) runs at the same time in its own daemon thread
through the one probe interface ``collect(targets, ProbeContext)``. A probe that crashes yields an
error observation for its checks only; the other probes and targets complete.

Ctrl-C: the main thread only waits (in short, interruptible slices); on KeyboardInterrupt it
cancels every probe (``ProbeContext.cancel_now``: sockets shut, nmap killed, sslyze abandoned -
its workers are daemon threads), gives them a moment to let go and raises ``Interrupted``: the
caller writes nothing and the CLI exits 130.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secaudit import __version__
from secaudit.checks import CheckContext, checks_for_probe, run_probe_checks
from secaudit.core.errors import InputError, Interrupted
from secaudit.core.model import CheckResult, Profile, ScanResult, Target, TargetResult
from secaudit.core.progress import Progress
from secaudit.probes import REGISTRY, default_probes, get_collector, probe_names
from secaudit.probes.base import ProbeContext

__all__ = ["ScanOptions", "scan", "judge", "scan_result", "parse_probes", "now_iso"]

CANCEL_GRACE = 0.5  # seconds the probes get to let go (kill nmap, close sockets) after Ctrl-C
WAIT_SLICE = 0.1  # the main thread waits in slices this long, so that Ctrl-C is seen at once


@dataclass
class ScanOptions:
    ca_file: Path | None = None
    timeout: float = 10.0
    extra_ports: list[int] | None = None
    progress: bool = True
    domain_options: Any = None  # dns/mail probes' options (secaudit.probes.domains.DomainOptions)
    cancel: threading.Event | None = None  # set it (from another thread) to stop the scan


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_probes(spec: str | None) -> set[str]:
    known = probe_names()
    if not spec:
        return set(default_probes())
    chosen = {p.strip() for p in spec.split(",") if p.strip()}
    if not chosen:
        raise InputError(
            f"--probes {spec!r}: cần nêu ít nhất một bộ thu thập / "
            f"name at least one probe ({','.join(known)})"
        )
    unknown = chosen - set(known)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise InputError(
            f"--probes: bộ thu thập không có / unknown probe(s) {names} (choose from {','.join(known)})"
        )
    return chosen


def _run_probe(
    name: str, targets: list[Target], context: ProbeContext, progress: Progress
) -> list[dict[str, Any]]:
    """Run one probe over all targets; never raises (a crash is an error observation)."""
    try:
        obs = get_collector(name)(targets, context)
        if len(obs) != len(targets):
            raise RuntimeError(f"{name} probe returned {len(obs)} observations for {len(targets)} targets")
        return obs
    except Exception as exc:  # noqa: BLE001 - a probe bug must not stop the run or become a pass
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        if not context.cancelled():
            progress.say(f"{name}: lỗi/error: {detail}")
        return [{"error": f"{name} probe failed: {detail}"} for _ in targets]


def judge(
    target: Target,
    observations: dict[str, dict[str, Any]],
    profile: Profile,
    probes: Iterable[str] | None = None,
    now: datetime | None = None,
) -> list[CheckResult]:
    """Pure: every check of the selected probes, from stored observations and profile parameters;
    time-dependent checks (certificate, security.txt expiry) judge as of ``now`` (default: the clock),
    e.g. a re-judged bundle's assessed_at."""
    chosen = set(probes if probes is not None else observations)
    selected = [p for p in probe_names() if p in chosen]
    ctx = CheckContext(
        host=target.host,
        port=target.port,
        params=profile.parameters,
        expected_ports=target.expected_ports,
        scheme=target.scheme,
        now=now,
    )
    results: list[CheckResult] = []
    for probe in selected:
        if not checks_for_probe(probe):
            continue  # a probe whose checks are not written yet only records observations
        # the observation is typed and validated once per probe, then every check reads it
        results.extend(run_probe_checks(probe, observations.get(probe), ctx))
    return results


def _context(profile: Profile, options: ScanOptions) -> ProbeContext:
    ctx = ProbeContext(
        params=profile.parameters,
        ca_file=options.ca_file,
        timeout=options.timeout,
        extra_ports=options.extra_ports,
        cancel=options.cancel or threading.Event(),
        domain_options=options.domain_options,
    )
    return ctx


def collect_all(
    targets: list[Target], profile: Profile, probes: Iterable[str], options: ScanOptions
) -> dict[str, list[dict[str, Any]]]:
    """Observations per probe name (each list in target order). Raises Interrupted on Ctrl-C
    (or when ``options.cancel`` is set)."""
    ordered = [p for p in probe_names() if p in set(probes)]
    progress = Progress(options.progress)
    base = _context(profile, options)
    per_probe: dict[str, list[dict[str, Any]]] = {}
    if not targets:
        return {name: [] for name in ordered}
    threads: list[threading.Thread] = []
    for name in ordered:
        ctx = base.for_stage(progress.callback(name))
        steps = REGISTRY[name].progress
        if steps:
            progress.begin(name, len(targets))

        def run(name: str = name, ctx: ProbeContext = ctx, steps: bool = steps) -> None:
            per_probe[name] = _run_probe(name, targets, ctx, progress)
            if not steps:
                progress.say(f"{name}: xong/done")

        threads.append(threading.Thread(target=run, daemon=True, name=f"probe-{name}"))
    try:
        for th in threads:
            th.start()
        for th in threads:
            while th.is_alive():
                th.join(WAIT_SLICE)
                if base.cancelled():  # set from another thread (assess's pipeline): probes let go too
                    base.cancel_now()
                    raise Interrupted()
    except KeyboardInterrupt:
        progress.close()  # nothing more on stderr: the interrupt line must be the last one
        base.cancel_now()
        deadline = time.monotonic() + CANCEL_GRACE
        for th in threads:  # let the probes kill their subprocesses; daemon threads are abandoned
            try:
                th.join(max(0.0, deadline - time.monotonic()))
            except RuntimeError:  # not started: Ctrl-C came while the threads were being started
                pass
        raise Interrupted() from None
    return per_probe


def scan(
    targets: list[Target],
    profile: Profile,
    probes: set[str] | None = None,
    options: ScanOptions | None = None,
) -> list[TargetResult]:
    options = options or ScanOptions()
    chosen = set(probes or default_probes())
    ordered = [p for p in probe_names() if p in chosen]
    per_probe = collect_all(targets, profile, ordered, options)
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
