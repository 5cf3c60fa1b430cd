"""Requirement catalogues and profiles: load, validate, resolve inheritance and tailoring.

A catalogue (checklists/<id>.yaml) lists the requirements of one standard, each with its clause
per security level. A profile (profiles/<name>.yaml) selects one catalogue and one level, sets the
thresholds of the automated checks (``parameters``) and may tailor requirements out with a written
justification. Every problem in either file is an InputError naming the file, the line and the
entry. The file format is documented in docs/catalog-format.md.
"""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.config.catalog_parse import _Ctx, parse_catalog, valid_check_ids
from secaudit.config.param_rules import parameter_problem
from secaudit.core.errors import InputError
from secaudit.core.model import (
    Catalog,
    Profile,
    Requirement,
    Tailoring,
)
from secaudit.core.resources import data_dir
from secaudit.core.validate import typename
from secaudit.core.yamlio import load_yaml

__all__ = ["DEFAULT_CATALOG", "valid_check_ids", "load_catalog", "load_profile", "applicable"]

DEFAULT_CATALOG = "tcvn-11930-2017"
LEVELS = (1, 2, 3, 4, 5)

_PROFILE_KEYS = {"id", "catalog", "level", "extends", "title", "description"}
_TAILOR_KEYS = {"requirement", "status", "justification"}
MAX_EXTENDS = 8  # shipped chains are at most 5 long (level5 -> ... -> level1)
_TAILOR_STATUSES = ("not_applicable", "applicable")


# --------------------------------------------------------------------------- catalogues


def catalog_ids() -> list[str]:
    """Ids of the shipped catalogues (file stems in checklists/; crosswalk-*.yaml files join two
    catalogues and are not catalogues themselves)."""
    folder = _checklists()
    try:
        stamp = folder.stat().st_mtime_ns  # a file added or removed changes the folder's mtime
    except OSError:
        stamp = 0
    return list(_ids_in(str(folder), stamp))


@lru_cache(maxsize=1)
def _checklists() -> Path:
    return data_dir("checklists")  # where the package is does not change in a process


@lru_cache(maxsize=4)
def _ids_in(folder: str, _stamp: int) -> tuple[str, ...]:
    """The listing, once per folder state (the summary asks for every requirement of every bundle)."""
    names = Path(folder).glob("*.yaml")
    return tuple(sorted(p.stem for p in names if not p.name.startswith(("crosswalk-", "_"))))


def _looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.endswith((".yaml", ".yml"))


def _user_path(value: str, base: Path | None) -> Path:
    """A user's file path; a relative one is relative to ``base`` (the file that names it)."""
    from secaudit.core.files import user_path

    p = user_path(value)
    if not p.is_absolute() and base is not None:
        p = Path(os.path.normpath(base / p))  # keep messages free of "sub/../"
    return p


def _catalog_path(id_or_path: str | None, base: Path | None = None) -> Path:
    value = id_or_path or DEFAULT_CATALOG
    if _looks_like_path(value):
        return _user_path(value, base)
    p = data_dir("checklists") / f"{value}.yaml"
    if not p.exists():
        raise InputError(
            f"không có danh mục {value!r} / unknown catalogue {value!r} "
            f"(known: {', '.join(catalog_ids()) or 'none'})"
        )
    return p


_CATALOG_CACHE: dict[tuple[str, int, int], Catalog] = {}
_PROFILE_CATALOG: dict[str, Path] = {}  # resolved profile file -> the catalogue file it selected


_SHIPPED_BY_ID: dict[str, Catalog] = {}  # the package's files do not change under a running command


def load_catalog(id_or_path: str | None = None) -> Catalog:
    """Load and validate a catalogue by id (a shipped one) or path. Cached by resolved path, and
    shipped ones by id (the summary's re-judging asks for them thousands of times)."""
    value = id_or_path or DEFAULT_CATALOG
    hit = _SHIPPED_BY_ID.get(value)
    if hit is not None:
        return hit
    cat = _load_catalog_file(_catalog_path(id_or_path))
    if not _looks_like_path(value):
        _SHIPPED_BY_ID[value] = cat
    return cat


def _load_catalog_file(path: Path) -> Catalog:
    try:
        st = path.resolve().stat()
    except FileNotFoundError:
        raise InputError("không thấy tệp danh mục / catalogue file not found", path) from None
    except OSError as exc:  # e.g. a folder the user may not enter: not "not found"
        raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", path) from None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    cat = _CATALOG_CACHE.get(key)
    if cat is None:
        cat = parse_catalog(load_yaml(path), path)
        _CATALOG_CACHE[key] = cat
    return cat


# --------------------------------------------------------------------------- profiles


def profile_names() -> list[str]:
    """Names of the shipped profiles (file stems in profiles/; "_" files are data about profiles)."""
    files = data_dir("profiles").glob("*.yaml")
    return sorted((p.stem for p in files if not p.name.startswith("_")), key=_natural)


