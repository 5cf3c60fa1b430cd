"""Shared infrastructure in the inventory: ``providers:`` and a system's ``inherits:`` (issue 14).

Many agencies' portals run in the provincial data centre, behind its firewall, WAF and SOC. The
inventory declares such a provider once (``providers: [{id, name, contact, profile, require_review}]``)
and a system names what it inherits from it (``inherits: {provider-id: [REQ, …]}``). An inherited
requirement takes the provider's verdict (assessment/inherit.py).

A provider's attestations live in ``<attestations>/_providers/<provider>.yaml`` (reviews beside it, as
for a system): for every tool a provider is the agency/system pair (``_providers``, its id). No agency
can be called ``_providers`` (ids start with a letter or digit), and a provider id may not be an
agency id (one name, one owner in every report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from secaudit.core.ids import ID_RE
from secaudit.core.yamlio import line_of

PROVIDERS_AGENCY = "_providers"  # the attestation folder of providers (and the pseudo agency id)
PROVIDERS_AGENCY_NAME = "Hạ tầng dùng chung / shared infrastructure"
DEFAULT_PROVIDER_PROFILE = "level3"
_PROVIDER_KEYS = {"id", "name", "contact", "profile", "require_review"}
_REQ_ID = re.compile(r"^[A-Z][A-Z0-9]*(\.[A-Z0-9]+)+$")


@dataclass
class Provider:
    id: str
    name: str
    contact: str = ""
    profile: str = DEFAULT_PROVIDER_PROFILE  # which questions `attest template --provider` asks
    require_review: bool | None = None  # None: the inventory's province-wide value
    line: int | None = None


def parse_providers(c: Any, data: dict[str, Any]) -> list[Provider]:
    """``providers:`` (optional): a list of {id, name, contact?, profile?, require_review?}."""
    node = data.get("providers")
    if node is None:
        return []
    if not isinstance(node, list):
        c.fail("'providers' phải là danh sách / 'providers' must be a list", data)
    out: list[Provider] = []
    seen: dict[str, int | None] = {}
    for p in node:
        c.mapping(p, "a provider entry", line=line_of(node))
        pid = c.ident(p, "id")
        c.keys(p, _PROVIDER_KEYS, "a provider entry", pid)
        if pid in seen:
            c.fail(
                f"mã đơn vị bị trùng (lần đầu ở dòng {seen[pid]}) / "
                f"duplicate provider id (first at line {seen[pid]})",
                p,
                pid,
            )
        seen[pid] = line_of(p)
        prof = p.get("profile")
        if prof is not None and (not isinstance(prof, str) or not prof.strip()):
            c.fail(
                "'profile' phải là tên hoặc đường dẫn hồ sơ / 'profile' must be a profile name or path",
                p,
                pid,
            )
        out.append(
            Provider(
                id=pid,
                name=c.req_str(p, "name", pid),
                contact=c.opt_str(p, "contact", pid),
                profile=(prof or DEFAULT_PROVIDER_PROFILE).strip(),
                require_review=_always_reviewed(c, p, pid),
                line=line_of(p),
            )
        )
    return out


def parse_inherits(c: Any, node: dict[str, Any], entry: str) -> dict[str, list[str]]:
    """A system's ``inherits: {provider-id: [REQ, …]}`` (shape only; ``check_inherits`` knows the
    providers and catalogues)."""
    val = node.get("inherits")
    if val is None:
        return {}
    line = line_of(val) or line_of(node)
    c.mapping(val, "inherits (provider id: [requirement ids])", entry, line=line)
    out: dict[str, list[str]] = {}
    taken: dict[str, str] = {}
    for pid, reqs in val.items():
        if not isinstance(pid, str) or not ID_RE.match(pid):
            c.fail(
                f"inherits: mã đơn vị chỉ dùng chữ, số, '-' hoặc '_' / "
                f"inherits: provider id {pid!r} must be letters, digits, '-' or '_'",
                entry=entry,
                line=line,
            )
        if not isinstance(reqs, list) or not reqs:
            c.fail(
                f"inherits: {pid}: phải là danh sách mã yêu cầu không rỗng / "
                f"inherits: {pid}: must be a non-empty list of requirement ids",
                entry=entry,
                line=line,
            )
        for rid in reqs:
            if not isinstance(rid, str) or not _REQ_ID.match(rid.strip()):
                c.fail(
                    f"inherits: {pid}: mã yêu cầu không hợp lệ / "
                    f"inherits: {pid}: {rid!r} is not a requirement id such as T.DES.08",
                    entry=entry,
                    line=line_of(reqs) or line,
                )
            rid = rid.strip()
            if rid in taken:  # one requirement, one source of its verdict
                c.fail(
                    f"inherits: {rid} kế thừa từ hai nơi / "
                    f"inherits: {rid} is inherited from both {taken[rid]!r} and {pid!r}",
                    entry=entry,
                    line=line_of(reqs) or line,
                )
            taken[rid] = pid
        out[pid] = sorted({r.strip() for r in reqs})
    return out


def _system_catalogs(inv: Any, system: Any, check_profiles: bool) -> list[Any] | None:
    """The catalogues of a system's profiles; None when one of them cannot be known cheaply (a user
    profile file while profiles are not checked): then every shipped catalogue is asked."""
    from secaudit.config.catalog import load_catalog, load_profile, profile_catalog, profile_names

    out = []
    for name in system.profiles:
        if check_profiles:
            profile = inv.profile(name)
        elif name in profile_names():
            profile = load_profile(name)
        else:
            return None
        cat = profile_catalog(profile)
        if all(c.id != cat.id for c in out):
            out.append(load_catalog(cat.id) if cat.id else cat)
    return out


def check_inherits(c: Any, inv: Any, check_profiles: bool) -> None:
    """Every ``inherits`` names a declared provider and requirements of the system's catalogue(s) that
    a provider can answer (manual or partial: an automated one is judged on the system's own targets)."""
    from secaudit.config.catalog import catalog_ids, load_catalog

    known = {p.id: p for p in inv.providers}
    agency_ids = {a.id for a in inv.agencies}
    for p in inv.providers:
        if p.id in agency_ids:
            c.fail(
                f"mã đơn vị trùng mã cơ quan / provider id {p.id!r} is also an agency id",
                line=p.line,
                entry=p.id,
            )
    for ag in inv.agencies:
        for s in ag.systems:
            if not s.inherits:
                continue
            entry = f"{ag.id}/{s.id}"
            cats = _system_catalogs(inv, s, check_profiles) or [load_catalog(x) for x in catalog_ids()]
            for pid, reqs in s.inherits.items():
                if pid not in known:
                    declared = ", ".join(sorted(known)) or "none"
                    c.fail(
                        f"inherits: đơn vị hạ tầng {pid!r} chưa khai báo / "
                        f"inherits: provider {pid!r} is not declared under providers: (declared: {declared})",
                        line=s.inherits_line or s.line,
                        entry=entry,
                    )
                for rid in reqs:
                    req = next((r for cat in cats if (r := cat.get(rid)) is not None), None)
                    if req is None:
                        names = ", ".join(cat.id for cat in cats)
                        c.fail(
                            f"inherits: {rid}: mã yêu cầu không có trong danh mục / "
                            f"inherits: {rid} is not a requirement of {names}",
                            line=s.inherits_line or s.line,
                            entry=entry,
                        )
                    if req.kind == "auto":
                        c.fail(
                            f"inherits: {rid}: yêu cầu tự động không kế thừa được / "
                            f"inherits: {rid} is automated: its checks judge the system's own targets, it "
                            "cannot be inherited",
                            line=s.inherits_line or s.line,
                            entry=entry,
                        )


def _always_reviewed(c: Any, p: dict[str, Any], pid: str) -> bool:
    """``require_review`` may be written for a provider, but only as true (see provider_require_review)."""
    flag = c.flag(p, "require_review", pid)
    if flag is False:
        c.fail(
            "câu trả lời của đơn vị cung cấp luôn cần thanh tra duyệt, không đặt require_review: false được"
            " / a provider's answers always need an inspector's review: require_review cannot be false",
            p,
            pid,
        )
    return True


def provider_require_review(inv: Any, provider: Provider) -> bool:
    """Always True: a provider's answers reach the summary inside each inheriting agency's bundle,
    signed only by that agency, so an agency could otherwise sign a made-up answer for the data
    centre. Only an inspector's review (a key in the keyring's reviewers/) makes them count."""
    return True


def provider_pair(inv: Any, provider_id: str) -> tuple[Any, Any]:
    """The provider as the (agency, system) pair the attestation and review tools work on."""
    from secaudit.config.inventory import Agency, System
    from secaudit.core.errors import InputError

    p = next((x for x in getattr(inv, "providers", []) if x.id == provider_id), None)
    if p is None:
        known = ", ".join(x.id for x in getattr(inv, "providers", [])) or "none"
        raise InputError(
            f"không có đơn vị hạ tầng {provider_id!r} trong danh sách hệ thống / "
            f"no provider {provider_id!r} in the inventory (declared: {known})",
            inv.path,
        )
    system = System(
        id=p.id,
        name=p.name,
        level=_profile_level(inv, p.profile),
        targets=[],
        profiles=[p.profile],
        line=p.line,
        require_review=p.require_review,
    )
    agency = Agency(id=PROVIDERS_AGENCY, name=PROVIDERS_AGENCY_NAME, systems=[system], contact=p.contact)
    return agency, system


def _profile_level(inv: Any, name: str) -> int:
    try:
        return int(inv.profile(name).level)
    except Exception:  # noqa: BLE001 - the level only labels a template; a bad profile fails later
        return 3


def inherited_ids(inv: Any, provider_id: str) -> set[str]:
    """Every requirement some system inherits from the provider (what its template asks first)."""
    return {
        rid
        for ag in inv.agencies
        for s in ag.systems
        for pid, reqs in (getattr(s, "inherits", None) or {}).items()
        if pid == provider_id
        for rid in reqs
    }


def provider_rows(inv: Any, provider_id: str, rows: list[Any]) -> list[Any]:
    """A provider's template rows: the requirements systems inherit from it (all rows when none of
    them belongs to this catalogue)."""
    wanted = inherited_ids(inv, provider_id)
    mine = [(r, t) for r, t in rows if r.id in wanted]
    return mine or rows


def system_record(inv: Any, system: Any) -> list[dict[str, Any]] | None:
    """What a bundle records of the system's inheritance (``system.inherits``): what re-judging reads
    and what the summary compares with the inventory."""
    if not getattr(system, "inherits", None):
        return None
    known = {p.id: p for p in inv.providers}
    return [
        {
            "provider": pid,
            "name": known[pid].name,
            "requirements": list(reqs),
            "require_review": provider_require_review(inv, known[pid]),
        }
        for pid, reqs in sorted(system.inherits.items())
    ]
