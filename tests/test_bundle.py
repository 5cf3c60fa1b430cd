"""Signed bundles: keys, canonical JSON, verification (tampering, wrong agency), the verify command."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from secaudit.cli import main
from secaudit.core.errors import InputError
from secaudit.signing.bundle import (
    bundle_filename,
    canonical_json,
    load_bundle,
    sign_assessment,
    unsigned_bundle,
    verify_bundle,
    verify_file,
    write_bundle,
)
from secaudit.signing.keys import generate_keypair, key_id, load_public_key


def assessment(agency: str = "bao-vi-du") -> dict:
    return {
        "province": "Thừa Thiên Huế",
        "agency": {"id": agency, "name": "Báo Ví Dụ"},
        "system": {"id": "portal", "name": "Cổng báo điện tử", "level": 3},
        "profile": "level3",
        "period": "2026",
        "assessed_at": "2026-10-20T08:00:00Z",
        "tool": {"name": "secaudit", "version": "0"},
        "targets": [],
        "requirements": [
            {
                "id": "T.APP.04",
                "kind": "auto",
                "status": "fail",
                "reason": {"vi": "Không đạt: tls.cert.validity", "en": "Failed"},
                "checks": [{"id": "tls.cert.validity", "target": "https://x", "status": "fail"}],
                "attestation": None,
            }
        ],
        "summary": {
            "counts": {"pass": 0, "fail": 1, "not_reviewed": 0, "not_applicable": 0, "error": 0},
            "compliance_pct": 0.0,
            "meets_level": False,
        },
    }


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("keys")
    generate_keypair("bao-vi-du", d)
    generate_keypair("dai-ptth", d)
    return d


def test_keys_generate_mode_and_key_id(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["keys", "generate", "--agency", "tap-chi", "-o", str(tmp_path / "k")])
    assert r.exit_code == 0, r.output
    key, pub = tmp_path / "k" / "tap-chi.key", tmp_path / "k" / "tap-chi.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    raw = load_public_key(pub).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32 and key_id(load_public_key(pub)) == hashlib.sha256(raw).hexdigest()
    assert hashlib.sha256(raw).hexdigest() in r.output
    again = CliRunner().invoke(main, ["keys", "generate", "--agency", "tap-chi", "-o", str(tmp_path / "k")])
    assert again.exit_code == 2 and "already exists" in again.output


def test_canonical_json() -> None:
    assert canonical_json({"b": 1, "a": ["Huế", 1.5]}) == '{"a":["Huế",1.5],"b":1}'.encode()


SCHEMAS = ["secaudit.bundle/1", "secaudit.bundle/2"]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_sign_verify_and_wrong_agency(keyring: Path, schema: str) -> None:
    b = sign_assessment(assessment(), keyring / "bao-vi-du.key", schema)
    assert b["schema"] == schema and b["signature"]["algorithm"] == "ed25519"
    assert b["signature"]["key_id"] == key_id(load_public_key(keyring / "bao-vi-du.pub"))
    ok, reason = verify_bundle(b, keyring)
    assert ok and reason == f"do bao-vi-du ký / signed by bao-vi-du (key {b['signature']['key_id'][:16]}…)"
    # Signed by another agency's key: checked against the bundle's own agency key -> fails.
    forged = sign_assessment(assessment(), keyring / "dai-ptth.key")
    ok, reason = verify_bundle(forged, keyring)
    assert not ok and "key_id" in reason
    # Same key, but the agency field changed to the signer: the signature no longer matches.
    b2 = json.loads(json.dumps(b))
    b2["assessment"]["summary"]["meets_level"] = True
    ok, reason = verify_bundle(b2, keyring)
    assert not ok and "does not match" in reason
    ok, reason = verify_bundle(unsigned_bundle(assessment()), keyring)
    assert not ok and "unsigned" in reason
    stranger = sign_assessment(assessment("unknown-agency"), keyring / "dai-ptth.key")
    ok, reason = verify_bundle(stranger, keyring)
    assert not ok and "no public key" in reason


def test_assess_writes_schema_2_by_default(keyring: Path) -> None:
    assert sign_assessment(assessment(), keyring / "bao-vi-du.key")["schema"] == "secaudit.bundle/2"
    assert unsigned_bundle(assessment())["schema"] == "secaudit.bundle/2"


@pytest.mark.parametrize("schema", SCHEMAS)
def test_one_byte_change_anywhere_fails(keyring: Path, tmp_path: Path, schema: str) -> None:
    path = write_bundle(sign_assessment(assessment(), keyring / "bao-vi-du.key", schema), tmp_path)
    assert path.name == "bao-vi-du.portal.2026.json" == bundle_filename(load_bundle(path))
    assert verify_file(path, keyring)[0]
    data = path.read_bytes()
    # /1 files are indented (as they always were), /2 files compact
    assert (b"\n  " in data) == (schema == "secaudit.bundle/1")
    marker = b'"value": "' if schema.endswith("/1") else b'"value":"'
    sig_at = data.index(marker) + len(marker)
    positions = sorted(
        set(range(0, len(data), 7))
        | {0, len(data) - 1, sig_at, sig_at + 85, sig_at + 86, data.index(b"key_id") + 12, data.index(b"Hu")}
    )
    for pos in positions:
        for new in {data[pos] ^ 0x01, ord(" ") if data[pos] != ord(" ") else ord("\t")}:
            bad = data[:pos] + bytes([new]) + data[pos + 1 :]
            path.write_bytes(bad)
            ok, reason = verify_file(path, keyring)
            assert not ok, f"byte {pos} {data[pos : pos + 1]!r}->{bytes([new])!r} still verifies"
    path.write_bytes(data)
    assert verify_file(path, keyring)[0]


def test_load_bundle_rejects_non_bundles(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text('{"schema": "secaudit.scan/1"}')
    for name in ("a.json", "b.json", "missing.json"):
        with pytest.raises(InputError, match=name):
            load_bundle(tmp_path / name)


def test_verify_command(keyring: Path, tmp_path: Path) -> None:
    good = write_bundle(sign_assessment(assessment(), keyring / "bao-vi-du.key"), tmp_path / "g")
    forged = write_bundle(sign_assessment(assessment(), keyring / "dai-ptth.key"), tmp_path / "f")
    unsigned = write_bundle(unsigned_bundle(assessment()), tmp_path / "u")
    r = CliRunner().invoke(main, ["verify", str(good), "--keyring", str(keyring)])
    assert r.exit_code == 0 and r.output.startswith("OK") and len(r.output.splitlines()) == 1
    r = CliRunner().invoke(main, ["verify", str(good), str(forged), str(unsigned), "--keyring", str(keyring)])
    lines = [ln for ln in r.output.splitlines() if ln.startswith(("OK", "FAILED"))]
    assert r.exit_code == 1
    assert [ln.split()[0] for ln in lines] == ["OK", "FAILED", "FAILED"]
    r = CliRunner().invoke(main, ["verify", str(tmp_path / "nope.json"), "--keyring", str(keyring)])
    assert r.exit_code == 2 and "nope.json" in r.output
    r = CliRunner().invoke(main, ["verify", str(good), "--keyring", str(tmp_path / "nokeys")])
    assert r.exit_code == 2


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag, len(body)]) + body


def test_keyring_key_on_an_unsupported_curve_fails_verification(keyring: Path, tmp_path: Path) -> None:
    # An EC public key on secp112r1: cryptography raises UnsupportedAlgorithm (not a ValueError).
    import base64

    alg = _der(0x30, _der(6, bytes.fromhex("2a8648ce3d0201")) + _der(6, bytes.fromhex("2b81040006")))
    spki = _der(0x30, alg + _der(3, b"\x00\x04" + b"\x01" * 28))
    ring = tmp_path / "ring"
    ring.mkdir()
    (ring / "bao-vi-du.pub").write_bytes(
        b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(spki) + b"\n-----END PUBLIC KEY-----\n"
    )
    with pytest.raises(InputError, match="not a PEM public key"):
        load_public_key(ring / "bao-vi-du.pub")
    good = write_bundle(sign_assessment(assessment(), keyring / "bao-vi-du.key"), tmp_path / "g")
    r = CliRunner().invoke(main, ["verify", str(good), "--keyring", str(ring)])
    assert r.exit_code == 1 and r.output.startswith("FAILED") and "not a PEM public key" in r.output
