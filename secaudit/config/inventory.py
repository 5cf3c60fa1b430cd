"""The inventory: which agencies and systems the province has, at which level, and where they live.

Validated on load (DESIGN §6, §9): every problem is an InputError naming the file, the line and
the entry, so ``assess`` can stop with one line before any scanning starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# Mẫu 08 fields (vocabularies, reporting dates) live in inventory_mau08; re-exported here.
from secaudit.config import inventory_mau08 as _m08
from secaudit.config import inventory_providers as _prov  # providers:, inherits: (issue 14)
from secaudit.config.domain_names import parse_domains
from secaudit.config.inventory_fields import InventoryChecker as _Ctx
from secaudit.config.inventory_fields import is_port as _is_port
from secaudit.config.inventory_hosts import HostSpec, parse_hosts  # hosts: (issue 14)
from secaudit.config.inventory_mau08 import (
    APPROVAL_STATUSES,
    CHECK_TYPES,
    DEPLOYMENTS,
    REPORTING_DEFAULTS,
    TRANSITION_DEADLINE,
)
from secaudit.config.inventory_targets import target_spec
from secaudit.config.inventory_trust import accepted_tailoring, check_profile
from secaudit.core.errors import InputError
from secaudit.core.model import Profile, Target
from secaudit.core.yamlio import line_of, load_yaml

__all__ = ["APPROVAL_STATUSES", "CHECK_TYPES", "DEPLOYMENTS", "REPORTING_DEFAULTS", "TRANSITION_DEADLINE"]
_UNIT_KEYS, _decision, _reporting = _m08.UNIT_KEYS, _m08.decision, _m08.reporting

# Ids end up in file names (<agency>.<system>.<period>.json, attestations/<agency>/<system>.yaml).
AGENCY_TYPES = ("newspaper", "radio-tv", "magazine", "other")

_TOP_KEYS = {"province", "period", "due", "target", "agencies", "reporting", "transition_deadline"}
_TOP_KEYS |= {"require_review"}  # reviews of attestations (assessment/reviews.py)
_TOP_KEYS |= {"authority"}  # who receives the reports (issue 11: data, never a name in the code)
_TOP_KEYS |= {"providers"}  # shared infrastructure (config/inventory_providers.py)
# The receiving authority when the inventory names none: neutral (since 01/03/2025 the tasks of the
# former provincial department are split between several bodies).
DEFAULT_AUTHORITY = "cơ quan tiếp nhận báo cáo / receiving authority"
_AGENCY_KEYS = {
    "id",
    "name",
    "type",
    "contact",
    "systems",
    "representative",
    "address",
    "phone",
    "email",
    "security_unit",
}
_SYSTEM_KEYS = {
    "id",
    "name",
    "level",
    "profile",
    "profiles",
    "level_reason",
    "targets",
    "expected_ports",
    "domains",
    "http_port",
    "owner",
    "operator",
    "approval_status",
    "approval_decision",
    "quy_che_decision",
    "expected_approval_date",
    "deployment",
    "expected_deployment_date",
    "check_type",
    "roadmap",
    "require_review",
    "accepted_tailoring",
    "hosts",
    "inherits",
}


@dataclass
class TargetSpec:
    url: str
    address: str | None = None
    line: int | None = None
    http_port: int | None = None  # this target's plain-HTTP port; default the system's


@dataclass
class System:
    id: str
    name: str
    level: int
    targets: list[TargetSpec]
    profiles: list[str]  # first one is the system's profile; others go to assessment.additional
    level_reason: str = ""
    expected_ports: list[int] | None = None
    http_port: int | None = None
    line: int | None = None
    domains: list[str] | None = None  # dns/mail probes judge these (config/domain_names.py)
    # Mẫu 08 Part 3 (all optional): keys of the vocabularies above, dates as YYYY-MM-DD.
    owner: str = ""  # default: the agency's name
    operator: str = ""
    approval_status: str | None = None
    approval_decision: dict[str, str] | None = None  # number, date, approver
    quy_che_decision: dict[str, str] | None = None  # number, date, issuer
    expected_approval_date: str | None = None
    deployment: str | None = None
    expected_deployment_date: str | None = None
    check_type: str | None = None
    roadmap: dict[str, str] = field(default_factory=dict)  # requirement id -> planned date
    require_review: bool | None = None  # None: the inventory's; attested passes need a review
    # Requirements the Department accepts this system's profile to tailor out (DESIGN §10 "Trust").
    accepted_tailoring: list[str] = field(default_factory=list)
    hosts: list[HostSpec] | None = None  # servers whose audit results are imported (inventory_hosts)
    # provider id -> requirement ids whose verdict is the provider's (config/inventory_providers.py)
    inherits: dict[str, list[str]] = field(default_factory=dict)
    inherits_line: int | None = None

    @property
    def profile(self) -> str:
        return self.profiles[0]


@dataclass
class Agency:
    id: str
    name: str
    systems: list[System]
    type: str = "other"
    contact: str = ""
    line: int | None = None
    # Mẫu 08 Part 2 (optional): the owner's representative and contacts, and its cybersecurity unit.
    representative: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    security_unit: dict[str, str] = field(default_factory=dict)

    def system(self, system_id: str) -> System | None:
        return next((s for s in self.systems if s.id == system_id), None)


@dataclass
class Inventory:
    province: str
    period: str
    due: str
    agencies: list[Agency]
    goal_level: int = 3
    goal_pct: float = 100.0
    path: Path | None = None
    reporting: dict[str, Any] = field(default_factory=lambda: dict(REPORTING_DEFAULTS))
    transition_deadline: str = TRANSITION_DEADLINE
    require_review: bool = False  # province-wide; a system's own value overrides it
    authority: str = DEFAULT_AUTHORITY
    providers: list[Any] = field(default_factory=list)  # inventory_providers.Provider
    _profiles: dict[str, Profile] = field(default_factory=dict, repr=False)

    def agency(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    def find(self, agency_id: str, system_id: str) -> tuple[Agency, System]:
        if agency_id == _prov.PROVIDERS_AGENCY:  # a provider: the pair the attestation tools work on
            return _prov.provider_pair(self, system_id)
        agency = self.agency(agency_id)
        if agency is None:
            raise InputError(
                f"không có cơ quan {agency_id!r} trong danh sách hệ thống / "
                f"no agency {agency_id!r} in the inventory",
                self.path,
            )
        system = agency.system(system_id)
        if system is None:
            raise InputError(
                f"không có hệ thống {system_id!r} trong cơ quan {agency_id!r} / "
                f"no system {system_id!r} in agency {agency_id!r}",
                self.path,
            )
        return agency, system

    def select(self, agency_id: str | None = None) -> list[Agency]:
        if agency_id is None:
            return list(self.agencies)
        agency = self.agency(agency_id)
        if agency is None:
            known = ", ".join(a.id for a in self.agencies)
            raise InputError(
                f"--agency {agency_id!r}: không có trong danh sách hệ thống / "
                f"is not in the inventory (known: {known})",
                self.path,
            )
        return [agency]

    def profile(self, name: str) -> Profile:
        """The loaded profile named by a system (loaded once per inventory)."""
        if name not in self._profiles:
            from secaudit.config.catalog import load_profile

            self._profiles[name] = load_profile(self._profile_ref(name))
        return self._profiles[name]

    def _profile_ref(self, name: str) -> str:
        # A relative path in the inventory is relative to the inventory file, not the cwd.
        if self.path and (name.endswith((".yaml", ".yml")) or "/" in name):
            p = Path(name)
            if not p.is_absolute():
                return str(self.path.parent / p)
        return name


def load_inventory(path: str | Path, check_profiles: bool = True) -> Inventory:
    """Load and validate ``inventory.yaml``; ``check_profiles`` also loads every named profile."""
    p = Path(path)
    data = load_yaml(p)
    c = _Ctx(p)
    c.mapping(data, "the inventory", line=1)
    c.keys(data, _TOP_KEYS, "the inventory")
    province = c.req_str(data, "province")
    if data.get("period") is None:
        c.fail("thiếu trường bắt buộc 'period' / missing required field 'period'", data)
    period = str(data["period"]).strip()
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}", period):  # it names bundle files too
        c.fail(
            f"kỳ báo cáo không hợp lệ / period {period[:40]!r} must be like 2026 (at most 32 characters)",
            data,
        )
    due = data.get("due")
    if due is None:
        due_s = f"{period}-11-01"
    elif isinstance(due, date):
        due_s = due.isoformat()
    else:
        try:
            due_s = date.fromisoformat(str(due)).isoformat()
        except ValueError:
            c.fail(f"hạn nộp không hợp lệ / due {due!r} must be a date YYYY-MM-DD", data)
    goal = data.get("target") or {}
    c.mapping(goal, "target", line=line_of(data))
    c.keys(goal, {"level", "goal_pct"}, "target")
    goal_level = goal.get("level", 3)
    goal_pct = goal.get("goal_pct", 100)
    if not isinstance(goal_level, int) or isinstance(goal_level, bool) or not 1 <= goal_level <= 5:
        c.fail("target.level phải là số nguyên 1-5 / target.level must be an integer 1-5", goal or data)
    if not isinstance(goal_pct, (int, float)) or isinstance(goal_pct, bool) or not 0 <= goal_pct <= 100:
        c.fail("target.goal_pct phải là số 0-100 / target.goal_pct must be a number 0-100", goal or data)

    agencies_node = data.get("agencies")
    if not isinstance(agencies_node, list) or not agencies_node:
        c.fail("thiếu danh sách cơ quan / 'agencies' must be a non-empty list", data)
    agencies: list[Agency] = []
    seen_agencies: dict[str, int | None] = {}
    for node in agencies_node:
        agency = _agency(c, node, seen_agencies)
        agencies.append(agency)
    inv = Inventory(
        province=province,
        period=period,
        due=due_s,
        agencies=agencies,
        goal_level=goal_level,
        goal_pct=float(goal_pct),
        path=p,
        reporting=_reporting(c, data),
        transition_deadline=c.date(data, "transition_deadline") or TRANSITION_DEADLINE,
        require_review=bool(c.flag(data, "require_review")),
        authority=c.opt_str(data, "authority") or DEFAULT_AUTHORITY,
        providers=_prov.parse_providers(c, data),
    )
    for agency in agencies:
        for system in agency.systems:
            for name in system.profiles:
                check_profile(c, inv, agency, system, name, check_profiles)
    _prov.check_inherits(c, inv, check_profiles)
    return inv


def _agency(c: _Ctx, node: Any, seen: dict[str, int | None]) -> Agency:
    c.mapping(node, "an agency entry")
    aid = c.ident(node, "id")
    c.keys(node, _AGENCY_KEYS, "an agency entry", aid)
    if aid in seen:
        c.fail(
            f"mã cơ quan bị trùng (lần đầu ở dòng {seen[aid]}) / "
            f"duplicate agency id (first at line {seen[aid]})",
            node,
            aid,
        )
    seen[aid] = line_of(node)
    name = c.req_str(node, "name", aid)
    atype = str(node.get("type") or "other")
    if atype not in AGENCY_TYPES:
        c.fail(
            f"loại cơ quan không hợp lệ / type {atype!r} must be one of {', '.join(AGENCY_TYPES)}", node, aid
        )
    systems_node = node.get("systems")
    if not isinstance(systems_node, list) or not systems_node:
        c.fail("thiếu danh sách hệ thống / 'systems' must be a non-empty list", node, aid)
    systems: list[System] = []
    seen_sys: dict[str, int | None] = {}
    for snode in systems_node:
        systems.append(_system(c, snode, aid, seen_sys))
    unit = node.get("security_unit")
    if unit is not None:
        c.mapping(unit, "security_unit", aid, line=line_of(node))
        c.keys(unit, _UNIT_KEYS, "security_unit", aid)
        unit = {k: c.opt_str(unit, k, aid) for k in sorted(_UNIT_KEYS) if unit.get(k) is not None}
    return Agency(
        id=aid,
        name=name,
        systems=systems,
        type=atype,
        contact=str(node.get("contact") or ""),
        line=line_of(node),
        representative=c.opt_str(node, "representative", aid),
        address=c.opt_str(node, "address", aid),
        phone=c.opt_str(node, "phone", aid),
        email=c.opt_str(node, "email", aid),
        security_unit=unit or {},
    )


def _system(c: _Ctx, node: Any, aid: str, seen: dict[str, int | None]) -> System:
    c.mapping(node, f"a system entry of agency {aid}", aid)
    sid = c.ident(node, "id", aid)
    entry = f"{aid}/{sid}"
    c.keys(node, _SYSTEM_KEYS, "a system entry", entry)
    if sid in seen:
        c.fail(
            f"mã hệ thống bị trùng (lần đầu ở dòng {seen[sid]}) / "
            f"duplicate system id (first at line {seen[sid]})",
            node,
            entry,
        )
    seen[sid] = line_of(node)
    name = c.req_str(node, "name", entry)
    level = node.get("level")
    if level is None:
        c.fail("thiếu cấp độ / missing required field 'level'", node, entry)
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
        c.fail(f"cấp độ phải là số nguyên 1-5 / level {level!r} must be an integer 1-5", node, entry)
    if node.get("profile") is not None and node.get("profiles") is not None:
        c.fail(
            "chỉ dùng 'profile' hoặc 'profiles', không dùng cả hai / "
            "give either 'profile' or 'profiles', not both",
            node,
            entry,
        )
    if node.get("profiles") is not None:
        profiles = node["profiles"]
        if not isinstance(profiles, list) or not profiles or not all(isinstance(x, str) for x in profiles):
            c.fail(
                "'profiles' phải là danh sách tên hồ sơ không rỗng / "
                "'profiles' must be a non-empty list of profile names",
                node,
                entry,
            )
        if len(set(profiles)) != len(profiles):
            c.fail("'profiles' có hồ sơ bị trùng / 'profiles' lists a profile twice", node, entry)
        profiles = list(profiles)
    else:
        prof = node.get("profile")
        if prof is not None and not isinstance(prof, str):
            c.fail(
                "'profile' phải là tên hoặc đường dẫn hồ sơ / 'profile' must be a profile name or path",
                node,
                entry,
            )
        profiles = [prof or f"level{level}"]
    targets_node = node.get("targets")
    if not isinstance(targets_node, list) or not targets_node:
        c.fail("thiếu danh sách địa chỉ / 'targets' must be a non-empty list of URLs", node, entry)
    targets = [TargetSpec(**target_spec(c, t, entry, node)) for t in targets_node]
    http_port = node.get("http_port")
    if http_port is not None and not _is_port(http_port):
        c.fail("http_port phải là số cổng 1-65535 / http_port must be a port number 1-65535", node, entry)
    roadmap_node = node.get("roadmap") or {}
    c.mapping(roadmap_node, "roadmap (requirement id: planned date)", entry, line=line_of(node))
    roadmap = {}
    for rid in roadmap_node:
        roadmap[str(rid)] = c.date(roadmap_node, rid, entry) or ""
    return System(
        id=sid,
        name=name,
        level=level,
        targets=targets,
        profiles=profiles,
        level_reason=str(node.get("level_reason") or ""),
        expected_ports=c.ports(node, "expected_ports", entry),
        domains=parse_domains(c, node, "domains", entry),
        http_port=http_port,
        line=line_of(node),
        owner=c.opt_str(node, "owner", entry),
        operator=c.opt_str(node, "operator", entry),
        approval_status=c.choice(node, "approval_status", APPROVAL_STATUSES, entry),
        approval_decision=_decision(c, node, "approval_decision", entry),
        quy_che_decision=_decision(c, node, "quy_che_decision", entry),
        expected_approval_date=c.date(node, "expected_approval_date", entry),
        deployment=c.choice(node, "deployment", DEPLOYMENTS, entry),
        expected_deployment_date=c.date(node, "expected_deployment_date", entry),
        check_type=c.choice(node, "check_type", CHECK_TYPES, entry),
        roadmap={k: v for k, v in roadmap.items() if v},
        require_review=c.flag(node, "require_review", entry),
        accepted_tailoring=accepted_tailoring(c, node, entry),
        hosts=parse_hosts(c, node, "hosts", entry),
        inherits=_prov.parse_inherits(c, node, entry),
        inherits_line=line_of(node.get("inherits")) or line_of(node),
    )


def system_targets(system: System) -> list[Target]:
    """The system's targets as the scanner wants them (address, http_port, expected_ports applied)."""
    from secaudit.config.targets import parse_target

    out = []
    for spec in system.targets:
        t = parse_target(spec.url, http_port=spec.http_port if spec.http_port else system.http_port)
        if spec.address:
            t.address = spec.address
        t.expected_ports = system.expected_ports
        t.domains = system.domains
        out.append(t)
    return out
