"""Checks: pure functions from one probe's observation (+ profile parameters) to a verdict.

Each probe family has a module (tls.py, http.py, ports.py) whose functions are registered with
``@check("id")``, and a YAML file beside it (tls.yaml...) holding the check's metadata: probe,
severity, titles, message templates per outcome and remediation text, in Vietnamese and English.
Check functions never do I/O; they return an ``Outcome`` whose ``key`` selects the message.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.model import CheckResult, Lang
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml

FAMILIES = ("tls", "http", "ports")


@dataclass
class Outcome:
    status: str  # pass | fail | warn | error | not_applicable
    key: str = ""  # message key in the metadata; defaults to the status
    params: dict[str, Any] = field(default_factory=dict)  # values for the message template
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckContext:
    """What a check may know besides the observation: the target and the profile parameters."""

    host: str
    port: int
    params: dict[str, Any]
    expected_ports: list[int] | None = None
    scheme: str = "https"


CheckFunc = Callable[[dict[str, Any], CheckContext], Outcome]
_REGISTRY: dict[str, CheckFunc] = {}


def check(check_id: str) -> Callable[[CheckFunc], CheckFunc]:
    def deco(func: CheckFunc) -> CheckFunc:
        _REGISTRY[check_id] = func
        return func

    return deco


@lru_cache(maxsize=1)
def metadata() -> dict[str, dict[str, Any]]:
    """All check metadata, keyed by check id (cheap: no probe library is imported)."""
    out: dict[str, dict[str, Any]] = {}
    for fam in FAMILIES:
        path = package_file(f"checks/{fam}.yaml")
        if not path.exists():
            continue
        data = load_yaml(path) or {}
        for cid, meta in data.items():
            if cid.startswith("_"):
                continue
            meta = dict(meta)
            meta.setdefault("probe", fam)
            out[cid] = meta
    return out


def known_check_ids() -> set[str]:
    return set(metadata())


def registry() -> dict[str, CheckFunc]:
    for fam in FAMILIES:
        try:
            importlib.import_module(f"{__name__}.{fam}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{fam}":
                raise
    return _REGISTRY


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt(template: Lang | None, params: dict[str, Any]) -> Lang:
    if not template:
        return {}
    vals = _SafeDict({k: _show(v) for k, v in params.items()})
    return {lang: str(s).format_map(vals) for lang, s in template.items()}


def _show(v: Any) -> str:
    if isinstance(v, (list, tuple, set)):
        return ", ".join(str(x) for x in v) or "-"
    return str(v)


GENERIC_MESSAGES: dict[str, Lang] = {
    "error": {"vi": "Không kiểm tra được: {reason}", "en": "Could not be checked: {reason}"},
    "not_applicable": {"vi": "Không áp dụng: {reason}", "en": "Not applicable: {reason}"},
}


def make_result(check_id: str, outcome: Outcome) -> CheckResult:
    meta = metadata().get(check_id)
    if meta is None:
        raise KeyError(f"no metadata for check {check_id!r}")
    messages = meta.get("messages") or {}
    template = (
        messages.get(outcome.key or outcome.status)
        or messages.get(outcome.status)
        or GENERIC_MESSAGES.get(outcome.status)
    )
    params = dict(outcome.params)
    params.setdefault("reason", outcome.evidence.get("reason", ""))
    return CheckResult(
        id=check_id,
        status=outcome.status,
        severity=meta.get("severity", "medium"),
        title=dict(meta.get("title") or {}),
        summary=_fmt(template, params),
        evidence=outcome.evidence,
        remediation=dict(meta.get("remediation") or {}),
        probe=meta.get("probe", ""),
    )


def error_result(check_id: str, reason: str) -> CheckResult:
    return make_result(check_id, Outcome("error", "error", {"reason": reason}, {"reason": reason}))


def run_check(check_id: str, observation: dict[str, Any] | None, ctx: CheckContext) -> CheckResult:
    """Judge one check. A missing or failed observation is an ``error`` - never a pass."""
    if observation is None:
        return error_result(check_id, "probe did not run / không có dữ liệu thu thập")
    if not isinstance(observation, dict):
        kind = type(observation).__name__
        return error_result(check_id, f"incomplete observation (a {kind}, not a mapping)")
    if observation.get("error"):
        return error_result(check_id, str(observation["error"]))
    func = registry().get(check_id)
    if func is None:
        return error_result(check_id, f"no implementation for {check_id}")
    try:
        outcome = func(observation, ctx)
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        # Observations from an old or hand-edited bundle may lack fields: say so, never pass.
        return error_result(check_id, f"incomplete observation ({type(exc).__name__}: {exc})")
    return make_result(check_id, outcome)


def checks_for_probe(probe: str) -> list[str]:
    return [cid for cid, meta in metadata().items() if meta.get("probe") == probe]


def validate_metadata() -> None:
    """Every check id has metadata with the required fields, and a function."""
    reg = registry()
    for cid, meta in metadata().items():
        for key in ("severity", "title", "remediation", "messages"):
            if key not in meta:
                raise InputError(f"check metadata misses {key!r}", entry=cid)
        if cid not in reg:
            raise InputError("check has metadata but no function", entry=cid)
