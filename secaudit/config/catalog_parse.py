"""Parsing and validating a catalogue file (checklists/<id>.yaml): every problem is an InputError
naming the file, the line and the entry. The file format is documented in docs/catalog-format.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from secaudit.core.model import CONFIDENCES, FAMILIES, KINDS, LANGS, Catalog, Lang, Requirement
from secaudit.core.validate import FileChecker, typename
from secaudit.core.yamlio import line_of

LEVELS = (1, 2, 3, 4, 5)
_CATALOG_KEYS = {"id", "title", "version", "standard", "regime", "regime_title", "notice", "groups"}
_CATALOG_OPTIONAL = {"parameters"}
_REQ_KEYS = {
    "id",
    "sections",
    "family",
    "group",
    "kind",
    "title",
    "description",
    "evidence",
    "checks",
    "source",
    "confidence",
}
_REQ_OPTIONAL = {"parameters"}
_REQ_ID = re.compile(r"^[A-Z][A-Z0-9]*(\.[A-Z0-9]+)+$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def valid_check_ids() -> set[str]:
    """Check ids a catalogue may name: those defined by the probe families' metadata."""
    from secaudit.checks import known_check_ids

    return set(known_check_ids())


# --------------------------------------------------------------------------- small validators


class _Ctx(FileChecker):
    """Validation context for a catalogue or profile file."""

    def string(self, node: dict[str, Any], key: str, entry: str | None = None) -> str:
        val = node.get(key)
        if not isinstance(val, str) or not val.strip():
            self.fail(
                f"{key!r} phải là chuỗi không rỗng / {key!r} must be a non-empty text, got {typename(val)}",
                node,
                entry,
            )
        return val.strip()

    def lang(self, node: dict[str, Any], key: str, entry: str | None = None) -> Lang:
        val = node.get(key)
        if not isinstance(val, dict):
            self.fail(
                f"{key!r} phải là ánh xạ {{vi: ..., en: ...}} / "
                f"{key!r} must be a mapping {{vi: ..., en: ...}}, got {typename(val)}",
                node,
                entry,
            )
        for k in val:
            if k not in LANGS:
                self.fail(
                    f"ngôn ngữ không hợp lệ / unknown language {k!r} in {key!r} (allowed: vi, en)", val, entry
                )
        out: Lang = {}
        for k in LANGS:
            text = val.get(k)
            if not isinstance(text, str) or not text.strip():
                self.fail(
                    f"{key!r} thiếu hoặc rỗng phần {k!r} / {key!r} has an empty or missing {k!r} text",
                    val,
                    entry,
                )
            out[k] = " ".join(text.split())  # folded YAML may leave line breaks: normalise spacing
        return out

    def enum(
        self, node: dict[str, Any], key: str, allowed: tuple[str, ...] | set[str], entry: str | None = None
    ) -> str:
        val = node.get(key)
        if val not in allowed:
            self.fail(
                f"{key!r} có giá trị không hợp lệ / "
                f"{key!r} must be one of {', '.join(sorted(allowed))}, got {val!r}",
                node,
                entry,
            )
        return val


def parse_catalog(data: Any, path: Path) -> Catalog:
    """Validate a catalogue file's content (every problem: InputError naming the file and line)."""
    c = _Ctx(path)
    top = c.mapping(data, "the catalogue file")
    c.keys(top, {"catalog", "requirements"}, "the catalogue file", required={"catalog", "requirements"})
    head = c.mapping(top["catalog"], "'catalog'", parent=top)
    c.keys(head, _CATALOG_KEYS | _CATALOG_OPTIONAL, "'catalog'", required=_CATALOG_KEYS)
    cid = c.string(head, "id")
    if cid != path.stem:
        c.fail(
            "mã danh mục phải trùng tên tệp / "
            f"catalogue id {cid!r} must equal the file name stem {path.stem!r}",
            head,
        )
    version = head.get("version")
    if not isinstance(version, str) or not version.strip():
        c.fail(
            "'version' phải là chuỗi trong ngoặc kép / 'version' must be a quoted text such as \"2026.11\"",
            head,
        )
    groups_node = c.mapping(head["groups"], "'groups'", parent=head)
    groups: dict[str, Lang] = {}
    for name in groups_node:
        if not isinstance(name, str) or not _NAME.match(name):
            c.fail(
                f"tên nhóm không hợp lệ / bad group name {name!r} (lower-case letters, digits, _ . -)",
                groups_node,
            )
        groups[name] = c.lang(groups_node, name, entry=f"group {name}")
    params: dict[str, Lang] = {}
    if head.get("parameters") is not None:
        params_node = c.mapping(head["parameters"], "'parameters'", parent=head)
        for name in params_node:
            params[str(name)] = c.lang(params_node, name, entry=f"parameter {name}")
    reqs_node = top["requirements"]
    if not isinstance(reqs_node, list) or not reqs_node:
        c.fail(
            "'requirements' phải là danh sách không rỗng / 'requirements' must be a non-empty list",
            reqs_node if isinstance(reqs_node, list) else top,
        )
    known_checks = valid_check_ids()
    seen: dict[str, int | None] = {}
    reqs = [_parse_requirement(c, node, groups, params, known_checks, seen, reqs_node) for node in reqs_node]
    return Catalog(
        id=cid,
        title=c.lang(head, "title"),
        version=version.strip(),
        standard=c.string(head, "standard"),
        regime=c.string(head, "regime"),
        notice=c.lang(head, "notice"),
        groups=groups,
        requirements=reqs,
        path=path,
        regime_title=c.lang(head, "regime_title"),
        parameters=params,
    )


