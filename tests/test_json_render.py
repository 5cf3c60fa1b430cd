"""``jsonio.dumps_pretty`` (what ``summary --format json`` and ``report --format json`` print) is
byte for byte ``json.dumps(ensure_ascii=False, indent=2)``, whichever writer makes it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from secaudit.core import jsonio
from secaudit.core.jsonio import dumps_pretty

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_same_text_as_the_stdlib(value: Any) -> None:
    assert dumps_pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_floats_the_writers_spell_differently_come_from_the_stdlib() -> None:
    # orjson alone would write 0.00001, 1e16 and 1e-7 where Python writes 1e-05, 1e+16, 1e-07
    for v in (1e-05, -0.00001, 1e16, 1.2345e16, 1e-7, 5e-324, 1.7976931348623157e308, 0.0001, 1e15):
        assert dumps_pretty({"v": [v]}) == json.dumps({"v": [v]}, ensure_ascii=False, indent=2), v


def test_final_newline_either_way() -> None:
    for value in ({"v": 95.3}, {"v": 1e-05}, {1: 2}):
        assert dumps_pretty(value, newline=True) == json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def test_non_string_keys_and_huge_integers_fall_back() -> None:
    for value in ({1: "a", 2.5: "b", None: "c"}, {"n": 2**80}, [-(2**65)]):
        assert dumps_pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_without_orjson_the_stdlib_writes(monkeypatch: Any) -> None:
    monkeypatch.setattr(jsonio, "orjson", None)
    value = {"tên": "Sở Thông tin", "pct": 95.3, "ids": ["M.POL.01"]}
    assert dumps_pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_texts_that_look_like_numbers_keep_the_fast_writer() -> None:
    """Hex digests ("…3e5…"), ids and notes are strings: only a number value in exponent form (or
    the spellings orjson writes differently) sends a document to the slow writer."""
    orjson = jsonio.orjson
    if orjson is None:
        return
    value = {
        "sha256": "9f3e5a00e1e2" * 5,
        "note": "1e5: 0.00001 / 12345678901234567.5",
        "list": ["7e7", "0.00001"],
        "pct": 95.3,
        "n": 10_000,
    }
    raw = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    assert jsonio._FLOAT_FORMS.search(raw) is None
    for number in (1e-05, 1e16, 2.5e-7, 12345678901234567.0):
        raw = orjson.dumps({**value, "x": [number]}, option=orjson.OPT_INDENT_2)
        assert jsonio._FLOAT_FORMS.search(raw) is not None, number
