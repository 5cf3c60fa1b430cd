"""The host probe's stored observation, typed once per host (checks/observation.py explains why).

One observation per declared host (pseudo-target ``host://NAME``)::

    {"host": "srv01", "os": "debian-12", "imports": [IMPORT, ...]}

(``imports`` empty: no result imported for the host, every host check is ``error``).
An IMPORT is one engine's normalised result (secaudit/probes/host/normalise.py): ``engine``
(openscap | scc | xccdf | lynis), ``engine_version``, ``benchmark``, ``content_version``,
``profile``, ``ran_at``, ``sha256``, ``os`` (the OS the content or the engine names), ``container``,
``counts`` (results per status, whole file), and either ``results`` (rule id -> XCCDF result) and
``set_values`` (value id -> text), or ``facts`` (Lynis key -> value).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from secaudit.checks.observation import Broken, Malformed, as_dict, get_bool, get_str, parse_time

XCCDF_RESULTS = frozenset(
    {
        "pass",
        "fail",
        "error",
        "unknown",
        "notapplicable",
        "notchecked",
        "notselected",
        "informational",
        "fixed",
    }
)


@dataclass(frozen=True)
class Import:
    engine: str
    engine_version: str
    benchmark: str
    content_version: str
    profile: str
    ran_at: datetime | Broken
    sha256: str
    os: str
    container: bool
    counts: dict[str, int]
    results: dict[str, str]  # xccdf engines
    set_values: dict[str, str]
    facts: dict[str, Any]  # lynis

    @property
    def is_lynis(self) -> bool:
        return self.engine == "lynis"

    def label(self) -> str:
        return f"{self.engine} {self.engine_version}".strip()


@dataclass(frozen=True)
class HostObservation:
    host: str
    os: str  # declared in the inventory ("" when not)
    imports: tuple[Import | Broken, ...]


def _str_map(d: dict[str, Any], key: str, path: str) -> dict[str, str]:
    raw = as_dict(d.get(key) or {}, f"{path}.{key}")
    for k, v in raw.items():
        if not isinstance(v, str):
            raise Malformed(f"{path}.{key}.{k} is not a string")
    return dict(raw)


def _import(d: Any, path: str) -> Import | Broken:
    try:
        d = as_dict(d, path)
        engine = get_str(d, "engine", path)
        try:
            ran_at: datetime | Broken = parse_time(get_str(d, "ran_at", path), f"{path}.ran_at")
        except Malformed as exc:
            ran_at = Broken(str(exc))
        counts = as_dict(d.get("counts") or {}, f"{path}.counts")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
            raise Malformed(f"{path}.counts holds a non-integer")
        results = _str_map(d, "results", path)
        bad = sorted(v for v in results.values() if v not in XCCDF_RESULTS)
        if bad:
            raise Malformed(f"{path}.results holds an unknown result {bad[0]!r}")
        facts = as_dict(d.get("facts") or {}, f"{path}.facts")
        return Import(
            engine=engine,
            engine_version=get_str(d, "engine_version", path, ""),
            benchmark=get_str(d, "benchmark", path, ""),
            content_version=get_str(d, "content_version", path, ""),
            profile=get_str(d, "profile", path, ""),
            ran_at=ran_at,
            sha256=get_str(d, "sha256", path, ""),
            os=get_str(d, "os", path, ""),
            container=get_bool(d, "container", path, False),
            counts=dict(counts),
            results=results,
            set_values=_str_map(d, "set_values", path),
            facts=dict(facts),
        )
    except Malformed as exc:
        return Broken(f"incomplete observation ({exc})")


def parse(obs: dict[str, Any]) -> HostObservation:
    host = get_str(obs, "host", "observation")
    imports = obs.get("imports")
    if not isinstance(imports, list):
        raise Malformed("observation.imports is missing or not a list")
    typed = tuple(_import(d, f"observation.imports[{i}]") for i, d in enumerate(imports))
    return HostObservation(host, get_str(obs, "os", "observation", ""), typed)
