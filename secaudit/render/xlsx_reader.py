"""Bounded reading of a user's .xlsx workbook: only what is present in the sheet XML is visited.

A workbook is a zip of XML parts. Before openpyxl sees it, the file must be a regular file (a FIFO
or a device never hangs us) of at most ``MAX_FILE_BYTES``, a zip whose parts expand to at most
``MAX_PART_BYTES`` each (``MAX_META_BYTES`` for the small XML parts openpyxl reads whole: styles,
workbook, relations) and ``MAX_TOTAL_BYTES`` together (zip bombs; zipfile stops inflating a member
at its declared size), with at most ``MAX_STRINGS`` shared strings. XML is parsed through
defusedxml (a dependency; openpyxl uses it too): entity declarations (XXE, billion laughs) are
refused. openpyxl (read-only) reads the workbook's sheet list, styles and strings; the sheet XML
is streamed here, one cell at a time: a stray cell in row 1 048 576 costs one row, a row of a
million empty cells costs no memory, ``max_row`` and ``<dimension>`` (which may lie) are never
used. At most ``MAX_SHEETS`` sheets, ``MAX_ROWS`` rows and ``MAX_CELLS`` cells per sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.files import read_input

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_META_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_PARTS = 2000
MAX_STRINGS = 50_000  # a workbook of 200 systems has a few thousand distinct texts
MAX_SHEETS = 200
MAX_ROWS = 5000  # <row> elements per sheet; a system has well under 200 requirements
MAX_CELLS = 100_000  # <c> elements per sheet
MAX_ROW_NUMBER = 1_048_576

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")


def _too_much(path: Path) -> InputError:
    return InputError("sổ tính giải nén quá lớn / workbook expands to too much data (zip bomb?)", path)


def _check_zip(data: bytes, path: Path) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError("không phải sổ tính .xlsx / not an .xlsx workbook (not a zip file)", path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
            if len(parts) > MAX_PARTS:
                raise InputError(f"sổ tính quá nhiều phần / workbook has more than {MAX_PARTS} parts", path)
            if sum(p.file_size for p in parts) > MAX_TOTAL_BYTES:
                raise _too_much(path)
            strings = 0
            for p in parts:
                name = p.filename.lower()
                big = name.startswith("xl/worksheets/") or name.endswith("sharedstrings.xml")
                if p.file_size > (
                    MAX_PART_BYTES if big or not name.endswith((".xml", ".rels")) else MAX_META_BYTES
                ):
                    raise _too_much(path)
                if name.endswith(".xml") and not name.startswith("xl/worksheets/"):
                    strings += len(_SI.findall(zf.read(p)))
    # zlib.error: a corrupt member; NotImplementedError: an unknown compression; RuntimeError: encrypted
    except (
        zipfile.BadZipFile,
        ValueError,
        OSError,
        EOFError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise InputError(f"không phải sổ tính .xlsx / not an .xlsx workbook ({exc})", path) from None
    if strings > MAX_STRINGS:
        raise InputError(f"sổ tính quá nhiều chuỗi / workbook has more than {MAX_STRINGS} texts", path)


def _is_defused(exc: BaseException | None) -> bool:
    """Was ``exc``, or what caused it (openpyxl wraps parse errors in a ValueError), defusedxml's?"""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        return False
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def reading_error(exc: Exception, path: Path | str) -> InputError:
    """One line for anything openpyxl or the XML parser raised while reading ``path``."""
    if isinstance(exc, InputError):
        return exc
    if _is_defused(exc):
        return InputError(
            "từ chối XML có khai báo thực thể / "
            "XML with entity or DTD declarations refused (XXE / billion laughs)",
            path,
        )
    return InputError(f"sổ tính hỏng / not a readable .xlsx workbook ({type(exc).__name__})", path)


def open_workbook(path: Path) -> Any:
    """A read-only openpyxl workbook over the checked bytes of ``path`` (close it after use)."""
    data = read_input(path, "an .xlsx workbook", MAX_FILE_BYTES)
    _check_zip(data, path)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken workbook
        raise reading_error(exc, path) from None
    if len(wb.sheetnames) > MAX_SHEETS:
        wb.close()
        raise InputError(f"sổ tính quá nhiều trang / workbook has more than {MAX_SHEETS} sheets", path)
    return wb


