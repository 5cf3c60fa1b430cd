"""An outside tester's sweep of ``report``, ``verify``, ``review`` and ``keys`` (hostile inputs).

Bad input of any kind is exit 2 with ONE line "secaudit: error: VI / EN" naming the file, never a
traceback, a hang or a half-written result; an input file is never modified. Each test here was a
problem found by the sweep (the commit that fixed it says what happened).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb
from click.testing import CliRunner

from secaudit.cli import main

ADDR = "127.0.21.1"  # this module's own loopback address
WAIT = 60  # a hang fails the test at this bound (never a timed assertion)
EXE = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
as_nobody = pytest.mark.skipif(
    shutil.which("setpriv") is None or os.geteuid() != 0, reason="needs root and setpriv (root reads all)"
)


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def one_error(res: Any, *parts: str) -> str:
    """Exit 2, no exception, exactly one "secaudit: error: VI / EN" line holding ``parts``."""
    stderr = res.stderr if hasattr(res, "exit_code") else res.stderr
    code = res.exit_code if hasattr(res, "exit_code") else res.returncode
    assert code == 2, (code, stderr, getattr(res, "exception", None))
    if hasattr(res, "exception"):
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("secaudit: error: "), stderr
    assert " / " in lines[0], lines[0]
    for p in parts:
        assert p in lines[0], (p, lines[0])
    return lines[0]


def attestations(folder: Path) -> Path:
    """``folder/bao/portal.yaml``: one attested entry, dated before the recorded scan (never today)."""
    (folder / "bao").mkdir(parents=True)
    (folder / "bao" / "portal.yaml").write_text(
        "agency: bao\nsystem: portal\nattestations:\n  - requirement: M.POL.01\n    status: compliant\n"
        '    note: "Quy chế ATTT số 12/QĐ"\n    attested_by: Nguyễn Văn A\n    attested_at: 2026-11-02\n',
        encoding="utf-8",
    )
    return folder


def nobody(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NOBODY, EXE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real level-3 bundle (the assess service's own, from a recorded scan), signed."""
    root = tmp_path_factory.mktemp("hostile-rv")
    keys, keyring, bundles = root / "keys", root / "keyring", root / "bundles"
    assert run("keys", "generate", "--agency", "bao", "-o", keys).exit_code == 0
    keyring.mkdir()
    shutil.copy(keys / "bao.pub", keyring / "bao.pub")
    bundle = rb.put(rb.assessment("bao", "portal"), keys, bundles)
    return {"root": root, "keys": keys, "keyring": keyring, "bundle": bundle}


# --------------------------------------------------------------------------- report -o