def _natural(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _profile_path(name_or_path: str, base: Path | None = None) -> Path:
    if _looks_like_path(name_or_path) or (
        base is None
        and Path(name_or_path).is_file()
        and not (data_dir("profiles") / f"{name_or_path}.yaml").exists()
    ):
        return _user_path(name_or_path, base)
    p = data_dir("profiles") / f"{name_or_path}.yaml"
    if not p.exists() or name_or_path.startswith("_"):
        raise InputError(
            f"không có hồ sơ {name_or_path!r} / "
            f"unknown profile {name_or_path!r} (shipped: {', '.join(profile_names())}; "
            "or give a path to a YAML file)"
        )
    return p


def load_profile(name_or_path: str) -> Profile:
    """Load a shipped profile by name, or a profile file by path, with its whole ``extends`` chain."""
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise InputError("tên hồ sơ trống / empty profile name")
    path = _profile_path(name_or_path.strip())
    prof = _resolve_profile(path, chain=[])
    shipped = path.resolve().parent == data_dir("profiles").resolve()
    # A user's profile file is known by the id it declares (bundles and reports show it; the
    # local path, kept in ``prof.path``, means nothing to the Department and may reveal too much).
    if shipped:
        prof.id = path.stem
    return prof


def _resolve_profile(path: Path, chain: list[Path]) -> Profile:
    real = path.resolve()
    if real in chain:
        names = " -> ".join(p.name for p in [*chain, real])
        raise InputError(f"hồ sơ 'extends' lặp vòng / profile 'extends' cycle: {names}", path)
    if len(chain) >= MAX_EXTENDS:
        names = " -> ".join(p.name for p in chain[:3])
        raise InputError(
            f"chuỗi 'extends' của hồ sơ dài quá {MAX_EXTENDS} / "
            f"profile 'extends' chain longer than {MAX_EXTENDS} ({names} -> …)",
            path,
        )
    data = load_yaml(path)
    c = _Ctx(path)
    top = c.mapping(data, "the profile file")
    c.keys(top, {"profile", "parameters", "tailoring"}, "the profile file", required={"profile"})
    head = c.mapping(top["profile"], "'profile'", parent=top)
    extends = head.get("extends")
    required = {"id", "title"} if extends is not None else {"id", "title", "catalog", "level"}
    c.keys(head, _PROFILE_KEYS, "'profile'", required=required)
    pid = c.string(head, "id")
    parent: Profile | None = None
    if extends is not None:
        if not isinstance(extends, str) or not extends.strip():
            c.fail(
                "'extends' phải là tên hồ sơ có sẵn hoặc đường dẫn tệp hồ sơ / "
                "'extends' must name a shipped profile or a path to a profile file",
                head,
                pid,
            )
        try:
            parent_path = _profile_path(extends.strip(), base=path.parent)
        except InputError as exc:
            c.fail(f"'extends' không hợp lệ / 'extends': {exc.message}", head, pid)
        if not parent_path.exists():
            c.fail(
                f"'extends': không thấy tệp hồ sơ / profile file {str(parent_path)!r} not found", head, pid
            )
        parent = _resolve_profile(parent_path, [*chain, real])

    catalog_ref = head.get("catalog", parent.catalog if parent else None)
    if not isinstance(catalog_ref, str) or not catalog_ref.strip():
        c.fail("'catalog' phải là mã danh mục / 'catalog' must name a catalogue id", head, pid)
    try:
        cat_path = _catalog_path(catalog_ref.strip(), base=path.parent)
        catalog = _load_catalog_file(cat_path)
    except InputError as exc:
        if exc.path and exc.path != str(path):
            raise  # a problem inside the catalogue file itself: report it there
        c.fail(f"'catalog' không hợp lệ / 'catalog': {exc.message}", head, pid)
    if parent is not None and parent.catalog != catalog.id:
        c.fail(
            f"kế thừa hồ sơ của danh mục {parent.catalog!r} nhưng chọn {catalog.id!r} / "
            f"extends a profile of catalogue {parent.catalog!r} but selects {catalog.id!r}",
            head,
            pid,
        )

    level = head.get("level", parent.level if parent else None)
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        c.fail(
            f"'level' phải là số nguyên 1..5 / 'level' must be a whole number 1..5, got {level!r}", head, pid
        )

    params = _parse_parameters(c, top.get("parameters"), parent, catalog, top, pid)
    tailoring = dict(parent.tailoring) if parent else {}
    _apply_tailoring(c, top.get("tailoring"), tailoring, catalog, path, top, pid)

    title = c.lang(head, "title", pid)
    description = (
        c.lang(head, "description", pid)
        if head.get("description") is not None
        else (dict(parent.description) if parent else dict(title))
    )
    _PROFILE_CATALOG[str(real)] = cat_path
    return Profile(
        id=pid,
        title=title,
        catalog=catalog.id,
        level=level,
        parameters=params,
        tailoring=tailoring,
        description=description,
        extends=extends.strip() if isinstance(extends, str) else None,
        path=path,
    )


def _parse_parameters(
    c: _Ctx, node: Any, parent: Profile | None, catalog: Catalog, top: Any, pid: str
) -> dict[str, Any]:
    if node is None:
        node = {}
    node = c.mapping(node, "'parameters'", pid, parent=top)
    base = parent.parameters if parent else {}
    for key, val in node.items():
        if not isinstance(key, str):
            c.fail(f"tên tham số phải là chuỗi / parameter name {key!r} must be a text", node, pid)
        if parent is not None:
            _inherited_rules(c, key, val, base, catalog, node, pid)
        wrong = parameter_problem(key, val)  # every profile's, a top-level one's too
        if wrong:
            c.fail(f"tham số {key!r} không hợp lệ / parameter {key!r}: {wrong}", node, pid)
    return _merge(base, node)


def _inherited_rules(
    c: _Ctx, key: str, val: Any, base: dict[str, Any], catalog: Catalog, node: Any, pid: str
) -> None:
    """A child may only set parameters its chain defines or its catalogue declares (a misspelt
    name would otherwise be ignored silently), with the inherited value's type."""
    if key not in base and key not in catalog.parameters:
        known = sorted(set(base) | set(catalog.parameters))
        c.fail(f"không có tham số này / unknown parameter {key!r} (known: {', '.join(known)})", node, pid)
    if base.get(key) is not None and val is not None and not _same_type(base[key], val):
        c.fail(
            f"tham số {key!r} sai kiểu / "
            f"parameter {key!r} must be {typename(base[key])}, got {typename(val)}",
            node,
            pid,
        )
    bad = _odd_item(base.get(key), val)
    if bad:
        c.fail(f"tham số {key!r} sai kiểu / parameter {key!r}: {bad}", node, pid)


def _odd_item(base: Any, val: Any) -> str | None:
    """What in ``val`` has no type the inherited value uses: a key or item of a mapping or list
    (risky_ports keys are port numbers), or a number that is not finite (NaN compares false with
    every bound, so a check would pass)."""
    if isinstance(val, float) and not math.isfinite(val):
        return f"must be a finite number, got {val!r}"
    if isinstance(base, dict) and base and isinstance(val, dict):
        for k, v in val.items():
            if not any(_same_type(b, k) for b in base):
                return f"key {k!r} must be {typename(next(iter(base)))}, got {typename(k)}"
            if v is not None and not any(_same_type(b, v) for b in base.values()):
                return f"value of {k!r} must be {typename(next(iter(base.values())))}, got {typename(v)}"
    if isinstance(base, list) and base and isinstance(val, list):
        for item in val:
            if not any(_same_type(b, item) for b in base):
                return f"item {item!r} must be {typename(base[0])}, got {typename(item)}"
    return None


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)):
        return isinstance(b, (int, float))
    for t in (dict, list, str):
        if isinstance(a, t):
            return isinstance(b, t)
    return True


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, scalars and lists replace."""
    out = _plain(base)
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], val)
        else:
            out[key] = _plain(val)
    return out


def _apply_tailoring(
    c: _Ctx, node: Any, acc: dict[str, Tailoring], catalog: Catalog, path: Path, top: Any, pid: str
) -> None:
    if node is None:
        return
    if not isinstance(node, list):
        c.fail(
            "'tailoring' phải là danh sách / "
            "'tailoring' must be a list of {requirement, status, justification}",
            top,
            pid,
        )
    for item in node:
        item = c.mapping(item, "a tailoring entry", pid, parent=node)
        rid = item.get("requirement")
        entry = rid if isinstance(rid, str) else pid
        c.keys(item, _TAILOR_KEYS, "a tailoring entry", entry, required={"requirement", "status"})
        rid = c.string(item, "requirement", entry)
        if catalog.get(rid) is None:
            c.fail(
                f"điều chỉnh yêu cầu {rid!r} không có trong danh mục {catalog.id!r} / "
                f"tailors requirement {rid!r}, which catalogue {catalog.id!r} does not define",
                item,
                rid,
            )
        status = c.enum(item, "status", _TAILOR_STATUSES, rid)
        if status == "applicable":
            acc.pop(rid, None)  # a child profile re-enables what a parent tailored out
            continue
        just = item.get("justification")
        if not isinstance(just, str) or not just.strip():
            c.fail(
                "loại trừ một yêu cầu cần ghi rõ lý do 'justification' / "
                "tailoring a requirement out needs a written 'justification'",
                item,
                rid,
            )
        acc[rid] = Tailoring(
            requirement=rid, status=status, justification=" ".join(just.split()), source=path.name
        )


def profile_catalog(profile: Profile) -> Catalog:
    """The catalogue a (loaded) profile selects from."""
    if profile.path is not None:
        cat_path = _PROFILE_CATALOG.get(str(profile.path.resolve()))
        if cat_path is not None:
            return _load_catalog_file(cat_path)
    return load_catalog(profile.catalog)


def applicable(
    profile: Profile, catalog: Catalog | None = None
) -> list[tuple[Requirement, Tailoring | None]]:
    """Requirements that apply at the profile's level, in catalogue order, each with its tailoring
    (not_applicable + justification) or None."""
    cat = catalog or profile_catalog(profile)
    return [(r, profile.tailoring.get(r.id)) for r in cat.for_level(profile.level)]
