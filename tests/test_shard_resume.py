"""`assess --shard I/N` and the run log with `--resume` (issue 16, items 1-2).

End to end on this module's loopback lab sites (127.0.5.1-6, ephemeral ports): a real `assess` in a
subprocess is SIGKILLed after k bundles, resumed, and compared with an uninterrupted run of the same
date (`--assessed-at`). Compared per bundle: the file set, assessed_at, agency/system/profile, the
summary (counts, compliance_pct, meets_level, automated_score and its weights), every requirement's
status, checks_status, reason and check rows, every target's check ids and statuses, and the same
for each additional profile. Not compared: observations (sslyze's and requests' raw facts hold
timings and handshake details that differ between two scans of the same server) and so the
signature that covers them; the runs are unsigned.
"""

from __future__ import annotations

import json
import os
import random
import signal
import ssl
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secaudit.assessment.runlog import SCHEMA, read_log
from secaudit.assessment.shard import Shard, parse_shard, select, shard_of
from secaudit.cli import main
from secaudit.config.inventory import load_inventory
from secaudit.core.errors import InputError
from secaudit.lab.sites import Lab, SiteSpec
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1

ADDR = "127.0.5.{}"  # this module's own loopback addresses
WAIT = 120  # seconds: a hang fails the test at this bound (never a timed assertion)
SYSTEMS = ["so-a/web1", "so-a/web2", "so-a/dual", "so-b/portal", "so-b/legacy", "so-b/down"]


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def province(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("shard")
    good = [
        lab.start(SiteSpec(name=f"shard-good{i}", address=ADDR.format(i), hostname=ADDR.format(i)))
        for i in (1, 2, 3, 4)
    ]
    legacy = lab.start(
        SiteSpec(
            name="shard-legacy",
            address=ADDR.format(5),
            hostname=ADDR.format(5),
            tls_min=ssl.TLSVersion.TLSv1,
            headers={},
            plain_http="no_redirect",
        )
    )
    down = lab.closed_port(ADDR.format(6))

    def sysm(sid: str, site: Any, extra: str = "") -> str:
        return (
            f"      - {{id: {sid}, name: Hệ thống {sid}, level: 3, targets: "
            f'["https://{site.hostname}:{site.https_port}"], http_port: {site.http_port}{extra}}}\n'
        )

    text = (
        "province: Thử nghiệm\nperiod: 2026\nagencies:\n"
        "  - id: so-a\n    name: Sở A\n    systems:\n"
        + sysm("web1", good[0])
        + sysm("web2", good[1])
        + sysm("dual", good[2], ", profiles: [level3, tcvn14423-level3]")
        + "  - id: so-b\n    name: Sở B\n    systems:\n"
        + sysm("portal", good[3])
        + sysm("legacy", legacy)
        + f'      - {{id: down, name: Máy cũ, level: 2, targets: ["https://{ADDR.format(6)}:{down}"]}}\n'
    )
    inventory = root / "inventory.yaml"
    inventory.write_text(text, encoding="utf-8")
    when = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    common = ["--inventory", inventory, "--ca-file", lab.ca_file, "--timeout", 3, "--no-progress"]
    return {"root": root, "inventory": inventory, "text": text, "when": when, "common": common}


def names(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.json")}


def _checks(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c.get("id"), c.get("target"), c.get("status")) for c in rows]


def _block(reqs: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": summary,
        "requirements": {
            r["id"]: (r["status"], r.get("checks_status"), r["reason"], _checks(r["checks"])) for r in reqs
        },
    }


def verdicts(path: Path) -> dict[str, Any]:
    """What must be equal between an interrupted-and-resumed run and an uninterrupted one."""
    a = as_v1(load_bundle(path)["assessment"], texts=True)
    return {
        "assessed_at": a["assessed_at"],
        "who": (a["agency"]["id"], a["system"]["id"], a["profile"]),
        "primary": _block(a["requirements"], a["summary"]),
        "targets": [(t["target"], [(c["id"], c["status"]) for c in t["checks"]]) for t in a["targets"]],
        "additional": [
            (x["profile"], _block(x["requirements"], x["summary"])) for x in a.get("additional") or []
        ],
    }


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------ kill, resume, compare


def test_killed_run_resumes_to_the_bundles_of_an_uninterrupted_run(province: dict[str, Any]) -> None:
    root, when, common = province["root"], province["when"], province["common"]
    whole = root / "whole"
    r = run("assess", *common, "--assessed-at", when, "-o", whole)
    assert r.exit_code == 1, r.output  # legacy and down do not meet their level
    expected = {f"{k.replace('/', '.')}.2026.json" for k in SYSTEMS}
    assert names(whole) == expected

    out = root / "killed"
    log = out / "secaudit-run.jsonl"
    argv = [sys.executable, "-m", "secaudit.cli", "assess", *map(str, common), "--assessed-at", when]
    proc = subprocess.Popen(
        [*argv, "--parallel", "1", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    k = 2
    deadline = time.monotonic() + WAIT
    try:
        while not (log.exists() and sum('"done"' in ln for ln in log.read_text().splitlines()) >= k):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no bundle written in time"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(WAIT)
    assert proc.returncode == -signal.SIGKILL
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("*.json")}
    done_before = {d["system"] for d in log_lines(log)[1:] if d["state"] == "done"}
    assert k <= len(done_before) < len(SYSTEMS) and len(before) == len(done_before)
    header = log_lines(log)[0]
    assert header["schema"] == SCHEMA and header["assessed_at"] == when
    # killed mid-write: the last line is torn; the resume drops it and assesses that system again
    with log.open("ab") as fh:
        fh.write(b'{"state": "done", "system": "so-b/por')
    n_lines = len(log.read_text().splitlines())

    r = run("assess", *common, "--resume", log, "-o", out)  # no --assessed-at: the log's is used
    assert r.exit_code == 1, r.output
    assert "torn last line dropped" in r.output
    assert names(out) == expected
    for name, (ino, mtime, data) in before.items():  # finished systems: not rewritten
        p = out / name
        assert (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) == (ino, mtime, data)
    new = log_lines(log)[n_lines - 1 :]
    assert {d["system"] for d in new if d["state"] == "started"} == set(SYSTEMS) - done_before
    for name in expected:
        assert verdicts(out / name) == verdicts(whole / name), name

    # a finished bundle changed, another deleted: exactly those two are assessed again
    changed, gone = sorted(before)[:2]
    (out / changed).write_bytes((out / changed).read_bytes().replace(b'"pass"', b'"fail"', 1))
    (out / gone).unlink()
    n_lines = len(log_lines(log))
    r = run("assess", *common, "--resume", log, "-o", out)
    assert r.exit_code == 1, r.output
    again = {d["system"] for d in log_lines(log)[n_lines:] if d["state"] == "started"}
    assert again == {n.rsplit(".", 2)[0].replace(".", "/", 1) for n in (changed, gone)}
    for name in expected:
        assert verdicts(out / name) == verdicts(whole / name), name


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_keeps_the_bundles_written_and_resumes(province: dict[str, Any], sig: int) -> None:
    """Ctrl-C (or SIGTERM: an evicted Kubernetes pod, systemd, kill) after k bundles: exit 130
    (143) with one bilingual line, those bundles and their log lines stay, and --resume completes
    the province."""
    from secaudit.cli import INTERRUPTED_LINE, TERMINATED_LINE

    line, code = (INTERRUPTED_LINE, 130) if sig == signal.SIGINT else (TERMINATED_LINE, 143)
    out = province["root"] / f"stopped-{int(sig)}"
    log = out / "secaudit-run.jsonl"
    argv = [sys.executable, "-m", "secaudit.cli", "assess", *map(str, province["common"])]
    proc = subprocess.Popen(
        [*argv, "--parallel", "1", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + WAIT
    try:
        while not (log.exists() and sum('"done"' in ln for ln in log.read_text().splitlines()) >= 1):
            assert proc.poll() is None
            assert time.monotonic() < deadline, "no bundle written in time"
            time.sleep(0.02)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert err.endswith(line) and "Traceback" not in err, err
    done = {d["bundle"] for d in log_lines(log)[1:] if d["state"] == "done"}
    assert done and names(out) == done and len(done) < len(SYSTEMS)
    assert not [p for p in out.iterdir() if ".tmp" in p.name]  # no half-written file
    r = run("assess", *province["common"], "--resume", log, "-o", out)
    assert r.exit_code == 1, r.output
    assert names(out) == {f"{k.replace('/', '.')}.2026.json" for k in SYSTEMS}


# ------------------------------------------------------------------ hostile and foreign logs


@pytest.fixture(scope="module")
def real_log(province: dict[str, Any]) -> Path:
    """A genuine log of this province's run: the killed-and-resumed run's (it comes first in the
    module), or a run of its own when this test runs alone."""
    path = province["root"] / "killed" / "secaudit-run.jsonl"
    if not path.exists():
        r = run("assess", *province["common"], "--assessed-at", province["when"], "-o", path.parent)
        assert r.exit_code == 1, r.output
    return path


BAD_LOGS = {
    "garbage": b"\x00\xff garbage\n",
    "not a header": b'{"system": "so-a/web1", "state": "done"}\n',
    "huge line": b"HEADER\n" + b'{"system": "' + b"x" * 20000 + b'"}\n',
    "huge torn tail": b"HEADER\n" + b"y" * 20000,
    "NaN": b'HEADER\n{"system": "so-a/web1", "state": "started", "at": NaN}\n',
    "bad state": b'HEADER\n{"system": "so-a/web1", "state": "finished"}\n',
    "escaping bundle": b'HEADER\n{"system": "so-a/web1", "state": "done", "bundle": "../x.json", '
    b'"sha256": "' + b"0" * 64 + b'", "level": 3, "summary": {}}\n',
    "unknown system": b'HEADER\n{"system": "so-z/nope", "state": "started"}\n',
    "blank line": b"HEADER\n\n",
    "empty": b"",
}


@pytest.mark.parametrize("kind", sorted(BAD_LOGS))
def test_hostile_log_is_bad_input(
    kind: str, province: dict[str, Any], real_log: Path, tmp_path: Path
) -> None:
    header = real_log.read_bytes().split(b"\n", 1)[0]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(BAD_LOGS[kind].replace(b"HEADER", header))
    out = tmp_path / "out"
    r = run("assess", *province["common"], "--resume", bad, "-o", out)
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and "bad.jsonl" in r.output, r.output
    assert not out.exists()  # nothing scanned, nothing written


@pytest.mark.parametrize("change", ["inventory", "period", "profile", "assessed_at", "log"])
def test_log_of_another_run_is_refused(
    change: str, province: dict[str, Any], real_log: Path, tmp_path: Path
) -> None:
    log = tmp_path / "run.jsonl"
    log.write_bytes(real_log.read_bytes())
    text, extra = province["text"], []
    if change == "inventory":
        text = text.replace("Sở B", "Sở B mới")
    elif change == "period":
        text = text.replace("period: 2026", "period: 2027")
    elif change == "profile":
        text = text.replace("profiles: [level3, tcvn14423-level3]", "profiles: [level3, tcvn14423-level2]")
    elif change == "assessed_at":
        extra = ["--assessed-at", "2020-01-01"]
    else:
        extra = ["--log", tmp_path / "other.jsonl"]
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(text, encoding="utf-8")
    common = ["--inventory", inventory, *province["common"][2:]]
    before = log.read_bytes()
    r = run("assess", *common, *extra, "--resume", log, "-o", real_log.parent)
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1, r.output
    assert log.read_bytes() == before


# ------------------------------------------------------------------ shards


@pytest.mark.parametrize(
    "spec", ["3/2", "0/0", "a/b", "0/3", "1/0", "", "1/2/3", "-1/2", "1.5/2", "9999999/1"]
)
def test_bad_shard_is_bad_input(spec: str, province: dict[str, Any], tmp_path: Path) -> None:
    r = run("assess", *province["common"], "--shard", spec, "-o", tmp_path / "out")
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and "--shard" in r.output, r.output
    assert not (tmp_path / "out").exists()


def test_shard_parse_boundaries() -> None:
    assert parse_shard("1/1") == Shard(1, 1) and parse_shard("5/5") == Shard(5, 5)
    with pytest.raises(InputError):
        parse_shard("6/5")
    with pytest.raises(InputError):
        parse_shard("0/5")


_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keys=st.lists(st.tuples(_ids, _ids), min_size=0, max_size=40, unique=True),
    count=st.integers(min_value=1, max_value=12),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_shards_partition_the_province(keys: list[tuple[str, str]], count: int, seed: int) -> None:
    """The union of shards 1..N is every system, with no overlap; a shuffled inventory gives each
    system the same shard; a system's shard does not depend on the others (an added one moves none)."""
    shards = [select(keys, Shard(i, count), lambda k: k) for i in range(1, count + 1)]
    flat = [k for s in shards for k in s]
    assert sorted(flat) == sorted(keys) and len(flat) == len(set(flat))
    shuffled = list(keys)
    random.Random(seed).shuffle(shuffled)
    for i in range(1, count + 1):
        assert set(select(shuffled, Shard(i, count), lambda k: k)) == set(shards[i - 1])
    grown = [*keys, ("new-agency", "new-system")]
    for i in range(1, count + 1):
        assert set(select(grown, Shard(i, count), lambda k: k)) - {("new-agency", "new-system")} == set(
            shards[i - 1]
        )


def test_shard_of_is_the_documented_hash() -> None:
    """Machine-independent: SHA-256 of "agency/system", first 8 bytes big-endian, mod N, plus 1."""
    import hashlib

    h = int.from_bytes(hashlib.sha256(b"so-a/web1").digest()[:8], "big")
    assert shard_of("so-a", "web1", 7) == 1 + h % 7
    assert shard_of("so-a", "web1", 1) == 1


def test_shards_of_a_real_inventory_file_reordered(province: dict[str, Any], tmp_path: Path) -> None:
    inv = load_inventory(province["inventory"])
    keys = [(a.id, s.id) for a in inv.agencies for s in a.systems]
    # the same province written in the opposite order (agencies and systems reversed)
    lines = province["text"].splitlines(keepends=True)
    head, a_block, b_block = lines[:3], lines[3:9], lines[9:]
    rev = head + b_block[:3] + b_block[3:][::-1] + a_block[:3] + a_block[3:][::-1]
    other = tmp_path / "reversed.yaml"
    other.write_text("".join(rev), encoding="utf-8")
    inv2 = load_inventory(other)
    keys2 = [(a.id, s.id) for a in inv2.agencies for s in a.systems]
    assert keys2 != keys and sorted(keys2) == sorted(keys)
    for i in (1, 2, 3):
        assert set(select(keys, Shard(i, 3), lambda k: k)) == set(select(keys2, Shard(i, 3), lambda k: k))


def test_shard_runs_share_one_folder_and_cover_the_province(province: dict[str, Any]) -> None:
    """Three machines (--shard 1/3, 2/3, 3/3) writing into one folder: every system exactly once,
    one run log per shard."""
    out = province["root"] / "shared"
    seen: list[str] = []
    for i in (1, 2, 3):
        r = run("assess", *province["common"], "--probes", "http", "--shard", f"{i}/3", "-o", out)
        assert r.exit_code in (0, 1, 3), r.output
        seen += [ln.split(":")[0] for ln in r.output.splitlines() if " → " in ln]
        log = out / f"secaudit-run.shard-{i}-of-3.jsonl"
        assert read_log(log).header["run"]["shard"] == f"{i}/3"
    assert sorted(seen) == sorted(SYSTEMS)
    assert names(out) == {f"{k.replace('/', '.')}.2026.json" for k in SYSTEMS}
    assert os.path.exists(out / "secaudit-run.shard-1-of-3.jsonl")


# ------------------------------------------------------------------ the pipeline's failure paths


def _pipeline(tmp_path: Path, bad: dict[str, BaseException]) -> tuple[Any, Path]:
    """pipeline.run over systems a/s1..a/s3 whose judging raises ``bad[system]``; one at a time."""
    from secaudit.assessment import pipeline
    from secaudit.assessment.runlog import RunLog

    path = tmp_path / "run.jsonl"
    log = RunLog.create(path, {"schema": SCHEMA, "assessed_at": "2026-12-01T00:00:00Z", "run": {}})
    summary = {
        "counts": {"pass": 1, "fail": 0, "not_reviewed": 0, "not_applicable": 0, "error": 0},
        "compliance_pct": 100.0,
        "meets_level": True,
        "automated_score": 100.0,
    }

    def build(job: str, trs: Any, scanned_with: Any) -> Any:
        if job in bad:
            raise bad[job]
        return {"agency": {"id": "a"}, "system": {"id": job}, "period": "2026"}, None, 3, summary

    jobs = [(f"a/{s}", s) for s in ("s1", "s2", "s3")]
    said: list[str] = []
    try:
        out = pipeline.run(jobs, {}, log, lambda j, c: ([], None), build, tmp_path, said.append, True, 1)
    except InputError as exc:
        out = exc
    return out, path


def test_a_system_that_breaks_is_failed_and_the_run_goes_on(tmp_path: Path) -> None:
    out, path = _pipeline(tmp_path, {"s2": ValueError("boom")})
    assert [d.key for d in out] == ["a/s1", "a/s3"] and out.failed == [("a/s2", "ValueError: boom")]
    log = read_log(path)
    assert log.last == {"a/s1": "done", "a/s2": "failed", "a/s3": "done"} and set(log.finished) == {
        "a/s1",
        "a/s3",
    }
    assert names(tmp_path) == {"a.s1.2026.json", "a.s3.2026.json"}


def test_a_bundle_that_cannot_be_written_stops_the_run(tmp_path: Path) -> None:
    out, path = _pipeline(tmp_path, {"s2": InputError("cannot write / không ghi được: disk full", "x.json")})
    assert isinstance(out, InputError) and "disk full" in str(out)
    log = read_log(path)
    assert log.last == {"a/s1": "done", "a/s2": "started"}  # s3 never started; s1's bundle stays
    assert names(tmp_path) == {"a.s1.2026.json"}


def test_assessed_at_forms() -> None:
    from secaudit.assessment.pipeline import parse_assessed_at

    assert parse_assessed_at("2026-12-01") == "2026-12-01T00:00:00Z"
    assert parse_assessed_at("2026-12-01T15:00:00+07:00") == "2026-12-01T08:00:00Z"
    assert parse_assessed_at("2026-12-01T08:00:00.5Z") == "2026-12-01T08:00:00Z"


@pytest.mark.parametrize("args", [["--assessed-at", "hôm qua"], ["--assessed-at", "2026-13-01"]])
def test_bad_assessed_at_is_bad_input(args: list[str], province: dict[str, Any], tmp_path: Path) -> None:
    r = run("assess", *province["common"], *args, "-o", tmp_path / "out")
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "--assessed-at" in r.output
    assert not (tmp_path / "out").exists()


def test_rejudge_takes_no_shard_or_resume(tmp_path: Path) -> None:
    r = run(
        "assess", "--rejudge", tmp_path / "b.json", "--profile", "level3", "--shard", "1/2", "-o", tmp_path
    )
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "--shard" in r.output
