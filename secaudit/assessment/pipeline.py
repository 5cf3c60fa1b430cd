"""``assess`` one system at a time: at most ``IN_FLIGHT`` systems are scanned at once, and each
system's bundle is written (atomically) and logged the moment it is judged.

So a kill loses at most the systems in flight, and ``--resume LOG`` continues from the run log
(secaudit/assessment/runlog.py) without rescanning or rewriting a finished system whose bundle still
has the logged SHA-256. One scan per system (not one for the whole province) also means no
system waits for the slowest one of a batch.

Ctrl-C: the main thread only waits (in short slices); on KeyboardInterrupt it sets the shared cancel
event (every probe of every system in flight lets go: scan.collect_all), lets a bundle being
written finish, and raises ``Interrupted`` (exit 130, one line). A run that had written no bundle
yet removes the log it created: Ctrl-C before anything finished leaves nothing behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secaudit.assessment.runlog import Finished, ParsedLog, RunLog, first_difference, read_log, short
from secaudit.core.errors import InputError, Interrupted

IN_FLIGHT = 10  # systems scanned at once: sslyze's own default of concurrent server scans
WAIT_SLICE = 0.1  # the main thread waits in slices this long, so that Ctrl-C is seen at once
WRITE_GRACE = 5.0  # seconds a bundle being judged/written gets to finish after Ctrl-C
Say = Callable[[str], None]


@dataclass
class Done:
    """One system's bundle, written now or by the interrupted run being resumed."""

    key: str
    level: int
    summary: dict[str, Any]
    path: Path


class Outcome(list):  # type: ignore[type-arg]
    """The Done systems in inventory order, plus ``failed``: [(key, reason)] of systems without a
    bundle (an unexpected error; the run went on)."""

    failed: list[tuple[str, str]]


def figures(summary: dict[str, Any]) -> dict[str, Any]:
    """What the log keeps of a summary: what the command's line and exit code need."""
    keep = ("counts", "compliance_pct", "meets_level", "automated_score")
    return {k: summary.get(k) for k in keep}


def now_iso() -> str:
    from secaudit.assessment.scan import now_iso as clock

    return clock()


def resume_state(
    log_path: Path, identity: dict[str, Any], expected: dict[str, str], out_dir: Path, say: Say
) -> tuple[ParsedLog, dict[str, Finished]]:
    """The log to continue and its systems still finished (bundle present with the logged
    SHA-256). ``expected``: system key -> its bundle's file name. InputError for another run's log."""
    log = read_log(log_path)
    field = first_difference(log.header["run"], identity)
    if field is not None:
        raise InputError(
            f"nhật ký của một lần chạy khác / the log belongs to another run: {field} was "
            f"{short(log.header['run'].get(field))}, this run has {short(identity.get(field))}",
            log_path,
        )
    unknown = sorted(set(log.last) - set(expected))
    if unknown:
        raise InputError(
            f"hệ thống không có trong lần chạy này / system not in this run: {unknown[0]}", log_path
        )
    if log.torn:
        say(f"secaudit: {log_path}: bỏ dòng cuối bị cắt / torn last line dropped (the run was killed)")
    finished: dict[str, Finished] = {}
    for key, f in log.finished.items():
        if f.bundle != expected[key]:
            raise InputError(
                f"{key}: gói kết quả {f.bundle!r} không phải tệp của hệ thống này / "
                f"bundle {f.bundle!r} is not this system's file",
                log_path,
            )
        own = _own_figures(out_dir / f.bundle, f.sha256)
        if own is not None:  # the line and the exit code come from the bundle, never from the log
            finished[key] = Finished(key, f.bundle, f.sha256, *own)
        else:
            say(f"secaudit: {key}: gói {f.bundle} đã đổi hoặc mất, đánh giá lại / changed or missing, redone")
    return log, finished


def _own_figures(path: Path, sha256: str) -> tuple[int, dict[str, Any]] | None:
    """(level, figures) read from the bundle itself when it is the one the log names (same SHA-256);
    None when it is missing, changed or unreadable (the system is redone). A log is a plain file:
    a hand-edited "meets_level": true there must not turn a failing run's line or exit code."""
    import hashlib

    from secaudit.assessment.rejudge import system_level
    from secaudit.assessment.runlog import checked_figures
    from secaudit.core.files import read_input
    from secaudit.core.jsonio import loads_strict
    from secaudit.signing.bundle import MAX_BUNDLE_BYTES

    try:
        raw = read_input(path, "a bundle (.json)", MAX_BUNDLE_BYTES)
        if hashlib.sha256(raw).hexdigest() != sha256:
            return None
        a = loads_strict(raw, path).get("assessment")
        return system_level(a, path), checked_figures(path, a.get("summary"))
    except (InputError, AttributeError):
        return None


