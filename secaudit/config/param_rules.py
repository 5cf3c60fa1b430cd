"""Value rules for a profile's parameters, beyond the inherited types (``catalog._parse_parameters``).

A user's profile (DESIGN §5: "a path to a YAML profile file works too") is input like any other: a
value no check can use is refused when the file loads (one line, file and line, exit 2) rather than
turning into an `error` on every target at scan time, or into a threshold that passes everything
(``min_rsa_bits: -1``). Which values make sense comes from profiles/_parameters.yaml (a threshold
is a count, so never negative; an `order` parameter takes one of its listed values).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from secaudit.core.resources import data_dir
from secaudit.core.yamlio import load_yaml

# Parameters whose mapping keys are TCP ports.
_PORT_KEYS = frozenset({"risky_ports"})
# Lists of mappings: the fields an entry may have (the probe reads these) and the one it needs.
_ENTRY_FIELDS = {"sensitive_paths": (frozenset({"path", "match", "what"}), "path")}
_PATTERN_FIELDS = frozenset({"sensitive_paths"})  # whose entries' `match` is a regex on a page


@lru_cache(maxsize=1)
def _directions() -> dict[str, dict[str, Any]]:
    data = load_yaml(data_dir("profiles") / "_parameters.yaml") or {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parameter_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is no usable value of parameter ``name`` (None when it is)."""
    if value is None:
        return None
    spec = _directions().get(name, {})
    stricter = spec.get("stricter")
    if stricter in ("higher", "lower") and _number(value) and value < 0:
        return f"phải ≥ 0 / must be 0 or more, got {value!r}"
    if stricter == "order" and value not in (spec.get("order") or []):
        allowed = ", ".join(map(str, spec.get("order") or []))
        return f"phải là một trong / must be one of {allowed}, got {value!r}"
    if name in _PORT_KEYS and isinstance(value, dict):
        bad = [k for k in value if not (isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 65535)]
        if bad:
            return f"cổng phải từ 1 đến 65535 / ports must be 1-65535, got {bad[0]!r}"
    if name in _ENTRY_FIELDS and isinstance(value, list):
        fields, needed = _ENTRY_FIELDS[name]
        for entry in value:
            if not isinstance(entry, dict):
                continue  # the type rule (inherited items are mappings) already said so
            unknown = sorted(str(k) for k in entry if k not in fields)
            if unknown:
                allowed = ", ".join(sorted(fields))
                return f"trường không hợp lệ / unknown field {unknown[0]!r} (allowed: {allowed})"
            path = entry.get(needed)
            if not isinstance(path, str) or not path.startswith("/"):
                return (
                    f"mỗi mục cần '{needed}' bắt đầu bằng / / every entry needs a '{needed}' starting with /"
                )
            bad = _pattern_problem(entry.get("match"), path) if name in _PATTERN_FIELDS else None
            if bad:
                return bad
    return None


def _pattern_problem(pattern: Any, path: str) -> str | None:
    """Why an entry's ``match`` is no regex of the probe's engine (probes/http/paths.py: ``regex``),
    said at load rather than first at scan time as an error on every target."""
    import regex

    if not pattern:
        return None
    try:
        regex.compile(str(pattern))
    except (regex.error, ValueError, TypeError) as exc:
        return (
            f"`match` của {path!r} không phải biểu thức chính quy hợp lệ / "
            f"the `match` of {path!r} is not a valid regex: {exc}"
        )
    return None