def _inline(el: Any) -> str | None:
    node = el.find(f"{_NS}is")
    if node is None:
        return None
    parts = [node.findtext(f"{_NS}t") or ""]
    parts += [run.findtext(f"{_NS}t") or "" for run in node.findall(f"{_NS}r")]
    return "".join(parts)


def _value(el: Any, strings: Any, date_styles: set[int], epoch: Any) -> Any:
    """A cell's value as openpyxl (data_only) would give it: text, number, bool, datetime."""
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    kind = el.get("t", "n")
    if kind == "inlineStr":
        return _inline(el)
    v = el.findtext(f"{_NS}v")
    if v is None or (v == "" and kind not in ("str", "e")):  # a formula saved without its value
        return None
    if kind == "s":
        return strings[int(v)]
    if kind in ("str", "e"):
        return v
    if kind == "b":
        return v.strip() in ("1", "true")
    if kind == "d":
        return from_ISO8601(v)
    num: Any = float(v) if any(ch in v for ch in ".eE") else int(v)
    style = el.get("s", "0")
    if style.isdigit() and int(style) in date_styles:
        try:
            return from_excel(num, epoch)
        except (OverflowError, ValueError):
            return "#VALUE!"
    return num


def sheet_rows(ws: Any, max_col: int, where: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, [values of columns 1..max_col]) for every ``<row>`` in the sheet's XML.

    Each cell is decoded and dropped as soon as it is parsed; cells right of ``max_col`` cost one
    counter. Raises InputError past the row/cell caps; other parse errors go to reading_error."""
    from defusedxml.ElementTree import iterparse

    wb = ws.parent
    strings, date_styles, epoch = ws._shared_strings, set(wb._date_formats), wb.epoch
    rows = cells = row_no = col = 0
    row_el: Any = None
    values: list[Any] = []
    with ws._get_source() as src:
        for event, el in iterparse(src, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == f"{_NS}row":
                    rows += 1
                    if rows > MAX_ROWS:
                        raise InputError(
                            f"trang tính quá nhiều dòng / sheet has more than {MAX_ROWS} rows", where
                        )
                    r = el.get("r")
                    row_no = int(r) if r is not None and r.isdigit() else row_no + 1
                    if not 1 <= row_no <= MAX_ROW_NUMBER:
                        raise InputError(f"số dòng sai / row number {r!r} out of range", where)
                    row_el, values, col = el, [None] * max_col, 0
                continue
            if tag == f"{_NS}c":
                cells += 1
                if cells > MAX_CELLS:
                    raise InputError(f"trang tính quá nhiều ô / sheet has more than {MAX_CELLS} cells", where)
                m = _REF.match(el.get("r") or "")
                if m:
                    from openpyxl.utils.cell import column_index_from_string

                    col = column_index_from_string(m.group(1).upper())
                else:
                    col += 1
                if row_el is not None and 1 <= col <= max_col:
                    try:
                        values[col - 1] = _value(el, strings, date_styles, epoch)
                    except (ValueError, IndexError, OverflowError):  # '12abc' as a number, a bad string index
                        ref = el.get("r") or col
                        raise InputError(
                            f"ô {ref} không đọc được / cell {ref} cannot be read", where, row_no
                        ) from None
                el.clear()
                if row_el is not None:
                    row_el.remove(el)  # the row keeps no parsed cell: constant memory per row
            elif tag == f"{_NS}row":
                yield row_no, values
                el.clear()
                row_el = None
            elif tag == f"{_NS}sheetData":
                break  # nothing after the cells is read


def cell_date(val: Any) -> Any:
    """A date typed as text the Vietnamese way (20/10/2026, 20.10.2026: day first) as the date; a
    date cell or an ISO text as it is; anything else is left for the entry's own date check."""
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", val.strip()) if isinstance(val, str) else None
    if m is None:
        return val
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:  # 31/02/2026: said by the entry's check, naming the cell's text
        return val
