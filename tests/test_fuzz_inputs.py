"""Property-based fuzzing of every command that reads a user file (issue 9 point 6).

Real sample files (an inventory, a profile extending level3, an attestation YAML, a signed bundle,
a keyring .pub, a crosswalk) are mutated at the byte level (flips, splices, hostile tokens:
aliases, tags, NUL, BOM, NaN, lone surrogates, deep nesting, huge numbers) and at the structure
level (a value anywhere replaced by a value of another type; bundles then re-signed, so the
deeper readers see them too). Each mutant goes through the commands in-process (click's
CliRunner). Whatever the input:

- the exit code is 0, 1, 2 or 3, and no exception escapes (a traceback is a bug);
- exit 2 prints exactly ONE line, "secaudit: error: ...";
- exit 2 writes nothing in the output folder (no result, no temp file);
- nothing hangs (a per-run alarm turns a hang into a failure).

Bounded for CI: derandomized (reproducible), no example database, fixed max_examples per test;
the whole file runs in well under a minute.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import traceback
from pathlib import Path
from typing import Any

import bundle_factory as bf
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from secaudit.cli import main

EXIT_CODES = {0, 1, 2, 3}
RUN_SECONDS = 120  # one command on one small file takes milliseconds (seconds on a loaded CI box)


# SECAUDIT_FUZZ_SCALE=10 runs ten times the examples (a deeper local run); CI uses the default.
SCALE = float(os.environ.get("SECAUDIT_FUZZ_SCALE", "1"))


def fuzz(n: int) -> settings:
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        # no "explain" phase: it traces every line, which makes a failure report take minutes
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )


# --------------------------------------------------------------------------- samples

PROFILE = """\
# A user profile: level 3 with stricter thresholds and one requirement tailored out.
profile:
  id: so-tt-level3
  extends: level3
  title: {vi: "Cấp độ 3 của Sở", en: "The Department's level 3"}
parameters:
  hsts_min_max_age: 31536000
  session_cookie_patterns: [sess, sid, token]
  risky_ports: {21: ftp, 23: telnet}
tailoring:
  - requirement: M.EOL.01
    status: not_applicable
    justification: "Hệ thống mới / new system"
"""

INVENTORY = """\
province: Thừa Thiên Huế
period: "2026"
target: {level: 3, goal_pct: 100}
agencies:
  - id: so-a
    name: Báo A
    systems:
      - id: portal
        name: Cổng báo
        level: 3
        targets: ["https://127.0.0.1:1"]
"""


class Samples(dict):
    """The seed files; a short repr keeps hypothesis' failure reports readable."""

    def __repr__(self) -> str:
        return "<fuzz samples>"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fuzz-samples")
    keys = root / "keys"
    key = bf.keypair("so-a", keys)
    bundle = bf.write(bf.sign(bf.assessment("so-a", "portal"), key), root)
    inv = root / "inventory.yaml"
    inv.write_text(INVENTORY, encoding="utf-8")
    res = CliRunner().invoke(
        main, ["attest", "template", "--inventory", str(inv), "--agency", "so-a", "--system", "portal"]
    )
    assert res.exit_code == 0, res.output
    att = res.stdout.replace("status: null", "status: compliant", 2).replace(
        "note: null", 'note: "Quyết định 12/QĐ-BTT ngày 01/03/2026"', 2
    )
    att = att.replace("attested_at: null", "attested_at: 2026-09-01", 2)
    att = att.replace("attested_by: null", "attested_by: Nguyễn Văn A", 2)
    crosswalk = sorted((Path(__file__).parent.parent / "checklists").glob("crosswalk-*.yaml"))[0]
    return Samples(
        key=key,
        keys=keys,
        bundle=bundle.read_bytes(),
        bundle_name=bundle.name,
        pub=(keys / "so-a.pub").read_bytes(),
        profile=PROFILE.encode("utf-8"),
        inventory=INVENTORY.encode("utf-8"),
        attestation=att.encode("utf-8"),
        crosswalk=crosswalk.read_bytes(),
        root=root,
    )


