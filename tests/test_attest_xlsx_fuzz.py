"""Property: no workbook makes `attest import` crash, hang or write half its work.

Mutations of a real exported workbook at three depths: the file's bytes, the XML of a sheet inside
a valid zip, and cell values typed into the table. Whatever comes in, the result is exit 0 (and the
written files load) or exit 2 with one line and nothing written. Bounded: 50 examples each, about 15 s in all.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from secaudit.assessment.attestations import load_attestations
from secaudit.cli import main
from secaudit.render.attest_xlsx import COL, HEADER_ROW

INVENTORY = """\
province: T
period: "2026"
agencies:
  - id: a
    name: A
    systems:
      - {id: s, name: S, level: 1, targets: ["https://s.example.vn"]}
"""
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


class Workbook(bytes):
    def __repr__(self) -> str:  # hypothesis prints arguments of a failing case: keep it short
        return f"<exported workbook, {len(self)} bytes>"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    d = tmp_path_factory.mktemp("xfuzz")
    (d / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    r = CliRunner().invoke(
        main, ["attest", "export", "--inventory", str(d / "inventory.yaml"), "-o", str(d / "w.xlsx")]
    )
    assert r.exit_code == 0, r.output
    return Workbook((d / "w.xlsx").read_bytes())


def _import(tmp: Path, data: bytes) -> None:
    work = tmp / "case"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    (work / "w.xlsx").write_bytes(data)
    out = work / "att"
    r = CliRunner().invoke(main, ["attest", "import", str(work / "w.xlsx"), "--attestations", str(out)])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in (0, 2), r.output
    if r.exit_code == 2:
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.output, r.output
        assert not out.exists() or not any(out.rglob("*")), "written despite the error"
    else:
        for p in out.rglob("*.yaml"):
            load_attestations(p)


@FUZZ
@given(data=st.data())
def test_mutated_file_bytes(exported: bytes, tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(exported)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    _import(tmp_path, bytes(raw))


def _with_part(exported: bytes, name: str, edit: Any) -> bytes:
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(exported)) as zin,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for item in zin.infolist():
            body = zin.read(item.filename)
            zout.writestr(item, edit(body) if item.filename == name else body)
    return buf.getvalue()


@FUZZ
@given(data=st.data())
def test_mutated_sheet_xml(exported: bytes, tmp_path: Path, data: st.DataObject) -> None:
    with zipfile.ZipFile(io.BytesIO(exported)) as z:
        names = [n for n in z.namelist() if n.endswith(".xml")]
    name = data.draw(st.sampled_from(names))

    def edit(body: bytes) -> bytes:
        b = bytearray(body)
        for _ in range(data.draw(st.integers(1, 6))):
            i = data.draw(st.integers(0, len(b) - 1))
            b[i : i + 1] = data.draw(
                st.sampled_from([b"<", b">", b"&", b'"', b"0", b"\xff", b"", b"<row r='9'>"])
            )
        return bytes(b)

    _import(tmp_path, _with_part(exported, name, edit))


CELL = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.sampled_from(
        ["compliant", "not_applicable", "non_compliant", "M.POL.01", "-", "=1+1", "../x", "/dev/zero"]
    ),
)


@FUZZ
@given(data=st.data())
def test_typed_cells(exported: bytes, tmp_path: Path, data: st.DataObject) -> None:
    wb = load_workbook(io.BytesIO(exported))
    ws = wb.worksheets[1]
    for _ in range(data.draw(st.integers(1, 6))):
        row = data.draw(st.sampled_from([1, 2, 4, HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2, 60, 1_048_576]))
        col = data.draw(st.sampled_from(sorted(COL.values()) + [20]))
        val = data.draw(CELL)
        if isinstance(val, date) and not isinstance(val, datetime):
            val = datetime(val.year, val.month, val.day)
        if isinstance(val, str) and ILLEGAL_CHARACTERS_RE.search(val):
            continue  # openpyxl refuses these itself (and leaves the cell broken if tried)
        ws.cell(row=row, column=col, value=val)
    buf = io.BytesIO()
    wb.save(buf)
    _import(tmp_path, buf.getvalue())
