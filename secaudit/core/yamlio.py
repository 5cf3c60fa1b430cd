"""YAML loading that remembers line numbers, so errors can name the file and line.

Every YAML file a user gives is read with limits, each broken limit one InputError naming the file
and line: size (``MAX_YAML_BYTES``), nesting depth (``MAX_DEPTH``), the number of nodes with every
alias expanded (``MAX_NODES``: a 400-byte "billion laughs" file otherwise expands to gigabytes in the
first function that walks it), mapping keys that are not plain values, recursive aliases, and tags
no secaudit file uses (``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``; SafeLoader already refuses
``!!python/...``). Text must be UTF-8 (a leading BOM is allowed) without NUL or control characters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

from secaudit.core.errors import InputError
from secaudit.core.files import read_input

MAX_YAML_BYTES = 8 * 1024 * 1024  # profiles, inventories, attestations: kilobytes; catalogues: ~120 KB
MAX_DEPTH = 64  # secaudit's own files nest 6 levels deep
# Nodes after alias expansion. The largest shipped file (a catalogue) has ~6 000; a province
# inventory of 1 000 agencies about 50 000. The cap bounds what any consumer can be made to build:
# 100 000 nodes cost ~100 MB in PyYAML (measured: 245 000 cost 235 MB).
MAX_NODES = 100_000
_REFUSED_TAGS = {
    "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:set",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
}


class LineDict(dict):
    """A mapping loaded from YAML; ``line`` is its 1-based line in the file (0 if unknown)."""

    line: int = 0


class LineList(list):
    line: int = 0


class _Refused(Exception):
    """A limit broken while composing; carries the 1-based line."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1 if mark is not None else None


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer counts: depth, expanded size, key kinds (see the module doc)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._total = 0  # nodes composed so far, each alias counted as the nodes it stands for
        self._size: dict[int, int] = {}  # id(node) -> nodes in it, aliases expanded
        self._height: dict[int, int] = {}  # id(node) -> nesting levels in it
        self._keep: list[yaml.Node] = []  # keeps ids above unique while the document is composed

    def compose_document(self) -> Any:
        try:
            return super().compose_document()
        finally:
            self._size.clear()
            self._height.clear()
            self._keep.clear()

    def _count(self, n: int, mark: Any) -> None:
        # Checked as the file is read, so neither a bomb nor a huge flat file is composed whole first.
        self._total += n
        if self._total > MAX_NODES:
            raise _Refused(
                f"quá {MAX_NODES} phần tử khi mở rộng bí danh / "
                f"more than {MAX_NODES} values once aliases are expanded (alias bomb?)",
                mark,
            )

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            if id(node) not in self._size:  # still being composed: the alias points at its own ancestor
                raise _Refused("bí danh đệ quy / recursive alias (a structure that contains itself)", mark)
            if self._depth + self._height[id(node)] > MAX_DEPTH:
                raise _Refused(
                    f"lồng sâu quá {MAX_DEPTH} mức (qua bí danh) / "
                    f"nested deeper than {MAX_DEPTH} levels (through an alias)",
                    mark,
                )
            self._count(self._size[id(node)], mark)
            return node
        mark = self.peek_event().start_mark
        self._count(1, mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"lồng sâu quá {MAX_DEPTH} mức / nested deeper than {MAX_DEPTH} levels", mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node.tag in _REFUSED_TAGS:
            raise _Refused(
                f"thẻ YAML không được phép / YAML tag {node.tag.rsplit(':', 1)[-1]!r} is not allowed here",
                mark,
            )
        if isinstance(node, yaml.ScalarNode):
            size, height = 1, 1
        else:
            children = (
                [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
            )
            if isinstance(node, yaml.MappingNode):
                for key, _ in node.value:
                    if not isinstance(key, yaml.ScalarNode):
                        raise _Refused(
                            "khóa của ánh xạ phải là giá trị đơn / "
                            "a mapping key must be a plain value, not a list or mapping",
                            key.start_mark,
                        )
            size = 1 + sum(self._size[id(c)] for c in children)
            height = 1 + max((self._height[id(c)] for c in children), default=0)
        self._size[id(node)], self._height[id(node)] = size, height
        self._keep.append(node)
        return node


def _build(loader: _Loader, node: yaml.Node) -> Any:
    """One value, a value PyYAML cannot build (``2026-02-30``, a 5 000-digit int, ``!!bool x``)
    an InputError at its line."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        raise InputError(
            f"YAML không hợp lệ / malformed YAML: {exc}", line=node.start_mark.line + 1
        ) from None
    except (AttributeError, KeyError, TypeError, IndexError):
        raise InputError(
            "YAML không hợp lệ, không đọc được giá trị có thẻ / "
            "malformed YAML: a tagged value cannot be read (e.g. !!timestamp)",
            line=node.start_mark.line + 1,
        ) from None


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    for key_node, value_node in node.value:
        key = _build(loader, key_node)
        try:
            hash(key)
        except TypeError:  # only a tagged scalar could get here; the composer refuses collections
            raise InputError(
                "khóa của ánh xạ phải là giá trị đơn / a mapping key must be a plain value",
                line=key_node.start_mark.line + 1,
            ) from None
        if key in out:
            raise InputError(f"khóa bị trùng / duplicate key {key!r}", line=key_node.start_mark.line + 1)
        out[key] = _build(loader, value_node)
    out.line = node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(_build(loader, child) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line_of(obj: Any) -> int | None:
    line = getattr(obj, "line", 0)
    return line or None


def _line_at(text: str, position: int | None) -> int | None:
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def load_yaml_text(text: str, path: str | Path = "<string>") -> Any:
    """Parse YAML text with the limits of the module doc; any problem → one-line InputError."""
    loader = None
    try:
        loader = _Loader(text)  # the reader checks every character here
        return loader.get_single_data()
    except InputError as exc:
        raise InputError(exc.message, path, exc.line) from None
    except _Refused as exc:
        raise InputError(exc.message, path, exc.line) from None
    except yaml.reader.ReaderError as exc:  # NUL and other control characters
        raise InputError(
            f"YAML không hợp lệ, ký tự #x{exc.character:04x} không được phép / "
            f"malformed YAML: character #x{exc.character:04x} is not allowed",
            path,
            _line_at(text, exc.position),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(
            f"YAML không hợp lệ / malformed YAML: {exc.problem or exc.context}", path, line
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML không hợp lệ / malformed YAML: {exc}", path) from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4 300 digits
        raise InputError(f"YAML không hợp lệ / malformed YAML: {exc}", path) from None
    except (AttributeError, KeyError, TypeError, IndexError):
        # PyYAML's constructors crash on some explicitly tagged values (`!!timestamp x`, `!!bool x`)
        raise InputError(
            "YAML không hợp lệ, không đọc được giá trị có thẻ / "
            "malformed YAML: a tagged value cannot be read (e.g. !!timestamp)",
            path,
        ) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps far below the interpreter's limit
        raise InputError(
            f"lồng sâu quá {MAX_DEPTH} mức / nested deeper than {MAX_DEPTH} levels", path
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: str | Path, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Load a YAML file; any problem (missing, unreadable, too big, malformed) is an InputError."""
    p = Path(path)
    raw = read_input(p, "a YAML file", max_bytes=max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("không phải văn bản UTF-8 / not UTF-8 text", p, line) from None
    return load_yaml_text(text, p)


def compose_yaml_text(text: str, path: str | Path = "<string>") -> yaml.Node | None:
    """The node tree of YAML text (marks: line, column, index into ``text``), for editing a file in
    place; the text is first loaded with every limit of ``load_yaml_text`` (its errors, once)."""
    load_yaml_text(text, path)
    return yaml.compose(text, Loader=_Loader)


class _Dumper(yaml.SafeDumper):
    pass


# What load_yaml returns can be written back as is.
_Dumper.add_representer(LineDict, yaml.SafeDumper.represent_dict)
_Dumper.add_representer(LineList, yaml.SafeDumper.represent_list)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
