"""JSON for bundles: ONE strict reader (DESIGN §10 "Trust") and the canonical encodings.

``loads_strict`` is what every bundle path uses (verify, summary, report, rejudge). Malformed, and so
never a bundle: invalid UTF-8, a byte-order mark (RFC 8259 §8.1: JSON text is never written with
one; secaudit never writes one, and the byte-exact check of ``verify`` would refuse it anyway, so
refusing it here keeps ``verify`` and ``summary`` agreeing), ``NaN``/``Infinity``/``-Infinity`` or a
number too large for a double, duplicate keys at any depth, lone surrogates (``"\\ud800"``), nesting
deeper than ``MAX_DEPTH``, integers beyond ±2^53 (``MAX_INT``: what every JSON reader agrees on),
trailing garbage.

The stdlib reader with hooks is the reference. orjson (when installed) is a fast path that may only
say "yes, and here is the same value": it already refuses NaN, Infinity, lone surrogates, a BOM and
trailing content; what it lets through is found by cheap whole-buffer checks on its output (see
``_fast``), and anything those checks cannot rule out goes to the reference reader.

Signatures are made over the stdlib's canonical form (``bundle.canonical_json``). orjson's sorted
compact output is the same bytes for every bundle secaudit writes; where it ever differs (exotic
floats), verification falls back to the stdlib form, so speed never changes a verdict.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

try:  # optional accelerator
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is absent
    orjson = None  # type: ignore[assignment]

MAX_DEPTH = 64  # bundles nest 8 levels deep
MAX_INT = 2**53  # |n| <= 2^53: exact in every JSON implementation (IEEE doubles)


class MalformedJSON(InputError, ValueError):
    """Not strict JSON. An InputError (one line, exit 2) and a ValueError (what JSON readers raise)."""


# orjson reads integers beyond 64 bits as floats: leave any run of 20+ digits to the reference
# reader (integers of up to 64 bits come back as ints, and OPT_STRICT_INTEGER below refuses those
# beyond 2^53). bytes.translate + a substring search is ~10x faster than a regex on 150 KB.
_DIGIT_MASK = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
_LONG_RUN = b"0" * 20
# orjson's 2-space indented output puts every element of a container at depth d on a new line
# indented 2*d: a line indented 2*MAX_DEPTH or more may hold a container too deep.
_DEEP_LINE = b"\n" + b" " * (2 * MAX_DEPTH)
_U_ESCAPE = re.compile(rb"\\u")  # 3x faster than `b"\\u" in raw` (CPython's 2-byte substring search)


def _fail(reason: str, path: str | Path | None) -> MalformedJSON:
    return MalformedJSON(f"JSON không hợp lệ / malformed JSON: {reason}", path)


def _fast(raw: bytes) -> tuple[bool, Any]:
    """(True, value) when orjson's reading is certainly the reference's; (False, None) when unsure."""
    if orjson is None or _U_ESCAPE.search(raw) or _LONG_RUN in raw.translate(_DIGIT_MASK):
        return False, None
    try:
        value = orjson.loads(raw)
        again = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_STRICT_INTEGER)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return False, None  # the reference reader words the error
    # Colons outside strings separate members; inside strings they are kept as they are (no \u
    # escapes here). orjson keeps the last of duplicate keys, so fewer colons come back.
    if raw.count(b":") != again.count(b":") or _DEEP_LINE in again:
        return False, None
    return True, value


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"khóa bị trùng / duplicate key {dup!r}")
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} không phải số JSON / {name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"số quá lớn / number {text[:20]} is too large")
    return value


def _int(text: str) -> int:
    if len(text) > 20:  # int() of a huge digit string is slow (and refused beyond 4 300 digits)
        raise ValueError(f"số nguyên vượt ±2^53 / integer {text[:20]}… beyond ±2^53")
    value = int(text)
    if not -MAX_INT <= value <= MAX_INT:
        raise ValueError(f"số nguyên vượt ±2^53 / integer {text} beyond ±2^53")
    return value


def _check_tree(value: Any) -> None:
    """Depth and lone surrogates, which the stdlib's hooks cannot see."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"lồng sâu quá {MAX_DEPTH} mức / nested deeper than {MAX_DEPTH} levels")
        items = node.items() if isinstance(node, dict) else ((None, v) for v in node)
        for key, val in items:
            for s in (key, val):
                if isinstance(s, str):
                    try:
                        s.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ValueError(
                            "chuỗi chứa surrogate lẻ / lone surrogate in a string (\\ud800-\\udfff)"
                        ) from None
            if isinstance(val, (dict, list)):
                stack.append((val, depth + 1))


