"""Writing ``secaudit.bundle/2``: the assessment as the assess service builds it (/1 shape, see
DESIGN §7) made compact — each record once, references by id, no catalogue text (bundle_view.py
describes the shape and reads it back; ``bundle_view.as_v1(compact(a)) == a`` minus the texts).
"""

from __future__ import annotations

from typing import Any

from secaudit.core.reasons import FROM_RECORD, plain, record_params, summaries_of, template_keys
from secaudit.signing.bundle_view import (
    CATALOG_TEXT_KEYS,
    CHECK_META_KEYS,
    expand_reason,
    map_reason,
    standard_of,
)

# Keys of an attestation reference (not of the record itself).
_REF_KEYS = ("carried_from", "sources")


class _Store:
    """Attestation records, each once, keyed "<catalog>:<requirement>" (a suffix when two differ)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def put(self, rec: dict[str, Any]) -> str:
        base = f"{rec.get('catalog') or '-'}:{rec.get('requirement') or '-'}"
        key, n = base, 1
        while key in self.records and self.records[key] != rec:
            n += 1
            key = f"{base}#{n}"
        self.records[key] = rec
        return key

    def compact(self, rec: Any) -> Any:
        """A verdict's /1 attestation record -> its /2 reference."""
        if not isinstance(rec, dict):
            return None
        rec = plain(rec)
        if "prefilled_from" in rec:
            out = {k: v for k, v in rec.items() if k != "prefilled_from"}
            out["prefilled_from"] = [self._cand(c) for c in rec.get("prefilled_from") or []]
            return out
        cf = rec.get("carried_from")
        if not isinstance(cf, dict):
            return {"ref": self.put(rec)}
        sources = [s for s in rec.get("sources") or [] if isinstance(s, dict)]
        source_keys = [self.put(s) for s in sources]
        body = {k: v for k, v in rec.items() if k not in _REF_KEYS and k != "requirement"}
        base_key = None
        for s, k in zip(sources, source_keys, strict=True):
            if {x: y for x, y in s.items() if x != "requirement"} == body:
                base_key = k
                break
        if base_key is None:
            base_key = self.put({**body, "requirement": cf.get("requirement")})
        out: dict[str, Any] = {"ref": base_key, "carried_from": _short_cf(cf)}
        if "sources" in rec:
            out["sources"] = source_keys
        return out

    def _cand(self, c: Any) -> Any:
        """A pre-fill candidate -> {"ref", "relation"} when the record it repeats is stored."""
        if not isinstance(c, dict):
            return c
        key = f"{c.get('catalog') or '-'}:{c.get('requirement') or '-'}"
        rec = self.records.get(key)
        if rec is not None and all(
            (rec.get(k) or None) == (c.get(k) or None)
            for k in ("catalog", "requirement", "status", "note", "file")
        ):
            return {"ref": key, "relation": c.get("relation")}
        return c


def _short_cf(cf: dict[str, Any]) -> dict[str, Any]:
    """``carried_from`` without what bundle_view puts back: the first source id, the standard."""
    out = dict(cf)
    ids = out.get("requirements")
    if isinstance(ids, list) and ids and out.get("requirement") == ids[0]:
        del out["requirement"]
    if isinstance(out.get("catalog"), str) and out.get("standard") == standard_of(out["catalog"]):
        del out["standard"]
    return out


def _check_ids(rows: Any, targets: list[dict[str, Any]]) -> Any:
    """Rows {"id","target","status"} -> the check ids (the rows are the targets' results of those
    ids). Rows that cannot be rebuilt that way are kept as they are."""
    if not isinstance(rows, list) or not rows:
        return None
    ids = sorted({r.get("id") for r in rows if isinstance(r, dict) and isinstance(r.get("id"), str)})
    rebuilt = [
        {"id": c.get("id"), "target": t.get("target"), "status": c.get("status")}
        for t in targets
        for c in t.get("checks") or []
        if isinstance(c, dict) and c.get("id") in ids
    ]
    return ids if rebuilt == rows else rows


