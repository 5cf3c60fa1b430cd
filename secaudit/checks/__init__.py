"""Checks: pure functions from one probe's typed observation (+ profile parameters) to a verdict.

Where a check lives follows from its id: ``<family>.<area>[.<name>]`` is implemented in
``secaudit/checks/<family>/<area>.py`` (registered with ``@check("id")``) and described in
``<area>.yaml`` beside it (probe, severity, titles, message templates per outcome, remediation, in
Vietnamese and English); e.g. ``http.cookies`` -> checks/http/cookies.py + cookies.yaml,
``tls.cert.validity`` -> checks/tls/cert.py + cert.yaml. Tests: tests/test_<family>_checks.py.
Each family package lists its modules in ``MODULES`` (that order is the order of the results)
and types its probe's stored observation in ``observation.py`` (``parse``), built once per
target and probe; checks read only the typed objects. Check functions never do I/O; they return
an ``Outcome`` whose ``key`` selects the message.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from types import ModuleType
from typing import Any

from secaudit.checks.observation import Unavailable, parse_time
from secaudit.core.errors import InputError
from secaudit.core.model import CheckResult, Lang
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml

FAMILIES = ("tls", "http", "ports", "dns", "mail", "web", "host")
SHOW_MAX = 8  # items listed in a summary; the evidence keeps them all


@dataclass
class Outcome:
    status: str  # pass | fail | warn | error | not_applicable
    key: str = ""  # message key in the metadata; defaults to the status
    params: dict[str, Any] = field(default_factory=dict)  # values for the message template
    evidence: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def error(cls, reason: str, evidence: dict[str, Any] | None = None) -> Outcome:
        return cls("error", "error", {"reason": reason}, (evidence or {}) | {"reason": reason})


@dataclass
class CheckContext:
    """What a check may know besides the observation: the target and the profile parameters."""

    host: str
    port: int
    params: dict[str, Any]
    expected_ports: list[int] | None = None
    scheme: str = "https"
    now: datetime | None = None  # the instant judged at (re-judging, tests); None: the clock

    def reference_time(self) -> datetime:
        """``now``, else the ``now`` parameter (tests), else the clock - always time-zone aware."""
        now = self.now if self.now is not None else self.params.get("now")
        if isinstance(now, datetime):
            return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        if now:
            return parse_time(str(now), "now")
        return datetime.now(timezone.utc)


CheckFunc = Callable[[Any, CheckContext], Outcome]  # (the family's typed observation, context)
_REGISTRY: dict[str, CheckFunc] = {}


def check(check_id: str) -> Callable[[CheckFunc], CheckFunc]:
    def deco(func: CheckFunc) -> CheckFunc:
        _REGISTRY[check_id] = func
        return func

    return deco


def _family(fam: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{fam}")


@lru_cache(maxsize=1)
def metadata() -> dict[str, dict[str, Any]]:
    """All check metadata, keyed by check id (cheap: no probe library is imported)."""
    out: dict[str, dict[str, Any]] = {}
    for fam in FAMILIES:
        for mod in _family(fam).MODULES:
            path = package_file(f"checks/{fam}/{mod}.yaml")
            data = load_yaml(path) or {}
            for cid, meta in data.items():
                if cid.startswith("_"):
                    continue
                if not cid.startswith(f"{fam}.{mod}"):
                    # the id names the file: a newcomer must find it in one guess
                    raise InputError(
                        f"mã kiểm tra không thuộc checks/{fam}/{mod}.yaml / "
                        f"check id does not belong in checks/{fam}/{mod}.yaml",
                        entry=cid,
                    )
                meta = dict(meta)
                meta.setdefault("probe", fam)
                out[cid] = meta
    return out


def known_check_ids() -> set[str]:
    return set(metadata())


_REGISTRY_LOADED: list[bool] = []  # once per process: run_check asks for every check of every bundle


def registry() -> dict[str, CheckFunc]:
    if not _REGISTRY_LOADED:
        for fam in FAMILIES:
            for mod in _family(fam).MODULES:
                importlib.import_module(f"{__name__}.{fam}.{mod}")
        _REGISTRY_LOADED.append(True)
    return _REGISTRY


def parse_observation(probe: str, observation: dict[str, Any]) -> Any:
    """The family's typed observation (``<family>/observation.py``); never raises on bad data."""
    return _family(probe).parse(observation)


def shown(items: list[str], limit: int = SHOW_MAX) -> list[str]:
    """At most ``limit`` items for a summary, then how many more."""
    return items if len(items) <= limit else [*items[:limit], f"... (+{len(items) - limit})"]


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


def _unusable(observation: Any) -> str | None:
    """Why a whole observation cannot be judged (then every check of its probe is ``error``)."""
    if observation is None:
        return "không có dữ liệu thu thập / probe did not run"
    if not isinstance(observation, dict):
        return f"incomplete observation (a {type(observation).__name__}, not a mapping)"
    if observation.get("error"):
        return str(observation["error"])
    return None


# Observations from an old or hand-edited bundle may defeat even the typed layer: say so, never pass.
_ODD = (LookupError, TypeError, ValueError, AttributeError)


def _judge(check_id: str, typed: Any, ctx: CheckContext) -> CheckResult:
    func = registry().get(check_id)
    if func is None:
        return error_result(check_id, f"no implementation for {check_id}")
    try:
        outcome = func(typed, ctx)
    except Unavailable as exc:
        return error_result(check_id, exc.reason)
    except _ODD as exc:
        return error_result(check_id, f"incomplete observation ({type(exc).__name__}: {exc})")
    return make_result(check_id, outcome)


def _typed(probe: str, observation: dict[str, Any]) -> tuple[Any, str | None]:
    try:
        return parse_observation(probe, observation), None
    except _ODD as exc:
        return None, f"incomplete observation ({type(exc).__name__}: {exc})"


def run_check(check_id: str, observation: dict[str, Any] | None, ctx: CheckContext) -> CheckResult:
    """Judge one check. A missing, failed or malformed observation is an ``error`` - never a pass."""
    if reason := _unusable(observation):
        return error_result(check_id, reason)
    meta = metadata().get(check_id)
    if meta is None or check_id not in registry():
        return error_result(check_id, f"no implementation for {check_id}")
    typed, reason = _typed(meta["probe"], observation)  # type: ignore[arg-type]
    if reason:
        return error_result(check_id, reason)
    return _judge(check_id, typed, ctx)


def run_probe_checks(probe: str, observation: dict[str, Any] | None, ctx: CheckContext) -> list[CheckResult]:
    """Every check of ``probe``, from one observation typed once (what scans and re-judging use)."""
    ids = checks_for_probe(probe)
    if (reason := _unusable(observation)) is None:
        typed, reason = _typed(probe, observation)  # type: ignore[arg-type]
    if reason:
        return [error_result(cid, reason) for cid in ids]
    return [_judge(cid, typed, ctx) for cid in ids]


def checks_for_probe(probe: str) -> list[str]:
    return [cid for cid, meta in metadata().items() if meta.get("probe") == probe]


def validate_metadata() -> None:
    """Every check id has metadata with the required fields, and a function."""
    reg = registry()
    for cid, meta in metadata().items():
        for key in ("severity", "title", "remediation", "messages"):
            if key not in meta:
                raise InputError(f"mô tả kiểm tra thiếu {key!r} / check metadata misses {key!r}", entry=cid)
        if cid not in reg:
            raise InputError(
                "kiểm tra có mô tả nhưng không có hàm / check has metadata but no function", entry=cid
            )
