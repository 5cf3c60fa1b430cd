"""Every user-facing error message is Vietnamese first, English second ("không thấy tệp / file not found").

Walks secaudit/ with ``ast`` (no import, no run): the literal or f-string given as the first argument of
``InputError(...)`` and of the helpers that turn their message into one (``Ctx.fail``, crosswalk's
``_fail``, the YAML reader's ``_Refused``) must have a Vietnamese letter with a diacritic before its
first " / ". A message that is only a formatted inner value (``f"{exc}"``) is allowed: the inner
message is checked where it is raised. A message held in a variable or an attribute (``exc.message``)
is not a literal and is not judged here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "secaudit"

# Calls whose first argument becomes the one-line message the user reads (exit 2).
MESSAGE_CALLS = frozenset({"InputError", "fail", "_fail", "_Refused"})

# Files (or folders, "x/") whose messages are not converted yet: none left. Kept so a large
# conversion can land file by file.
PENDING: frozenset[str] = frozenset()

VI_LETTER = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)
HOLE = "\x00"  # stands for a formatted value whose text is not known statically


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, so f"{CANT_REJUDGE}: …" is judged by its text."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            parts = [value] if not isinstance(value, ast.BinOp) else [value.left, value.right]
            if all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in parts):
                out[node.targets[0].id] = "".join(v.value for v in parts)  # type: ignore[union-attr]
    return out


def message_text(node: ast.expr, consts: dict[str, str]) -> str | None:
    """The static text of a message expression (holes for formatted values); None if not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                out.append(str(v.value))
            elif isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name) and v.value.id in consts:
                out.append(consts[v.value.id])
            else:
                out.append(HOLE)
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "prefix: " + detail
        left, right = message_text(node.left, consts), message_text(node.right, consts)
        if left is None and right is None:
            return None
        return (left if left is not None else HOLE) + (right if right is not None else HOLE)
    return None


def vietnamese_first(text: str) -> bool:
    if not text.replace(HOLE, "").strip(" :;,.-()"):
        return True  # only a formatted inner value, e.g. f"{exc}": judged where it is raised
    return bool(VI_LETTER.search(text.split(" / ")[0].replace(HOLE, "")))


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _pending(rel: str) -> bool:
    return rel in PENDING or any(p.endswith("/") and rel.startswith(p) for p in PENDING)


def offending_messages(root: Path = SRC, skip_pending: bool = True) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if skip_pending and _pending(rel):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        consts = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _call_name(node) not in MESSAGE_CALLS:
                continue
            arg = (
                node.args[0]
                if node.args
                else next((k.value for k in node.keywords if k.arg == "message"), None)
            )
            text = None if arg is None else message_text(arg, consts)
            if text is not None and not vietnamese_first(text):
                found.append(f"secaudit/{rel}:{node.lineno}: {text.replace(HOLE, '{…}')!r}")
    return found


def test_every_error_message_is_vietnamese_first() -> None:
    bad = offending_messages()
    assert not bad, f"{len(bad)} message(s) not Vietnamese first:\n" + "\n".join(bad)


def test_pending_entries_name_existing_files() -> None:
    """A stale entry would silently exempt a future file of the same name."""
    for p in PENDING:
        assert (SRC / p).exists(), p


@pytest.mark.parametrize(
    "source, ok",
    [
        ('InputError("không thấy tệp / file not found", p)', True),
        ('InputError("file not found / không thấy tệp", p)', False),  # Vietnamese second
        ('InputError("catalogue file not found", p)', False),  # English only
        ('InputError(f"--ports: {part!r} nằm ngoài khoảng 1-65535 / {part!r} is outside 1-65535")', True),
        ('InputError(f"--ports: {part!r} is outside 1-65535")', False),
        ('InputError(f"{exc}")', True),  # only the inner message
        ("InputError(exc.message, path)", True),  # not a literal: judged where it was raised
        ('InputError(f"{CANT}: {exc.message}")', True),  # a Vietnamese-first constant
        ('InputError(f"{OTHER}: {exc.message}")', False),  # an English-first constant
        ('InputError("mật khẩu không đạt / password refused: " + detail)', True),
        ('InputError("password refused: " + detail)', False),
        ('c.fail(f"{key!r} must be text", node)', False),
        ('c.fail(f"{key!r} phải là chuỗi / {key!r} must be text", node)', True),
        ('InputError(message="YAML không hợp lệ / malformed YAML")', True),
        ('InputError(message="malformed YAML")', False),
    ],
)
def test_the_rule_itself(tmp_path: Path, source: str, ok: bool) -> None:
    """The walker is able to fail: each wrong shape is caught, each right one passes."""
    (tmp_path / "m.py").write_text(
        f'CANT = "không đánh giá lại được / cannot be re-judged"\nOTHER = "cannot be re-judged"\n{source}\n',
        encoding="utf-8",
    )
    assert (offending_messages(tmp_path) == []) is ok