# --------------------------------------------------------------------------- strategies

YAML_TOKENS = [
    b"&a ",
    b"*a",
    b"*nowhere",
    b"&a [x, *a]",
    b"!!python/object/apply:os.system [id]",
    b"!!binary aGk=",
    b"!!set {a}",
    b"!!timestamp 2026-01-01",
    b"!!float nan",
    b"? [a, b]\n: 1\n",
    b"{[1]: x}",
    b"{? {a: b}: c}",
    b"[" * 70,
    b"{a: " * 70,
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x1b[31m",
    b"<<: *a\n",
    b"%TAG ! tag:x,2000:\n---\n",
    b"---\n",
    b"...\n",
    b"'",
    b'"',
    b": ",
    b"- ",
    b"\t",
    b"\n  ",
    b"1" * 5000,
    b"9999-99-99",
    b"2026-02-30",
    b"2099-01-01",
    b"~",
    b".nan",
    b"-.inf",
    b"0x1F",
    b"1e999",
    b"yes",
    b"\r",
    b"\xc2\x85",
    "\u2028".encode(),
    b"../../../etc/passwd",
    b"/dev/zero",
    b"level1",
    b"tcvn14423-level3",
]
JSON_TOKENS = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b'"\\ud800"',
    b'"\\udfff"',
    b"1e999",
    b'"a": 1, "a": 2, ',
    b"[" * 70,
    b"]" * 70,
    b"9" * 25,
    b"9007199254740993",
    b"-9007199254740993",
    b",",
    b"}",
    b"]",
    b"{",
    b"[",
    b"null",
    b"true",
    b'""',
    b'"\\u0000"',
    b"\xff",
    b"\xef\xbb\xbf",
    b"\x00",
    b"-0",
    b" ",
    b"\n",
    b'"x": {"y": [1, 2, {"z": null}]}, ',
]


@st.composite
def byte_mutants(draw: st.DrawFn, seed: bytes, tokens: list[bytes]) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "token", "token", "delete", "duplicate", "truncate", "bytes"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(tokens))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "duplicate":
            end = min(len(data), pos + draw(st.integers(1, 200)))
            data[pos:pos] = data[pos:end]
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["level1", "level3", "../x", "/dev/zero", "2026-01-01", "compliant", "pass", "", " "])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def tree_mutants(draw: st.DrawFn, tree: Any, values: st.SearchStrategy[Any] = VALUES) -> Any:
    """The tree with 1-3 nodes replaced by arbitrary values, deleted, or given an extra key."""
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        if not path:
            tree = draw(values)
            continue
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(values)
        else:
            parent.append(draw(values))
    return tree


def yaml_text(tree: Any) -> bytes:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode("utf-8")


# --------------------------------------------------------------------------- the invariant


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang(f"a command ran longer than {RUN_SECONDS} s")


