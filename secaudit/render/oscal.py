"""OSCAL 1.2 (NIST's Open Security Controls Assessment Language), JSON.

- ``render_catalog``: a catalogue as an OSCAL *catalog*: groups = the catalogue's groups, controls
  = requirements. OSCAL ids are tokens in NIST's style (``T.SRV.01`` → ``t-srv-01``); the original id
  is the control's ``label`` prop. OSCAL has one language per document: titles and prose are in
  ``--lang``, the other language rides along (``alt-title`` prop and an ``alt-statement`` part, both
  in our namespace, with the language as ``class``).
- ``render_assessment_results``: one bundle as *assessment-results*: one result per regime with an
  observation per check result (method TEST, by the secaudit tool, subject the target) and per
  attestation (method EXAMINE, by the attesting person), and a finding per RE-JUDGED requirement
  verdict (render/interchange.py). There is no separate assessment plan: ``import-ap`` points at a
  back-matter resource naming the profile and catalogue (with its SHA-256); the bundle itself is
  another resource, hashed (SHA-256).
Every uuid is a uuid5 of what it names (the bundle's hash included): the same input gives the same
file. Validated in the tests with compliance-trestle (NIST's models). docs/interchange.md.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.core.model import Catalog
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml
from secaudit.render.interchange import Judged, Regime, judge, name_of, pick

OSCAL_VERSION = "1.2.1"  # the newest version compliance-trestle 5.2 models (1.2.0-1.2.1)
NS = "urn:x-secaudit:oscal"  # our props and parts (OSCAL requires a namespace for names it lacks)
UUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NS)
STATE = {  # verdict -> (objective state, reason token)
    "pass": ("satisfied", "pass"),
    "not_applicable": ("satisfied", "other"),
    "fail": ("not-satisfied", "fail"),
    "not_reviewed": ("not-satisfied", "other"),
    "error": ("not-satisfied", "other"),
}


@lru_cache(maxsize=1)
def strings() -> dict[str, Any]:
    return load_yaml(package_file("data/oscal_strings.yaml"))


def _w(key: str, lang: str, **params: Any) -> str:
    return pick(strings()[key], lang).format(**params)


def uid(*parts: Any) -> str:
    return str(uuid.uuid5(UUID_ROOT, "|".join(str(p) for p in parts)))


def oscal_id(rid: str) -> str:
    """A requirement id as an OSCAL token in NIST's style: ``T.SRV.01`` → ``t-srv-01``."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in rid).strip("-")
    return out if out[:1].isalpha() else f"r-{out}"


def prop(name: str, value: Any, ns: bool = True, cls: str | None = None) -> dict[str, Any] | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        return None  # OSCAL props may not be empty
    p: dict[str, Any] = {"name": name, "value": text}
    if ns:
        p["ns"] = NS
    if cls:
        p["class"] = cls
    return p


