"""The fast JSON path never changes a verification verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secaudit.core import jsonio as fastjson
from secaudit.signing.bundle import sign_assessment, verify_bundle
from secaudit.signing.keys import generate_keypair


@pytest.fixture()
def keyring(tmp_path: Path) -> Path:
    generate_keypair("bao-a", tmp_path)
    return tmp_path


def _assessment(extra: dict) -> dict:
    return {
        "agency": {"id": "bao-a", "name": "Báo A — thử"},
        "system": {"id": "s", "name": "S", "level": 3},
        "period": "2026",
        **extra,
    }


@pytest.mark.parametrize("value", [1e16, 90.3, 0.1 + 0.2, 2**53, -(2**53), "\u2028 \x1f «»", -0.0])
def test_signed_bundles_verify_whatever_encoder_is_faster(keyring: Path, value: object) -> None:
    bundle = sign_assessment(_assessment({"x": value}), keyring / "bao-a.key")
    reparsed = fastjson.loads(json.dumps(bundle, ensure_ascii=False))
    ok, reason = verify_bundle(reparsed, keyring)
    assert ok, reason
    reparsed["assessment"]["x"] = "changed"
    assert verify_bundle(reparsed, keyring)[0] is False


def test_candidates_end_with_the_reference_form() -> None:
    obj = {"b": 1e16, "a": "ễ"}
    forms = list(fastjson.canonical_candidates(obj))
    assert forms[-1] == json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    with pytest.raises(ValueError):
        list(fastjson.canonical_candidates({"x": float("nan")}))


def test_loads_words_errors_like_the_stdlib() -> None:
    with pytest.raises(ValueError):
        fastjson.loads(b"{not json")
    with pytest.raises(ValueError, match="NaN"):  # the stdlib accepts NaN; the strict reader does not
        fastjson.loads(b'{"a": NaN}')