def check(args: list[str], out_dir: Path | None = None) -> int:
    """Run ``secaudit ARGS`` in-process and assert the bad-input contract; the exit code."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(RUN_SECONDS)
    try:
        res = CliRunner().invoke(main, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    exc = res.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"secaudit {' '.join(args)} raised:\n{tb}")
    assert res.exit_code in EXIT_CODES, (args, res.exit_code, res.output)
    if res.exit_code == 2:
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("secaudit: error: "), (args, res.stderr)
        if out_dir is not None:
            assert not any(out_dir.iterdir()), (args, sorted(p.name for p in out_dir.iterdir()))
    return res.exit_code


def _fresh(root: Path, name: str) -> Path:
    d = root / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def _write(folder: Path, name: str, data: bytes) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


# --------------------------------------------------------------------------- profiles


def _profile_cmds(samples: dict[str, Any], data: bytes) -> None:
    work = _fresh(samples["root"], "profile")
    p = _write(work / "in", "prof.yaml", data)
    out = _fresh(work, "out")
    check(["profile", "show", str(p), "--format", "json", "-o", str(out / "p.json")], out)


@fuzz(120)
@given(st.data())
def test_profile_bytes(samples: dict[str, Any], data: st.DataObject) -> None:
    _profile_cmds(samples, data.draw(byte_mutants(samples["profile"], YAML_TOKENS)))


@fuzz(80)
@given(st.data())
def test_profile_structure(samples: dict[str, Any], data: st.DataObject) -> None:
    tree = yaml.safe_load(samples["profile"])
    _profile_cmds(samples, yaml_text(data.draw(tree_mutants(tree))))


# --------------------------------------------------------------------------- crosswalk


@fuzz(25)
@given(st.data())
def test_crosswalk_bytes(samples: dict[str, Any], data: st.DataObject) -> None:
    work = _fresh(samples["root"], "crosswalk")
    p = _write(work / "in", "cw.yaml", data.draw(byte_mutants(samples["crosswalk"], YAML_TOKENS)))
    out = _fresh(work, "out")
    args = [
        "checklist",
        "crosswalk",
        "--from",
        "tcvn-11930-2017",
        "--to",
        "tcvn-14423-2026",
        "--file",
        str(p),
    ]
    check([*args, "--format", "json", "-o", str(out / "cw.json")], out)


# --------------------------------------------------------------------------- inventory + attestations


def _template_cmds(samples: dict[str, Any], inventory: bytes, attestation: bytes | None) -> None:
    work = _fresh(samples["root"], "template")
    inv = _write(work / "in", "inventory.yaml", inventory)
    args = ["attest", "template", "--inventory", str(inv), "--agency", "so-a", "--system", "portal"]
    if attestation is not None:
        atts = work / "in" / "atts"
        _write(atts, "so-a/portal.yaml", attestation)
        args += ["--attestations", str(atts)]
    out = _fresh(work, "out")
    check([*args, "-o", str(out / "t.yaml")], out)


@fuzz(120)
@given(st.data())
def test_inventory_bytes(samples: dict[str, Any], data: st.DataObject) -> None:
    _template_cmds(samples, data.draw(byte_mutants(samples["inventory"], YAML_TOKENS)), None)


@fuzz(80)
@given(st.data())
def test_inventory_structure(samples: dict[str, Any], data: st.DataObject) -> None:
    tree = yaml.safe_load(samples["inventory"])
    _template_cmds(samples, yaml_text(data.draw(tree_mutants(tree))), None)


@fuzz(80)
@given(st.data())
def test_attestation_bytes(samples: dict[str, Any], data: st.DataObject) -> None:
    mutant = data.draw(byte_mutants(samples["attestation"], YAML_TOKENS))
    _template_cmds(samples, samples["inventory"], mutant)


@fuzz(80)
@given(st.data())
def test_attestation_structure(samples: dict[str, Any], data: st.DataObject) -> None:
    tree = yaml.safe_load(samples["attestation"])
    _template_cmds(samples, samples["inventory"], yaml_text(data.draw(tree_mutants(tree))))


@fuzz(6)
@given(st.data())
def test_assess_with_mutated_attestations(samples: dict[str, Any], data: st.DataObject) -> None:
    """assess reads the inventory and the attestations before any probe: a target on a refused
    loopback port keeps the probe part short (http only, 1 s timeout)."""
    work = _fresh(samples["root"], "assess")
    inv = _write(work / "in", "inventory.yaml", samples["inventory"])
    tree = yaml.safe_load(samples["attestation"])
    mutant = data.draw(
        byte_mutants(samples["attestation"], YAML_TOKENS).map(lambda b: b) | tree_mutants(tree).map(yaml_text)
    )
    atts = work / "in" / "atts"
    _write(atts, "so-a/portal.yaml", mutant)
    out = _fresh(work, "out")
    check(
        [
            "assess",
            "--inventory",
            str(inv),
            "--attestations",
            str(atts),
            "--probes",
            "http",
            "--timeout",
            "1",
            "--no-progress",
            "-o",
            str(out),
        ],
        out,
    )


# --------------------------------------------------------------------------- bundles and keys


def _bundle_cmds(samples: dict[str, Any], data: bytes, pub: bytes | None = None) -> None:
    work = _fresh(samples["root"], "bundle")
    bundles = work / "in" / "bundles"
    b = _write(bundles, samples["bundle_name"], data)
    keys = work / "in" / "keys"
    _write(keys, "so-a.pub", samples["pub"] if pub is None else pub)
    verify_code = check(["verify", str(b), "--keyring", str(keys)])
    assert verify_code in (0, 1)  # the file exists: it verifies or it does not
    out = _fresh(work, "out")
    check(
        ["summary", str(bundles), "--keyring", str(keys), "--format", "json", "-o", str(out / "s.json")], out
    )
    if verify_code == 0:  # verify and summary agree on every file
        s = json.loads((out / "s.json").read_text(encoding="utf-8"))
        assert [x["verified"] for a in s["agencies"] for x in a["systems"]] == [True]
    out = _fresh(work, "out")
    check(["report", str(b), "--format", "json", "-o", str(out / "r.json")], out)


@fuzz(120)
@given(st.data())
def test_bundle_bytes(samples: dict[str, Any], data: st.DataObject) -> None:
    _bundle_cmds(samples, data.draw(byte_mutants(samples["bundle"], JSON_TOKENS)))


@fuzz(60)
@given(st.data())
def test_bundle_structure_unsigned_change(samples: dict[str, Any], data: st.DataObject) -> None:
    tree = json.loads(samples["bundle"])
    mutant = data.draw(tree_mutants(tree))
    _bundle_cmds(samples, json.dumps(mutant, ensure_ascii=False, indent=2, allow_nan=True).encode("utf-8"))


SIGNABLE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["pass", "fail", "error", "compliant", "level1", "tcvn-14423-2026", "2026-13-01"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@fuzz(80)
@given(st.data())
def test_bundle_structure_resigned(samples: dict[str, Any], data: st.DataObject) -> None:
    """Hostile content under a valid signature: what an agency can sign with its own key. The
    summary, its re-judging and the report must all cope (or refuse in one line)."""
    assessment = json.loads(samples["bundle"])["assessment"]
    mutant = data.draw(tree_mutants(assessment, SIGNABLE))
    if not isinstance(mutant, dict):
        mutant = {"agency": {"id": "so-a"}, "value": mutant}
    signed = bf.sign(mutant, samples["key"])
    raw = (json.dumps(signed, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    _bundle_cmds(samples, raw)


@fuzz(40)
@given(st.data())
def test_keyring_pub_bytes(samples: dict[str, Any], data: st.DataObject) -> None:
    pub = data.draw(
        byte_mutants(samples["pub"], [b"-----BEGIN PUBLIC KEY-----\n", b"=", b"\x00", b"A" * 100])
    )
    _bundle_cmds(samples, samples["bundle"], pub)


def test_samples_are_valid(samples: dict[str, Any]) -> None:
    """The seeds themselves pass: a mutant's failure is the mutation's doing."""
    work = _fresh(samples["root"], "seeds")
    prof = _write(work, "prof.yaml", samples["profile"])
    assert check(["profile", "show", str(prof)]) == 0
    inv = _write(work, "inventory.yaml", samples["inventory"])
    _write(work / "atts", "so-a/portal.yaml", samples["attestation"])
    args = ["attest", "template", "--inventory", str(inv), "--agency", "so-a", "--system", "portal"]
    assert check([*args, "--attestations", str(work / "atts")]) == 0
    b = _write(work / "bundles", samples["bundle_name"], samples["bundle"])
    _write(work / "keys", "so-a.pub", samples["pub"])
    assert check(["verify", str(b), "--keyring", str(work / "keys")]) == 0