def _compact_node(node: dict[str, Any], rec: Any) -> dict[str, Any]:
    """Leave out the parameters the attestation record gives (``"att": 1`` marks it)."""
    code, params = node["code"], node["params"]
    keys = template_keys(code) & set(FROM_RECORD)
    if not keys or "att" in params:
        return node
    derived = record_params(rec, node["code"], standard_of)
    if any(k in derived and k not in params for k in keys):
        return node  # reading it back would add a parameter it did not have
    strip = {k for k in keys if k in params and params[k] == derived.get(k)}
    if not strip:
        return node
    new = {k: v for k, v in params.items() if k not in strip}
    new["att"] = 1
    return {"code": code, "params": new}


def _own_summaries(reason: Any, stored: dict[tuple[str, str], Any]) -> Any:
    """Check results a reason names keep their summary inline when it is not the stored target's
    (a block judged under another profile than the targets were): plain dicts out."""
    if isinstance(reason, list):
        return [_own_summaries(x, stored) for x in reason]
    if not isinstance(reason, dict):
        return reason
    known = getattr(reason, "summaries", None)
    if isinstance(known, dict) and "code" in reason:
        params = dict.get(reason, "params") or {}
        new = {}
        for k, v in params.items():
            if (
                isinstance(v, list)
                and v
                and all(isinstance(x, dict) and "target" in x and "id" in x for x in v)
            ):
                v = [_with_summary(x, known, stored) for x in v]
            new[k] = _own_summaries(v, stored)
        return {"code": dict.get(reason, "code"), "params": new}
    return {k: _own_summaries(v, stored) for k, v in dict.items(reason)}


def _with_summary(item: dict[str, Any], known: dict[Any, Any], stored: dict[tuple[str, str], Any]) -> Any:
    key = (str(item.get("id")), str(item.get("target")))
    mine = known.get(key)
    if mine and mine != stored.get(key) and "summary" not in item:
        return {**item, "summary": dict(mine)}
    return dict(item)


def _reason(reason: Any, rec: Any, stored: dict[tuple[str, str], Any] | None = None) -> Any:
    """The reason with its record's parameters left out, when reading it back gives it again."""
    full = plain(_own_summaries(reason, stored or {}))
    rec = plain(rec)
    short = map_reason(full, rec, _compact_node)
    return short if expand_reason(short, rec) == full else full


def _verdict(
    r: dict[str, Any], store: _Store, targets: list[dict[str, Any]], stored: dict[tuple[str, str], Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in r.items():
        if k in CATALOG_TEXT_KEYS:
            continue
        if k == "checks":
            v = _check_ids(v, targets)
        elif k == "reason":
            v = _reason(v, r.get("attestation"), stored)
        elif k == "attestation":
            v = store.compact(v)
        elif k == "expiring_soon":
            v = True if v else None
        else:
            v = plain(v)
        if v is not None:
            out[k] = v
    return out


def _target(t: dict[str, Any]) -> dict[str, Any]:
    out = dict(t)
    out["checks"] = [
        {k: v for k, v in c.items() if k not in CHECK_META_KEYS} if isinstance(c, dict) else c
        for c in t.get("checks") or []
    ]
    return out


def compact(a: dict[str, Any], refs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The /2 assessment. ``refs``: per block (primary first) ``{"catalog": {id, version, sha256},
    "profile_digest": hex}`` replacing the catalogue headers."""
    raw_targets = [t for t in a.get("targets") or [] if isinstance(t, dict)]
    store = _Store()
    out = {k: v for k, v in a.items() if k not in ("targets", "requirements", "additional")}
    refs = refs or []
    if refs:
        out.update(refs[0])
    out["targets"] = [_target(t) for t in raw_targets]
    stored = summaries_of(raw_targets)
    out["requirements"] = [_verdict(r, store, raw_targets, stored) for r in a.get("requirements") or []]
    if a.get("additional"):
        extra = []
        for i, x in enumerate(a["additional"], start=1):
            x = dict(x)
            x["requirements"] = [_verdict(r, store, raw_targets, stored) for r in x.get("requirements") or []]
            if i < len(refs):
                x.update(refs[i])
            extra.append(x)
        out["additional"] = extra
    out["attestations"] = store.records
    return out
