"""Dataclasses shared by every layer (catalogue, probes, checks, evaluation, reports).

Observations are plain JSON-able dicts (one per probe and target) so that they can be stored in a
bundle and re-judged later without rescanning; everything else is typed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Lang = dict[str, str]  # {"vi": "...", "en": "..."}: every user-facing text exists in both languages

LANGS = ("vi", "en")
CHECK_STATUSES = ("pass", "fail", "warn", "error", "not_applicable")
VERDICT_STATUSES = ("pass", "fail", "not_reviewed", "not_applicable", "error")
SEVERITIES = ("critical", "high", "medium", "low", "info")
KINDS = ("auto", "partial", "manual")
FAMILIES = ("management", "technical")
CONFIDENCES = ("verified", "secondary", "recollection")
PROBES = ("tls", "http", "ports", "dns", "mail")
ATTEST_STATUSES = ("compliant", "non_compliant", "not_applicable")


def text(lang_map: Lang | str | None, lang: str = "vi") -> str:
    """Pick one language from a {vi, en} map, falling back to the other.

    A plain string (a hand-made or older file) stands for both languages; anything else is "".
    """
    if isinstance(lang_map, str):
        return lang_map
    if not isinstance(lang_map, dict) or not lang_map:
        return ""
    return str(lang_map.get(lang) or lang_map.get("vi") or lang_map.get("en") or "")


# --------------------------------------------------------------------------- catalogue


@dataclass
class Requirement:
    id: str
    sections: dict[int, str]  # level -> clause of the standard at that level
    title: Lang
    description: Lang
    group: str
    family: str  # management | technical
    kind: str  # auto | partial | manual
    checks: list[str]
    evidence: Lang
    source: str
    confidence: str
    line: int | None = None
    parameters: list[str] = field(default_factory=list)  # profile parameters holding its thresholds

    @property
    def levels(self) -> list[int]:
        return sorted(self.sections)

    def section(self, level: int | None = None) -> str:
        if level is not None and level in self.sections:
            return self.sections[level]
        return self.sections[max(self.sections)] if 3 not in self.sections else self.sections[3]

    def to_dict(self, level: int | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section(level),
            "sections": {str(k): v for k, v in sorted(self.sections.items())},
            "title": dict(self.title),
            "description": dict(self.description),
            "group": self.group,
            "family": self.family,
            "levels": self.levels,
            "kind": self.kind,
            "checks": list(self.checks),
            "evidence": dict(self.evidence),
            "source": self.source,
            "confidence": self.confidence,
            "parameters": list(self.parameters),
        }


@dataclass
class Catalog:
    id: str  # the file stem, e.g. tcvn-11930-2017
    title: Lang
    version: str
    standard: str
    regime: str
    notice: Lang
    groups: dict[str, Lang]
    requirements: list[Requirement]
    path: Path | None = None
    regime_title: Lang = field(default_factory=dict)
    parameters: dict[str, Lang] = field(default_factory=dict)  # parameter name -> wording with {value}

    def get(self, req_id: str) -> Requirement | None:
        return self._index().get(req_id)

    def _index(self) -> dict[str, Requirement]:
        idx = self.__dict__.get("_idx")
        if idx is None:
            idx = {r.id: r for r in self.requirements}
            self.__dict__["_idx"] = idx
        return idx

    def for_level(self, level: int) -> list[Requirement]:
        return [r for r in self.requirements if level in r.sections]

    def header(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": dict(self.title),
            "version": self.version,
            "standard": self.standard,
            "regime": self.regime,
            "regime_title": dict(self.regime_title),
        }


@dataclass
class Tailoring:
    requirement: str
    status: str  # not_applicable
    justification: str
    source: str = ""  # the profile file that said so


@dataclass
class Profile:
    id: str  # name (level3) or the path the user gave
    title: Lang
    catalog: str
    level: int
    parameters: dict[str, Any]
    tailoring: dict[str, Tailoring] = field(default_factory=dict)
    description: Lang = field(default_factory=dict)
    extends: str | None = None
    path: Path | None = None

    def param(self, name: str, default: Any = None) -> Any:
        return self.parameters.get(name, default)


# --------------------------------------------------------------------------- targets and results


@dataclass
class Target:
    """One TARGET as the user gave it, parsed."""

    raw: str  # exactly as given: echoed in JSON as "target"
    host: str  # name used for SNI, Host header and certificate checks
    port: int
    scheme: str = "https"  # https | http
    path: str = "/"
    address: str | None = None  # where to connect instead of resolving host (--resolve / inventory)
    http_port: int = 80  # where the plain-HTTP redirect check connects
    expected_ports: list[int] | None = None
    domains: list[str] | None = None  # the system's domains (inventory ``domains:``) for dns/mail

    @property
    def connect_address(self) -> str:
        return self.address or self.host

    @property
    def url(self) -> str:
        default = 443 if self.scheme == "https" else 80
        hostpart = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{hostpart}{port}{self.path}"


@dataclass
class CheckResult:
    id: str
    status: str
    severity: str
    summary: Lang
    evidence: dict[str, Any]
    remediation: Lang
    title: Lang = field(default_factory=dict)
    probe: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "severity": self.severity,
            "title": dict(self.title),
            "summary": dict(self.summary),
            "evidence": self.evidence,
            "remediation": dict(self.remediation),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckResult:
        return cls(
            id=d["id"],
            status=d["status"],
            severity=d.get("severity", "info"),
            summary=d.get("summary") or {},
            evidence=d.get("evidence") or {},
            remediation=d.get("remediation") or {},
            title=d.get("title") or {},
        )


@dataclass
class TargetResult:
    target: Target
    checks: list[CheckResult]
    observations: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"target": self.target.raw, "host": self.target.host, "port": self.target.port}
        if self.target.address:
            d["address"] = self.target.address
        d["checks"] = [c.to_dict() for c in self.checks]
        d.update(self.score())  # automated_score, coverage (DESIGN §10 "Scores and changes")
        d["observations"] = self.observations
        return d

    def score(self) -> dict[str, Any]:
        from secaudit.core.score import public, score_of

        return public(score_of(self.checks))


@dataclass
class ScanResult:
    profile: str
    started_at: str
    finished_at: str
    targets: list[TargetResult]
    tool_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "secaudit.scan/1",
            "tool": {"name": "secaudit", "version": self.tool_version},
            "profile": self.profile,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "targets": [t.to_dict() for t in self.targets],
            **self.score(),
        }

    def score(self) -> dict[str, Any]:
        """The overall automated score of every target's checks (DESIGN §10)."""
        from secaudit.core.score import combine, public, score_of

        return public(combine(score_of(t.checks) for t in self.targets))

    def statuses(self) -> list[str]:
        return [c.status for t in self.targets for c in t.checks]


def exit_code_for(statuses: list[str]) -> int:
    """Scan exit code (DESIGN §5): 1 any fail, 3 any error (no fail), else 0."""
    if "fail" in statuses:
        return 1
    if "error" in statuses:
        return 3
    return 0
