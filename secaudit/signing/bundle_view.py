"""One way to read an assessment from a ``secaudit.bundle/1`` or ``secaudit.bundle/2`` file.

Readers (summary digests, reports, re-judging) should not care which version a bundle is. Use:

- ``blocks(a)``: the verdict sets, primary profile first, then ``additional`` ones. Each ``Block``
  has the profile id, the catalogue entry, the profile digest (/2), the raw verdicts (``id``, ``kind``,
  ``status`` are where they always were: cheap enough for 10 000 bundles) and the summary.
- ``as_v1(a)``: the whole assessment in the /1 shape (DESIGN §7): verdict ``checks`` rows
  ``{"id", "target", "status"}``, full attestation records, check ``title``/``remediation``, and with
  ``catalog=True`` requirement ``title``/``section``/``group``/``evidence`` from the catalogue the
  bundle names. Reasons stay as stored: ``{"vi", "en"}`` (/1) or ``{"code", "params"}`` (/2); render
  them with ``secaudit.core.reasons.render_reason``.
- ``attestation_records(a)``: the attestation entries recorded directly (not carried over), each once.

What /2 changes (DESIGN §10 "Bundles, second version"), against /1:
- ``catalog`` is ``{"id", "version", "sha256"}`` (SHA-256 of the catalogue file) and there is a
  ``profile_digest`` (``secaudit.config.catalog_archive.profile_digest``); same in each ``additional``.
- verdicts carry no catalogue text (no title, section, group, evidence hint); ``checks`` is the list
  of check ids the verdict rests on (rows are the targets' results of those ids); ``attestation`` is
  ``{"ref": KEY}`` into ``assessment.attestations`` (KEY -> record, each record once), carried answers
  add ``carried_from`` (and ``sources``: keys), pre-filled ones keep ``prefilled_from`` entries as
  ``{"ref", "relation"}``; ``expiring_soon`` appears only when true.
- target check results carry no ``title``/``remediation`` (check metadata, looked up by id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_V1 = "secaudit.bundle/1"
SCHEMA_V2 = "secaudit.bundle/2"
SCHEMAS = (SCHEMA_V1, SCHEMA_V2)
# Verdict keys that /2 leaves to the catalogue (looked up by requirement id at read time).
CATALOG_TEXT_KEYS = ("title", "section", "group", "evidence")
# Check-result keys that /2 leaves to the check metadata (secaudit/checks/<family>.yaml).
CHECK_META_KEYS = ("title", "remediation")


def version(bundle_or_assessment: Any) -> int:
    """2 for a /2 bundle (or its assessment), 1 otherwise."""
    if isinstance(bundle_or_assessment, dict):
        if bundle_or_assessment.get("schema") == SCHEMA_V2:
            return 2
        if "schema" not in bundle_or_assessment and isinstance(
            bundle_or_assessment.get("attestations"), dict
        ):
            return 2
    return 1


def _dicts(v: Any) -> list[dict[str, Any]]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


@dataclass
class Block:
    """One profile's verdicts in a bundle."""

    profile: str
    catalog: dict[str, Any]
    requirements: list[dict[str, Any]]  # as stored (see module doc)
    summary: dict[str, Any]
    profile_digest: str | None = None
    primary: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # other keys of an `additional` entry


def blocks(a: dict[str, Any]) -> list[Block]:
    """Primary block first, then each well-formed ``additional`` entry (malformed ones are skipped)."""
    out = [
        Block(
            profile=str(a.get("profile") or ""),
            catalog=a["catalog"] if isinstance(a.get("catalog"), dict) else {},
            requirements=_dicts(a.get("requirements")),
            summary=a["summary"] if isinstance(a.get("summary"), dict) else {},
            profile_digest=a.get("profile_digest") if isinstance(a.get("profile_digest"), str) else None,
            primary=True,
        )
    ]
    for x in _dicts(a.get("additional")):
        if not isinstance(x.get("requirements"), list):
            continue
        out.append(
            Block(
                profile=str(x.get("profile") or ""),
                catalog=x["catalog"] if isinstance(x.get("catalog"), dict) else {},
                requirements=_dicts(x.get("requirements")),
                summary=x["summary"] if isinstance(x.get("summary"), dict) else {},
                profile_digest=x.get("profile_digest") if isinstance(x.get("profile_digest"), str) else None,
                extra={
                    k: v for k, v in x.items() if k not in ("profile", "catalog", "requirements", "summary")
                },
            )
        )
    return out


