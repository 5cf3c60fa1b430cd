"""Accepting a tailoring (``accepted_tailoring`` of one system) as a minimal text edit of inventory.yaml.

The Department's inventory is a hand-kept file: its comments are an officer's notes, its key order,
quoting and blank lines are theirs. Loading and dumping it would lose all of that, so the requirement
id is written into the text where it belongs (found through PyYAML's node marks) and everything else
stays byte for byte. The edit is then re-read and must give exactly the data a load-and-dump would
write; a layout the edit does not understand (aliases, keep-chomped block scalars, …) falls back to
that dump, so acceptance always works. Pure functions: text in, text out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from secaudit.core.errors import InputError
from secaudit.core.yamlio import compose_yaml_text, dump_yaml, line_of, load_yaml_text

KEY = "accepted_tailoring"
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"


def accept_tailoring(text: str, agency: str, system: str, rid: str, path: str | Path = "<string>") -> str:
    """``text`` with ``rid`` added to the system's ``accepted_tailoring`` (``text`` itself when it is
    already there). Unknown system or a malformed file → InputError naming ``path``."""
    data = load_yaml_text(text, path)
    where = _find(data, agency, system)
    if where is None:
        raise InputError("không có hệ thống này / no such system", path)
    node = data["agencies"][where[0]]["systems"][where[1]]
    old = node.get(KEY)
    if old is not None and not isinstance(old, list):
        raise InputError(
            f"{KEY} phải là danh sách mã yêu cầu / {KEY} must be a list of requirement ids",
            path,
            line_of(node),
        )
    if rid in (old or []):
        return text
    node[KEY] = [*(old or []), rid]
    wanted = dump_yaml(data)  # what loading and dumping the file writes: the fallback and the yardstick
    edited = edit_text(text, where, rid, path)
    if edited is not None:
        try:
            if dump_yaml(load_yaml_text(edited, path)) == wanted:
                return edited
        except InputError:  # the edit broke the layout: the dump below is still right
            pass
    return wanted


def edit_text(text: str, where: tuple[int, int], rid: str, path: str | Path = "<string>") -> str | None:
    """The text edit alone (unchecked): ``rid`` appended to ``accepted_tailoring`` of the system at
    ``agencies[i].systems[j]``; None when the layout is not one this knows."""
    root = compose_yaml_text(text, path)
    sm = _item(_value(_item(_value(root, "agencies"), where[0]), "systems"), where[1])
    if not isinstance(sm, yaml.MappingNode) or not sm.value:
        return None
    item = _flow_scalar(rid)
    val = _value(sm, KEY)
    if val is None:  # a new key after the system's last value
        last_key, last = sm.value[-1]
        if sm.flow_style:
            return _insert(text, last.end_mark.index, f", {KEY}: [{item}]")
        at, nl = _line_end(text, _end(last))
        return _insert(text, at, f"{nl}{' ' * last_key.start_mark.column}{KEY}: [{item}]")
    if isinstance(val, yaml.ScalarNode) and val.tag == _NULL:  # `accepted_tailoring:` or `~`
        s, e = val.start_mark.index, val.end_mark.index
        return text[:s] + (f"[{item}]" if e > s else f" [{item}]") + text[e:]
    if not isinstance(val, yaml.SequenceNode):
        return None
    if val.flow_style:
        if not val.value:  # `[]`
            return _insert(text, val.start_mark.index + 1, item)
        return _insert(text, val.value[-1].end_mark.index, f", {item}")
    last = val.value[-1]
    dash = _dash_column(text, last)
    if dash is None:
        return None
    at, nl = _line_end(text, _end(last))
    return _insert(text, at, f"{nl}{' ' * dash}- {item}")


def _find(data: Any, agency: str, system: str) -> tuple[int, int] | None:
    """Indices of the system, chosen as the loaded inventory's first agency with that id does."""
    agencies = data.get("agencies") if isinstance(data, dict) else None
    for i, ag in enumerate(agencies if isinstance(agencies, list) else []):
        if isinstance(ag, dict) and ag.get("id") == agency:
            systems = ag.get("systems")
            for j, sy in enumerate(systems if isinstance(systems, list) else []):
                if isinstance(sy, dict) and sy.get("id") == system:
                    return i, j
            return None
    return None


def _value(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.tag == _STR and k.value == key:
                return v
    return None


def _item(node: Any, index: int) -> Any:
    if isinstance(node, yaml.SequenceNode) and 0 <= index < len(node.value):
        return node.value[index]
    return None


def _flow_scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as that string in flow and block context alike
    (PyYAML's emitter quotes what needs it: `yes`, `1.0`, `a, b`, line breaks…)."""
    return yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=2**30).strip()[1:-1]


def _end(node: Any) -> int:
    """Where a node's own text ends: a block collection's end mark is at the next token (after the
    comments and blank lines that follow it), so it ends where its last child does."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return node.end_mark.index


def _line_end(text: str, end: int) -> tuple[int, str]:
    """The end of the line holding the last character before ``end`` (after any inline comment; a
    block scalar's end is past its line breaks), and that line's break."""
    c = end - 1
    while c >= 0 and text[c] in " \t\r\n":
        c -= 1
    nl = text.find("\n", max(c, 0))
    if nl < 0:  # the last line, without a line break
        return len(text), "\r\n" if "\r\n" in text else "\n"
    if nl > 0 and text[nl - 1] == "\r":
        return nl - 1, "\r\n"
    return nl, "\n"


def _dash_column(text: str, item: Any) -> int | None:
    k = item.start_mark.index - 1
    while k >= 0 and text[k] == " ":
        k -= 1
    if k < 0 or text[k] != "-":
        return None
    return k - (text.rfind("\n", 0, k) + 1)


def _insert(text: str, at: int, what: str) -> str:
    return text[:at] + what + text[at:]
