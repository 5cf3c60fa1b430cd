"""Requirements inherited from shared infrastructure (issue 14; inventory ``inherits:``).

A system that runs behind the provincial data centre's firewall, WAF and SOC takes those
requirements' verdicts from the provider (``providers:`` in the inventory), judged with the same
rules as any attestation — validity, expiry, evidence, reviews and ``require_review`` (the
provider's) — as of the system's assessment day. The system's own attestation for an inherited
requirement is not used (the reason says so). A partly automated requirement still runs its checks
on the system's own targets: ``checks_status`` stays the system's, and ``status`` combines the two
halves as for any partial requirement (docs/verdicts.md §4), the provider's attestation being the
attestation half.

Every inherited verdict carries ``inherited_from: {provider, name, status, cause}`` (``status`` /
``cause``: the provider's half alone, what the province summary groups by), and its attestation
record is the provider's, marked ``inherited_from`` (re-judging rebuilds the provider's entries from
those records, never the system's). The bundle's ``system.inherits`` records the declaration and
its ``reviews`` the provider's review records, so the summary re-judges inherited verdicts from what
the bundle carries, like every other verdict (DESIGN §10 "Trust").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import AttestationSet
from secaudit.assessment.verdicts import Verdict
from secaudit.config.inventory_providers import PROVIDERS_AGENCY, system_record  # noqa: F401 - re-exported
from secaudit.core.errors import InputError
from secaudit.core.reasons import Reason

# Why the provider's half does not pass, most telling first (one cause per provider requirement).
CAUSES = (
    "attested_non_compliant",
    "attestation_expired",
    "review_changes_requested",
    "awaiting_review",
    "evidence_bad",
    "evidence_invalid",
    "attestation_future",
    "attestation_too_long",
    "attestation_undated",
    "attested_no_support",
    "prefilled",
    "no_attestation",
)


@dataclass
class Source:
    """One provider a system inherits from, ready to judge."""

    id: str
    name: str
    requirements: list[str]
    require_review: bool = False
    sets: list[AttestationSet] = field(default_factory=list)
    evidence_check: Any = None  # None: hash the files now (assess); re-judging: the recorded states


@dataclass
class InheritedVerdict(Verdict):
    inherited_from: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "inherited_from": dict(self.inherited_from)}


# --------------------------------------------------------------------------- judging


def cause_of(reason: Any) -> str | None:
    """The reason code that says why a provider's half did not pass (CAUSES order), else None."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            code = dict.get(node, "code")
            if isinstance(code, str):
                found.add(code)
            for v in dict.values(node):
                if isinstance(v, (dict, list)):
                    walk(v)

    walk(reason)
    return next((c for c in CAUSES if c in found), None)


def apply_inheritance(
    verdicts: list[Verdict],
    sources: list[Source] | None,
    profile: Any,
    level: int,
    targets: list[Any],
    today: date,
    reviewer_keys: Any = None,
) -> list[Verdict]:
    """``verdicts`` with every inherited requirement re-made from its provider (others unchanged)."""
    if not sources:
        return verdicts
    from secaudit.assessment.review_verdicts import apply_reviews
    from secaudit.assessment.verdicts import evaluate
    from secaudit.config.catalog import applicable, profile_catalog

    by_req = {rid: s for s in sources for rid in s.requirements}
    if not any(v.id in by_req for v in verdicts):
        return verdicts
    cat = profile_catalog(profile)
    rows = {r.id: (r, t) for r, t in applicable(profile, cat)}
    out: list[Verdict] = []
    for v in verdicts:
        src = by_req.get(v.id)
        row = rows.get(v.id)
        if src is None or row is None or row[1] is not None:  # tailored out: the profile says so first
            out.append(v)
            continue
        req = row[0]
        ev = {"evidence_check": src.evidence_check} if src.evidence_check is not None else {}

        def judge(r: Any, src: Source = src, ev: dict[str, Any] = ev) -> Verdict:
            (nv,) = evaluate(
                [(r, None)], level, targets, src.sets, today, **ev, catalog=cat, params=profile.parameters
            )
            apply_reviews([nv], src.sets, src.require_review, reviewer_keys)
            return nv

        full = judge(req)
        half = full if req.kind == "manual" else judge(replace(req, kind="manual"))  # the provider's part
        own = isinstance(v.attestation, dict) and v.attestation.get("status") is not None
        mark = {"provider": src.id, "name": src.name}
        if isinstance(full.attestation, dict):
            full.attestation["inherited_from"] = {"provider": src.id}
        reason = Reason(
            "inherited",
            {"provider": src.name, "id": src.id, "parts": [full.reason], "own_ignored": own or None},
        )
        info = {
            **mark,
            "status": half.status,
            "cause": cause_of(half.reason) if half.status != "pass" else None,
        }
        out.append(
            InheritedVerdict(
                id=full.id,
                kind=full.kind,
                status=full.status,
                reason=reason,
                title=full.title,
                section=full.section,
                checks=full.checks,
                attestation=full.attestation,
                expiring_soon=full.expiring_soon,
                group=full.group,
                evidence=full.evidence,
                inherited_from={k: x for k, x in info.items() if x is not None},
            )
        )
    return out


# --------------------------------------------------------------------------- assess: from the inventory