def _parse_requirement(
    c: _Ctx,
    node: Any,
    groups: dict[str, Lang],
    params: dict[str, Lang],
    known_checks: set[str],
    seen: dict[str, int | None],
    parent: Any,
) -> Requirement:
    node = c.mapping(node, "a requirement", parent=parent)
    rid = node.get("id")
    entry = rid if isinstance(rid, str) else None
    c.keys(node, _REQ_KEYS | _REQ_OPTIONAL, "a requirement", entry, required=_REQ_KEYS)
    rid = c.string(node, "id", entry)
    if not _REQ_ID.match(rid):
        c.fail(
            "mã yêu cầu phải có dạng M.POL.01 / "
            "requirement id must look like M.POL.01 (upper-case parts joined by dots)",
            node,
            rid,
        )
    if rid in seen:
        c.fail(
            f"mã yêu cầu bị trùng (lần đầu ở dòng {seen[rid]}) / "
            f"duplicate requirement id (first defined at line {seen[rid]})",
            node,
            rid,
        )
    seen[rid] = line_of(node)
    sec_node = node["sections"]
    if not isinstance(sec_node, dict) or not sec_node:
        c.fail(
            "'sections' phải là ánh xạ không rỗng {cấp độ: điều khoản} / "
            "'sections' must be a non-empty mapping {level: clause}",
            node,
            rid,
        )
    sections: dict[int, str] = {}
    for lvl, clause in sec_node.items():
        if isinstance(lvl, bool) or not isinstance(lvl, int) or lvl not in LEVELS:
            c.fail(
                f"'sections': cấp độ {lvl!r} không thuộc 1..5 / 'sections' level {lvl!r} is not a level 1..5",
                sec_node,
                rid,
            )
        if not isinstance(clause, str) or not clause.strip():
            c.fail(
                f"'sections': điều khoản cấp độ {lvl} phải là chuỗi không rỗng / "
                f"'sections' clause for level {lvl} must be a non-empty text (quote it)",
                sec_node,
                rid,
            )
        sections[lvl] = clause.strip()
    group = c.string(node, "group", rid)
    if group not in groups:
        c.fail(f"không có nhóm này / unknown group {group!r} (defined: {', '.join(groups)})", node, rid)
    kind = c.enum(node, "kind", KINDS, rid)
    checks = node["checks"]
    if not isinstance(checks, list) or not all(isinstance(x, str) for x in checks):
        c.fail("'checks' phải là danh sách mã kiểm tra / 'checks' must be a list of check ids", node, rid)
    for cid in checks:
        if cid not in known_checks:
            c.fail(f"không có mã kiểm tra này / unknown check id {cid!r}: no probe provides it", node, rid)
    if len(set(checks)) != len(checks):
        c.fail("'checks' có mã kiểm tra bị trùng / 'checks' lists a check id twice", node, rid)
    if kind == "manual" and checks:
        c.fail(
            "yêu cầu thủ công lại có kiểm tra tự động: hãy đặt partial hoặc auto / "
            "a manual requirement lists automated checks: make it partial or auto",
            node,
            rid,
        )
    if kind != "manual" and not checks:
        c.fail(
            f"yêu cầu {kind} cần ít nhất một kiểm tra tự động / "
            f"a {kind} requirement needs at least one automated check",
            node,
            rid,
        )
    req_params = node.get("parameters") or []
    if not isinstance(req_params, list) or not all(isinstance(x, str) for x in req_params):
        c.fail(
            "'parameters' phải là danh sách tên tham số / 'parameters' must be a list of parameter names",
            node,
            rid,
        )
    for name in req_params:
        if name not in params:
            c.fail(
                f"tham số {name!r} chưa khai báo trong catalog.parameters / "
                f"parameter {name!r} is not declared under catalog.parameters",
                node,
                rid,
            )
    return Requirement(
        parameters=list(req_params),
        id=rid,
        sections=sections,
        title=c.lang(node, "title", rid),
        description=c.lang(node, "description", rid),
        group=group,
        family=c.enum(node, "family", FAMILIES, rid),
        kind=kind,
        checks=list(checks),
        evidence=c.lang(node, "evidence", rid),
        source=c.string(node, "source", rid),
        confidence=c.enum(node, "confidence", CONFIDENCES, rid),
        line=line_of(node),
    )