@pytest.mark.parametrize("fmt", ["html", "md", "json", "sarif", "ohdf", "oscal"])
def test_report_never_writes_over_its_own_bundle(signed: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    # `report B -o B` replaced the signed bundle with its report (the input lost, exit 0)
    bundle = tmp_path / "b.json"
    shutil.copy(signed["bundle"], bundle)
    before = bundle.read_bytes()
    (tmp_path / "sub").mkdir()
    os.link(bundle, tmp_path / "hard.json")
    os.symlink(bundle, tmp_path / "link.json")
    for out in (bundle, tmp_path / "sub" / ".." / "b.json", tmp_path / "hard.json", tmp_path / "link.json"):
        one_error(run("report", bundle, "--format", fmt, "-o", out), str(out), "input")
        assert bundle.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json", "hard.json", "link.json", "sub"]


# --------------------------------------------------------------------------- keys generate


def test_keys_generate_force_keeps_the_old_pair_when_the_pub_cannot_be_written(tmp_path: Path) -> None:
    # --force wrote the new private key, then failed on ID.pub (a folder): the old key was gone and
    # the new one had no public half, so nothing signed with either could be verified
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--agency", "bao", "-o", keys).exit_code == 0
    old = (keys / "bao.key").read_bytes()
    (keys / "bao.pub").unlink()
    (keys / "bao.pub").mkdir()
    one_error(run("keys", "generate", "--agency", "bao", "-o", keys), "--force")
    one_error(run("keys", "generate", "--agency", "bao", "-o", keys, "--force"), str(keys / "bao.pub"))
    assert (keys / "bao.key").read_bytes() == old
    assert oct((keys / "bao.key").stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in keys.iterdir()) == ["bao.key", "bao.pub"]
    # a first key whose .pub cannot be written leaves no private key behind either
    (keys / "rev.pub").mkdir()
    one_error(run("keys", "generate", "--reviewer", "rev", "-o", keys, "--force"), str(keys / "rev.pub"))
    assert not (keys / "rev.key").exists()
    # without --force the message names the file that is in the way
    one_error(run("keys", "generate", "--reviewer", "rev", "-o", keys), str(keys / "rev.pub"), "--force")


def test_keys_generate_to_an_empty_folder_name_is_bad_input(tmp_path: Path, monkeypatch: Any) -> None:
    # -o "" (an unset shell variable) wrote a private key into the current folder
    monkeypatch.chdir(tmp_path)
    one_error(run("keys", "generate", "--agency", "bao", "-o", ""), "-o")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- unreadable inputs


@pytest.fixture
def open_tmp() -> Any:
    """A folder the user nobody can reach (pytest's tmp_path is under a 0700 folder of root's)."""
    folder = Path(tempfile.mkdtemp(prefix="secaudit-hostile-"))
    folder.chmod(0o755)
    yield folder
    for p in (folder, *folder.rglob("*")):
        if not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(folder)


@as_nobody
def test_unreadable_inputs_are_one_error_line(signed: dict[str, Any], open_tmp: Path) -> None:
    # Click's own readability check answered first: "secaudit verify: lỗi cú pháp / usage error:
    # ... is not readable" - a usage error for a file problem, not the one "secaudit: error:" line
    tmp_path = open_tmp
    bundle, keyring = tmp_path / "b.json", tmp_path / "keyring"
    shutil.copy(signed["bundle"], bundle)
    shutil.copytree(signed["keyring"], keyring)
    shutil.copy(signed["keys"] / "bao.key", tmp_path / "rev.key")
    for p in (bundle, tmp_path / "rev.key"):
        p.chmod(0o000)
    out = tmp_path / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    one_error(nobody("report", bundle, "--format", "md", "-o", out / "r.md"), str(bundle), "cannot read")
    one_error(nobody("verify", bundle, "--keyring", keyring), str(bundle), "cannot read")
    atts = attestations(tmp_path / "atts")
    args = ["review", "--attestations", atts, "--agency", "bao", "--system", "portal", "--all-attested"]
    one_error(nobody(*args, "--key", tmp_path / "rev.key"), str(tmp_path / "rev.key"), "cannot read")
    bundle.chmod(0o644)
    keyring.chmod(0o000)
    one_error(nobody("verify", bundle, "--keyring", keyring), str(keyring), "cannot read")
    keyring.chmod(0o755)
    assert nobody("verify", bundle, "--keyring", keyring).returncode == 0
    assert list(out.iterdir()) == []


def test_a_folder_given_as_a_file_is_one_error_line(signed: dict[str, Any], tmp_path: Path) -> None:
    # review --key FOLDER was Click's "usage error" line too
    atts = attestations(tmp_path / "atts")
    args = ["review", "--attestations", atts, "--agency", "bao", "--system", "portal", "--all-attested"]
    one_error(run(*args, "--key", signed["keys"]), str(signed["keys"]), "directory")


def test_verify_keyring_problems_are_bilingual_and_an_empty_name_is_bad_input(
    signed: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run("verify", signed["bundle"], "--keyring", empty)
    assert res.exit_code == 1
    assert "không có khóa công khai" in res.stdout and "no public key" in res.stdout, res.stdout
    # --keyring "" (an unset variable) read the keys of whatever folder one stood in
    monkeypatch.chdir(signed["keyring"])
    one_error(run("verify", signed["bundle"], "--keyring", ""), "--keyring")


# --------------------------------------------------------------------------- verify --rejudge, reviews


def closed_port() -> int:
    with socket.socket() as s:
        s.bind((ADDR, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real bundle of `assess` under require_review, its one attested entry approved by `review`."""
    root = tmp_path_factory.mktemp("hostile-reviewed")
    keys, keyring = root / "keys", root / "keyring"
    for flag, ident in (("--agency", "bao"), ("--reviewer", "rev")):
        assert run("keys", "generate", flag, ident, "-o", keys).exit_code == 0
    (keyring / "reviewers").mkdir(parents=True)
    shutil.copy(keys / "bao.pub", keyring / "bao.pub")
    shutil.copy(keys / "rev.pub", keyring / "reviewers" / "rev.pub")
    atts = attestations(root / "atts")
    res = run("review", "--attestations", atts, "--agency", "bao", "--system", "portal", "--key",
              keys / "rev.key", "--approve", "M.POL.01")  # fmt: skip
    assert res.exit_code == 0, res.output
    inventory = root / "inventory.yaml"
    inventory.write_text(
        "province: Huế\nperiod: 2026\nrequire_review: true\nagencies:\n  - id: bao\n    name: Báo\n"
        f'    systems:\n      - {{id: portal, name: Cổng, level: 3, targets: ["https://{ADDR}:{closed_port()}"]}}\n',
        encoding="utf-8",
    )
    out = root / "out"
    res = run("assess", "--inventory", inventory, "--attestations", atts, "--key", keys, "--keyring", keyring,
              "--probes", "http", "--timeout", "1", "--no-progress", "--assessed-at", "2026-12-01T10:00:00Z",
              "-o", out)  # fmt: skip
    assert res.exit_code in (1, 3), res.output
    return {"root": root, "keyring": keyring, "bundle": out / "bao.portal.2026.json"}


def test_verify_rejudge_names_a_reviewer_key_it_could_not_use(
    reviewed: dict[str, Any], tmp_path: Path
) -> None:
    # A keyring whose reviewer key was garbage, a FIFO or absent failed every reviewed bundle with
    # "the bundle's verdicts differ from its re-judged ones": the agency blamed for the
    # Department's own keyring. The bundle still fails (its reviews cannot be checked), saying why.
    ok = run("verify", reviewed["bundle"], "--keyring", reviewed["keyring"], "--rejudge")
    assert ok.exit_code == 0 and "re-judged: consistent" in ok.stdout, ok.stdout
    cases = {"garbage": "reviewer key not usable: rev", "fifo": "reviewer key not usable: rev",
             "absent": "no key in KEYRING/reviewers for reviewer(s): rev"}  # fmt: skip
    for case, words in cases.items():
        keyring = tmp_path / case
        shutil.copytree(reviewed["keyring"], keyring)
        pub = keyring / "reviewers" / "rev.pub"
        pub.unlink()
        if case == "garbage":
            pub.write_text("not a key\n")
        elif case == "fifo":
            os.mkfifo(pub)
        res = run("verify", reviewed["bundle"], "--keyring", keyring, "--rejudge")
        assert res.exit_code == 1, res.output
        assert "FAILED" in res.stdout and words in res.stdout, (case, res.stdout)


# --------------------------------------------------------------------------- report --templates


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.html.j2", b"{{ 1 / 0 }}"),  # raises while rendering: ZeroDivisionError traceback
        ("report.html.j2", b"{{ 'a' + 1 }}"),  # TypeError traceback
        ("report.html.j2", b"\xff\xfe not UTF-8"),  # UnicodeDecodeError traceback
        ("_hosts.html.j2", b"\xff\xfe not UTF-8"),  # the included partial, read while rendering
        # a copied template reaching Python internals (sandboxed: a SecurityError, said as such)
        ("report.html.j2", b"{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ("report.html.j2", b"{{ cycler.__init__.__globals__.os.getcwd() }}"),
    ],
)
def test_report_a_broken_template_copy_is_one_error_line(
    signed: dict[str, Any], tmp_path: Path, name: str, content: bytes
) -> None:
    from secaudit.core.resources import data_dir

    templates = tmp_path / "reports"
    shutil.copytree(data_dir("reports"), templates, ignore=shutil.ignore_patterns("__pycache__"))
    (templates / name).write_bytes(content)
    out = tmp_path / "r.html"
    one_error(run("report", signed["bundle"], "--templates", templates, "-o", out), str(templates / name))
    assert not out.exists()


def test_report_an_unchanged_template_copy_renders_the_shipped_page(
    signed: dict[str, Any], tmp_path: Path
) -> None:
    # the sandbox a --templates copy renders in allows everything the shipped templates do
    from secaudit.core.resources import data_dir

    templates = tmp_path / "reports"
    shutil.copytree(data_dir("reports"), templates, ignore=shutil.ignore_patterns("__pycache__"))
    shipped, copied = tmp_path / "a.html", tmp_path / "b.html"
    assert run("report", signed["bundle"], "-o", shipped).exit_code == 0
    res = run("report", signed["bundle"], "--templates", templates, "-o", copied)
    assert res.exit_code == 0, res.output
    assert copied.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_verify_prints_one_line_per_bundle_whatever_its_name(signed: dict[str, Any], tmp_path: Path) -> None:
    # A file named "x.json\nOK  forged.json: ..." printed a second, forged "OK" line under its own
    # FAILED one: whoever reads (or greps) verify's output saw a bundle verified that never was
    forged = tmp_path / "x.json\nOK  forged.json: do bao ký - signed by bao\x1b[2K"  # no "/": one name
    forged.write_text("{", encoding="utf-8")
    res = run("verify", forged, signed["bundle"], "--keyring", signed["keyring"])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("FAILED  ") and lines[1].startswith("OK  "), lines
    assert "forged.json" in lines[0] and "\\x1b" in lines[0]  # the newline a space, the escape shown


# --------------------------------------------------------------------------- review: concurrent runs

RACE_REQS = ["M.POL.01", "M.POL.02", "M.POL.03", "M.ORG.01", "M.ORG.02", "M.ORG.03", "M.HR.01", "M.HR.02"]


def test_concurrent_reviews_of_one_system_all_keep_their_record(
    reviewed: dict[str, Any], tmp_path: Path
) -> None:
    # Each `review` read the reviews file, signed, and replaced the file: two at once (two inspectors,
    # or the web app's threads) each wrote its own list and one signed review vanished, though both
    # had printed "approved" and exited 0. The read-sign-write now holds a lock on the folder.
    atts = tmp_path / "atts"
    (atts / "bao").mkdir(parents=True)
    (atts / "bao" / "portal.yaml").write_text(
        "agency: bao\nsystem: portal\nattestations:\n"
        + "".join(
            f'  - requirement: {r}\n    status: compliant\n    note: "Quy chế {r}"\n'
            "    attested_by: Nguyễn Văn A\n    attested_at: 2026-11-02\n"
            for r in RACE_REQS
        ),
        encoding="utf-8",
    )
    key = reviewed["root"] / "keys" / "rev.key"
    procs = [
        subprocess.Popen(
            [
                EXE,
                "review",
                "--attestations",
                str(atts),
                "--agency",
                "bao",
                "--system",
                "portal",
                "--key",
                str(key),
                "--approve",
                r,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        for r in RACE_REQS
    ]
    for p in procs:
        _, err = p.communicate(timeout=WAIT)
        assert p.returncode == 0, err
    doc = json.loads((atts / "bao" / "portal.reviews.json").read_text(encoding="utf-8"))
    assert sorted(r["requirement"] for r in doc["reviews"]) == sorted(RACE_REQS)


@as_nobody
def test_report_unreadable_templates_are_one_error_line(signed: dict[str, Any], open_tmp: Path) -> None:
    # an unreadable report.html.j2 was a PermissionError traceback, an unreadable --templates folder
    # Click's "usage error" line
    from secaudit.core.resources import data_dir

    templates = open_tmp / "reports"
    shutil.copytree(data_dir("reports"), templates, ignore=shutil.ignore_patterns("__pycache__"))
    bundle = open_tmp / "b.json"
    shutil.copy(signed["bundle"], bundle)
    for p in (open_tmp, *open_tmp.rglob("*")):
        p.chmod(0o755 if p.is_dir() else 0o644)
    for unreadable in (templates / "report.html.j2", templates / "_hosts.html.j2", templates):
        unreadable.chmod(0o000)
        res = nobody("report", bundle, "--templates", templates, "-o", "-")
        one_error(res, str(unreadable), "cannot read")
        assert res.stdout == ""
        unreadable.chmod(0o755 if unreadable.is_dir() else 0o644)


def test_report_never_writes_over_a_template_it_reads(signed: dict[str, Any], tmp_path: Path) -> None:
    # `report B --templates T -o T/report.html.j2` replaced the user's template with the page
    from secaudit.core.resources import data_dir

    templates = tmp_path / "reports"
    shutil.copytree(data_dir("reports"), templates, ignore=shutil.ignore_patterns("__pycache__"))
    before = {p.name: p.read_bytes() for p in templates.iterdir() if p.is_file()}
    for name in ("report.html.j2", "style.css", "_hosts.html.j2"):
        out = templates / name
        one_error(run("report", signed["bundle"], "--templates", templates, "-o", out), str(out), "input")
    assert {p.name: p.read_bytes() for p in templates.iterdir() if p.is_file()} == before


def test_verify_rejudge_note_stays_short_for_a_bundle_naming_many_reviewers(
    reviewed: dict[str, Any], tmp_path: Path
) -> None:
    # the reviewers a bundle names are the agency's to write: 5 000 of them made one 300 KB line
    a = json.loads(reviewed["bundle"].read_text(encoding="utf-8"))["assessment"]
    a["reviews"] = [dict(a["reviews"][0], reviewer=f"r{i}") for i in range(5000)]
    keys = reviewed["root"] / "keys"
    bundle = rb.put(a, keys, tmp_path)
    res = run("verify", bundle, "--keyring", reviewed["keyring"], "--rejudge")
    assert res.exit_code == 1 and len(res.stdout) < 2000, len(res.stdout)
    assert "r0, r1" in res.stdout and "(+4988)" in res.stdout, res.stdout


def test_summary_never_writes_over_a_bundle_or_file_it_reads(signed: dict[str, Any], tmp_path: Path) -> None:
    # `summary BUNDLES -o BUNDLES/one.json` replaced a signed bundle with the summary (exit 0), and
    # the next summary of the folder counted one system fewer
    bundles = tmp_path / "bundles"
    shutil.copytree(signed["bundle"].parent, bundles)
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "province: Huế\nperiod: 2026\nagencies:\n  - id: bao\n    name: Báo\n    systems:\n"
        '      - {id: portal, name: Cổng, level: 3, targets: ["https://127.0.0.1:1"]}\n',
        encoding="utf-8",
    )
    before = {p: p.read_bytes() for p in (*bundles.iterdir(), inventory)}
    base = ["summary", bundles, "--keyring", signed["keyring"], "--inventory", inventory, "--no-cache"]
    for out in (*bundles.iterdir(), inventory):
        one_error(run(*base, "--format", "json", "-o", out), str(out), "input")
    assert {p: p.read_bytes() for p in (*bundles.iterdir(), inventory)} == before


# --------------------------------------------------------------------------- hostile fields, signed


@pytest.mark.parametrize(
    "where, value",
    [("hosts", True), ("hosts", -1), ("imports", 7), ("imports", True)],
)
def test_report_a_signed_bundle_with_a_hostile_hosts_field_still_renders(
    signed: dict[str, Any], tmp_path: Path, where: str, value: Any
) -> None:
    # system.hosts = true (or -1) was "TypeError: 'bool' object is not iterable" in hosts_view for
    # report html/md/json: one field an agency signed took the whole report down
    a = json.loads(signed["bundle"].read_text(encoding="utf-8"))["assessment"]
    if where == "hosts":
        a["system"]["hosts"] = value
    else:
        a["system"]["hosts"] = [{"name": "db"}]
        a["targets"].append({"target": "host://db", "observations": {"host": {"imports": value}}})
    bundle = rb.put(a, signed["keys"], tmp_path)
    for fmt in ("html", "md", "json"):
        res = run("report", bundle, "--format", fmt, "-o", tmp_path / f"r.{fmt}")
        assert res.exit_code == 0 and res.exception is None, (fmt, res.exception, res.stderr)


def test_report_survives_any_top_level_or_system_field_of_another_type(
    signed: dict[str, Any], tmp_path: Path
) -> None:
    """A bounded version of the sweep that found the hosts bug: every field of the assessment and of
    its system, replaced by a value of another type and re-signed, renders or is one error line."""
    from secaudit.signing.bundle import file_layout, make_bundle

    a0 = json.loads(signed["bundle"].read_text(encoding="utf-8"))["assessment"]
    a0["system"].setdefault("hosts", [{"name": "db"}])
    fields = [(k,) for k in a0] + [("system", k) for k in a0["system"]]
    for path in fields:
        for value in (True, -1, "x"):
            a = json.loads(json.dumps(a0))
            node = a
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = value
            bundle = tmp_path / "b.json"  # named here: the file name put() takes from a may be gone
            bundle.write_bytes(file_layout(make_bundle(a, signed["keys"] / "bao.key")))
            for fmt in ("html", "md", "json"):
                out = tmp_path / f"r.{fmt}"
                res = run("report", bundle, "--format", fmt, "-o", out)
                assert res.exception is None or isinstance(res.exception, SystemExit), (path, value, fmt)
                assert res.exit_code in (0, 2), (path, value, fmt, res.stderr)
                if res.exit_code == 2:
                    one_error(res, str(bundle))
                    assert not out.exists()
                out.unlink(missing_ok=True)