def load_provider_sets(inv: Any, attestations: Path | None) -> dict[str, list[AttestationSet]]:
    """Each declared provider's attestation file (``<attestations>/_providers/<id>.yaml``), validated
    against its catalogue, with its reviews: loaded once per inventory (remembered on ``inv``) for
    every system that inherits from it."""
    from secaudit.assessment.attestations import load_for_system, validate_catalog
    from secaudit.assessment.review_store import attach_reviews

    memo = inv.__dict__.setdefault("_provider_sets", {})
    if str(attestations) in memo:
        return memo[str(attestations)]
    out: dict[str, list[AttestationSet]] = memo.setdefault(str(attestations), {})
    used = {pid for ag in inv.agencies for s in ag.systems for pid in (getattr(s, "inherits", None) or {})}
    for p in inv.providers:
        if p.id not in used:
            continue
        atts = load_for_system(attestations, PROVIDERS_AGENCY, p.id) if attestations else None
        if atts is not None:
            validate_catalog(atts)
            attach_reviews(atts)
        out[p.id] = [atts] if atts is not None else []
    return out


def sources_for(inv: Any, system: Any, attestations: Path | None) -> list[Source] | None:
    """The providers ``system`` inherits from, with their attestations (None: it inherits nothing)."""
    from secaudit.config.inventory_providers import provider_require_review

    if not getattr(system, "inherits", None):
        return None
    provider_sets = load_provider_sets(inv, attestations)
    known = {p.id: p for p in inv.providers}
    return [
        Source(
            id=pid,
            name=known[pid].name,
            requirements=list(reqs),
            require_review=provider_require_review(inv, known[pid]),
            sets=list(provider_sets.get(pid) or []),
        )
        for pid, reqs in sorted(system.inherits.items())
    ]


def bundle_reviews(atts: Any, sources: list[Source] | None) -> list[dict[str, Any]] | None:
    """``assessment.reviews``: the system's review records and its providers' (each record names its
    own agency/system pair, so nothing mixes)."""
    from secaudit.assessment.review_store import bundle_reviews as of_sets

    sets = [] if atts is None else [atts] if isinstance(atts, AttestationSet) else list(atts)
    return of_sets(sets + [s for src in sources or [] for s in src.sets])


# --------------------------------------------------------------------------- re-judging: from the bundle


def declared(a: dict[str, Any], where: Any) -> list[dict[str, Any]]:
    """The bundle's ``system.inherits`` (list of {provider, name, requirements, require_review}),
    checked; [] when it inherits nothing. Malformed → InputError."""
    sysd = a.get("system") if isinstance(a.get("system"), dict) else {}
    decl = sysd.get("inherits")
    if decl is None:
        return []
    from secaudit.core.ids import ID_RE

    ok = isinstance(decl, list) and all(
        isinstance(d, dict)
        and isinstance(d.get("provider"), str)
        and ID_RE.match(d["provider"])
        and isinstance(d.get("name"), str)
        and isinstance(d.get("requirements"), list)
        and all(isinstance(r, str) for r in d["requirements"])
        and isinstance(d.get("require_review"), bool)
        for d in decl
    )
    if not ok:
        raise InputError(
            "gói kết quả có bản ghi system.inherits hỏng / bundle has a malformed system.inherits record",
            where,
        )
    return decl


def from_bundle(a: dict[str, Any], where: Any, stored_attestations: Any) -> list[Source] | None:
    """The providers of a (/1-shaped) assessment, rebuilt from the provider records its inherited
    verdicts carry and its review records: nothing is read from the machine. ``stored_attestations``
    is rejudge's reader of recorded entries (passed in: rejudge imports this module)."""
    from secaudit.assessment.review_store import attach_bundle_reviews

    decl = declared(a, where)
    if not decl:
        return None
    blocks = [a] + [e for e in (a.get("additional") or []) if isinstance(e, dict)]
    out = []
    for d in decl:
        pid = d["provider"]
        reqs = []
        for block in blocks:
            for r in block.get("requirements") or []:
                rec = r.get("attestation") if isinstance(r, dict) else None
                mark = rec.get("inherited_from") if isinstance(rec, dict) else None
                if isinstance(mark, dict) and mark.get("provider") == pid:
                    rec = {k: x for k, x in rec.items() if k != "inherited_from"}
                    reqs.append({"id": r.get("id"), "attestation": rec})
        fake = {"agency": {"id": PROVIDERS_AGENCY}, "system": {"id": pid}, "requirements": reqs}
        sets, recorded = stored_attestations(fake, where)
        attach_bundle_reviews(sets, a)  # the provider's reviews are re-verified, never believed
        out.append(
            # require_review is forced: the bundle's own flag is the agency's word (provider_require_review)
            Source(pid, d["name"], list(d["requirements"]), True, list(sets or []), recorded)
        )
    return out


def from_folder(a: dict[str, Any], where: Any, attestations: Path) -> list[Source] | None:
    """``assess --rejudge BUNDLE --attestations DIR``: the providers the bundle declares, with their
    entries and reviews read from ``DIR/_providers/<provider>.yaml`` like the system's own (never the
    old bundle's: the folder is what is being judged now). None: it inherits nothing."""
    from secaudit.assessment.attestations import load_for_system, validate_catalog
    from secaudit.assessment.review_store import attach_reviews

    decl = declared(a, where)
    if not decl:
        return None
    out = []
    for d in decl:
        atts = load_for_system(attestations, PROVIDERS_AGENCY, d["provider"])
        if atts is not None:
            validate_catalog(atts)
            attach_reviews(atts)
        # require_review is forced, as in from_bundle: a provider's answer counts only reviewed
        out.append(Source(d["provider"], d["name"], list(d["requirements"]), True, [atts] if atts else []))
    return out
