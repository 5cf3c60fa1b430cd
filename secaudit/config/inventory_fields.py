"""Field readers of the inventory file (text, ids, dates, vocabularies, ports): each problem is one
bilingual InputError naming the file, the line and the entry (through ``FileChecker.fail``)."""

from __future__ import annotations

from typing import Any

from secaudit.config.inventory_mau08 import parse_date
from secaudit.core.ids import ID_RE
from secaudit.core.validate import FileChecker


class InventoryChecker(FileChecker):
    """Validation context for the inventory file."""

    def req_str(self, node: dict, key: str, entry: str | None = None) -> str:
        val = node.get(key)
        if val is None or (isinstance(val, str) and not val.strip()):
            self.fail(f"thiếu trường bắt buộc {key!r} / missing required field {key!r}", node, entry)
        if isinstance(val, (dict, list)):
            self.fail(f"{key!r} phải là chuỗi / {key!r} must be text", node, entry)
        return str(val).strip()

    def ident(self, node: dict, key: str, entry: str | None = None) -> str:
        val = self.req_str(node, key, entry)
        if not ID_RE.match(val):
            self.fail(
                f"{key} {val!r}: chỉ dùng chữ, số, '-' hoặc '_' (dùng làm tên tệp) / "
                f"{key} {val!r} must be letters, digits, '-' or '_' (it names files)",
                node,
                entry,
            )
        return val

    def opt_str(self, node: dict, key: str, entry: str | None = None) -> str:
        val = node.get(key)
        if val is None:
            return ""
        if isinstance(val, (dict, list, bool)):
            self.fail(f"{key!r} phải là chuỗi / {key!r} must be text", node, entry)
        return str(val).strip()

    def date(self, node: dict, key: str, entry: str | None = None) -> str | None:
        """An optional date: YAML date, YYYY-MM-DD or DD/MM/YYYY -> YYYY-MM-DD."""
        val = node.get(key)
        if val is None or val == "":
            return None
        parsed = parse_date(val)
        if parsed is None:
            self.fail(
                f"{key}: ngày không hợp lệ / {key} {val!r} must be a date YYYY-MM-DD or DD/MM/YYYY",
                node,
                entry,
            )
        return parsed

    def choice(self, node: dict, key: str, vocab: dict[str, str], entry: str) -> str | None:
        val = node.get(key)
        if val is None or val == "":
            return None
        text = str(val).strip()
        for k, vi in vocab.items():
            if text == k or text.casefold() == vi.casefold():
                return k
        self.fail(
            f"{key} {val!r}: giá trị không hợp lệ / "
            f"{key} {val!r} must be one of {', '.join(vocab)} (or: {'; '.join(vocab.values())})",
            node,
            entry,
        )
        return None

    def ports(self, node: dict, key: str, entry: str) -> list[int] | None:
        val = node.get(key)
        if val is None:
            return None
        if not isinstance(val, list) or not all(is_port(p) for p in val):
            self.fail(
                f"{key} phải là danh sách số cổng 1-65535 / {key} must be a list of port numbers 1-65535",
                node,
                entry,
            )
        return sorted(set(val))


def is_port(p: Any) -> bool:
    return isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536
