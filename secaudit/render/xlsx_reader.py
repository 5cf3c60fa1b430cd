"""Bounded reading of a user's .xlsx workbook: only the rows present in the sheet XML are visited.

A workbook is a zip of XML parts. Before openpyxl sees it, the file must be a regular file (a FIFO
or a device never hangs us), at most ``MAX_FILE_BYTES``, a zip whose parts expand to at most
``MAX_PART_BYTES`` each and ``MAX_TOTAL_BYTES`` together (zip bombs). XML is parsed by openpyxl
through defusedxml (a dependency): entity declarations (XXE, billion laughs) are refused. Rows are
streamed from the sheet XML without openpyxl filling the gaps, so one stray cell in row 1 048 576
costs one row, not a million; ``max_row`` and the ``<dimension>`` element (which may lie) are
never used. At most ``MAX_SHEETS`` sheets and ``MAX_ROWS`` rows per sheet.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.files import read_input

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_PARTS = 2000
MAX_SHEETS = 200
MAX_ROWS = 5000  # <row> elements per sheet; a system has well under 200 requirements


def _check_zip(data: bytes, path: Path) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError("not an .xlsx workbook (not a zip file) / không phải sổ tính .xlsx", path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise InputError(f"not an .xlsx workbook ({exc}) / không phải sổ tính .xlsx", path) from None
    if len(parts) > MAX_PARTS:
        raise InputError(f"workbook has more than {MAX_PARTS} parts / sổ tính quá nhiều phần", path)
    # zipfile stops reading a member at its declared size, so declared sizes bound what is inflated.
    big = next((p for p in parts if p.file_size > MAX_PART_BYTES), None)
    if big is not None or sum(p.file_size for p in parts) > MAX_TOTAL_BYTES:
        raise InputError("workbook expands to too much data (zip bomb?) / sổ tính giải nén quá lớn", path)


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
            "XML with entity or DTD declarations refused (XXE / billion laughs) / "
            "từ chối XML có khai báo thực thể",
            path,
        )
    return InputError(f"not a readable .xlsx workbook ({type(exc).__name__}) / sổ tính hỏng", path)


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
        raise InputError(f"workbook has more than {MAX_SHEETS} sheets / sổ tính quá nhiều trang", path)
    return wb


def sheet_rows(ws: Any, max_col: int, where: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, [values of columns 1..max_col]) for every row present in the sheet's XML.

    Uses openpyxl's streaming sheet parser directly: the read-only worksheet's own iterator
    would yield an empty row for each missing one (a million for a stray cell at the bottom)."""
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for n, (idx, cells) in enumerate(parser.parse(), 1):
            if n > MAX_ROWS:
                raise InputError(f"sheet has more than {MAX_ROWS} rows / trang tính quá nhiều dòng", where)
            values: list[Any] = [None] * max_col
            for cell in cells:
                col = cell["column"]
                if 1 <= col <= max_col:
                    values[col - 1] = cell["value"]
            yield idx, values
