"""Bounded, strict readers of users' files (issue 9 point 2-3, DESIGN §10 "Trust").

YAML: alias bombs, depth, non-scalar keys, tags, size, encoding. JSON: the one strict reader.
Files: regular files only, size caps, confinement, symlinks leaving their folder. Writes: no debris,
a full disk is one line. Boundaries: a verified bundle beats a newer unverified one; a non-canonical
base64 signature does not verify.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import bundle_factory as bf
import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.core import jsonio, yamlio
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, confined_path, hash_regular_file, read_input

# --------------------------------------------------------------------------- YAML


def _bomb(levels: int = 9) -> str:
    """A "billion laughs" list: 9 ** levels strings from a few hundred bytes."""
    items = ["&a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    names = "abcdefghijklmnop"
    for i in range(1, levels):
        items.append(f"&{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    return "profile:\n  id: bomb\n  title: {vi: b, en: b}\n  extends: level3\nparameters:\n" + (
        "  session_cookie_patterns: [" + ", ".join(items) + "]\n"
    )


def _yaml_error(tmp_path: Path, text: str | bytes) -> InputError:
    p = tmp_path / "f.yaml"
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    with pytest.raises(InputError) as exc:
        yamlio.load_yaml(p)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p)), msg
    return exc.value


def test_alias_bomb_is_refused_cheaply_in_a_subprocess(tmp_path: Path) -> None:
    """`profile show` of a 700-byte bomb: exit 2, one line naming the file, and (under a 1 GB
    address-space cap, so a regression cannot take the machine down) a small peak memory."""
    p = tmp_path / "bomb.yaml"
    p.write_text(_bomb(), encoding="utf-8")
    assert len(p.read_bytes()) < 700
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from click.testing import CliRunner\n"
        "from secaudit.cli import main\n"
        "r = CliRunner().invoke(main, ['profile', 'show', sys.argv[1]])\n"
        # VmHWM, not ru_maxrss: Linux carries the parent's (pytest's) peak across fork + exec into it
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "print(r.exit_code, int(hwm.split()[1]) // 1024)\n"
        "print(r.output.strip())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    first, _, message = done.stdout.partition("\n")
    exit_code, peak_mb = (int(x) for x in first.split())
    assert exit_code == 2, done.stdout + done.stderr
    assert peak_mb < 150, peak_mb  # measured ~60 MB (interpreter + secaudit); the bomb costs GBs
    assert len(message.strip().splitlines()) == 1 and str(p) in message and "alias" in message


def test_node_cap_counts_expanded_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_NODES", 100)
    # 1 mapping + 1 key + a list of 9 x (list of 9 + itself): 1 + 1 + 1 + 9 * 10 = 93 nodes: fits
    fits = "a: &x [1,2,3,4,5,6,7,8,9]\nb: [*x, *x, *x, *x, *x, *x, *x, *x]\n"
    assert yamlio.load_yaml_text(fits)["b"][7] == list(range(1, 10))
    err = _yaml_error(tmp_path, fits.replace("*x]", "*x, *x, *x]"))  # b alone: 1 + 10 * 10 nodes
    assert "aliases are expanded" in err.message and err.line == 2


@pytest.mark.parametrize(
    ("depth", "ok"),
    [(yamlio.MAX_DEPTH, True), (yamlio.MAX_DEPTH + 1, False)],
)
def test_nesting_depth_boundary(tmp_path: Path, depth: int, ok: bool) -> None:
    text = "[" * depth + "]" * depth + "\n"
    if ok:
        assert yamlio.load_yaml_text(text) is not None
    else:
        assert "deeper than" in _yaml_error(tmp_path, text).message


def test_depth_through_an_alias_is_counted(tmp_path: Path) -> None:
    half = yamlio.MAX_DEPTH // 2 + 1
    text = "a: &x " + "[" * half + "]" * half + "\nb: " + "[" * half + "*x" + "]" * half + "\n"
    assert "deeper than" in _yaml_error(tmp_path, text).message


@pytest.mark.parametrize(
    ("text", "words", "line"),
    [
        ("a: 1\n? [a, b]\n: 1\n", "mapping key must be a plain value", 2),
        ("a: 1\nb: {[1]: x}\n", "mapping key must be a plain value", 2),
        ("a: 1\nb: {? {c: d} : x}\n", "mapping key must be a plain value", 2),
        ("a: 1\nb: !!python/object:os.system x\n", "could not determine a constructor", 2),
        ("a: 1\nb: !!python/name:os.system x\n", "could not determine a constructor", 2),
        ("a: 1\nb: !!binary aGVsbG8=\n", "tag 'binary' is not allowed", 2),
        ("a: 1\nb: !!set {x}\n", "tag 'set' is not allowed", 2),
        ("a: 1\nb: !!omap [x: 1]\n", "tag 'omap' is not allowed", 2),
        ("a: &r [1, *r]\n", "recursive alias", 1),
        ("a: 1\na: 2\n", "duplicate key 'a'", 2),
        ("a: 1\nb: \x00\n", "not allowed", 2),
        ("a: 1\nb: [\n", "malformed YAML", None),
        ("a: *nowhere\n", "undefined alias", 1),
        ("a: !!timestamp x\n", "tagged value cannot be read", None),  # PyYAML itself crashes here
        ("a: !!bool x\n", "tagged value cannot be read", None),
        ("a: !!map [1]\n", "tagged value cannot be read", None),
        ("a: !!int x\n", "malformed YAML", None),
    ],
)
def test_hostile_yaml_is_one_line_with_file_and_line(
    tmp_path: Path, text: str, words: str, line: Any
) -> None:
    err = _yaml_error(tmp_path, text)
    assert words in err.message, err.message
    if line is not None:
        assert err.line == line, err


def test_non_utf8_yaml_names_the_line(tmp_path: Path) -> None:
    err = _yaml_error(tmp_path, b"a: 1\nb: \xff\xfe\n")
    assert "UTF-8" in err.message and err.line == 2


def test_yaml_bom_is_allowed_and_lines_still_count(tmp_path: Path) -> None:
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfa: 1\nb:\n  c: 2\n")
    data = yamlio.load_yaml(p)
    assert data == {"a": 1, "b": {"c": 2}} and yamlio.line_of(data["b"]) == 3


def test_huge_integer_in_yaml_is_input_error(tmp_path: Path) -> None:
    assert "malformed YAML" in _yaml_error(tmp_path, "a: " + "1" * 5000 + "\n").message


def test_yaml_size_cap(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    p.write_bytes(b"a: 1\n" + b"#" * 100 + b"\n")
    assert yamlio.load_yaml(p, max_bytes=106) == {"a": 1}  # exactly the cap: read
    with pytest.raises(InputError, match="larger than 105 bytes"):
        yamlio.load_yaml(p, max_bytes=105)


def test_line_numbers_survive(tmp_path: Path) -> None:
    data = yamlio.load_yaml_text("x: 1\nlist:\n  - a: 1\n  - b: 2\n")
    assert yamlio.line_of(data["list"][1]) == 4 and isinstance(data["list"], yamlio.LineList)


def _profile(tmp_path: Path, name: str, extends: str) -> Path:
    p = tmp_path / f"{name}.yaml"
    p.write_text(f"profile:\n  id: {name}\n  title: {{vi: {name}, en: {name}}}\n  extends: {extends}\n")
    return p


def test_extends_chain_depth_limit(tmp_path: Path) -> None:
    from secaudit.config.catalog import MAX_EXTENDS, load_profile

    # level3 -> level2 -> level1 is 3 files: MAX_EXTENDS - 3 user files on top still load
    parent = "level3"
    for i in range(MAX_EXTENDS - 3):
        parent = str(_profile(tmp_path, f"p{i}", parent))
    assert load_profile(parent).level == 3
    deeper = _profile(tmp_path, "one-more", parent)
    with pytest.raises(InputError, match="chain longer than") as exc:
        load_profile(str(deeper))
    assert "\n" not in str(exc.value)
    res = CliRunner().invoke(main, ["profile", "show", str(deeper)])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": -Infinity}', "Infinity"),
        (b'{"a": 1e400}', "too large"),
        (b'{"a": 1, "a": 1}', "duplicate key 'a'"),
        (b'{"x": [{"b": {"c": 1, "c": 2}}]}', "duplicate key 'c'"),
        (b'{"a": "\\u003a", "a": 1}', "duplicate key"),  # an escaped colon cannot hide a duplicate
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"a": "\\udfff x"}', "lone surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        (b"[" * 65 + b"]" * 65, "deeper than 64"),
        (b"[" * 100_000 + b"]" * 100_000, "deeper than 64"),
        (b'{"a": 9007199254740993}', "beyond"),
        (b'{"a": -9007199254740993}', "beyond"),
        (b'{"a": 18446744073709551616}', "beyond"),
        (b'{"a": ' + b"1" * 5000 + b"}", "beyond"),
        (b'{"a": 1} x', "Extra data"),
        (b"", "Expecting value"),
        (b'{"a": 1', "Expecting"),
    ],
)
def test_strict_json_refuses(text: bytes, words: str) -> None:
    with pytest.raises(jsonio.MalformedJSON) as exc:
        jsonio.loads_strict(text, "b.json")
    msg = str(exc.value)
    assert (
        words in msg and msg.startswith("b.json: JSON không hợp lệ / malformed JSON") and "\n" not in msg
    ), msg
    assert isinstance(exc.value, InputError) and isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b'{"a": 9007199254740992}', {"a": 2**53}),  # the boundary itself is exact in a double
        (b'{"a": -9007199254740992}', {"a": -(2**53)}),
        (b'{"k:1": "v:2", "e": "\\u003a"}', {"k:1": "v:2", "e": ":"}),
        (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),
        (
            b'{"a": 0.30000000000000004, "b": -0.0, "c": 1e16}',
            {"a": 0.30000000000000004, "b": -0.0, "c": 1e16},
        ),
    ],
)
def test_strict_json_accepts(text: bytes, value: Any) -> None:
    assert jsonio.loads_strict(text) == value


def test_strict_json_depth_boundary() -> None:
    got, depth = jsonio.loads_strict(b"[" * 64 + b"]" * 64), 1
    while got:
        got, depth = got[0], depth + 1
    assert depth == 64
    with pytest.raises(jsonio.MalformedJSON, match="deeper than 64"):
        jsonio.loads_strict(b"[" * 65 + b"]" * 65)


def test_fast_path_and_reference_agree_on_real_bundles(tmp_path: Path) -> None:
    key = bf.keypair("so-a", tmp_path / "keys")
    raw = bf.write(bf.sign(bf.assessment("so-a", "portal", hostile=True), key), tmp_path).read_bytes()
    ok, fast = jsonio._fast(raw)
    assert ok, "a real bundle should take the fast path"
    assert fast == jsonio._reference(raw) == json.loads(raw)


# --------------------------------------------------------------------------- files


def _no_hang(fn: Any, *args: Any) -> Any:
    """fn(*args) in a thread, its exception if it raised; fail if it blocks (a FIFO opened without
    O_NONBLOCK waits forever for a writer)."""
    box: dict[str, Any] = {"exc": None}

    def run() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # handed back to the test
            box["exc"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), f"{fn.__name__} blocked on {args}"
    return box["exc"] if box["exc"] is not None else box.get("result")


def test_read_input_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for path, words in (
            (fifo, "FIFO"),
            (Path("/dev/zero"), "device"),
            (sock_path, "regular file"),
            (tmp_path, "directory"),
            (tmp_path / "missing", "not found"),
        ):
            exc = _no_hang(read_input, path, "a key file")
            assert isinstance(exc, InputError) and words in str(exc) and str(path) in str(exc), (path, exc)
            exc = _no_hang(hash_regular_file, path, 1000)
            assert isinstance(exc, InputError), (path, exc)
    finally:
        sock.close()


def test_read_input_size_cap_boundary(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x" * 10)
    assert read_input(p, max_bytes=10) == b"x" * 10
    with pytest.raises(InputError, match="larger than 9 bytes"):
        read_input(p, max_bytes=9)


def test_hash_regular_file(tmp_path: Path) -> None:
    import hashlib

    p = tmp_path / "evidence.pdf"
    p.write_bytes(b"%PDF" * 1000)
    assert hash_regular_file(p, 4000) == (hashlib.sha256(b"%PDF" * 1000).hexdigest(), 4000)
    with pytest.raises(InputError, match="larger than"):
        hash_regular_file(p, 3999)


def test_confined_path(tmp_path: Path) -> None:
    base = tmp_path / "att"
    (base / "docs").mkdir(parents=True)
    (base / "docs" / "a.pdf").write_bytes(b"x")
    (tmp_path / "secret").write_bytes(b"s")
    (base / "in.pdf").symlink_to(base / "docs" / "a.pdf")
    (base / "out.pdf").symlink_to(tmp_path / "secret")
    assert confined_path(base, "docs/a.pdf") == base / "docs" / "a.pdf"
    assert confined_path(base, "docs/../docs/a.pdf").resolve() == (base / "docs" / "a.pdf").resolve()
    assert confined_path(base, "in.pdf").resolve() == (base / "docs" / "a.pdf").resolve()
    for rel, words in (
        ("/etc/passwd", "absolute"),
        ("../secret", "leaves the folder"),
        ("docs/../../secret", "leaves the folder"),
        ("out.pdf", "leaves the folder"),
        ("", "empty"),
        ("a\x00b", "NUL"),
    ):
        with pytest.raises(InputError, match=words):
            confined_path(base, rel)


@pytest.fixture()
def signed(tmp_path: Path) -> dict[str, Any]:
    keys, bundles = tmp_path / "keys", tmp_path / "bundles"
    bundles.mkdir()
    key = bf.keypair("so-a", keys)
    path = bf.write(bf.sign(bf.assessment("so-a", "portal"), key), bundles)
    return {"keys": keys, "bundles": bundles, "bundle": path, "root": tmp_path, "key": key}


def _verify(bundle: Path, keys: Path) -> Any:
    res = CliRunner().invoke(main, ["verify", str(bundle), "--keyring", str(keys)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


def _summary_json(bundles: Path, keys: Path) -> dict[str, Any]:
    res = CliRunner().invoke(main, ["summary", str(bundles), "--keyring", str(keys), "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _verified_files(s: dict[str, Any]) -> set[str]:
    return {x["file"] for a in s["agencies"] for x in a["systems"] if x.get("verified")}


def test_keyring_fifo_device_and_escaping_symlink(signed: dict[str, Any]) -> None:
    keys, bundle = signed["keys"], signed["bundle"]
    assert _verify(bundle, keys).exit_code == 0
    pub = keys / "so-a.pub"
    outside = signed["root"] / "elsewhere.pub"
    outside.write_bytes(pub.read_bytes())  # the right key, but outside the keyring
    for make, words in (
        (lambda: os.mkfifo(pub), "FIFO"),
        (lambda: pub.symlink_to("/dev/zero"), "leaves the keyring"),
        (lambda: pub.symlink_to(outside), "leaves the keyring"),
        (lambda: pub.mkdir(), "directory"),
    ):
        if pub.is_symlink() or not pub.is_dir():
            pub.unlink(missing_ok=True)
        else:
            pub.rmdir()
        make()
        res = _no_hang(_verify, bundle, keys)
        assert res.exit_code == 1 and words in res.output, res.output
        assert _verified_files(_no_hang(_summary_json, signed["bundles"], keys)) == set()


def test_bundle_folder_symlink_out_and_fifo_are_reported_not_read(signed: dict[str, Any]) -> None:
    keys, bundles, root = signed["keys"], signed["bundles"], signed["root"]
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    key = bf.keypair("so-b", keys)
    real = bf.write(bf.sign(bf.assessment("so-b", "portal"), key), elsewhere)
    (bundles / real.name).symlink_to(real)
    os.mkfifo(bundles / "pipe.json")
    (bundles / "zero.json").symlink_to("/dev/zero")
    s = _no_hang(_summary_json, bundles, keys)
    reasons = {nb["file"]: nb["reason"] for nb in s["not_bundles"]}
    assert "leaves the bundle folder" in reasons[real.name]
    assert "FIFO" in reasons["pipe.json"] and "leaves the bundle folder" in reasons["zero.json"]
    assert _verified_files(s) == {signed["bundle"].name}


# --------------------------------------------------------------------------- writes


def test_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep").write_text("x")  # a non-empty folder: the final rename must fail
    with pytest.raises(InputError, match="cannot write") as exc:
        atomic_write(target, "content")
    assert "\n" not in str(exc.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        atomic_write(blocker / "sub" / "out.html", "content")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "out"]


def _tiny_disk(path: Path) -> bool:
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], capture_output=True, timeout=30
    )
    return done.returncode == 0


def test_full_disk_is_one_line_exit_2_and_no_debris(signed: dict[str, Any]) -> None:
    """A 64 KB tmpfs (we are root in CI); where mounting is not possible, the same failure path
    through a file-size limit (EFBIG) in a subprocess."""
    disk = signed["root"] / "disk"
    if _tiny_disk(disk):
        try:
            with pytest.raises(InputError, match="disk full") as exc:
                atomic_write(disk / "out.bin", "x" * 200_000)
            assert "\n" not in str(exc.value) and list(disk.iterdir()) == []
            with open(disk / "filler", "wb", buffering=0) as fh:  # fill it: the next report cannot fit
                try:
                    while True:
                        fh.write(b"\0" * 4096)
                except OSError:
                    pass
            out = disk / "s.json"
            args = ["summary", str(signed["bundles"]), "--keyring", str(signed["keys"]), "--format", "json"]
            res = CliRunner().invoke(main, [*args, "-o", str(out)])
            assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
            assert len(res.output.strip().splitlines()) == 1 and "disk full" in res.output, res.output
            assert sorted(p.name for p in disk.iterdir()) == ["filler"]
        finally:
            subprocess.run(["umount", str(disk)], capture_output=True, timeout=30)
        return
    code = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
        "from secaudit.core.errors import InputError\n"
        "from secaudit.core.files import atomic_write\n"
        "try:\n"
        "    atomic_write(Path(sys.argv[1]) / 'out.bin', 'x' * 200000)\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    disk.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", code, str(disk)], capture_output=True, text=True, timeout=60)
    assert "cannot write" in done.stdout and len(done.stdout.strip().splitlines()) == 1, done
    assert list(disk.iterdir()) == []


# --------------------------------------------------------------------------- boundaries


def test_verified_bundle_beats_a_newer_unverified_one(signed: dict[str, Any]) -> None:
    keys, bundles = signed["keys"], signed["bundles"]
    newer = bf.assessment("so-a", "portal", assessed_at="2026-11-30T08:00:00+07:00")
    other_key = bf.keypair("intruder", signed["root"] / "other-keys")
    newer_path = bundles / "so-a.portal.2026.newer.json"
    bf.write(bf.sign(newer, other_key), signed["root"]).rename(newer_path)
    s = _summary_json(bundles, keys)
    entry = next(x for a in s["agencies"] for x in a["systems"] if x["id"] == "portal")
    assert entry["file"] == signed["bundle"].name and entry["verified"] is True
    assert s["duplicates"][0]["ignored"] == [newer_path.name]
    # Both verified: the newer assessment wins (the order is "verified, then latest").
    bf.write(bf.sign(newer, signed["key"]), signed["root"]).rename(newer_path)
    s = _summary_json(bundles, keys)
    entry = next(x for a in s["agencies"] for x in a["systems"] if x["id"] == "portal")
    assert entry["file"] == newer_path.name and entry["verified"] is True
    assert s["duplicates"][0]["ignored"] == [signed["bundle"].name]


def test_non_canonical_base64_signature_fails(signed: dict[str, Any]) -> None:
    path, keys = signed["bundle"], signed["keys"]
    b = json.loads(path.read_bytes())
    value = b["signature"]["value"]
    raw = base64.b64decode(value)
    # same 64 bytes: the last data character's 4 unused bits set
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(value[-3])
    spelled = value[:-3] + alphabet[last | 0b0001 if not last & 0b0001 else last & ~0b0001] + "=="
    assert spelled != value and base64.b64decode(spelled, validate=True) == raw
    b["signature"]["value"] = spelled
    path.write_text(json.dumps(b, sort_keys=True, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    res = _verify(path, keys)
    assert res.exit_code == 1 and "not canonical base64" in res.output, res.output
    assert _verified_files(_summary_json(signed["bundles"], keys)) == set()


def _report_with_templates(bundle: Path, templates: Path) -> Any:
    return CliRunner().invoke(main, ["report", str(bundle), "--templates", str(templates), "-o", "-"])


def test_templates_folder_with_a_fifo_template_is_bad_input_not_a_hang(signed: dict[str, Any]) -> None:
    """A user's --templates copy: a FIFO named like a template must not hang the report (Jinja reads
    whatever it opens)."""
    import shutil

    from secaudit.core.resources import data_dir

    templates = signed["root"] / "templates"
    shutil.copytree(data_dir("reports"), templates, ignore=shutil.ignore_patterns("__*"))
    good = _no_hang(_report_with_templates, signed["bundle"], templates)
    assert good.exit_code == 0, good.output
    (templates / "report.html.j2").unlink()
    os.mkfifo(templates / "report.html.j2")
    res = _no_hang(_report_with_templates, signed["bundle"], templates)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln]
    assert len(lines) == 1 and "report.html.j2" in lines[0] and "Traceback" not in res.output
