"""Accepted profiles (DESIGN §10 "Trust"): is an assessment's profile at least the shipped level-N one?

A system counts toward "level N" only if its bundle covers every requirement of the shipped level-N
profile of its catalogue, tailors requirements out only with a justification the inventory accepts,
and sets every parameter as strict as or stricter than the shipped value. Which way is stricter is
data (profiles/_parameters.yaml). Pure functions over plain data, so the summary's worker processes
can call them on untrusted bundle content.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from secaudit.core.model import Profile
from secaudit.core.resources import data_dir
from secaudit.core.yamlio import load_yaml

DIRECTIONS = ("higher", "lower", "order", "superset", "subset", "equal", "any")


@lru_cache(maxsize=1)
def strictness() -> dict[str, dict[str, Any]]:
    """Parameter name -> {stricter: direction, ...} (profiles/_parameters.yaml)."""
    data = load_yaml(data_dir("profiles") / "_parameters.yaml") or {}
    out = {}
    for name, spec in data.items():
        if not isinstance(spec, dict) or spec.get("stricter") not in DIRECTIONS:
            raise ValueError(f"profiles/_parameters.yaml: {name}: 'stricter' must be one of {DIRECTIONS}")
        out[str(name)] = dict(spec)
    return out


@lru_cache(maxsize=32)
def shipped_profile(catalog_id: str, level: int) -> Profile | None:
    """The shipped profile for ``level`` of catalogue ``catalog_id`` (level3, tcvn14423-level3...)."""
    from secaudit.config.catalog import load_profile, profile_names
    from secaudit.core.errors import InputError

    for name in profile_names():
        try:
            p = load_profile(name)
        except InputError:
            continue
        if p.catalog == catalog_id and p.level == level and not p.tailoring:
            return p
    return None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _items(v: Any, key: str | None) -> set[str] | None:
    if isinstance(v, dict):
        return {str(k) for k in v}
    if isinstance(v, list):
        if key:
            return {str(x.get(key)) if isinstance(x, dict) else repr(x) for x in v}
        return {str(x) for x in v}
    return None


def _norm(v: Any) -> Any:
    """JSON turns mapping keys into text (risky_ports 21 -> "21"): compare the two alike."""
    if isinstance(v, dict):
        return {str(k): _norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def weaker(name: str, shipped: Any, value: Any) -> str | None:
    """Why ``value`` is weaker than the shipped ``shipped`` for parameter ``name``, or None."""
    spec = strictness().get(name)
    if spec is None:
        same = _norm(value) == _norm(shipped)
        return None if same else "no declared direction: must equal the shipped value"
    how = spec["stricter"]
    if how == "any":
        return None
    if how == "equal":
        return None if _norm(value) == _norm(shipped) else f"must equal {shipped!r}"
    if shipped is None:  # the shipped level leaves it open: any setting is at least as strict
        return None
    if value is None:
        return f"not set (shipped: {shipped!r})"
    if how in ("higher", "lower"):
        a, b = _num(value), _num(shipped)
        if a is None or b is None:
            return f"not a number ({value!r})"
        if (how == "higher" and a < b) or (how == "lower" and a > b):
            return f"{value!r} is weaker than the shipped {shipped!r} ({how} is stricter)"
        return None
    if how == "order":
        order = [str(x) for x in spec.get("order") or []]
        if str(value) not in order or str(shipped) not in order:
            return f"{value!r} is not one of {', '.join(order)}"
        if order.index(str(value)) < order.index(str(shipped)):
            return f"{value!r} is weaker than the shipped {shipped!r}"
        return None
    got, base = _items(value, spec.get("key")), _items(shipped, spec.get("key"))
    if got is None or base is None:
        return f"must be a list or mapping like the shipped value, got {type(value).__name__}"
    if how == "superset":
        lost = sorted(base - got)
        return f"drops {', '.join(lost)}" if lost else None
    extra = sorted(got - base)  # subset
    return f"adds {', '.join(extra)}" if extra else None


def parameter_problems(shipped: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str]]:
    """(parameter, why) for every parameter weaker than the shipped profile's (``now`` is not one)."""
    out = []
    for name in sorted(set(shipped) | set(params)):
        if name == "now":
            continue
        if name not in shipped:
            spec = strictness().get(name)
            if spec is None or spec["stricter"] != "any":
                out.append((name, "not a parameter of the shipped profile"))
            continue
        why = weaker(name, shipped[name], params.get(name))
        if why:
            out.append((name, why))
    return out