def run(
    jobs: list[tuple[str, Any]],
    finished: dict[str, Finished],
    log: RunLog,
    scan_job: Callable[[Any, threading.Event], tuple[list[Any], str | None]],
    build_job: Callable[
        [Any, list[Any], str | None], tuple[dict[str, Any], Path | None, int, dict[str, Any]]
    ],
    out_dir: Path,
    say: Say,
    progress: bool = True,
    in_flight: int = IN_FLIGHT,
) -> Outcome:
    """Assess every ``(key, job)`` not in ``finished``; write and log each bundle as it is judged."""
    todo = [(k, j) for k, j in jobs if k not in finished]
    done: dict[str, Done] = {k: Done(k, f.level, f.summary, out_dir / f.bundle) for k, f in finished.items()}
    failed: dict[str, str] = {}
    fatal: list[BaseException] = []
    cancel = threading.Event()
    lock = threading.Lock()
    queue = iter(todo)
    total, count = len(jobs), [len(finished)]

    def stop(exc: BaseException) -> None:
        fatal.append(exc)
        cancel.set()

    def one(key: str, job: Any) -> None:
        try:
            log.event(key, "started", at=now_iso())
            trs, scanned_with = scan_job(job, cancel)
            a, key_path, level, summary = build_job(job, trs, scanned_with)
            path, sha = _write(a, key_path, out_dir)
            rec = {"bundle": path.name, "sha256": sha, "level": level, "summary": figures(summary)}
            log.event(key, "done", **rec, at=now_iso())
        except Interrupted as exc:
            if not cancel.is_set():  # not our cancel: the scan itself was interrupted, so is the run
                stop(exc)
            return
        except InputError as exc:  # cannot write (disk full, read-only): the whole run stops
            stop(exc)
            return
        except Exception as exc:  # noqa: BLE001 - one system's bug must not stop the province
            reason = f"{type(exc).__name__}: {exc}"
            failed[key] = reason
            say(f"secaudit: {key}: lỗi, không có gói / failed, no bundle: {reason}")
            try:
                log.event(key, "failed", error=reason, at=now_iso())
            except InputError as err:
                stop(err)
            return
        with lock:
            done[key] = Done(key, level, summary, path)
            count[0] += 1
            n = count[0]
        release_memory()
        if progress:
            errors = (summary.get("counts") or {}).get("error")
            said = f" (lỗi/errors: {errors})" if errors else ""
            say(f"secaudit: [{n}/{total}] {key} → {path.name}{said}")

    def worker() -> None:
        while not cancel.is_set():
            with lock:
                item = next(queue, None)
            if item is None:
                return
            one(*item)

    threads = [
        threading.Thread(target=worker, daemon=True, name=f"assess-{i}")
        for i in range(min(in_flight, len(todo)))
    ]
    try:
        for th in threads:
            th.start()
        for th in threads:
            while th.is_alive():
                th.join(WAIT_SLICE)
    except KeyboardInterrupt:
        cancel.set()
        deadline = time.monotonic() + WRITE_GRACE
        for th in threads:  # a bundle being written finishes; scans stop at once
            try:
                th.join(max(0.0, deadline - time.monotonic()))
            except RuntimeError:  # not started yet
                pass
        log.close(discard_if_unused=True)
        raise Interrupted() from None
    log.close(discard_if_unused=bool(fatal))  # stopped before any bundle: nothing left behind
    if fatal:
        raise fatal[0]
    out = Outcome(done[k] for k, _ in jobs if k in done)
    out.failed = [(k, failed[k]) for k, _ in jobs if k in failed]
    return out


def release_memory() -> None:
    """Hand the heap freed by a finished system back to the OS (glibc's malloc_trim).

    sslyze/nassl's handshakes churn native memory over many threads; glibc keeps what was freed, so
    without this the RSS of a province run grows with the number of systems (measured: 337 MiB at 50
    systems, 465 MiB at 200) although nothing is held. Elsewhere (no glibc) a no-op."""
    global _trim
    if _trim is None:
        try:
            import ctypes

            _trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = False
    if _trim:
        _trim(0)


_trim: Any = None


