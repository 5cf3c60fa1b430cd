"""Hostile inputs to `attest`, `host import`, `checklist`, `profile` and `assess` through the real CLI:
each must be one bilingual line naming the file (and line), exit 2, and leave every file as it was."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from host_samples import LYNIS, inventory, real_arf

from secaudit.cli import main
from secaudit.core.resources import data_dir

ENTRY = """\
  - requirement: M.POL.01
    status: compliant
    note: ok
    attested_by: A
    attested_at: '2026-10-22'
"""


def cli(*args: object) -> tuple[int, str]:
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r.exit_code, r.output


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def one_error(out: str, *names: str) -> str:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("secaudit: error: "), out
    for n in names:
        assert n in lines[0], lines[0]
    return lines[0]


def attest_setup(tmp: Path, text: str) -> tuple[Path, Path]:
    inv = inventory(tmp / "inventory.yaml")
    att = tmp / "att"
    (att / "bao").mkdir(parents=True)
    (att / "bao" / "portal.yaml").write_text(text, encoding="utf-8")
    return inv, att


def exported(inv: Path, att: Path, tmp_path: Path) -> tuple[Path, Any]:
    """``attest export`` of the folder to tmp_path/book.xlsx: (that path, the workbook loaded)."""
    from openpyxl import load_workbook

    book = tmp_path / "book.xlsx"
    assert cli("attest", "export", "--inventory", inv, "--attestations", att, "-o", book)[0] == 0
    return book, load_workbook(book)


def assess(inv: Path, att: Path, out: Path) -> tuple[int, str]:
    return cli(
        "assess",
        "--inventory",
        inv,
        "--attestations",
        att,
        "-o",
        out,
        "--no-progress",
        "--timeout",
        "1",
        "--probes",
        "http",
        "--assessed-at",
        "2026-11-01T00:00:00Z",
    )


# --------------------------------------------------------------------------- attestation files


def test_attestation_catalog_must_be_an_id_not_a_path_to_another_file(tmp_path: Path) -> None:
    # `catalog:` in an agency's attestation file names a catalogue id; given a path, assess read
    # that file (relative to the current folder, any file on the machine) as a catalogue.
    elsewhere = tmp_path / "elsewhere" / "tcvn-11930-2017.yaml"
    elsewhere.parent.mkdir()
    shutil.copyfile(data_dir("checklists") / "tcvn-11930-2017.yaml", elsewhere)
    for value in (str(elsewhere), "../elsewhere/tcvn-11930-2017.yaml", "tcvn-11930-2017.yaml"):
        work = tmp_path / value.replace("/", "_")
        work.mkdir()
        inv, att = attest_setup(
            work, f"agency: bao\nsystem: portal\ncatalog: {value}\nattestations:\n{ENTRY}"
        )
        before = snapshot(work)
        code, out = assess(inv, att, work / "out")
        assert code == 2
        one_error(out, f"{att / 'bao' / 'portal.yaml'}:3:", "catalog")
        assert not (work / "out").exists() or not list((work / "out").glob("*.json"))
        assert snapshot(work) == before


# --------------------------------------------------------------------------- attest migrate


def _migrate_source(root: Path) -> Path:
    """Two agencies answering one requirement each, with an evidence file."""
    src = root / "att"
    for agency in ("aaa", "zzz"):
        (src / agency / "evidence").mkdir(parents=True)
        (src / agency / "evidence" / "policy.txt").write_text(f"policy of {agency}\n", encoding="utf-8")
        (src / agency / "portal.yaml").write_text(
            f"agency: {agency}\nsystem: portal\nattestations:\n{ENTRY}"
            "    evidence: [{path: evidence/policy.txt}]\n",
            encoding="utf-8",
        )
    return src


def test_migrate_that_fails_on_a_later_write_leaves_no_partial_output(tmp_path: Path) -> None:
    # Every file was checked before the first write, but a write failing halfway (a folder that
    # is a file, a full disk) left the files of the agencies written before it behind.
    src = _migrate_source(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "zzz").write_text("not a folder\n", encoding="utf-8")
    before = snapshot(tmp_path)
    code, text = cli("attest", "migrate", "--attestations", src, "--to", "tcvn-14423-2026", "-o", out)
    assert code == 2
    one_error(text, str(out / "zzz"), "không ghi được / cannot write")
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in out.iterdir()) == ["zzz"]  # no empty folders left either


def test_migrate_force_that_fails_halfway_restores_the_files_it_had_replaced(tmp_path: Path) -> None:
    src = _migrate_source(tmp_path)
    out = tmp_path / "out"
    code, text = cli("attest", "migrate", "--attestations", src, "--to", "tcvn-14423-2026", "-o", out)
    assert code == 0, text
    (out / "aaa" / "portal.yaml").write_text("# edited by hand after the first migration\n", encoding="utf-8")
    shutil.rmtree(out / "zzz")
    (out / "zzz").write_text("not a folder\n", encoding="utf-8")
    before = snapshot(tmp_path)
    code, text = cli(
        "attest", "migrate", "--attestations", src, "--to", "tcvn-14423-2026", "-o", out, "--force"
    )
    assert code == 2
    one_error(text, str(out / "zzz"))
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- attest import (xlsx)

TWO_SYSTEMS = """\
province: Tỉnh thử
period: "2026"
agencies:
  - id: aaa
    name: Báo A
    systems:
      - {id: portal, name: Cổng A, level: 3, targets: ["https://127.0.0.1:9"]}
  - id: zzz
    name: Báo Z
    systems:
      - {id: portal, name: Cổng Z, level: 3, targets: ["https://127.0.0.1:9"]}