def props(*items: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [p for p in items if p]


def line(value: Any) -> str:
    """A markup-line (one line, not empty)."""
    return " ".join(str(value or "").split()) or "-"


# --------------------------------------------------------------------------- catalog


def render_catalog(catalog: Catalog, level: int | None = None, lang: str = "vi") -> str:
    from secaudit.config.catalog_archive import catalog_sha256

    alt = "en" if lang == "vi" else "vi"
    sha = catalog_sha256(catalog)
    reqs = catalog.for_level(level) if level else list(catalog.requirements)
    groups: dict[str, list[Any]] = {g: [] for g in catalog.groups}
    for r in reqs:
        groups.setdefault(r.group, []).append(r)
    resource = uid("catalog-file", catalog.id, sha)
    meta = {
        "title": line(pick(catalog.title, lang)),
        "last-modified": _version_day(catalog.version),
        # As the archive names it: edits within one month share "YYYY.MM", their digests do not.
        "version": f"{catalog.version}-{sha[:12]}",
        "oscal-version": OSCAL_VERSION,
        "props": props(
            prop("catalog-id", catalog.id),
            prop("standard", catalog.standard),
            prop("regime", catalog.regime),
            prop("language", lang),
            prop("level", level),
            prop("catalog-sha256", sha),
        ),
        "remarks": pick(catalog.notice, lang) or "-",
    }
    body: dict[str, Any] = {"uuid": uid("catalog", catalog.id, sha, level or "all", lang), "metadata": meta}
    body["groups"] = [
        {
            "id": oscal_id(g),
            "class": "group",
            "title": line(pick(catalog.groups.get(g), lang) or g),
            "props": props(
                prop("label", g, ns=False), prop("alt-title", pick(catalog.groups.get(g), alt), cls=alt)
            ),
            "controls": [_catalog_control(r, level, lang, alt) for r in rs],
        }
        for g, rs in groups.items()
        if rs
    ]
    body["back-matter"] = {"resources": [_file_resource(resource, catalog, sha, lang)]}
    return _dump({"catalog": body})


def _catalog_control(r: Any, level: int | None, lang: str, alt: str) -> dict[str, Any]:
    cid = oscal_id(r.id)
    sections = [prop("section", s, cls=f"level-{n}") for n, s in sorted(r.sections.items())]
    if level:
        sections = [prop("section", r.section(level), cls=f"level-{level}")]
    parts = [{"id": f"{cid}_smt", "name": "statement", "prose": pick(r.description, lang) or "-"}]
    if pick(r.evidence, lang):
        parts.append({"id": f"{cid}_gdn", "name": "guidance", "prose": pick(r.evidence, lang)})
    if pick(r.description, alt):
        parts.append(
            {
                "id": f"{cid}_smt_{alt}",
                "name": "alt-statement",
                "ns": NS,
                "class": alt,
                "prose": pick(r.description, alt),
            }
        )
    return {
        "id": cid,
        "class": r.family or "requirement",
        "title": line(pick(r.title, lang) or r.id),
        "props": props(
            prop("label", r.id, ns=False),
            prop("alt-title", pick(r.title, alt), cls=alt),
            *sections,
            prop("kind", r.kind),
            prop("source", r.source),
            prop("confidence", r.confidence),
            *[prop("check", c) for c in r.checks],
        ),
        "parts": parts,
    }


def _file_resource(rid: str, catalog: Any, sha: str, lang: str) -> dict[str, Any]:
    return {
        "uuid": rid,
        "title": line(f"{_w('catalog_resource', lang)} {catalog.id} {catalog.version}"),
        "rlinks": [
            {
                "href": f"checklists/{catalog.id}.yaml",
                "media-type": "application/yaml",
                "hashes": [{"algorithm": "SHA-256", "value": sha}],
            }
        ],
    }


# --------------------------------------------------------------------------- assessment results


def render_assessment_results(bundle: dict[str, Any], lang: str = "vi", source: Path | None = None) -> str:
    j = judge(bundle, source)
    from secaudit import __version__

    agency, system = j.part("agency"), j.part("system")
    when = _utc(j.assessed_at)
    attesters = sorted({str(v.attestation.get("attested_by")) for v in _attested(j)})
    parties = [
        {
            "uuid": uid("party", j.sha256, agency.get("id")),
            "type": "organization",
            "name": line(name_of(agency)),
        }
    ]
    parties += [{"uuid": uid("person", j.sha256, n), "type": "person", "name": line(n)} for n in attesters]
    plan, bundle_res = uid("plan", j.sha256), uid("bundle", j.sha256)
    resources = [
        {
            "uuid": plan,
            "title": line(_w("plan", lang, profile=", ".join(r.profile for r in j.regimes))),
            "description": _w("plan_desc", lang, profiles=", ".join(r.profile for r in j.regimes)),
            "props": props(
                *[prop("catalog", f"{r.catalog_id} {r.catalog_entry.get('version', '')}") for r in j.regimes]
            ),
            "rlinks": [_catalog_rlink(r) for r in j.regimes],
        },
        {
            "uuid": bundle_res,
            "title": line(_w("bundle_resource", lang)),
            "props": props(prop("bundle-schema", j.bundle.get("schema")), prop("sha256-of", j.sha256_of)),
            "rlinks": [
                {
                    "href": source.name if source is not None else "bundle.json",
                    "media-type": "application/json",
                    "hashes": [{"algorithm": "SHA-256", "value": j.sha256}],
                }
            ],
        },
    ]
    meta = {
        "title": line(_w("ar_title", lang, system=name_of(system), agency=name_of(agency))),
        "last-modified": when,
        "version": str(j.assessment.get("period") or "1"),
        "oscal-version": OSCAL_VERSION,
        "props": props(
            prop("province", j.assessment.get("province")),
            prop("agency", agency.get("id")),
            prop("system", system.get("id")),
            prop("level", system.get("level")),
            prop("language", lang),
            prop("bundle-sha256", j.sha256),
            prop("assessed-with", j.part("tool").get("version")),
            prop("rejudged-under", __version__),
        ),
        "parties": parties,
    }
    body = {
        "uuid": uid("assessment-results", j.sha256, lang),
        "metadata": meta,
        "import-ap": {"href": f"#{plan}"},
        "results": [_result(j, r, lang, when, __version__) for r in j.regimes],
        "back-matter": {"resources": resources},
    }
    return _dump({"assessment-results": body})


def _result(j: Judged, r: Regime, lang: str, when: str, version: str) -> dict[str, Any]:
    key = (j.sha256, r.profile)
    tool = uid("tool", *key)
    targets = sorted(
        {str(row.get("target")) for v in r.verdicts for row in v.checks if isinstance(row, dict)}
    )
    items = {t: uid("target", *key, t) for t in targets}
    observations: dict[tuple[str, ...], dict[str, Any]] = {}  # one per check result, however many cite it
    findings: list[dict[str, Any]] = []
    for v in r.verdicts:
        related = []
        for row in v.checks:
            if not isinstance(row, dict):
                continue
            k = ("check", str(row.get("id")), str(row.get("target")))
            if k not in observations:
                observations[k] = _check_observation(j, r, row, tool, items, lang, when)
            related.append({"observation-uuid": observations[k]["uuid"]})
        att = v.attestation if isinstance(v.attestation, dict) else None
        if att and att.get("attested_by"):
            o = _attestation_observation(j, r, v, att, lang, when)
            observations[("attestation", v.id)] = o
            related.append({"observation-uuid": o["uuid"]})
        findings.append(_finding(j, r, v, list({x["observation-uuid"]: x for x in related}.values()), lang))
    s = r.summary
    out: dict[str, Any] = {
        "uuid": uid("result", *key),
        "title": line(_w("result", lang, profile=r.profile, catalog=r.catalog_id)),
        "description": _w("result_desc", lang, version=version),
        "start": when,
        "end": when,
        "props": props(
            prop("profile", r.profile),
            prop("catalog", r.catalog_id),
            prop("catalog-sha256", r.catalog_entry.get("sha256")),
            prop("meets-level", "true" if s.get("meets_level") else "false"),
            prop("compliance-pct", s.get("compliance_pct")),
            prop("automated-score", s.get("automated_score")),
        ),
        "local-definitions": {
            "components": [
                {
                    "uuid": tool,
                    "type": "software",
                    "title": f"secaudit {version}",
                    "description": _w("tool", lang),
                    "status": {"state": "operational"},
                }
            ],
        },
        "reviewed-controls": {
            "control-selections": [{"include-controls": [{"control-id": oscal_id(v.id)} for v in r.verdicts]}]
        },
    }
    if items:
        out["local-definitions"]["inventory-items"] = [
            {"uuid": u, "description": t, "props": props(prop("target", t))} for t, u in items.items()
        ]
    if observations:
        out["observations"] = list(observations.values())
    if findings:
        out["findings"] = findings
    return out


def _check_observation(
    j: Judged, r: Regime, row: dict[str, Any], tool: str, items: dict[str, str], lang: str, when: str
) -> dict[str, Any]:
    cid, target, status = str(row.get("id")), str(row.get("target")), str(row.get("status"))
    c = j.checks.get((cid, target))
    from secaudit.render.phrases import localise

    summary = localise(pick(getattr(c, "summary", None), lang), lang)
    return {
        "uuid": uid("observation", j.sha256, r.profile, cid, target),
        "title": line(f"{pick(getattr(c, 'title', None), lang) or cid} — {target}"),
        "description": summary or cid,
        "props": props(
            prop("check-id", cid),
            prop("check-status", status),
            prop("severity", getattr(c, "severity", None)),
        ),
        "methods": ["TEST"],
        "types": ["finding"] if status in ("fail", "error") else ["control-objective"],
        "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        "subjects": [{"subject-uuid": items[target], "type": "inventory-item", "title": line(target)}],
        "relevant-evidence": [{"description": json.dumps(getattr(c, "evidence", None), ensure_ascii=False)}],
        "collected": when,
    }


def _attestation_observation(j: Judged, r: Regime, v: Any, att: dict[str, Any], lang: str, when: str) -> dict:
    person = uid("person", j.sha256, str(att.get("attested_by")))
    evidence = [
        {
            "description": line(e.get("path")),
            "props": props(prop("sha256", e.get("sha256")), prop("state", e.get("state") or e.get("status"))),
        }
        for e in att.get("evidence") or []
        if isinstance(e, dict) and e.get("path")
    ]
    out: dict[str, Any] = {
        "uuid": uid("attestation", j.sha256, r.profile, v.id),
        "title": line(_w("attested", lang, rid=v.id)),
        "description": str(att.get("note") or "-"),
        "props": props(
            prop("answer", att.get("status")),
            prop("attested-at", att.get("attested_at")),
            prop("attestation-file", att.get("file")),
        ),
        "methods": ["EXAMINE"],
        "origins": [{"actors": [{"type": "party", "actor-uuid": person}]}],
        "collected": _utc(att.get("attested_at")) or when,
    }
    if evidence:
        out["relevant-evidence"] = evidence
    expires = _utc(att.get("effective_expires_at") or att.get("expires_at"))
    if expires:
        out["expires"] = expires
    return out


def _finding(j: Judged, r: Regime, v: Any, related: list[dict[str, str]], lang: str) -> dict[str, Any]:
    state, reason = STATE.get(v.status, ("not-satisfied", "other"))
    creq = r.catalog.get(v.id) if r.catalog is not None else None
    title = pick(v.title, lang) or (pick(creq.title, lang) if creq else "") or v.id
    out: dict[str, Any] = {
        "uuid": uid("finding", j.sha256, r.profile, v.id),
        "title": line(f"{v.id}: {title}"),
        "description": j.reason(v, lang) or "-",
        "props": props(prop("label", v.id, ns=False), prop("verdict", v.status), prop("kind", v.kind)),
        "target": {
            "type": "statement-id",
            "target-id": f"{oscal_id(v.id)}_smt",
            "status": {"state": state, "reason": reason},
        },
    }
    if related:
        out["related-observations"] = related
    return out


def _catalog_rlink(r: Regime) -> dict[str, Any]:
    link: dict[str, Any] = {"href": f"checklists/{r.catalog_id}.yaml", "media-type": "application/yaml"}
    if r.catalog_entry.get("sha256"):
        link["hashes"] = [{"algorithm": "SHA-256", "value": str(r.catalog_entry["sha256"])}]
    return link


def _attested(j: Judged) -> list[Any]:
    return [
        v
        for r in j.regimes
        for v in r.verdicts
        if isinstance(v.attestation, dict) and v.attestation.get("attested_by")
    ]


def _utc(value: Any) -> str:
    """An OSCAL date-time-with-timezone; a bare date is its day at 00:00 Hanoi time."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        from zoneinfo import ZoneInfo

        when = when.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _version_day(version: str) -> str:
    """The catalogue records no date: its version "YYYY.MM" stands for the month's first day (the
    same catalogue always gives the same document)."""
    parts = str(version).split(".")
    try:
        return datetime(
            int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, 1, tzinfo=timezone.utc
        ).isoformat()
    except (ValueError, IndexError):
        return "1970-01-01T00:00:00+00:00"


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


__all__ = ["oscal_id", "render_assessment_results", "render_catalog", "uid"]
