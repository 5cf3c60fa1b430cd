"""Issue 16's surfaces under hostile input, through the real CLI: `assess --shard`, `assess --resume`,
`report/summary --format ohdf|oscal`, `checklist show --format oscal` and the summary's `--cache`.

Bad input gives exit 2 and one bilingual line (Vietnamese first, " / ", English) naming the file and
line where there is one, never a traceback or a hang, and leaves nothing behind; a torn last line of
a run log is tolerated (docs/scale.md). The province is three systems on this module's loopback
addresses (127.0.16.1-3) whose ports refuse connections, so every scan ends at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ADDR = "127.0.16.{}"  # this module's own loopback addresses
WAIT = 60  # seconds: a hang fails the test at this bound (never a timed assertion)
EXE = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"


def cli(*args: Any, wait: int = WAIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *map(str, args)], capture_output=True, text=True, timeout=wait, stdin=subprocess.DEVNULL
    )


def inproc(*args: Any) -> subprocess.CompletedProcess[str]:
    """The same command through click's CliRunner (fast, for the many bad-input cases); an
    exception that escaped is shown as the traceback a user would have seen."""
    import traceback

    from click.testing import CliRunner

    from secaudit.cli import main

    r = CliRunner().invoke(main, [str(a) for a in args])
    err = r.stderr
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        err += "Traceback\n" + "".join(traceback.format_exception(r.exception))
    return subprocess.CompletedProcess(list(args), r.exit_code, r.stdout, err)


def one_error(proc: subprocess.CompletedProcess[str], *parts: str) -> str:
    """Exit 2 with exactly one "secaudit: error: VI / EN" line holding ``parts``; that line."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("secaudit: error: ")]
    assert len(errors) == 1, proc.stderr
    assert " / " in errors[0], errors[0]
    for p in parts:
        assert p in errors[0], (p, errors[0])
    return errors[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def province(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three signed bundles (one dual-regime) and their run log, made by the real `assess`."""
    root = tmp_path_factory.mktemp("hostile16")
    ports = [lab.closed_port(ADDR.format(i)) for i in (1, 2, 3)]
    inventory = root / "inventory.yaml"
    inventory.write_text(
        "province: Thử nghiệm\nperiod: 2026\nagencies:\n"
        "  - id: so-a\n    name: Sở A\n    systems:\n"
        f'      - {{id: web1, name: Web 1, level: 3, targets: ["https://{ADDR.format(1)}:{ports[0]}"]}}\n'
        f'      - {{id: dual, name: Dual, level: 3, targets: ["https://{ADDR.format(2)}:{ports[1]}"],'
        " profiles: [level3, tcvn14423-level3]}\n"
        "  - id: so-b\n    name: Sở B\n    systems:\n"
        f'      - {{id: portal, name: Portal, level: 2, targets: ["https://{ADDR.format(3)}:{ports[2]}"]}}\n',
        encoding="utf-8",
    )
    keys, keyring = root / "keys", root / "keyring"
    for ag in ("so-a", "so-b"):
        assert cli("keys", "generate", "--agency", ag, "-o", keys).returncode == 0
    keyring.mkdir()
    for pub in keys.glob("*.pub"):
        shutil.copy(pub, keyring / pub.name)
    out = root / "out"
    common = [
        "--inventory",
        inventory,
        "--key",
        keys,
        "--probes",
        "tls,http",
        "--timeout",
        1,
        "--no-progress",
    ]
    proc = cli("assess", *common, "-o", out, "--assessed-at", "2026-12-01")
    assert proc.returncode == 1, proc.stderr
    log = out / "secaudit-run.jsonl"
    return {"root": root, "out": out, "log": log, "common": common, "keyring": keyring}


def assess(province: dict[str, Any], *extra: Any) -> subprocess.CompletedProcess[str]:
    return inproc("assess", *province["common"], "-o", province["out"], *extra)


def copy_run(province: dict[str, Any], tmp_path: Path) -> Path:
    """A private copy of the output folder (bundles + log) to resume in."""
    out = tmp_path / "out"
    shutil.copytree(province["out"], out)
    return out


# --------------------------------------------------------------------------- --shard


@pytest.mark.parametrize(
    "spec", ["0/3", "4/3", "3/0", "-1/2", "a/b", "1/2/3", "1 /2", "١/٢", "9" * 20 + "/1"]
)
def test_shard_malformed_is_one_line_exit_2(province: dict[str, Any], spec: str) -> None:
    before = snapshot(province["out"])
    one_error(assess(province, "--shard", spec), "--shard", repr(spec))
    assert snapshot(province["out"]) == before


def test_shard_empty_share_writes_no_bundle_and_exits_0(province: dict[str, Any], tmp_path: Path) -> None:
    proc = cli("assess", *province["common"], "-o", tmp_path, "--shard", "1/100000")
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob("*.json"))


# --------------------------------------------------------------------------- --resume


def test_resume_fifo_log_does_not_hang(province: dict[str, Any], tmp_path: Path) -> None:
    fifo = tmp_path / "run.jsonl"
    os.mkfifo(fifo)
    one_error(assess(province, "--resume", fifo), str(fifo), "FIFO")


def _header(province: dict[str, Any]) -> bytes:
    return province["log"].read_bytes().split(b"\n")[0]


@pytest.mark.parametrize(
    ("name", "body", "line"),
    [
        ("empty", b"", 1),
        ("binary", bytes(range(256)) * 4, 1),
        ("long line", b'{"a": "' + b"x" * 20000 + b'"}\n', 1),
        ("not json", b"H\n{nope\n", 2),
        ("a list", b"H\n[1, 2]\n", 2),
        ("NaN", b'H\n{"system": "so-a/web1", "state": "started", "at": NaN}\n', 2),
        ("duplicate keys", b'H\n{"system": "so-a/web1", "system": "so-b/portal", "state": "started"}\n', 2),
        ("nested 100 deep", b"H\n" + b"[" * 100 + b"]" * 100 + b"\n", 2),
        ("unknown state", b'H\n{"system": "so-a/web1", "state": "paused"}\n', 2),
        ("bundle with a path", b'H\n{"system": "so-a/web1", "state": "done", "bundle": "../x.json"}\n', 2),
    ],
)
def test_resume_bad_log_is_one_line_naming_the_line(
    province: dict[str, Any], tmp_path: Path, name: str, body: bytes, line: int
) -> None:
    out = copy_run(province, tmp_path)
    log = tmp_path / "run.jsonl"
    log.write_bytes(body.replace(b"H\n", _header(province) + b"\n", 1))
    before = snapshot(out)
    proc = inproc("assess", *province["common"], "-o", out, "--resume", log)
    one_error(proc, f"{log}:{line}:")
    assert snapshot(out) == before  # nothing scanned or written
    assert log.read_bytes() == body.replace(b"H\n", _header(province) + b"\n", 1)


def test_resume_unknown_system_is_bad_input(province: dict[str, Any], tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    log.write_bytes(_header(province) + b'\n{"system": "so-z/ghost", "state": "started"}\n')
    one_error(assess(province, "--resume", log), str(log), "so-z/ghost")


@pytest.mark.parametrize(
    "when", ["garbage", "2026-13-45T00:00:00Z", "2026-12-01", "2026-12-01T07:00:00+07:00"]
)
def test_resume_header_with_a_date_we_never_write_is_bad_input(
    province: dict[str, Any], tmp_path: Path, when: str
) -> None:
    # The header's assessed_at becomes every resumed bundle's date: one we never write (not
    # YYYY-MM-DDTHH:MM:SSZ) must stop the run at once, not fail each system with a ValueError.
    header = json.loads(_header(province))
    header["assessed_at"] = when
    out = tmp_path / "out"
    out.mkdir()
    log = out / "run.jsonl"
    log.write_text(json.dumps(header) + "\n", encoding="utf-8")
    proc = inproc("assess", *province["common"], "-o", out, "--resume", log)
    one_error(proc, f"{log}:1:", "assessed_at")
    assert sorted(p.name for p in out.iterdir()) == ["run.jsonl"]
    assert log.read_text(encoding="utf-8") == json.dumps(header) + "\n"


def test_resume_another_shard_names_shard_and_stays_short(province: dict[str, Any], tmp_path: Path) -> None:
    out = copy_run(province, tmp_path)
    resume = ["--shard", "1/2", "--resume", out / "secaudit-run.jsonl"]
    line = one_error(inproc("assess", *province["common"], "-o", out, *resume))
    assert "shard was None" in line, line  # the option the user changed, not a field derived from it
    header = json.loads(_header(province))
    header["run"]["tool_version"] = "9" * 5000
    log = tmp_path / "huge.jsonl"
    log.write_text(json.dumps(header) + "\n", encoding="utf-8")
    line = one_error(assess(province, "--resume", log), "tool_version")
    assert len(line) < 600, len(line)


def test_assessed_at_at_the_ends_of_the_calendar(province: dict[str, Any], tmp_path: Path) -> None:
    # An offset that moves the instant past year 9999 (or before year 1) was an OverflowError
    # traceback; the last instant itself is a date assess accepts, and its reports must render.
    for when in ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"):
        one_error(
            inproc("assess", *province["common"], "-o", tmp_path, "--assessed-at", when), "--assessed-at"
        )
    assert not list(tmp_path.iterdir())
    proc = inproc("assess", *province["common"], "-o", tmp_path, "--assessed-at", "9999-12-31T23:59:59Z")
    assert proc.returncode == 1, proc.stderr
    for fmt in ("json", "md", "html", "ohdf", "oscal"):
        proc = inproc("report", tmp_path / "so-b.portal.2026.json", "--format", fmt, "-o", tmp_path / "r")
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (fmt, proc.stderr)


def test_log_never_replaces_a_file_that_is_not_a_run_log(province: dict[str, Any], tmp_path: Path) -> None:
    # A new run replaces an earlier log at --log's path; --log naming the inventory, a key or a
    # bundle by mistake replaced that file (or the bundle then replaced the log): bad input instead.
    out = copy_run(province, tmp_path)
    inventory = tmp_path / "inventory.yaml"
    shutil.copy(province["common"][1], inventory)
    common = ["--inventory", inventory, *province["common"][2:]]
    before = {**snapshot(out), "inventory.yaml": inventory.read_bytes()}
    for log in (inventory, out / "so-b.portal.2026.json", out / "new.json"):
        one_error(inproc("assess", *common, "-o", out, "--log", log), str(log), "--log")
        assert {**snapshot(out), "inventory.yaml": inventory.read_bytes()} == before
    earlier = out / "secaudit-run.jsonl"  # an earlier run log is still replaced, as documented
    proc = inproc("assess", *common, "-o", out, "--log", earlier, "--assessed-at", "2026-12-02")
    assert proc.returncode == 1, proc.stderr
    assert "replacing the earlier run log" in proc.stderr
    assert (
        json.loads(earlier.read_text(encoding="utf-8").splitlines()[0])["assessed_at"]
        == "2026-12-02T00:00:00Z"
    )


def test_resume_torn_last_line_is_dropped_and_that_system_redone(
    province: dict[str, Any], tmp_path: Path
) -> None:
    out = copy_run(province, tmp_path)
    log = out / "secaudit-run.jsonl"
    lines = log.read_bytes().split(b"\n")
    done = [ln for ln in lines if b'"state": "done"' in ln]
    log.write_bytes(b"\n".join(lines[:4]) + b"\n" + done[0] + b"\n" + done[1][:40])  # killed mid-write
    proc = cli("assess", *province["common"], "-o", out, "--resume", log)
    assert proc.returncode == 1, proc.stderr
    assert "torn last line dropped" in proc.stderr
    assert "resuming: 1/3" in proc.stderr
    assert read_states(log)[-1] == "done" and len(list(out.glob("*.json"))) == 3


def read_states(log: Path) -> list[str]:
    return [json.loads(ln)["state"] for ln in log.read_text(encoding="utf-8").splitlines()[1:]]


def test_resume_redoes_a_deleted_or_tampered_bundle(province: dict[str, Any], tmp_path: Path) -> None:
    out = copy_run(province, tmp_path)
    (out / "so-a.web1.2026.json").unlink()
    with open(out / "so-b.portal.2026.json", "ab") as f:
        f.write(b" ")
    proc = cli("assess", *province["common"], "-o", out, "--resume", out / "secaudit-run.jsonl")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("changed or missing, redone") == 2
    assert "resuming: 1/3" in proc.stderr
    assert (out / "so-b.portal.2026.json").read_bytes() == (
        province["out"] / "so-b.portal.2026.json"
    ).read_bytes()


def test_resume_reports_the_bundles_figures_not_the_logs(province: dict[str, Any], tmp_path: Path) -> None:
    """A run log is a plain file: every done line edited to "meets level, nothing failed" changes
    neither the lines printed nor the exit code of the resumed run (the bundles' own summaries)."""
    plain = cli("assess", *province["common"], "-o", copy_run(province, tmp_path / "a"), "--resume",
                tmp_path / "a" / "out" / "secaudit-run.jsonl")  # fmt: skip
    out = copy_run(province, tmp_path / "b")
    log = out / "secaudit-run.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    edited = [lines[0]]
    for ln in lines[1:]:
        rec = json.loads(ln)
        if rec["state"] == "done":
            total = sum(rec["summary"]["counts"].values())
            rec["summary"].update(meets_level=True, compliance_pct=100.0, automated_score=100.0)
            rec["summary"]["counts"] = {k: (total if k == "pass" else 0) for k in rec["summary"]["counts"]}
        edited.append(json.dumps(rec, ensure_ascii=False))
    log.write_text("\n".join(edited) + "\n", encoding="utf-8")
    forged = cli("assess", *province["common"], "-o", out, "--resume", log)
    assert plain.returncode == forged.returncode == 1, forged.stderr
    assert "resuming: 3/3" in forged.stderr
    assert forged.stdout.replace(str(tmp_path / "b"), "") == plain.stdout.replace(str(tmp_path / "a"), "")


@pytest.mark.parametrize("resume", [True, False])
def test_a_log_another_run_is_writing_is_left_alone(
    province: dict[str, Any], tmp_path: Path, resume: bool
) -> None:
    """Two runs on one log (two pods of one Job index, a run started twice) would truncate or
    replace each other's lines: while one holds the log's lock, the other is refused at once."""
    import fcntl

    out = copy_run(province, tmp_path)
    log = out / "secaudit-run.jsonl"
    before = snapshot(out)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running assess holds
        extra = ["--resume", log] if resume else []
        one_error(cli("assess", *province["common"], "-o", out, *extra), str(log), "another run is writing")
        assert snapshot(out) == before
    finally:
        os.close(fd)
    proc = cli("assess", *province["common"], "-o", out, "--resume", log)  # released: it goes on
    assert proc.returncode == 1 and "resuming: 3/3" in proc.stderr, proc.stderr


def test_a_running_assess_holds_its_log(tmp_path: Path) -> None:
    """The real thing: while one assess waits on a server that never answers, a second on the same
    folder is refused (exit 2) and the first still ends with its bundle and its log."""
    import socket
    import time

    silent = socket.socket()
    silent.bind((ADDR.format(9), 0))
    silent.listen(8)  # connections complete, nothing is ever said: the TLS handshake waits
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "province: T\nperiod: 2026\nagencies:\n  - id: so-a\n    name: A\n    systems:\n"
        f'      - {{id: w, name: W, level: 1, targets: ["https://{ADDR.format(9)}:{silent.getsockname()[1]}"]}}\n',
        encoding="utf-8",
    )
    keys = tmp_path / "keys"
    assert cli("keys", "generate", "--agency", "so-a", "-o", keys).returncode == 0
    out = tmp_path / "out"
    args = ["assess", "--inventory", inventory, "--key", keys, "-o", out, "--probes", "tls", "--timeout", 3]
    first = subprocess.Popen([EXE, *map(str, args), "--no-progress"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        log = out / "secaudit-run.jsonl"
        deadline = time.monotonic() + WAIT
        while b'"started"' not in (log.read_bytes() if log.exists() else b"") and time.monotonic() < deadline:
            time.sleep(0.05)
        second = cli(*args, "--no-progress")
        one_error(second, "another run is writing")
        _, err = first.communicate(timeout=WAIT)
    finally:
        if first.poll() is None:
            first.kill()
        silent.close()
    assert first.returncode in (1, 3), err
    assert read_states(log)[-1] in ("done", "failed") and len(list(out.glob("*.json"))) == 1


# --------------------------------------------------------------------------- report / summary: OHDF, OSCAL


@pytest.mark.parametrize("fmt", ["ohdf", "oscal"])
def test_report_hostile_bundles_exit_2_and_write_nothing(
    province: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    good = (province["out"] / "so-a.dual.2026.json").read_bytes()
    cases = {
        "empty.json": b"",
        "list.json": b"[]",
        "cut.json": good[: len(good) // 2],
        "other.json": b'{"a": 1}',
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "dir.json").mkdir()
    for name in [*cases, "fifo.json", "dir.json"]:
        target = tmp_path / "result"
        one_error(inproc("report", tmp_path / name, "--format", fmt, "-o", target), str(tmp_path / name))
        assert not target.exists()


def test_empty_output_name_is_bad_input(province: dict[str, Any]) -> None:
    # -o '' (an unset shell variable) was a ValueError traceback from the atomic writer
    bundle = province["out"] / "so-a.dual.2026.json"
    for args in (
        ["report", bundle, "--format", "oscal"],
        ["summary", province["out"], "--format", "ohdf", "--no-cache"],
        ["checklist", "show", "--format", "oscal"],
    ):
        for name in ("", "/"):
            one_error(inproc(*args, "-o", name), "not a file name")


def _hostile_folder(province: dict[str, Any], folder: Path) -> None:
    """One good bundle, one signed-looking bundle the summary reads but cannot re-judge, a FIFO, a
    symlink to a bundle outside the folder, a non-UTF-8 file name."""
    folder.mkdir()
    shutil.copy(province["out"] / "so-a.web1.2026.json", folder)
    bad = json.loads((province["out"] / "so-a.dual.2026.json").read_bytes())
    bad["assessment"]["assessed_at"] = "garbage"
    (folder / "so-a.dual.2026.json").write_text(json.dumps(bad), encoding="utf-8")
    os.mkfifo(folder / "pipe.json")
    os.symlink(province["out"] / "so-b.portal.2026.json", folder / "outside.json")
    (folder / os.fsdecode(b"\xff\xfe.json")).write_bytes(b"{}")


def test_summary_ohdf_one_unjudgeable_bundle_does_not_stop_the_province(
    province: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "bundles"
    _hostile_folder(province, folder)
    target = tmp_path / "province.ohdf.json"
    proc = cli(
        "summary", folder, "--format", "ohdf", "--keyring", province["keyring"], "--no-cache", "-o", target
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    profiles = {p["name"]: p for p in doc["profiles"]}
    assert sorted(profiles) == ["so-a/dual", "so-a/web1"]  # no FIFO, nothing through the symlink
    assert profiles["so-a/web1"]["controls"]
    broken = profiles["so-a/dual"]
    assert broken["controls"] == [] and broken["status"] == "failed"
    assert "cannot be re-judged" in broken["status_message"] and "assessed_at" in broken["status_message"]
    raw = (folder / "so-a.dual.2026.json").read_bytes()
    assert broken["sha256"] == hashlib.sha256(raw).hexdigest()
    systems = {s["system"]: s for s in doc["passthrough"]["secaudit"]["systems"]}
    assert systems["dual"]["verified"] is False and "cannot be re-judged" in systems["dual"]["error"]
    from test_ohdf import INSPECJS, consume  # the real consumer, when scripts/setup.sh --dev put it there

    if shutil.which("node") and INSPECJS.is_dir():
        code, seen = consume(target)
        assert code == 0 and seen["ok"], seen
        assert {p["name"]: len(p["controls"]) for p in seen["profiles"]}["so-a/dual"] == 0


def test_summary_ohdf_never_exports_a_file_replaced_after_the_summary_read_it(
    province: dict[str, Any], tmp_path: Path
) -> None:
    """The export re-reads each bundle after the summary judged it: a file swapped in between (here
    for another, valid, signed bundle of the same name) is a failed profile saying so, never
    exported under the status the summary gave the earlier file."""
    from secaudit.province.summary import summarise
    from secaudit.render.ohdf import CHANGED, render_summary_ohdf

    folder = copy_run(province, tmp_path)
    summary = summarise(folder, keyring=province["keyring"], workers=1, cache=None)
    name = "so-a.web1.2026.json"
    shutil.copy(folder / "so-b.portal.2026.json", folder / name)
    doc = json.loads(render_summary_ohdf(summary, "en", source=folder))
    profiles = {p["name"]: p for p in doc["profiles"]}
    swapped = profiles["so-a/web1"]
    assert swapped["controls"] == [] and swapped["status"] == "failed"
    assert CHANGED.split(" / ")[1] in swapped["status_message"]
    assert profiles["so-b/portal"]["controls"] and profiles["so-a/dual"]["controls"]


def test_summary_ohdf_of_an_empty_folder_is_an_empty_execution(
    province: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "b").mkdir()
    proc = cli("summary", tmp_path / "b", "--format", "ohdf", "--no-cache", "-o", tmp_path / "x.json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert doc["profiles"] == [] and doc["passthrough"]["secaudit"]["totals"]["systems"] == 0


# --------------------------------------------------------------------------- checklist show --format oscal


def test_checklist_oscal_unknown_ids_and_shipped_catalogues(tmp_path: Path) -> None:
    for bad in ("nope", "TCVN-11930-2017", "tcvn-11930-2017 "):
        proc = inproc("checklist", "show", "--catalog", bad, "--format", "oscal")
        one_error(proc, repr(bad), "known: tcvn-11930-2017")
    root = Path(__file__).resolve().parent.parent / "checklists"
    archived = sorted((root / "archive" / "tcvn-11930-2017").glob("*/tcvn-11930-2017.yaml"))[0]
    for cat, source in [
        ("tcvn-11930-2017", root / "tcvn-11930-2017.yaml"),
        ("tcvn-14423-2026", root / "tcvn-14423-2026.yaml"),
        (str(archived), archived),
    ]:
        target = tmp_path / "c.json"
        proc = cli("checklist", "show", "--catalog", cat, "--format", "oscal", "-o", target)
        assert proc.returncode == 0, proc.stderr
        meta = json.loads(target.read_text(encoding="utf-8"))["catalog"]["metadata"]
        props = {p["name"]: p["value"] for p in meta["props"]}
        assert props["catalog-sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_checklist_oscal_catalogue_path_of_an_unknown_user(tmp_path: Path) -> None:
    # "~nosuchuser/x.yaml": pathlib's expanduser raised RuntimeError (a traceback); now not found
    one_error(
        inproc("checklist", "show", "--catalog", "~nosuchuser/x.yaml", "--format", "oscal"), "~nosuchuser"
    )


# --------------------------------------------------------------------------- summary --cache


def _summary_args(province: dict[str, Any], *extra: Any) -> list[Any]:
    return ["summary", province["out"], "--format", "json", "--keyring", province["keyring"], *extra]


def _summary(province: dict[str, Any], *extra: Any) -> subprocess.CompletedProcess[str]:
    return cli(*_summary_args(province, *extra))


@pytest.fixture(scope="module")
def cold(province: dict[str, Any]) -> str:
    proc = _summary(province, "--no-cache")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_cache_unusable_folders_cost_time_never_a_figure(
    province: dict[str, Any], cold: str, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("x")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "digests.sqlite").write_bytes(b"SQLite format 3\0" + bytes(range(256)) * 40)  # garbage
    (broken / "secret").mkdir()
    for cache in (tmp_path / "a-file", broken):
        proc = _summary(province, "--cache", cache)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stdout == cold


@pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0, reason="needs root and setpriv")
def test_cache_unwritable_folder_without_privileges(
    province: dict[str, Any], cold: str, tmp_path: Path
) -> None:
    cache = tmp_path / "ro"
    cache.mkdir(mode=0o500)
    drop = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]  # root without CAP_DAC_OVERRIDE
    args = _summary_args(province, "--cache", cache)
    proc = subprocess.run([*drop, EXE, *map(str, args)], capture_output=True, text=True, timeout=WAIT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == cold and list(cache.iterdir()) == []


def test_cache_never_writes_through_a_symlink_in_its_folder(
    province: dict[str, Any], cold: str, tmp_path: Path
) -> None:
    # Whoever can write the cache folder can forge entries (docs/scale.md), but a link planted there
    # must not make secaudit overwrite a file or a database outside it.
    victim, other_db = tmp_path / "precious.txt", tmp_path / "other.sqlite"
    victim.write_text("precious\n", encoding="utf-8")
    con = sqlite3.connect(other_db)
    con.execute("CREATE TABLE mine (x)")
    con.commit()
    con.close()
    before = other_db.read_bytes()
    cache = tmp_path / "cache"
    cache.mkdir()
    os.symlink(victim, cache / "secret.tmp")
    os.symlink(other_db, cache / "digests.sqlite")
    proc = _summary(province, "--cache", cache)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == cold
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert other_db.read_bytes() == before


def test_cache_folder_named_with_uri_characters_is_used(
    province: dict[str, Any], cold: str, tmp_path: Path
) -> None:
    # The workers open the database read-only by URI: "?", "#" or "%" in the folder's name must not
    # send them to another file (a stray database beside the folder, and never a hit).
    from secaudit.province import digest

    cache = tmp_path / "c?x=1#y%41"
    args = _summary_args(province, "--cache", cache)
    for _ in range(2):
        proc = inproc(*args)
        assert proc.returncode == 0 and proc.stdout == cold, proc.stderr
    assert digest.CACHE_STATS["hits"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [cache.name]


def test_cache_without_a_home_runs_cold(province: dict[str, Any], cold: str, tmp_path: Path) -> None:
    # A container's arbitrary uid (docker run -u 12345, OpenShift, runAsUser) has no passwd entry and
    # often no HOME: the default cache folder cannot be named, which only costs time.
    code = (
        "import pwd, sys\n"
        "def missing(uid): raise KeyError(uid)\n"
        "pwd.getpwuid = missing  # no passwd entry for this uid\n"
        "from secaudit.cli import main\n"
        "sys.argv = ['secaudit', *sys.argv[1:]]\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME")}
    args = ["summary", province["out"], "--format", "json", "--keyring", province["keyring"]]
    proc = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=WAIT, env=env
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == cold


def test_summary_names_a_file_whose_name_is_not_utf8(province: dict[str, Any], tmp_path: Path) -> None:
    """Bytes that are not UTF-8 in a folder entry's name: listed (escaped) as not read, never a
    UnicodeEncodeError in the JSON, CSV or the store; every real bundle still counted."""
    out = copy_run(province, tmp_path)
    bundle = next(p for p in sorted(out.glob("*.json")))
    os.link(bundle, os.fsencode(out) + b"/\xff\xfe.json")
    base = ["summary", out, "--keyring", province["keyring"], "--no-cache"]
    for fmt in ("json", "csv"):
        proc = cli(*base, "--format", fmt, "-o", tmp_path / f"s.{fmt}")
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    listed = json.dumps(data, ensure_ascii=False)
    assert "\\\\xff\\\\xfe.json" in listed and "file name is not UTF-8" in listed
    assert data["totals"]["systems"] == 3
    proc = cli(*base, "--store", tmp_path / "store.sqlite", "-o", tmp_path / "s2.json", "--format", "json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
