"""Building blocks of the typed observations every check family reads.

Observations are stored in bundles as plain JSON and read back for re-judging, so they are
untrusted: each family's ``observation.py`` turns the stored dict into frozen dataclasses ONCE,
checking every field a check relies on. A section (or a facet of one, e.g. a certificate's key)
that is missing or malformed becomes ``Broken(reason)``; a check that needs it calls ``need()``,
which raises ``Unavailable`` and ``run_check`` turns that into an ``error`` with the reason. So a
malformed field errors exactly the checks that read it, never crashes, never passes.
The JSON shape itself is the probes' and is not changed here (signed bundles must re-judge alike).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING: Any = object()


@dataclass(frozen=True)
class Broken:
    """A part of an observation the checks cannot use; ``reason`` says why (shown to the user)."""

    reason: str


class Unavailable(Exception):
    """Raised by ``need()``: the check reads a broken part and is ``error`` with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Malformed(ValueError):
    """A field of a stored observation has the wrong type or value; the message names its path."""


def need(part: T | Broken) -> T:
    if isinstance(part, Broken):
        raise Unavailable(part.reason)
    return part


def incomplete(exc: Exception) -> Broken:
    return Broken(f"incomplete observation ({exc})")


def facet(build: Callable[[], T]) -> T | Broken:
    """Build one facet; a malformed field breaks this facet only."""
    try:
        return build()
    except Malformed as exc:
        return incomplete(exc)


def section(
    obs: dict[str, Any], name: str, build: Callable[[dict[str, Any], str], T], *, error_breaks: bool = True
) -> T | Broken:
    """The typed section ``obs[name]``, or ``Broken``: absent, not a mapping, the probe's own
    ``{"error": ...}`` (when ``error_breaks``) or a malformed field."""
    raw = obs.get(name)
    if raw is None:
        return Broken(f"observation has no {name!r} section")
    if not isinstance(raw, dict):
        return Broken(f"incomplete observation ({name} is a {type(raw).__name__}, not a mapping)")
    if error_breaks and raw.get("error"):
        return Broken(f"{name}: {raw['error']}")
    try:
        return build(raw, name)
    except Malformed as exc:
        return incomplete(exc)


# --------------------------------------------------------------------------- field readers
# Each reads d[key] at ``path`` (for messages); ``default`` is used when the key is absent (or
# null); without one the field is required. bool is never accepted as an int (True == 1 in Python).


def _get(d: dict[str, Any], key: str, path: str, default: Any) -> Any:
    v = d.get(key)
    if v is None:
        if default is _MISSING:
            raise Malformed(f"{path}.{key} is missing")
        return default
    return v


def _kind(v: Any) -> str:
    name = type(v).__name__
    return ("an " if name[0] in "aeiou" else "a ") + name


def as_dict(v: Any, path: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise Malformed(f"{path} is {_kind(v)}, not a mapping")
    return v


def _typed(d: dict[str, Any], key: str, path: str, default: Any, ok: Any, noun: str) -> Any:
    """d[key] when ``ok`` accepts it (or the default when absent); else Malformed naming the field."""
    v = _get(d, key, path, default)
    if v is not default and not ok(v):
        raise Malformed(f"{path}.{key} is {_kind(v)}, not {noun}")
    return v


def get_str(d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    return _typed(d, key, path, default, lambda v: isinstance(v, str), "a string")


def get_bool(d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    # "false" would read as true: a hand-edited flag is never guessed at
    return _typed(d, key, path, default, lambda v: isinstance(v, bool), "a boolean")


def get_int(d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    return _typed(d, key, path, default, _is_int, "an integer")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)  # a bool is an int to Python, never to us


def get_list(d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    return _typed(d, key, path, default, lambda v: isinstance(v, list), "a list")


def get_dict(d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    return _typed(d, key, path, default, lambda v: isinstance(v, dict), "a mapping")


def get_strs(d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> tuple[str, ...]:
    items = get_list(d, key, path, default)
    for i, v in enumerate(items):
        if not isinstance(v, str):
            raise Malformed(f"{path}.{key}[{i}] is {_kind(v)}, not a string")
    return tuple(items)


def get_time(d: dict[str, Any], key: str, path: str) -> datetime:
    """An ISO 8601 instant; a missing zone is read as UTC."""
    return parse_time(get_str(d, key, path), f"{path}.{key}")


def parse_time(s: str, path: str = "time") -> datetime:
    try:
        t = datetime.fromisoformat(s.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{path} is not an ISO 8601 date-time ({s[:40]!r})") from None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)