"""


def test_import_that_fails_on_a_later_write_leaves_the_earlier_systems_files_as_they_were(
    tmp_path: Path,
) -> None:
    # A workbook of two systems: the first system's attestation file was already overwritten when
    # writing the second failed; now neither changes.

    from secaudit.render.attest_xlsx import COL, HEADER_ROW

    inv = tmp_path / "inventory.yaml"
    inv.write_text(TWO_SYSTEMS, encoding="utf-8")
    att = tmp_path / "att"
    (att / "aaa").mkdir(parents=True)
    (att / "aaa" / "portal.yaml").write_text(f"agency: aaa\nsystem: portal\nattestations:\n{ENTRY}", "utf-8")
    book, wb = exported(inv, att, tmp_path)
    for ws in wb.worksheets:
        if ws["B1"].value in ("aaa", "zzz"):
            ws.cell(HEADER_ROW + 2, COL["status"], "non_compliant")
            ws.cell(HEADER_ROW + 2, COL["note"], "chưa có / not yet")
    wb.save(book)
    # the second system's write fails (its temp file's name is taken by a folder), the first's not
    (att / "zzz" / f".portal.yaml.tmp{os.getpid()}").mkdir(parents=True)
    before = snapshot(tmp_path)
    code, out = cli("attest", "import", book, "--attestations", att)
    assert code == 2
    one_error(out, str(att / "zzz" / "portal.yaml"), "không ghi được / cannot write")
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- host import


def host_import(tmp: Path, *files: Path) -> tuple[int, str]:
    inv = tmp / "inventory.yaml"
    if not inv.exists():
        inventory(inv)
    args = ("--inventory", inv, "--agency", "bao", "--system", "portal", "--host", "vm")
    return cli("host", "import", *files, *args, "--attestations", tmp / "att")


def test_host_import_of_two_engines_writes_both_records_or_neither(tmp_path: Path) -> None:
    # The ARF's record was written (replacing the one imported before) when the Lynis record
    # could not be: the host's evidence was then half old, half new.
    arf = tmp_path / "results-arf.xml"
    arf.write_text(real_arf(), encoding="utf-8")
    assert host_import(tmp_path, arf)[0] == 0
    folder = tmp_path / "att" / "bao" / "portal.hosts" / "vm"
    (folder / "lynis.json").mkdir()  # cannot be replaced by a file
    newer = real_arf().replace('end-time="2026-12-01T08:15:46', 'end-time="2026-12-02T08:15:46')
    arf.write_text(newer, encoding="utf-8")
    before = snapshot(tmp_path)
    code, out = host_import(tmp_path, arf, LYNIS)
    assert code == 2
    one_error(out, str(folder / "lynis.json"))
    assert snapshot(tmp_path) == before


def test_host_import_into_a_folder_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    inventory(tmp_path / "inventory.yaml")
    (tmp_path / "att" / "bao").mkdir(parents=True)
    (tmp_path / "att" / "bao" / "portal.hosts").write_text("a file\n", encoding="utf-8")
    before = snapshot(tmp_path)
    code, out = host_import(tmp_path, LYNIS)
    assert code == 2
    one_error(out, "portal.hosts", "không ghi được / cannot write")
    assert snapshot(tmp_path) == before


def test_host_result_start_time_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    # The end time was checked, the start time was recorded as written ('2026-13-01 ...').
    lynis = tmp_path / "lynis-report.dat"
    text = LYNIS.read_text(encoding="utf-8")
    lynis.write_text(
        re.sub(r"(?m)^report_datetime_start=.*$", "report_datetime_start=2026-13-01 10:00:00", text)
    )
    arf = tmp_path / "results-arf.xml"
    arf.write_text(re.sub(r'start-time="[^"]*"', 'start-time="yesterday"', real_arf(), count=1), "utf-8")
    inventory(tmp_path / "inventory.yaml")
    before = snapshot(tmp_path)
    for f in (lynis, arf):
        code, out = host_import(tmp_path, f)
        assert code == 2
        one_error(out, str(f), "start")
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- profiles


def _profile(tmp: Path, parameters: str) -> Path:
    p = tmp / "mine.yaml"
    p.write_text(
        f"profile:\n  id: mine\n  title: {{vi: x, en: x}}\n  extends: level3\nparameters:\n{parameters}",
        encoding="utf-8",
    )
    return p


def test_profile_parameter_items_of_the_wrong_type_are_refused_at_their_line(tmp_path: Path) -> None:
    # risky_ports: {abc: x} merged with level1's numbered ports made assess crash (TypeError while
    # sorting the profile's digest); a pattern list of numbers, a NaN threshold read as a value.
    cases = {
        "  risky_ports: {abc: x}\n": "'abc'",
        "  risky_ports: {8080: [x]}\n": "8080",
        "  session_cookie_patterns: [sess, 1]\n": "1",
        "  sensitive_paths: [/x]\n": "'/x'",
        "  min_rsa_bits: .nan\n": "nan",
        "  hsts_min_max_age: .inf\n": "inf",
    }
    for n, (params, shown) in enumerate(cases.items()):
        work = tmp_path / str(n)
        work.mkdir()
        prof = _profile(work, params)
        code, out = cli("profile", "show", prof)
        assert code == 2, (params, out)
        one_error(out, f"{prof}:6:", shown)
        inv = work / "inventory.yaml"
        inventory(inv, profile=str(prof))
        before = snapshot(work)
        code, out = assess(inv, work / "att", work / "out")
        assert code == 2, (params, out)
        one_error(out, str(inv), f"{prof}:6:")
        assert snapshot(work) == before


# --------------------------------------------------------------------------- inventories


def test_a_period_too_long_to_name_a_bundle_is_refused_before_anything_is_scanned(tmp_path: Path) -> None:
    # period: '999…' (300 digits) passed the inventory; assess scanned, then failed writing the
    # bundle ("File name too long"), leaving a run log behind.
    inv = inventory(tmp_path / "inventory.yaml")
    inv.write_text(
        inv.read_text(encoding="utf-8").replace('period: "2026"', f'period: "{"9" * 300}"'), "utf-8"
    )
    out = tmp_path / "out"
    code, text = cli(
        "assess", "--inventory", inv, "-o", out, "--no-progress", "--timeout", "1", "--probes", "http"
    )
    assert code == 2
    one_error(text, f"{inv}:", "period")
    assert not out.exists() or not any(out.iterdir())
    inv.write_text(inv.read_text(encoding="utf-8").replace("9" * 300, "2026-q1_" + "x" * 23), "utf-8")
    assert cli("attest", "template", "--inventory", inv, "--agency", "bao", "--system", "portal")[0] == 0


def test_a_yaml_value_that_cannot_be_built_names_its_line(tmp_path: Path) -> None:
    # PyYAML builds `2026-02-30` as a date and a 5 000-digit integer as an int: both raised a
    # ValueError reported without a line ("day is out of range for month").
    inv = inventory(tmp_path / "inventory.yaml")
    text = inv.read_text(encoding="utf-8")
    for value, shown in (("2026-02-30", "day is out of range"), ("9" * 5000, "4300")):
        inv.write_text(text.replace('period: "2026"\n', f'period: "2026"\ndue: {value}\n'), "utf-8")
        code, out = cli("attest", "template", "--inventory", inv, "--agency", "bao", "--system", "portal")
        assert code == 2
        one_error(out, f"{inv}:3:", shown)
    (tmp_path / "a").mkdir()
    _inv, att = attest_setup(tmp_path / "a", f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    f = att / "bao" / "portal.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("'2026-10-22'", "2026-02-29"), "utf-8")
    code, out = cli("attest", "template", "--inventory", _inv, "--agency", "bao", "--system", "portal",
                    "--attestations", att)  # fmt: skip
    assert code == 2
    one_error(out, f"{f}:8:", "day is out of range")


# --------------------------------------------------------------------------- -o targets


def test_output_onto_a_fifo_or_device_is_refused_not_replaced_by_a_file(tmp_path: Path) -> None:
    # -o /dev/null (or /dev/full, a FIFO) was "written" by renaming a temp file over it: as root the
    # device node itself was replaced by a regular file holding the report.
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    for target in (fifo, link):
        for args in (
            ("checklist", "show", "--level", "3", "-o", target),
            ("checklist", "crosswalk", "--from", "tcvn-11930-2017", "--to", "tcvn-14423-2026", "-o", target),
            ("profile", "show", "level3", "-o", target),
        ):
            code, out = cli(*args)
            assert code == 2, (args, out)
            one_error(out, str(target), "-o -")
            assert stat.S_ISFIFO(os.stat(fifo).st_mode) and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "to-pipe"]


# --------------------------------------------------------------------------- unreadable folders

SECAUDIT = Path(sys.executable).with_name("secaudit")


def as_nobody(*args: object, cwd: Path) -> tuple[int, str]:
    """The real CLI as user nobody: root reads everything, whatever the permissions."""
    cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", str(SECAUDIT), *map(str, args)]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv to become nobody"
)


@pytest.fixture()
def shared_dir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="secaudit-nobody-"))
    d.chmod(0o777)
    try:
        yield d
    finally:
        for p in d.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(d)


@needs_root
def test_an_agency_folder_that_cannot_be_read_is_one_line_not_a_traceback(shared_dir: Path) -> None:
    inventory(shared_dir / "inventory.yaml")
    att = shared_dir / "att"
    (att / "bao").mkdir(parents=True)
    (att / "bao" / "portal.yaml").write_text(f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}", "utf-8")
    (att / "bao").chmod(0o000)
    base = ("--inventory", "inventory.yaml", "--agency", "bao", "--system", "portal", "--attestations", "att")
    code, out = as_nobody("attest", "template", *base, cwd=shared_dir)
    assert code == 2
    one_error(out, "att/bao", "Permission denied")
    code, out = as_nobody("assess", *base[:2], *base[6:], "-o", "out", "--no-progress", cwd=shared_dir)
    assert code == 2
    one_error(out, "att/bao", "Permission denied")
    assert not (shared_dir / "out").exists()
    # migrate read nothing from it and said "0 files": the agency's answers silently left behind
    code, out = as_nobody("attest", "migrate", "--attestations", "att", "--to", "tcvn-14423-2026", "-o", "m",
                          cwd=shared_dir)  # fmt: skip
    assert code == 2
    one_error(out, "att/bao", "Permission denied")
    assert not (shared_dir / "m").exists()


def test_a_broken_host_record_stops_assess_before_the_run_log_is_written(tmp_path: Path) -> None:
    # The record was read only when the system's turn came: exit 2, but after the run log (and
    # the bundles of the systems before it) had been written.
    assert host_import(tmp_path, LYNIS)[0] == 0
    rec = tmp_path / "att" / "bao" / "portal.hosts" / "vm" / "lynis.json"
    rec.write_text('{"schema": "something else"}\n', encoding="utf-8")
    out = tmp_path / "out"
    code, text = assess(tmp_path / "inventory.yaml", tmp_path / "att", out)
    assert code == 2
    one_error(text, str(rec))
    assert not out.exists() or not any(out.iterdir())


@needs_root
def test_a_host_folder_that_cannot_be_read_is_bad_input_not_a_failed_system(shared_dir: Path) -> None:
    # It was "failed, no bundle: PermissionError: [Errno 13] …" (exit 3), a raw Python error.
    assert host_import(shared_dir, LYNIS)[0] == 0
    for p in (shared_dir / "att").rglob("*"):
        p.chmod(0o777 if p.is_dir() else 0o666)
    (shared_dir / "att" / "bao" / "portal.hosts" / "vm").chmod(0o000)
    code, out = as_nobody("assess", "--inventory", "inventory.yaml", "--attestations", "att", "-o", "out",
                          "--no-progress", "--probes", "http", "--timeout", "1", cwd=shared_dir)  # fmt: skip
    assert code == 2
    one_error(out, "att/bao/portal.hosts/vm", "Permission denied")
    assert not (shared_dir / "out").exists()


@needs_root
def test_wizard_evidence_in_a_folder_that_cannot_be_read_is_ignored_with_a_reason(shared_dir: Path) -> None:
    # Path.is_file() raised PermissionError: a traceback that ended the wizard mid-answer.
    inventory(shared_dir / "inventory.yaml")
    (shared_dir / "locked").mkdir()
    (shared_dir / "locked" / "decision.pdf").write_bytes(b"%PDF-1.4\n")
    (shared_dir / "locked").chmod(0o000)
    cmd = [
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        str(SECAUDIT),
        "attest",
        "wizard",
        "--inventory",
        "inventory.yaml",
        "--agency",
        "bao",
        "--system",
        "portal",
        "--attestations",
        "att",
        "--attested-by",
        "A",
    ]
    r = subprocess.run(
        cmd,
        cwd=shared_dir,
        input="c\nQĐ 12/2026\nlocked/decision.pdf\nq\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "locked/decision.pdf: Permission denied" in r.stderr
    saved = (shared_dir / "att" / "bao" / "portal.yaml").read_text(encoding="utf-8")
    assert "QĐ 12/2026" in saved and "decision.pdf" not in saved


@needs_root
def test_a_catalogue_in_a_folder_that_cannot_be_read_says_so_not_not_found(shared_dir: Path) -> None:
    (shared_dir / "locked").mkdir()
    shutil.copyfile(
        data_dir("checklists") / "tcvn-11930-2017.yaml", shared_dir / "locked" / "tcvn-11930-2017.yaml"
    )
    (shared_dir / "locked").chmod(0o000)
    code, out = as_nobody("checklist", "show", "--catalog", "locked/tcvn-11930-2017.yaml", cwd=shared_dir)
    assert code == 2
    one_error(out, "locked/tcvn-11930-2017.yaml", "Permission denied")


def test_an_arf_whose_test_result_is_about_another_host_is_refused_whatever_its_assets_say(
    tmp_path: Path,
) -> None:
    # The names to bind were the TestResult's and every ARF asset's together: results scanned on
    # 'evil', wrapped in an ARF whose asset list says 'vm', were recorded as vm's evidence.
    xml = real_arf().replace("<target>vm<", "<target>evil<")
    xml = re.sub(
        r'(fact name="urn:xccdf:fact:asset:identifier:(?:fqdn|host_name)" type="string">)vm<', r"\1evil<", xml
    )
    assert "<ai:fqdn>vm<" in xml and "<target>evil<" in xml
    arf = tmp_path / "results-arf.xml"
    arf.write_text(xml, encoding="utf-8")
    inventory(tmp_path / "inventory.yaml")
    before = snapshot(tmp_path)
    code, out = host_import(tmp_path, arf)
    assert code == 2
    one_error(out, str(arf), "evil", "not vm")
    assert snapshot(tmp_path) == before


def test_an_xml_result_of_millions_of_elements_is_refused_while_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 MB of '<y/>' (5 million elements, far under the 64 MB cap) took ~15 s and ~480 MB to
    # build and walk; 64 MB of them about a minute and 1.5 GB. A host result has thousands.
    from secaudit.probes.host import xccdf

    assert xccdf.MAX_ELEMENTS == 1_000_000
    monkeypatch.setattr(xccdf, "MAX_ELEMENTS", 5000)  # the same rule, a smaller file
    head = '<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" end-time="2026-01-01T00:00:00">'
    head += "<target>vm</target>"
    wide = tmp_path / "wide.xml"
    wide.write_text(head + "<y/>" * 4999 + "</TestResult>", encoding="utf-8")  # 5001 elements
    inventory(tmp_path / "inventory.yaml")
    before = snapshot(tmp_path)
    code, out = host_import(tmp_path, wide)
    assert code == 2
    one_error(out, str(wide), "5000")
    assert snapshot(tmp_path) == before
    wide.write_text(head + "<y/>" * 4998 + "</TestResult>", encoding="utf-8")  # exactly 5000
    assert host_import(tmp_path, wide)[0] == 0


def test_a_workbook_with_two_sheets_for_one_system_is_refused_not_merged_silently(tmp_path: Path) -> None:
    # A copied sheet (a colleague's version) answering the same requirement otherwise: the last
    # sheet won without a word, the other sheet's answers silently lost.

    from secaudit.render.attest_xlsx import COL, HEADER_ROW

    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    book, wb = exported(inv, att, tmp_path)
    first = next(ws for ws in wb.worksheets if ws["B1"].value == "bao")
    first.cell(HEADER_ROW + 2, COL["status"], "compliant")
    first.cell(HEADER_ROW + 2, COL["note"], "bản của A / A's copy")
    copy = wb.copy_worksheet(first)
    copy.cell(HEADER_ROW + 2, COL["status"], "non_compliant")
    copy.cell(HEADER_ROW + 2, COL["note"], "bản của B / B's copy")
    wb.save(book)
    before = snapshot(tmp_path)
    code, out = cli("attest", "import", book, "--attestations", att)
    assert code == 2
    one_error(out, str(book), first.title, copy.title)
    assert snapshot(tmp_path) == before


def test_a_system_with_both_a_yaml_and_a_yml_file_is_refused_not_half_read(tmp_path: Path) -> None:
    # portal.yaml was read and portal.yml silently ignored (its answers never counted).
    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    other = ENTRY.replace("M.POL.01", "M.POL.02")
    (att / "bao" / "portal.yml").write_text(f"agency: bao\nsystem: portal\nattestations:\n{other}", "utf-8")
    before = snapshot(tmp_path)
    code, out = assess(inv, att, tmp_path / "out")
    assert code == 2
    one_error(out, "portal.yaml", "portal.yml")
    assert snapshot(tmp_path) == before


def test_an_older_host_result_does_not_silently_replace_a_newer_one(tmp_path: Path) -> None:
    # Importing last quarter's report after today's replaced the record: the host's evidence went
    # back in time without a word (docs: "a newer import of the same engine replaces the record").
    newer = tmp_path / "new.dat"
    text = LYNIS.read_text(encoding="utf-8")
    newer.write_text(text, encoding="utf-8")
    older = tmp_path / "old.dat"
    end = re.search(r"(?m)^report_datetime_end=(.*)$", text).group(1)
    older.write_text(
        text.replace(f"report_datetime_end={end}", "report_datetime_end=2026-06-01 10:00:00"), "utf-8"
    )
    assert host_import(tmp_path, newer)[0] == 0
    before = snapshot(tmp_path)
    code, out = host_import(tmp_path, older)
    assert code == 2
    one_error(out, str(older), "--force")
    assert snapshot(tmp_path) == before
    assert host_import(tmp_path, newer)[0] == 0  # the same run again: fine
    args = (
        "--inventory",
        tmp_path / "inventory.yaml",
        "--agency",
        "bao",
        "--system",
        "portal",
        "--host",
        "vm",
    )
    code, out = cli("host", "import", older, *args, "--attestations", tmp_path / "att", "--force")
    assert code == 0, out
    assert "2026-06-01" in (tmp_path / "att" / "bao" / "portal.hosts" / "vm" / "lynis.json").read_text(
        "utf-8"
    )


def test_a_rule_with_several_results_keeps_the_worst_not_the_last(tmp_path: Path) -> None:
    # A multi-check rule has one rule-result per check, all with the rule's idref: a failing check
    # followed by a passing one was recorded as pass.
    import json

    rule = "xccdf_org.ssgproject.content_rule_sshd_disable_root_login"
    head = '<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" end-time="2026-11-01T00:00:00">'
    results = "".join(
        f'<rule-result idref="{rule}"><result>{r}</result></rule-result>'
        for r in ("fail", "pass", "notapplicable")
    )
    xml = tmp_path / "results.xml"
    xml.write_text(f"{head}<target>vm</target>{results}</TestResult>", encoding="utf-8")
    assert host_import(tmp_path, xml)[0] == 0
    rec = json.loads((tmp_path / "att" / "bao" / "portal.hosts" / "vm" / "xccdf.json").read_text("utf-8"))
    assert rec["results"] == {"sshd_disable_root_login": "fail"}


@pytest.mark.skipif(shutil.which("oscap") is None, reason="host scan needs oscap (scripts/setup.sh --dev)")
def test_host_scan_refuses_content_with_a_dtd_before_oscap_reads_it(tmp_path: Path) -> None:
    # --content went to oscap (libxml2) after a regex look for the benchmark id: a data stream
    # with a DTD (external entities, a DTD to fetch) reached a full XML parser as root.
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    ds = tmp_path / "ssg-hostile-ds.xml"
    ds.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE ds:data-stream-collection SYSTEM "http://127.0.0.1:{port}/x.dtd">\n'
        '<ds:data-stream-collection xmlns:ds="http://scap.nist.gov/schema/scap/source/1.2">'
        '<Benchmark id="xccdf_org.ssgproject.content_benchmark_DEBIAN-12"/></ds:data-stream-collection>\n',
        encoding="utf-8",
    )
    host = socket.gethostname().split(".")[0].lower()
    inv = inventory(tmp_path / "inventory.yaml", hosts=f"        hosts: [{host}]")
    before = snapshot(tmp_path)
    args = ("--inventory", inv, "--agency", "bao", "--system", "portal", "--host", host)
    code, out = cli("host", "scan", *args, "--attestations", tmp_path / "att", "--content", ds)
    assert code == 2
    one_error(out, str(ds), "DTD")
    assert snapshot(tmp_path) == before
    try:
        listener.accept()
        raise AssertionError("the DTD was fetched")
    except TimeoutError:
        pass
    finally:
        listener.close()


def test_a_workbook_round_trip_keeps_the_migrated_from_of_unchanged_answers(tmp_path: Path) -> None:
    # The sheet has no migrated_from column: exporting then importing an untouched workbook
    # dropped every carried answer's provenance (attest migrate's migrated_from) without a word.
    inv = inventory(tmp_path / "inventory.yaml", profile="tcvn14423-level3")
    att = tmp_path / "att"
    (att / "bao").mkdir(parents=True)
    carried = (
        "agency: bao\nsystem: portal\ncatalog: tcvn-14423-2026\nattestations:\n"
        "- requirement: ANM.RISK.01\n  status: compliant\n  note: carried\n  attested_by: A\n"
        "  attested_at: '2026-10-01'\n  migrated_from: M.POL.01\n"
        "- requirement: ANM.RISK.02\n  status: compliant\n  note: carried\n  attested_by: A\n"
        "  attested_at: '2026-10-01'\n  migrated_from: [M.POL.02, M.POL.03]\n"
    )
    (att / "bao" / "portal.yaml").write_text(carried, encoding="utf-8")
    book = tmp_path / "book.xlsx"
    assert cli("attest", "export", "--inventory", inv, "--attestations", att, "-o", book)[0] == 0
    code, out = cli("attest", "import", book, "--attestations", att)
    assert code == 0, out
    from secaudit.assessment.attestations import load_attestations

    entries = load_attestations(att / "bao" / "portal.yaml").entries
    assert entries["ANM.RISK.01"].migrated_from == ["M.POL.01"]
    assert entries["ANM.RISK.02"].migrated_from == ["M.POL.02", "M.POL.03"]


def test_the_template_of_a_custom_catalogue_profile_can_be_assessed(tmp_path: Path) -> None:
    # attest template writes `catalog: <id>` of the profile's catalogue; for a catalogue given by
    # path (its id is the file stem) assess then refused the file: "unknown catalogue 'my-cat'".
    cat = (data_dir("checklists") / "tcvn-11930-2017.yaml").read_text(encoding="utf-8")
    (tmp_path / "my-cat.yaml").write_text(cat.replace("  id: tcvn-11930-2017", "  id: my-cat", 1), "utf-8")
    prof = tmp_path / "myp.yaml"
    prof.write_text(
        "profile:\n  id: myp\n  title: {vi: x, en: x}\n  catalog: ./my-cat.yaml\n  level: 3\n", "utf-8"
    )
    inv = inventory(tmp_path / "inventory.yaml", profile=str(prof))
    att = tmp_path / "att"
    out = att / "bao" / "portal.yaml"
    assert (
        cli("attest", "template", "--inventory", inv, "--agency", "bao", "--system", "portal", "-o", out)[0]
        == 0
    )
    assert "catalog: my-cat" in out.read_text(encoding="utf-8")
    code, text = assess(inv, att, tmp_path / "out")
    assert code in (1, 3), text  # judged (not every requirement met), not refused as bad input
    assert list((tmp_path / "out").glob("bao.portal.*.json"))


def test_a_formula_or_a_broken_number_cell_is_read_as_openpyxl_would_or_named(tmp_path: Path) -> None:
    # A formula saved without a cached value (openpyxl, scripts) is <v></v>: int('') made the whole
    # workbook "not a readable .xlsx workbook (ValueError)", naming neither sheet nor row.

    from secaudit.render.attest_xlsx import COL, HEADER_ROW

    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    book, wb = exported(inv, att, tmp_path)
    ws = next(w for w in wb.worksheets if w["B1"].value == "bao")
    row = HEADER_ROW + 2
    ws.cell(row, COL["status"], "non_compliant")
    ws.cell(row, COL["note"], '=HYPERLINK("http://127.0.0.1:9/x", "bấm / click")')
    ws.cell(row, COL["attested_by"], "B")
    wb.save(book)
    code, out = cli("attest", "import", book, "--attestations", att)
    assert code == 0, out
    saved = (att / "bao" / "portal.yaml").read_text(encoding="utf-8")
    assert "HYPERLINK" not in saved and "127.0.0.1" not in saved  # data only, never the formula
    # a number cell that is not a number: one line naming the sheet and row
    import zipfile

    with zipfile.ZipFile(book) as z:
        data = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n, b in data.items() if n.startswith("xl/worksheets/") and b"<f>" in b)
    data[sheet], n = re.subn(rb"<f>[^<]*</f><v */>", b"<v>not-a-number</v>", data[sheet], count=1)
    assert n == 1
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as z:
        for n, b in data.items():
            z.writestr(n, b)
    before = snapshot(tmp_path / "att")
    code, out = cli("attest", "import", broken, "--attestations", att)
    assert code == 2
    one_error(out, f"{broken}[", f":{row}:")
    assert snapshot(tmp_path / "att") == before


def test_an_empty_catalogue_option_is_refused_not_read_as_the_default(tmp_path: Path) -> None:
    # --catalog "$CAT" with CAT unset showed TCVN 11930:2017 as if asked for (profile show "" refuses).
    for value in ("", "  "):
        code, out = cli("checklist", "show", "--catalog", value)
        assert code == 2
        one_error(out, "--catalog")


def test_the_template_is_valid_yaml_whatever_the_inventory_and_profile_texts_hold(tmp_path: Path) -> None:
    # Texts went raw into comment lines: a line break in an inventory name or a profile's
    # justification ("\nagency: evil") started a YAML line of its own, an escape character made the
    # file unreadable. (Inventory names with control characters are accepted: test_attest.py.)
    from secaudit.assessment.attestations import load_attestations

    prof = tmp_path / "p.yaml"
    prof.write_text(
        "profile:\n  id: p\n  title: {vi: x, en: x}\n  extends: level3\ntailoring:\n"
        "  - {requirement: M.POL.01, status: not_applicable,"
        ' justification: "lý do\\nagency: evil\\u001b[2J"}\n',
        encoding="utf-8",
    )
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "province: P\nperiod: '2026'\nagencies:\n"
        '- id: bao\n  name: "B\\nagency: evil\\n#"\n  systems:\n'
        '  - {id: portal, name: "C\\rsystem: x\\u2028y\\u0085z\\u001b[31m", level: 3, profile: ./p.yaml,'
        " targets: ['http://127.0.0.1:9']}\n",
        encoding="utf-8",
    )
    out = tmp_path / "att" / "bao" / "portal.yaml"
    code, text = cli(
        "attest", "template", "--inventory", inv, "--agency", "bao", "--system", "portal", "-o", out
    )
    assert code == 0, text
    atts = load_attestations(out, "bao", "portal")
    assert (atts.agency, atts.system) == ("bao", "portal") and "M.POL.02" in atts.entries


def test_one_evidence_file_cited_thousands_of_times_is_hashed_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each citation re-read the file: one 20 MB file listed 2 000 times took 43 s to assess (40 GB
    # hashed); at the 50 MB cap and 20 000 citations, about an hour. Same file, same bytes: once.
    from secaudit.assessment import evidence

    refs = ", ".join(["policy.pdf"] * 3000)
    entry = ENTRY.replace("    attested_at:", f"    evidence: [{refs}]\n    attested_at:")
    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{entry}")
    (att / "bao" / "policy.pdf").write_bytes(b"%PDF-1.4 policy\n" * 1000)
    for i in range(50):  # other names of the same bytes: a hard link and symlinks inside the folder
        (att / "bao" / f"copy{i}.pdf").symlink_to("policy.pdf")
    os.link(att / "bao" / "policy.pdf", att / "bao" / "hard.pdf")
    more = ", ".join([f"copy{i}.pdf" for i in range(50)] + ["hard.pdf"])
    text = (
        (att / "bao" / "portal.yaml")
        .read_text(encoding="utf-8")
        .replace("policy.pdf]", f"policy.pdf, {more}]")
    )
    (att / "bao" / "portal.yaml").write_text(text, encoding="utf-8")
    reads: list[str] = []
    real = evidence.hash_regular_file

    def counting(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        reads.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(evidence, "hash_regular_file", counting)
    code, out = assess(inv, att, tmp_path / "out")
    assert code in (1, 3), out
    assert 1 <= len(reads) <= 3, len(reads)


def test_attest_import_hashes_one_evidence_file_once_however_often_it_is_cited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The workbook's evidence cells are hashed on import: the same file on 1 000 lines of a cell was
    # read 1 000 times (at the 50 MB cap: 50 GB for one cell).

    from secaudit.assessment import evidence
    from secaudit.render.attest_xlsx import COL, HEADER_ROW

    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    (att / "bao" / "policy.pdf").write_bytes(b"%PDF-1.4 policy\n" * 1000)
    book, wb = exported(inv, att, tmp_path)
    ws = next(w for w in wb.worksheets if w["B1"].value == "bao")
    for row in (HEADER_ROW + 2, HEADER_ROW + 3):
        ws.cell(row, COL["status"], "compliant")
        ws.cell(row, COL["evidence"], "\n".join(["policy.pdf"] * 1000))
    wb.save(book)
    reads: list[str] = []
    real = evidence.hash_regular_file

    def counting(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        reads.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(evidence, "hash_regular_file", counting)
    code, out = cli("attest", "import", book, "--attestations", att)
    assert code == 0, out
    assert len(reads) == 1, len(reads)
    assert "sha256: " + hashlib.sha256((att / "bao" / "policy.pdf").read_bytes()).hexdigest() in (
        att / "bao" / "portal.yaml"
    ).read_text(encoding="utf-8")


def test_assess_warns_about_attestation_files_no_system_of_the_inventory_reads(tmp_path: Path) -> None:
    # att/bao/portl.yaml (a typo for portal) was silently never read: the agency's answers did not
    # count and nothing said so.
    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    (att / "bao" / "portl.yaml").write_text(f"agency: bao\nsystem: portl\nattestations:\n{ENTRY}", "utf-8")
    (att / "bao-typo").mkdir()
    (att / "bao-typo" / "portal.yml").write_text("agency: bao-typo\nsystem: portal\n", "utf-8")
    (att / "bao" / "evidence").mkdir()
    (att / "bao" / "evidence" / "x.yaml").write_text("not an attestation\n", "utf-8")  # evidence: not warned
    code, out = assess(inv, att, tmp_path / "out")
    assert code in (1, 3), out
    warned = [ln for ln in out.splitlines() if "cảnh báo/warning" in ln and "not read" in ln]
    assert len(warned) == 2, out
    assert any("bao/portl.yaml" in ln for ln in warned) and any("bao-typo/portal.yml" in ln for ln in warned)


def test_a_requirement_on_two_rows_of_one_sheet_is_refused_not_the_last_row_silently(tmp_path: Path) -> None:

    from secaudit.render.attest_xlsx import COL, HEADER_ROW

    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    book, wb = exported(inv, att, tmp_path)
    ws = next(w for w in wb.worksheets if w["B1"].value == "bao")
    a, b = HEADER_ROW + 2, HEADER_ROW + 3
    rid = ws.cell(a, COL["requirement"]).value
    ws.cell(a, COL["status"], "compliant")
    ws.cell(a, COL["note"], "đã có / in place")
    ws.cell(b, COL["requirement"], rid)  # a pasted row: the same requirement answered otherwise
    ws.cell(b, COL["status"], "non_compliant")
    ws.cell(b, COL["note"], "chưa có / missing")
    wb.save(book)
    before = snapshot(tmp_path)
    code, out = cli("attest", "import", book, "--attestations", att)
    assert code == 2
    one_error(out, f":{b}:", rid, f"{a}")
    assert snapshot(tmp_path) == before


def test_an_agency_entry_that_is_a_file_not_a_folder_is_bad_input_not_no_answers(tmp_path: Path) -> None:
    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    shutil.rmtree(att / "bao")
    (att / "bao").write_text(
        f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}", "utf-8"
    )  # meant bao/portal.yaml
    code, out = assess(inv, att, tmp_path / "out")
    assert code == 2
    one_error(out, str(att / "bao"), "folder")
    assert not (tmp_path / "out").exists()


def test_minus_o_naming_an_input_of_the_same_command_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    # `profile show p.yaml -o p.yaml` replaced the profile by its own text rendering; `attest
    # template --attestations att -o att/bao/portal.yaml` replaced the answers by a template that
    # drops some of them (migrated_from, entries outside the template).
    inv, att = attest_setup(tmp_path, f"agency: bao\nsystem: portal\nattestations:\n{ENTRY}")
    prof = _profile(tmp_path, "  min_rsa_bits: 3072\n")
    cat = tmp_path / "tcvn-11930-2017.yaml"
    shutil.copyfile(data_dir("checklists") / "tcvn-11930-2017.yaml", cat)
    xw = tmp_path / "xw.yaml"
    shutil.copyfile(data_dir("checklists") / "crosswalk-tcvn-11930-2017--tcvn-14423-2026.yaml", xw)
    own = att / "bao" / "portal.yaml"
    subject = ("--inventory", inv, "--agency", "bao", "--system", "portal")
    cases = [
        ("profile", "show", prof, "-o", prof),
        ("checklist", "show", "--catalog", cat, "-o", cat),
        (
            "checklist",
            "crosswalk",
            "--from",
            "tcvn-11930-2017",
            "--to",
            "tcvn-14423-2026",
            "--file",
            xw,
            "-o",
            xw,
        ),
        ("attest", "template", *subject, "-o", inv),
        ("attest", "template", *subject, "--attestations", att, "-o", own),
        ("attest", "export", "--inventory", inv, "-o", inv),
        ("attest", "export", "--inventory", inv, "--attestations", att, "-o", own),
    ]
    for args in cases:
        before = snapshot(tmp_path)
        code, out = cli(*args)
        assert code == 2, (args, out)
        one_error(out, "-o")
        assert snapshot(tmp_path) == before, args


SSG_DS = Path(__file__).parent.parent / ".cache/ssg-debian/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"


@pytest.mark.skipif(
    shutil.which("oscap") is None or not SSG_DS.exists(), reason="bash scripts/setup.sh --dev"
)
def test_host_scan_writes_its_record_and_the_arf_it_names_both_or_neither(tmp_path: Path) -> None:
    # The ARF copy was made after the record was written, with shutil: a place it could not be
    # written (a folder there, a full disk) was an IsADirectoryError traceback, and the record
    # naming that ARF's SHA-256 stayed without its file.
    import socket

    from secaudit.probes.host import oscap

    if oscap.running_os() != "debian-12":
        pytest.skip("the Debian 12 content scans only a Debian 12 machine")
    host = socket.gethostname().split(".")[0].lower()
    inv = inventory(tmp_path / "inventory.yaml", hosts=f"        hosts: [{host}]")
    folder = tmp_path / "att" / "bao" / "portal.hosts" / host
    (folder / "openscap-results-arf.xml.gz").mkdir(parents=True)
    before = snapshot(tmp_path)
    args = ("--inventory", inv, "--agency", "bao", "--system", "portal", "--host", host)
    code, out = cli("host", "scan", *args, "--attestations", tmp_path / "att", "--content", SSG_DS)
    assert code == 2
    one_error(out, "openscap-results-arf.xml.gz", "không ghi được / cannot write")
    assert snapshot(tmp_path) == before and not (folder / "openscap.json").exists()


@pytest.mark.parametrize(
    ("declared", "name", "same"),
    [
        ("vm.a.vn", "vm.a.vn", True),
        ("VM.A.VN", "vm.a.vn.", True),  # case and the root dot
        ("vm.a.vn", "vm", True),  # a result naming only the short name
        ("vm", "vm.a.vn", True),
        ("vm.a.vn", "vm.b.vn", False),  # another host that begins "vm"
        ("vm.a.vn", "vm.localdomain", False),
        ("vm.a.vn", "vm2", False),
        ("vm", "vm2.a.vn", False),
    ],
)
def test_a_result_binds_to_its_own_host_only(declared: str, name: str, same: bool) -> None:
    from secaudit.core.errors import InputError
    from secaudit.probes.host.normalise import bind_host, same_host

    assert same_host(declared, name) is same
    record: dict[str, object] = {"names": [name.lower()]}
    if same:
        bind_host(record, declared, Path("r.xml"))
        assert record["host"] == declared
    else:
        with pytest.raises(InputError, match=re.escape("not " + declared)):
            bind_host(record, declared, Path("r.xml"))
