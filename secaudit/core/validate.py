"""Shared helpers for validating users' YAML files: every problem is one InputError that names the
file, the line (from yamlio's line-numbered mappings) and the entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.yamlio import line_of


def typename(val: Any) -> str:
    """How a value's type reads in an error message."""
    if val is None:
        return "nothing"
    for t, name in (
        (bool, "true/false"),
        (dict, "a mapping"),
        (list, "a list"),
        (str, "a text"),
        (int, "a number"),
        (float, "a number"),
    ):
        if isinstance(val, t):
            return name
    return type(val).__name__


class FileChecker:
    """Validation context for one file; subclasses add the checks their format needs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, node: Any = None, entry: str | None = None, line: int | None = None) -> None:
        raise InputError(message, self.path, line or line_of(node), entry)

    def mapping(
        self, node: Any, what: str, entry: str | None = None, parent: Any = None, line: int | None = None
    ) -> dict[str, Any]:
        if not isinstance(node, dict):
            self.fail(
                f"phải là một ánh xạ / {what} must be a mapping, got {typename(node)}",
                entry=entry,
                line=line or line_of(node) or line_of(parent),
            )
        return node

    def keys(
        self,
        node: dict[str, Any],
        allowed: set[str],
        what: str,
        entry: str | None = None,
        required: set[str] | None = None,
    ) -> None:
        """Unknown keys are errors (a typo must not be silently ignored); so are missing ones."""
        for key in node:
            if key not in allowed:
                self.fail(
                    f"trường không hợp lệ / unknown key {key!r} in {what} "
                    f"(allowed: {', '.join(sorted(allowed))})",
                    node,
                    entry,
                )
        for key in sorted(required or ()):
            if key not in node or node[key] is None:
                self.fail(f"thiếu trường bắt buộc {key!r} / missing field {key!r} in {what}", node, entry)

    def flag(self, node: dict[str, Any], key: str, entry: str | None = None) -> bool | None:
        """An optional true/false field (None when absent); anything else is an error."""
        val = node.get(key)
        if val is not None and not isinstance(val, bool):
            self.fail(
                f"{key} phải là true hoặc false / {key} must be true or false, got {typename(val)}",
                node,
                entry,
            )
        return val