def _write(assessment: dict[str, Any], key_path: Path | None, out_dir: Path) -> tuple[Path, str]:
    """Sign and write one bundle atomically; (path, SHA-256 of the bytes written)."""
    import hashlib

    from secaudit.core.files import atomic_write
    from secaudit.signing.bundle import bundle_filename, file_layout, make_bundle

    bundle = make_bundle(assessment, key_path)
    data = file_layout(bundle)
    path = Path(out_dir) / bundle_filename(bundle)
    atomic_write(path, data)
    return path, hashlib.sha256(data).hexdigest()


def identity(inventory: Path, inv: Any, jobs: list[Any], opts: Any) -> dict[str, Any]:
    """What makes two runs the same run: a log whose identity differs cannot be resumed."""
    from secaudit import __version__
    from secaudit.config.catalog import applicable, profile_catalog
    from secaudit.config.catalog_archive import profile_digest
    from secaudit.core.files import read_input

    def sha(p: Path) -> str:
        import hashlib

        return hashlib.sha256(read_input(p)).hexdigest()

    profiles: dict[str, str] = {}
    for job in jobs:
        for name in job.system.profiles:
            p = inv.profile(name)
            profiles.setdefault(p.id, profile_digest(p, applicable(p, profile_catalog(p))))
    return {
        "tool_version": __version__,
        "inventory_sha256": sha(inventory),
        "province": inv.province,
        "period": str(inv.period),
        "profiles": profiles,
        "agency": opts.agency,
        "shard": None if opts.shard is None else str(opts.shard),
        "probes": sorted(opts.probes),
        "domain_probes": opts.domain_probes,
        "ports": list(opts.extra_ports or []),
        "ca_file_sha256": None if opts.ca_file is None else sha(opts.ca_file),
    }


def open_log(
    inventory: Path, inv: Any, jobs: list[tuple[str, Any]], opts: Any, say: Say
) -> tuple[RunLog, str, dict[str, Finished]]:
    """(the log to write, the run's assessed_at, the systems already finished): a new log, or the
    one ``opts.resume`` names, checked against this run."""
    from secaudit.assessment.runlog import SCHEMA, check_replaceable, default_path, refuse_if_in_use

    ident = identity(inventory, inv, [j for _, j in jobs], opts)
    if opts.resume is not None:
        if opts.log is not None and Path(opts.log).resolve() != Path(opts.resume).resolve():
            raise InputError(
                "--log và --resume trỏ tới hai tệp khác nhau (--resume ghi tiếp vào nhật ký của chính nó) / "
                "--log and --resume name different files (--resume continues its own log)"
            )
        refuse_if_in_use(Path(opts.resume))  # before reading it: its last line may be half-written
        expected = {k: f"{j.agency.id}.{j.system.id}.{inv.period}.json" for k, j in jobs}
        log, finished = resume_state(Path(opts.resume), ident, expected, opts.out_dir, say)
        assessed_at = log.header["assessed_at"]
        if opts.assessed_at is not None and opts.assessed_at != assessed_at:
            raise InputError(
                f"--assessed-at {opts.assessed_at} khác ngày trong nhật ký {assessed_at} (lần chạy tiếp "
                "giữ ngày đầu tiên) / "
                f"--assessed-at {opts.assessed_at} differs from the log's {assessed_at} (a resumed run "
                "keeps its first date)",
                opts.resume,
            )
        if finished:
            say(f"secaudit: tiếp tục / resuming: {len(finished)}/{len(jobs)} hệ thống đã xong / systems done")
        return RunLog.reopen(log), assessed_at, finished
    assessed_at = opts.assessed_at or now_iso()
    path = Path(opts.log) if opts.log is not None else default_path(opts.out_dir, opts.agency, opts.shard)
    check_replaceable(path)  # an earlier run log, or nothing: never the inventory or a bundle
    if path.exists():
        say(
            f"secaudit: cảnh báo/warning: thay nhật ký cũ / replacing the earlier run log {path} "
            f"(to continue that run instead: --resume {path})"
        )
    header = {"schema": SCHEMA, "assessed_at": assessed_at, "started_at": now_iso(), "run": ident}
    return RunLog.create(path, header), assessed_at, {}


def parse_assessed_at(text: str) -> str:
    """``--assessed-at``: a date (midnight UTC) or an ISO date-time, as assess writes it (UTC, "Z")."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        when = when.astimezone(timezone.utc).replace(microsecond=0)  # 9999-12-31T23:59-01:00: overflow
    except (ValueError, OverflowError):
        raise InputError(
            f"--assessed-at {text[:60]!r}: cần ngày/giờ ISO / expected an ISO date or date-time, e.g. "
            "2026-12-01 or 2026-12-01T08:00:00Z"
        ) from None
    return when.isoformat().replace("+00:00", "Z")
