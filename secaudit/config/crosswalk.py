"""Crosswalks between requirement catalogues (e.g. TCVN 11930:2017 -> TCVN 14423:2026).

A crosswalk file (checklists/crosswalk-<from>--<to>.yaml, format in docs/regimes.md) maps every
requirement of the ``from`` catalogue to the ``to`` requirements that cover it. The other direction
is derived here, so one file serves both. Every id in the file must exist in its catalogue: an
unknown id is an InputError naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secaudit.config.catalog import load_catalog
from secaudit.core.errors import InputError
from secaudit.core.model import LANGS, Catalog, Lang
from secaudit.core.resources import data_dir
from secaudit.core.yamlio import line_of, load_yaml

RELATIONS = ("equivalent", "partial", "none")
CONFIDENCES = ("high", "medium", "low")
UNMAPPED = "unmapped"  # confidence of a requirement the file forgot: visible, never a silent "none"
FILE_PREFIX = "crosswalk-"
_RANK = {"none": 0, "partial": 1, "equivalent": 2}
_CONF_RANK = {UNMAPPED: -1, "low": 0, "medium": 1, "high": 2}


@dataclass
class Mapping:
    from_id: str
    to: list[str]
    relation: str  # equivalent | partial | none
    confidence: str  # high | medium | low (how well the subjects match)
    note: Lang = field(default_factory=dict)
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "from": self.from_id,
            "to": list(self.to),
            "relation": self.relation,
            "confidence": self.confidence,
        }
        if self.note:
            d["note"] = dict(self.note)
        return d


@dataclass
class Crosswalk:
    from_catalog: str
    to_catalog: str
    mappings: list[Mapping]  # one per requirement of from_catalog, in catalogue order
    path: Path | None = None
    derived: bool = False  # True when read against the file's direction
    title: Lang = field(default_factory=dict)

    def lookup(self, req_id: str) -> Mapping | None:
        idx = self.__dict__.get("_idx")
        if idx is None:  # built once: the summary's re-judging looks up every requirement of every bundle
            idx = {}
            for m in self.mappings:
                idx.setdefault(m.from_id, m)
            self.__dict__["_idx"] = idx
        return idx.get(req_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_catalog,
            "to": self.to_catalog,
            "mappings": [m.to_dict() for m in self.mappings],
        }


def crosswalk_files() -> list[Path]:
    return sorted(data_dir("checklists").glob(f"{FILE_PREFIX}*.yaml"))


def load_crosswalk(from_id: str, to_id: str, path: str | Path | None = None) -> Crosswalk:
    """The crosswalk from catalogue ``from_id`` to ``to_id``, read from ``path`` or from the shipped
    file joining the two (in either direction)."""
    candidates = [Path(path)] if path is not None else crosswalk_files()
    for p in candidates:
        data = load_yaml(p)
        head = _head(data, p)
        pair = (head["from"], head["to"])
        if pair == (from_id, to_id):
            return _forward(data, p)
        if pair == (to_id, from_id):
            return _reverse(_forward(data, p), data, p)
        if path is not None:
            raise InputError(
                f"bảng đối chiếu nối {pair[0]} -> {pair[1]}, không phải {from_id} và {to_id} / "
                f"joins {pair[0]} -> {pair[1]}, not {from_id} and {to_id}",
                p,
            )
    known = []
    for p in candidates:
        h = _head(load_yaml(p), p)
        known.append(f"{h['from']} <-> {h['to']}")
    raise InputError(
        f"không có bảng đối chiếu giữa danh mục {from_id!r} và {to_id!r} / "
        f"no crosswalk between catalogues {from_id!r} and {to_id!r} (available: {', '.join(known) or 'none'})"
    )


# --------------------------------------------------------------------------- parsing


def _fail(msg: str, p: Path, node: Any = None, entry: str | None = None) -> None:
    raise InputError(msg, p, line_of(node), entry)


def _head(data: Any, p: Path) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("crosswalk"), dict):
        _fail(
            "không phải tệp bảng đối chiếu / not a crosswalk file: expected a top-level 'crosswalk:' mapping",
            p,
            data,
        )
    head = data["crosswalk"]
    for key in ("from", "to"):
        if not isinstance(head.get(key), str) or not head[key].strip():
            _fail(
                f"'crosswalk.{key}' phải là mã danh mục / 'crosswalk.{key}' must name a catalogue id", p, head
            )
    return head


def _catalog(cid: str, p: Path, node: Any) -> Catalog:
    try:
        return load_catalog(cid)
    except InputError as exc:
        if exc.path:  # a problem inside the catalogue file: report it there
            raise
        raise InputError(exc.message, p, line_of(node)) from None


def _note(node: Any, p: Path, entry: str) -> Lang:
    if node is None:
        return {}
    if isinstance(node, str):
        return {"vi": node, "en": node}
    if not isinstance(node, dict) or set(node) - set(LANGS):
        _fail(
            "'note' phải là chuỗi hoặc ánh xạ {vi: ..., en: ...} / "
            "'note' must be a text or a mapping {vi: ..., en: ...}",
            p,
            node,
            entry,
        )
    return {k: " ".join(str(v).split()) for k, v in node.items()}


def _check_ids(ids: Any, cat: Catalog, p: Path, node: Any, entry: str, what: str) -> list[str]:
    if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
        _fail(
            f"'{what}' phải là danh sách mã yêu cầu / '{what}' must be a list of requirement ids",
            p,
            node,
            entry,
        )
    for rid in ids:
        if cat.get(rid) is None:
            _fail(
                f"yêu cầu không có trong danh mục / "
                f"unknown requirement {rid!r} in '{what}': catalogue {cat.id!r} does not define it",
                p,
                node,
                entry,
            )
    if len(set(ids)) != len(ids):
        _fail(f"'{what}' có yêu cầu bị trùng / '{what}' lists a requirement twice", p, node, entry)
    return list(ids)


def _forward(data: dict[str, Any], p: Path) -> Crosswalk:
    head = _head(data, p)
    src = _catalog(head["from"], p, head)
    dst = _catalog(head["to"], p, head)
    nodes = data.get("mappings")
    if not isinstance(nodes, list):
        _fail("'mappings' phải là danh sách / 'mappings' must be a list", p, data)
    found: dict[str, Mapping] = {}
    for node in nodes:
        if not isinstance(node, dict):
            _fail(
                "mỗi mục đối chiếu phải là ánh xạ / "
                "a mapping must be a mapping {from, to, relation, confidence}",
                p,
                nodes,
            )
        rid = node.get("from")
        if not isinstance(rid, str) or src.get(rid) is None:
            _fail(
                f"yêu cầu không có trong danh mục / "
                f"unknown requirement {rid!r} in 'from': catalogue {src.id!r} does not define it",
                p,
                node,
            )
        if rid in found:
            _fail(
                f"{rid} được đối chiếu hai lần (lần đầu ở dòng {found[rid].line}) / "
                f"second mapping for {rid} (first at line {found[rid].line})",
                p,
                node,
                rid,
            )
        extra = set(node) - {"from", "to", "relation", "confidence", "note"}
        if extra:
            _fail(
                f"trường không hợp lệ / unknown key(s) {', '.join(sorted(extra))} in a mapping", p, node, rid
            )
        to = _check_ids(node.get("to", []), dst, p, node, rid, "to")
        relation = node.get("relation")
        if relation not in RELATIONS:
            _fail(
                "'relation' không hợp lệ / "
                f"'relation' must be one of {', '.join(RELATIONS)}, got {relation!r}",
                p,
                node,
                rid,
            )
        if (relation == "none") != (not to):
            _fail(
                "relation 'none' đi với danh sách 'to' rỗng, và chỉ với nó / "
                "relation 'none' goes with an empty 'to' list, and only with it",
                p,
                node,
                rid,
            )
        conf = node.get("confidence")
        if conf not in CONFIDENCES:
            _fail(
                "'confidence' không hợp lệ / "
                f"'confidence' must be one of {', '.join(CONFIDENCES)}, got {conf!r}",
                p,
                node,
                rid,
            )
        found[rid] = Mapping(rid, to, relation, conf, _note(node.get("note"), p, rid), line_of(node))
    mappings = [found.get(r.id) or Mapping(r.id, [], "none", UNMAPPED) for r in src.requirements]
    title = head.get("title") if isinstance(head.get("title"), dict) else {}
    return Crosswalk(src.id, dst.id, mappings, path=p, title=dict(title))


def _reverse(fwd: Crosswalk, data: dict[str, Any], p: Path) -> Crosswalk:
    """Derive to -> from: a ``to`` requirement is covered by every ``from`` requirement listing it;
    the relation is the best among those mappings, unless the file's ``reverse`` section lowers it."""
    dst = _catalog(fwd.to_catalog, p, data)
    overrides = data.get("reverse") or {}
    if not isinstance(overrides, dict):
        _fail(
            "'reverse' phải là ánh xạ / 'reverse' must be a mapping {requirement id: {relation?, note?}}",
            p,
            overrides,
        )
    for rid, node in overrides.items():
        if dst.get(rid) is None:
            _fail(
                f"yêu cầu không có trong danh mục / "
                f"unknown requirement {rid!r} in 'reverse': catalogue {dst.id!r} does not define it",
                p,
                overrides,
                str(rid),
            )
        if not isinstance(node, dict) or set(node) - {"relation", "note"}:
            _fail(
                "mục 'reverse' phải là ánh xạ / a 'reverse' entry must be a mapping {relation?, note?}",
                p,
                overrides,
                rid,
            )
        if node.get("relation", "partial") != "partial":
            _fail(
                "mục 'reverse' chỉ được hạ quan hệ xuống 'partial' / "
                "a 'reverse' entry may only lower the relation to 'partial'",
                p,
                node,
                rid,
            )
    out: list[Mapping] = []
    for req in dst.requirements:
        sources = [m for m in fwd.mappings if req.id in m.to]
        relation = max((m.relation for m in sources), key=_RANK.__getitem__, default="none")
        best = [m for m in sources if m.relation == relation] or sources
        conf = max((m.confidence for m in best), key=_CONF_RANK.__getitem__, default="medium")
        over = overrides.get(req.id) or {}
        if "relation" in over and _RANK[over["relation"]] < _RANK[relation]:
            relation = over["relation"]
        note = _note(over.get("note"), p, req.id)
        out.append(Mapping(req.id, [m.from_id for m in sources], relation, conf, note, line_of(over)))
    return Crosswalk(fwd.to_catalog, fwd.from_catalog, out, path=p, derived=True, title=fwd.title)
