"""`verify` and `summary` give the same answer for every file (DESIGN §10 "Trust").

One valid bundle signed with a key made by the real CLI (`secaudit keys generate`), then a corpus
of malformed and tampered copies. For each file: `verify` exits 0 (verifies) or 1 (does not), never
2 or a traceback; `summary --keyring` exits 0 and counts the file as verified exactly when
`verify` accepted it; a file that is not strict JSON or not a bundle is listed in `not_bundles`.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import bundle_factory as bf
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from secaudit.cli import main

AGENCY = "so-corpus"


def _replace(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert old in raw, old  # the mutation must really happen, or the case proves nothing
    return raw.replace(old, new, 1)


def _signature(raw: bytes) -> str:
    return json.loads(raw)["signature"]["value"]


def _non_canonical_b64(value: str) -> str:
    """The same 64 signature bytes spelled differently: the unused low bits of the last data
    character set (Python's decoder ignores them)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    assert value.endswith("==")
    last = alphabet.index(value[-3])
    other = value[:-3] + alphabet[last | 0b1111 if last & 0b1111 == 0 else last & ~0b1111] + "=="
    assert base64.b64decode(other, validate=True) == base64.b64decode(value)
    assert other != value
    return other


# name -> (mutation of the file bytes, is the result still parseable as a bundle?)
MUTATIONS: dict[str, Any] = {
    "valid": lambda r: r,
    "nan_for_signed_null": lambda r: _replace(r, b'"attestation": null', b'"attestation": NaN'),
    "infinity": lambda r: _replace(r, b'"level": 3', b'"level": Infinity'),
    "minus_infinity": lambda r: _replace(r, b'"level": 3', b'"level": -Infinity'),
    "huge_float": lambda r: _replace(r, b'"level": 3', b'"level": 1e400'),
    # orjson (and the stdlib) keep the LAST of duplicate keys: the signed value comes last here, so a
    # lenient reader verifies this file although its first "period" says 2025.
    "duplicate_key": lambda r: _replace(r, b'"assessment": {\n', b'"assessment": {\n    "period": "2025",\n'),
    "duplicate_key_deep": lambda r: _replace(r, b'"agency": {\n', b'"agency": {\n      "id": "khac",\n'),
    "lone_surrogate": lambda r: _replace(r, b'"province": "', b'"province": "\\ud800'),
    "depth_65": lambda r: _replace(r, b'"attestation": null', b'"attestation": ' + b"[" * 65 + b"]" * 65),
    "int_2_53_plus_1": lambda r: _replace(r, b'"level": 3', b'"level": 9007199254740993'),
    "int_huge": lambda r: _replace(r, b'"level": 3', b'"level": ' + b"9" * 30),
    "bom": lambda r: b"\xef\xbb\xbf" + r,
    "not_utf8": lambda r: _replace(r, b'"province": "', b'"province": "\xff'),
    "trailing_garbage": lambda r: r + b"{}",
    "truncated": lambda r: r[: len(r) // 2],
    "empty": lambda r: b"",
    "not_json": lambda r: b"this is not JSON\n",
    "json_array": lambda r: b"[" + r + b"]",
    "wrong_schema": lambda r: _replace(r, b'"secaudit.bundle/1"', b'"secaudit.bundle/9"'),
    "bad_base64_signature": lambda r: r.replace(_signature(r).encode(), b"!!!not-base64!!!"),
    "unpadded_base64_signature": lambda r: r.replace(
        _signature(r).encode(), _signature(r).rstrip("=").encode()
    ),
    "non_canonical_base64_signature": lambda r: r.replace(
        _signature(r).encode(), _non_canonical_b64(_signature(r)).encode()
    ),
    "layout_changed": lambda r: json.dumps(json.loads(r), ensure_ascii=False, sort_keys=True).encode(),
    "verdict_flipped": lambda r: _replace(r, b'"status": "pass"', b'"status": "fail"'),
}
NOT_BUNDLES = {
    "nan_for_signed_null",
    "infinity",
    "minus_infinity",
    "huge_float",
    "duplicate_key",
    "duplicate_key_deep",
    "lone_surrogate",
    "depth_65",
    "int_2_53_plus_1",
    "int_huge",
    "bom",
    "not_utf8",
    "trailing_garbage",
    "truncated",
    "empty",
    "not_json",
    "json_array",
    "wrong_schema",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("corpus")
    keys = root / "keys"
    done = subprocess.run(
        [sys.executable, "-m", "secaudit", "keys", "generate", "--agency", AGENCY, "-o", str(keys)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    key = serialization.load_pem_private_key((keys / f"{AGENCY}.key").read_bytes(), password=None)
    valid_dir = root / "valid"
    valid_dir.mkdir()
    raw = bf.write(bf.sign(bf.assessment(AGENCY, "portal"), key), valid_dir).read_bytes()
    files: dict[str, Path] = {}
    for name, mutate in MUTATIONS.items():
        folder = root / name
        folder.mkdir(exist_ok=True)
        path = folder / f"{AGENCY}.portal.2026.json"
        path.write_bytes(mutate(raw))
        files[name] = path
    return {"keys": keys, "files": files}


def _summary(folder: Path, keys: Path) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(main, ["summary", str(folder), "--keyring", str(keys), "--format", "json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res.exit_code, json.loads(res.stdout) if res.exit_code == 0 else {}, res.output


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_verify_and_summary_agree(corpus: dict[str, Any], name: str) -> None:
    path, keys = corpus["files"][name], corpus["keys"]
    v = CliRunner().invoke(main, ["verify", str(path), "--keyring", str(keys)])
    assert v.exception is None or isinstance(v.exception, SystemExit), v.output
    assert v.exit_code in (0, 1), v.output  # the file exists: never "bad input", never a crash
    verified_by_verify = v.exit_code == 0
    assert verified_by_verify == (name == "valid"), v.output

    code, data, out = _summary(path.parent, keys)
    assert code == 0, out
    counted = {
        s["file"] for ag in data["agencies"] for s in ag["systems"] if s.get("verified") and s.get("file")
    }
    assert (path.name in counted) == verified_by_verify, (name, data["not_bundles"])
    not_bundles = {nb["file"]: nb["reason"] for nb in data["not_bundles"]}
    assert (path.name in not_bundles) == (name in NOT_BUNDLES), (name, not_bundles)
    if name in NOT_BUNDLES:
        assert "\n" not in not_bundles[path.name] and not_bundles[path.name]
        assert data["totals"]["systems_meeting"] == 0


def test_every_tampered_file_differs_from_the_valid_one(corpus: dict[str, Any]) -> None:
    valid = corpus["files"]["valid"].read_bytes()
    for name, path in corpus["files"].items():
        assert (path.read_bytes() == valid) == (name == "valid"), name


def test_report_refuses_what_verify_calls_malformed(corpus: dict[str, Any], tmp_path: Path) -> None:
    """The per-system report reads bundles with the same strict reader: exit 2, one line, no output."""
    for name in sorted(NOT_BUNDLES):
        out = tmp_path / f"{name}.html"
        res = CliRunner().invoke(main, ["report", str(corpus["files"][name]), "-o", str(out)])
        assert res.exit_code == 2, (name, res.output)
        assert len(res.output.strip().splitlines()) == 1, (name, res.output)
        assert not out.exists() and not list(tmp_path.glob(".*tmp*"))