def _reference(raw: bytes) -> Any:
    text = raw.decode("utf-8")  # strict: invalid UTF-8 and encoded surrogates raise
    if text.startswith("\ufeff"):
        raise ValueError("bắt đầu bằng dấu BOM / starts with a byte-order mark (BOM)")
    value = json.loads(
        text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float, parse_int=_int
    )
    if isinstance(value, (dict, list)):
        _check_tree(value)
    elif isinstance(value, str):
        _check_tree([value])
    return value


def loads_strict(data: bytes | str, path: str | Path | None = None) -> Any:
    """The one strict JSON reader: the value, or MalformedJSON (an InputError naming ``path``)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    ok, value = _fast(raw)
    if ok:
        return value
    try:
        return _reference(raw)
    except UnicodeDecodeError as exc:
        raise _fail(f"không phải UTF-8 / not UTF-8 (byte {exc.start})", path) from None
    except RecursionError:
        raise _fail(f"lồng sâu quá {MAX_DEPTH} mức / nested deeper than {MAX_DEPTH} levels", path) from None
    except json.JSONDecodeError as exc:
        raise _fail(
            f"{exc.msg} (dòng {exc.lineno} cột {exc.colno} / line {exc.lineno} column {exc.colno})", path
        ) from None
    except ValueError as exc:
        raise _fail(str(exc), path) from None


def loads(data: bytes | str) -> Any:
    """``loads_strict`` without a file name (kept for callers of the former lenient reader)."""
    return loads_strict(data)


def stdlib_canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def canonical_candidates(obj: Any) -> Iterator[bytes]:
    """The canonical bytes of ``obj``: the fast encoding first, then the reference one if different."""
    fast = None
    if orjson is not None:
        try:
            fast = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            fast = None
        if fast is not None:
            yield fast
    ref = stdlib_canonical(obj)  # raises ValueError for NaN/Infinity, as signing would
    if ref != fast:
        yield ref


def fast_form(obj: Any, indent: bool) -> bytes | None:
    """orjson's sorted rendering of ``obj`` (2-space indented or compact) + newline, None without orjson.

    The same bytes as the stdlib's for every bundle secaudit writes, ~20x faster: the byte-exact
    layout check of bundles tries it first and the reference form only when it differs.
    """
    if orjson is None:
        return None
    opt = orjson.OPT_SORT_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(obj, option=opt) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        return None


# Floats the two writers spell differently: Python writes an exponent below 1e-4 and from 1e16 (orjson
# "0.00001" and "1e16"). In indented output a number is a whole value: after '": ' or alone on its
# line (a string never spans lines), so hex digests and texts like "1e5" inside strings do not match.
_NUMBER_END = rb",?$"
_FLOAT_FORMS = re.compile(
    rb"(?:: |^ *)(?:-?[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+|-?0\.0000[0-9]*|-?[0-9]{16,}\.[0-9]+)" + _NUMBER_END,
    re.MULTILINE,
)


def dumps_pretty_bytes(obj: Any) -> bytes:
    """``json.dumps(obj, ensure_ascii=False, indent=2) + "\\n"`` as UTF-8: the same bytes, from
    orjson when it can say them (~10x faster, and without the stdlib's list of millions of small
    chunks: ~300 MB for a 10 000-system summary). Output where the two could differ (a float in
    exponent form, a non-string key, a value orjson cannot hold) is the stdlib's. orjson writes NaN
    as null where the stdlib writes the invalid NaN; nothing secaudit renders holds one."""
    if orjson is not None:
        try:
            raw = orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        except (TypeError, orjson.JSONEncodeError):
            raw = None
        if raw is not None and not _FLOAT_FORMS.search(raw):
            return raw
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def dumps_pretty(obj: Any, newline: bool = False) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` (``newline``: and a final newline), the
    text of ``dumps_pretty_bytes``."""
    text = dumps_pretty_bytes(obj).decode("utf-8")
    return text if newline else text[:-1]
