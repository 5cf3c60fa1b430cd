"""Which requirements of another catalogue answer one requirement (the crosswalk), and catalogue
labels: pure lookups in shipped files, made once per process because re-judging asks them for every
carried requirement of every bundle (assessment/verdicts.py carries answers over with them)."""

from __future__ import annotations

from typing import Any


def carry_sources(req_id: str, to_catalog: str, from_catalog: str) -> tuple[str, list[str], list[str], bool]:
    """(relation, deciding sources, candidate sources, all deciding sources needed) for ``req_id``
    of ``to_catalog`` as answered by requirements of ``from_catalog``.

    The crosswalk file says "these requirements together cover that one". Read in the file's own
    direction, the listed sources are needed together; read against it (derived), each source the
    file maps ``equivalent`` onto ``req_id`` covers it on its own, and the others are candidates."""
    key = (req_id, to_catalog, from_catalog)
    if key not in _SOURCES:  # the crosswalks are read once per process (_XW_CACHE): so is this
        _SOURCES[key] = _carry_sources(req_id, to_catalog, from_catalog)
    relation, deciding, candidates, need_all = _SOURCES[key]
    return relation, list(deciding), list(candidates), need_all


_SOURCES: dict[tuple[str, str, str], tuple[str, tuple[str, ...], tuple[str, ...], bool]] = {}


def _carry_sources(
    req_id: str, to_catalog: str, from_catalog: str
) -> tuple[str, tuple[str, ...], tuple[str, ...], bool]:
    rev = crosswalk_between(to_catalog, from_catalog)
    m = rev.lookup(req_id) if rev else None
    if m is None or m.relation == "none" or not m.to:
        return "none", (), (), False
    if m.relation != "equivalent":
        return m.relation, (), tuple(m.to), False
    if not rev.derived:
        return "equivalent", tuple(m.to), (), True
    fwd = crosswalk_between(from_catalog, to_catalog)
    eq = [s for s in m.to if fwd and (f := fwd.lookup(s)) and f.relation == "equivalent" and req_id in f.to]
    return "equivalent", tuple(eq), tuple(s for s in m.to if s not in eq), False


_XW_CACHE: dict[tuple[str, str], Any] = {}


def crosswalk_between(from_id: str, to_id: str) -> Any:
    """The crosswalk, or None when the two catalogues have none (nothing carries over then)."""
    from secaudit.config.crosswalk import load_crosswalk
    from secaudit.core.errors import InputError

    key = (from_id, to_id)
    if key not in _XW_CACHE:
        try:
            _XW_CACHE[key] = load_crosswalk(from_id, to_id)
        except InputError as exc:
            if exc.path:  # a broken crosswalk file is bad input, not "no crosswalk"
                raise
            _XW_CACHE[key] = None
    return _XW_CACHE[key]


def standard_label(catalog_id: str) -> str:
    """A catalogue's standard ("TCVN 11930:2017") for reasons; its id when it cannot be read."""
    from secaudit.config.catalog import load_catalog

    if catalog_id not in _STANDARDS:  # a shipped catalogue's label, asked for every carried answer
        try:
            _STANDARDS[catalog_id] = load_catalog(catalog_id).standard
        except Exception:  # noqa: BLE001 - only a label in a reason
            return catalog_id
    return _STANDARDS[catalog_id]


_STANDARDS: dict[str, str] = {}