# --------------------------------------------------------------------------- /2 -> /1 shape


def _records(a: dict[str, Any]) -> dict[str, dict[str, Any]]:
    recs = a.get("attestations")
    return {k: v for k, v in recs.items() if isinstance(v, dict)} if isinstance(recs, dict) else {}


def expand_attestation(ref: Any, rid: str, records: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """A /2 verdict's ``attestation`` as the /1 record (None when absent or dangling)."""
    if not isinstance(ref, dict):
        return None
    if "prefilled_from" in ref:
        out = {k: v for k, v in ref.items() if k != "prefilled_from"}
        cands = []
        for c in _dicts(ref.get("prefilled_from")):
            src = records.get(c.get("ref")) if isinstance(c.get("ref"), str) else None
            if src is None:
                cands.append({k: v for k, v in c.items() if k != "ref"})
                continue
            cands.append(
                {
                    "catalog": src.get("catalog"),
                    "requirement": src.get("requirement"),
                    "relation": c.get("relation"),
                    "status": src.get("status"),
                    "note": src.get("note") or None,
                    "file": src.get("file"),
                }
            )
        out["prefilled_from"] = cands
        return out
    base = records.get(ref.get("ref")) if isinstance(ref.get("ref"), str) else None
    if base is None:
        return None
    rec = dict(base)
    if "carried_from" in ref:
        rec["requirement"] = rid
        cf = ref["carried_from"]
        if isinstance(cf, dict):  # /2 leaves out what the ids give: the first source, the standard
            cf = dict(cf)
            ids = cf.get("requirements")
            if "requirement" not in cf and isinstance(ids, list) and ids:
                cf["requirement"] = ids[0]
            if "standard" not in cf and isinstance(cf.get("catalog"), str):
                cf["standard"] = standard_of(cf["catalog"])
        rec["carried_from"] = cf
        if isinstance(ref.get("sources"), list):
            rec["sources"] = [records[k] for k in ref["sources"] if isinstance(k, str) and k in records]
    for k, v in ref.items():  # anything a later writer added beside the reference
        if k not in ("ref", "carried_from", "sources"):
            rec[k] = v
    return rec


def _check_index(targets: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """check id -> rows {"id", "target", "status"} in target order (the order verdicts list them)."""
    idx: dict[str, list[dict[str, str]]] = {}
    for t in targets:
        for c in _dicts(t.get("checks")):
            cid = c.get("id")
            if isinstance(cid, str):
                idx.setdefault(cid, []).append(
                    {"id": cid, "target": t.get("target"), "status": c.get("status")}
                )
    return idx


def _rows(check_ids: Any, idx: dict[str, list[dict[str, str]]], targets: list[dict[str, Any]]) -> list[Any]:
    if not isinstance(check_ids, list):
        return []
    if check_ids and all(isinstance(c, dict) for c in check_ids):
        return check_ids  # rows of a block judged unlike the stored targets, kept as they were
    wanted = {c for c in check_ids if isinstance(c, str)}
    rows = []
    for t in targets:  # target-major, each target's own check order: as verdicts.py builds them
        for c in _dicts(t.get("checks")):
            if isinstance(c.get("id"), str) and c["id"] in wanted:
                rows.append({"id": c["id"], "target": t.get("target"), "status": c.get("status")})
    return rows


def _catalog_for(entry: dict[str, Any]) -> Any:
    from secaudit.config.catalog_archive import find_catalog

    return find_catalog(entry.get("id"), entry.get("sha256"))[0]


def expand_requirement(
    r: dict[str, Any],
    records: dict[str, dict[str, Any]],
    targets: list[dict[str, Any]],
    catalog: Any = None,
    level: Any = None,
    idx: dict[str, list[dict[str, str]]] | None = None,
    reasons: bool = True,
    rows: bool = True,
) -> dict[str, Any]:
    """A /2 verdict in the /1 shape; catalogue texts from ``catalog`` (a model.Catalog) when given;
    ``reasons`` False: the reason as stored (re-judging makes its own and never reads the old one);
    ``rows`` False: ``checks`` as stored (re-judging reads the targets' results, not the rows)."""
    rid = r.get("id") if isinstance(r.get("id"), str) else ""
    out = dict(r)
    out["checks"] = _rows(r.get("checks"), idx or {}, targets) if rows else r.get("checks")
    out["attestation"] = expand_attestation(r.get("attestation"), rid, records)
    if reasons:
        out["reason"] = expand_reason(r.get("reason"), out["attestation"])
    out["expiring_soon"] = r.get("expiring_soon") is True
    req = catalog.get(rid) if catalog is not None and rid else None
    if req is not None:
        lvl = level if isinstance(level, int) and not isinstance(level, bool) else 0
        out.setdefault("title", dict(req.title))
        out.setdefault("section", req.section(lvl) if lvl else "")
        out.setdefault("group", req.group)
        out.setdefault("evidence", dict(req.evidence))
    else:
        for k in CATALOG_TEXT_KEYS:
            out.setdefault(k, {} if k in ("title", "evidence") else "")
    return out


def _target_v1(t: dict[str, Any]) -> dict[str, Any]:
    from secaudit.checks import metadata

    meta = metadata()
    out = dict(t)
    checks = []
    for c in _dicts(t.get("checks")):
        m = (meta.get(c["id"]) if isinstance(c.get("id"), str) else None) or {}
        full = dict(c)
        for k in CHECK_META_KEYS:
            full.setdefault(k, dict(m.get(k) or {}))
        checks.append(full)
    out["checks"] = checks
    return out


def as_v1(
    a: dict[str, Any], catalog: bool = True, texts: bool = False, reasons: bool = True, lean: bool = False
) -> dict[str, Any]:
    """The assessment in the /1 shape (a /1 assessment is returned as it is). ``texts``: reasons as
    ``{"vi", "en"}`` texts (rendered from their codes) instead of as stored; ``reasons`` False: /2
    reasons left without the parameters their attestation record gives (for re-judging only);
    ``lean``: no check titles or verdict check rows either (the summary's re-judging reads neither:
    10 000 bundles)."""
    if version(a) == 1 and "attestations" not in a:
        return _with_texts(a) if texts else a
    records = _records(a)
    targets = _dicts(a.get("targets")) if lean else [_target_v1(t) for t in _dicts(a.get("targets"))]
    idx = {} if lean else _check_index(targets)
    level = (a.get("system") or {}).get("level") if isinstance(a.get("system"), dict) else None

    def expand(block_catalog: Any, reqs: Any) -> list[dict[str, Any]]:
        cat = _catalog_for(block_catalog) if catalog and isinstance(block_catalog, dict) else None
        return [
            expand_requirement(r, records, targets, cat, level, idx, reasons, rows=not lean)
            for r in _dicts(reqs)
        ]

    out = {k: v for k, v in a.items() if k != "attestations"}
    out["targets"] = targets
    out["requirements"] = expand(a.get("catalog"), a.get("requirements"))
    if isinstance(a.get("additional"), list):
        extra = []
        for x in a["additional"]:
            if isinstance(x, dict) and isinstance(x.get("requirements"), list):
                x = dict(x)
                x["requirements"] = expand(x.get("catalog"), x["requirements"])
            extra.append(x)
        out["additional"] = extra
    return _with_texts(out) if texts else out


def _with_texts(a: dict[str, Any]) -> dict[str, Any]:
    from secaudit.core.reasons import reason_texts, summaries_of

    summaries = summaries_of(a.get("targets"))
    out = dict(a)
    for key, holder in [("requirements", out)] + [("requirements", x) for x in _dicts(out.get("additional"))]:
        holder[key] = [
            {**r, "reason": reason_texts(r.get("reason"), summaries)} for r in _dicts(holder.get(key))
        ]
    return out


def attestation_records(a: dict[str, Any]) -> list[dict[str, Any]]:
    """The attestation entries the bundle recorded directly (carried and pre-filled ones left out)."""
    if version(a) == 2:
        return [r for r in _records(a).values() if not r.get("carried_from") and not r.get("prefilled_from")]
    out = []
    for r in _dicts(a.get("requirements")):
        rec = r.get("attestation")
        if isinstance(rec, dict) and not rec.get("carried_from") and not rec.get("prefilled_from"):
            out.append(rec)
    return out


def targets(a: dict[str, Any]) -> list[dict[str, Any]]:
    """Target entries with their check results and observations (check metadata filled in)."""
    return [_target_v1(t) for t in _dicts(a.get("targets"))]


_META_CACHE: dict[tuple[Any, Any], dict[str, tuple[dict[str, str], str]]] = {}


def requirement_meta(catalog_entry: Any) -> dict[str, tuple[dict[str, str], str]]:
    """requirement id -> (title, group) from the catalogue a block names ({} if none is shipped).
    Cached per (id, sha256): the summary asks once per catalogue, not once per bundle."""
    if not isinstance(catalog_entry, dict):
        return {}
    key = (catalog_entry.get("id"), catalog_entry.get("sha256"))
    if not all(isinstance(k, str) or k is None for k in key):
        return {}
    if key not in _META_CACHE:
        cat = _catalog_for(catalog_entry)
        _META_CACHE[key] = {r.id: (dict(r.title), r.group) for r in cat.requirements} if cat else {}
    return _META_CACHE[key]


# --------------------------------------------------------------------------- reasons and their records


def standard_of(catalog_id: Any) -> Any:
    """A catalogue's standard ("TCVN 11930:2017"): catalogue text, so /2 stores the id only."""
    if not isinstance(catalog_id, str):
        return catalog_id
    from secaudit.config.catalog_archive import find_catalog

    if catalog_id not in _STANDARDS:  # shipped catalogue text: read once per process
        cat = find_catalog(catalog_id)[0]
        _STANDARDS[catalog_id] = cat.standard if cat is not None else catalog_id
    return _STANDARDS[catalog_id]


_STANDARDS: dict[str, Any] = {}


def _sources(rec: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(rec, dict):
        return {}
    return {s["requirement"]: s for s in _dicts(rec.get("sources")) if isinstance(s.get("requirement"), str)}


def map_reason(reason: Any, rec: Any, fn: Any, sources: dict[str, dict[str, Any]] | None = None) -> Any:
    """``fn(node, record)`` on every coded reason node, innermost first, with the attestation record
    the node speaks of: the verdict's own, or for a labelled part of ``carried`` that source's."""
    sources = _sources(rec) if sources is None else sources
    if isinstance(reason, list):
        return [map_reason(x, rec, fn, sources) for x in reason]
    if not isinstance(reason, dict) or not isinstance(reason.get("code"), str):
        return reason
    params = reason.get("params")
    if not isinstance(params, dict):
        return reason
    out = dict(params)
    parts = params.get("parts")
    if isinstance(parts, list):
        new = []
        for p in parts:
            if isinstance(p, dict) and "reason" in p and "code" not in p:
                req = p.get("requirement")
                ctx = sources.get(req, rec) if reason["code"] == "carried" and isinstance(req, str) else rec
                p = {**p, "reason": map_reason(p["reason"], ctx, fn, sources)}
            else:
                p = map_reason(p, rec, fn, sources)
            new.append(p)
        out["parts"] = new
    return fn({"code": reason["code"], "params": out}, rec)


def _expand_node(node: dict[str, Any], rec: Any) -> dict[str, Any]:
    from secaudit.core.reasons import FROM_RECORD, record_params, template_keys

    params = node["params"]
    if params.get("att") != 1:
        return node
    derived = record_params(rec, node["code"], standard_of)
    new = {k: v for k, v in params.items() if k != "att"}
    for k in template_keys(node["code"]) & set(FROM_RECORD):
        if k not in new and k in derived:
            new[k] = derived[k]
    return {"code": node["code"], "params": new}


def expand_reason(reason: Any, rec: Any) -> Any:
    """A /2 reason with the parameters it takes from its attestation record put back."""
    return map_reason(reason, rec, _expand_node)
