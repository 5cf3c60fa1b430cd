"""The attestation workbook: ``attest export`` (one sheet per system) and ``attest import`` back
into ``<attestations DIR>/<agency>/<system>.yaml``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import (
    AttestationSet,
    attestation_path,
    dump_attestations,
    load_attestations,
    parse_entry,
    sha256_file,
)
from secaudit.config.catalog import DEFAULT_CATALOG
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write
from secaudit.core.ids import ID_RE
from secaudit.core.model import Catalog, Requirement, text
from secaudit.render.attest_template import threshold_lines

SHEET_BAD = set("[]:*?/\\")
HEADER_ROW = 5
COLUMNS = [  # (key, header label, width)
    ("requirement", "Mã yêu cầu / Requirement id", 18),
    ("section", "Điều khoản / Section", 12),
    ("title_vi", "Tiêu đề", 40),
    ("title_en", "Title", 40),
    ("kind", "Loại / Kind", 10),
    ("look_for", "Bằng chứng cần xem / Evidence to look for", 45),
    ("status", "Trạng thái / Status", 16),
    ("note", "Ghi chú / Note", 40),
    ("evidence", "Tệp bằng chứng / Evidence files (path | sha256, one per line)", 45),
    ("attested_by", "Người xác nhận / Attested by", 20),
    ("attested_at", "Ngày xác nhận / Attested at", 14),
    ("expires_at", "Hết hạn / Expires at", 14),
]
COL = {key: i + 1 for i, (key, _, _) in enumerate(COLUMNS)}
INSTRUCTIONS = [
    "Phiếu xác nhận thủ công — secaudit / Manual attestations — secaudit",
    "",
    "Mỗi trang tính là một hệ thống; mã cơ quan và mã hệ thống nằm ở ô B1, B2 (không sửa).",
    "Each sheet is one system; the agency and system ids are in cells B1, B2 (do not edit them).",
    "Trạng thái / Status: compliant (tuân thủ) | non_compliant (không tuân thủ) | not_applicable "
    "(không áp dụng) — để trống = chưa đánh giá / empty = not reviewed.",
    "compliant cần ghi chú hoặc bằng chứng / compliant needs a note or evidence.",
    "not_applicable cần ghi chú nêu lý do / not_applicable needs a note saying why.",
    "Tệp bằng chứng: mỗi dòng một tệp, 'đường dẫn | sha256' / Evidence: one file per line, 'path | sha256'.",
    "Ngày theo dạng YYYY-MM-DD; hết hạn mặc định 12 tháng / dates YYYY-MM-DD; default expiry 12 months.",
    "Nhập lại / import back: secaudit attest import FILE.xlsx --attestations DIR",
]


def sheet_title(label: str, taken: set[str]) -> str:
    """A worksheet title within spreadsheet limits (31 chars, none of []:*?/\\), unique."""
    clean = "".join("-" if ch in SHEET_BAD else ch for ch in label).strip("'") or "system"
    base = clean[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"~{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _look_for(req: Requirement, catalog: Catalog | None, params: dict[str, Any] | None) -> str:
    parts = [" / ".join(x for x in (text(req.evidence, "vi"), text(req.evidence, "en")) if x)]
    parts += [f"Ngưỡng: {vi} / Threshold: {en}" for vi, en in threshold_lines(req, catalog, params)]
    return "\n".join(x for x in parts if x)


def _cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell as data: control characters (which make openpyxl refuse the whole workbook)
    show as U+FFFD, and text is never turned into a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def export_xlsx(systems: list[dict[str, Any]], out: Path) -> None:
    """``systems``: [{agency, agency_name, system, system_name, level, profile, rows, existing,
    catalog?, params?}] (catalog: model.Catalog; params: the profile's parameters)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Hướng dẫn - Instructions"
    for i, line in enumerate(INSTRUCTIONS, 1):
        ws.cell(row=i, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120
    taken = {ws.title.lower()}
    wrap = Alignment(wrap_text=True, vertical="top")
    for sysd in systems:
        sh = wb.create_sheet(sheet_title(f"{sysd['agency']}-{sysd['system']}", taken))
        meta = [
            ("Cơ quan / Agency", sysd["agency"], sysd["agency_name"]),
            ("Hệ thống / System", sysd["system"], sysd["system_name"]),
            ("Cấp độ, hồ sơ / Level, profile", sysd["level"], sysd["profile"]),
        ]
        cat: Catalog | None = sysd.get("catalog")
        if cat is not None:  # read back by import: the ids below belong to this catalogue
            meta.append(("Danh mục / Catalogue", cat.id, cat.standard))
        for r, (label, val, extra) in enumerate(meta, 1):
            _cell(sh, r, 1, label).font = Font(bold=True)
            _cell(sh, r, 2, val)
            _cell(sh, r, 3, extra)
        for key, label, width in COLUMNS:
            c = sh.cell(row=HEADER_ROW, column=COL[key], value=label)
            c.font = Font(bold=True)
            c.alignment = wrap
            sh.column_dimensions[c.column_letter].width = width
        dv = DataValidation(
            type="list",
            formula1='"compliant,non_compliant,not_applicable"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="secaudit",
            error="compliant | non_compliant | not_applicable",
        )
        sh.add_data_validation(dv)
        existing: AttestationSet | None = sysd.get("existing")
        row = HEADER_ROW
        level = sysd["level"]
        for req, _tailoring in sysd["rows"]:
            if req.kind not in ("manual", "partial"):
                continue
            row += 1
            att = existing.get(req.id) if existing else None
            values: dict[str, Any] = {
                "requirement": req.id,
                "section": req.section(level),
                "title_vi": text(req.title, "vi"),
                "title_en": text(req.title, "en"),
                "kind": req.kind,
                "look_for": _look_for(req, cat, sysd.get("params")),
            }
            if att:
                values.update(
                    status=att.status,
                    note=att.note or None,
                    evidence="\n".join(f"{e.path} | {e.sha256}" if e.sha256 else e.path for e in att.evidence)
                    or None,
                    attested_by=att.attested_by or None,
                    attested_at=att.attested_at,
                    expires_at=att.expires_at,
                )
            for key, val in values.items():
                c = _cell(sh, row, COL[key], val)
                c.alignment = wrap
                if key in ("attested_at", "expires_at"):
                    c.number_format = "yyyy-mm-dd"
            for key in ("attested_at", "expires_at"):
                sh.cell(row=row, column=COL[key]).number_format = "yyyy-mm-dd"
        if row > HEADER_ROW:
            letter = sh.cell(row=HEADER_ROW, column=COL["status"]).column_letter
            dv.add(f"{letter}{HEADER_ROW + 1}:{letter}{row}")
        sh.freeze_panes = sh.cell(row=HEADER_ROW + 1, column=2)
    from io import BytesIO

    buf = BytesIO()
    wb.save(buf)
    atomic_write(out, buf.getvalue())


def _cell_text(val: Any) -> str | None:
    if val is None:
        return None
    if isinstance(val, datetime):
        return val.date().isoformat()
    if isinstance(val, date):
        return val.isoformat()
    s = str(val).strip()
    return s or None


def import_xlsx(xlsx: Path, root: Path, record_hashes: bool = True) -> list[Path]:
    """Write ``root/<agency>/<system>.yaml`` from every system sheet; entries not in the sheet are kept."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(xlsx, data_only=True)
    except FileNotFoundError:
        raise InputError("file not found", xlsx) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a non-workbook
        raise InputError(f"not an .xlsx workbook ({type(exc).__name__})", xlsx) from None
    # Every sheet is read and checked before the first file is written: a bad cell anywhere leaves
    # the attestations folder as it was. Two sheets of one system merge in sheet order.
    planned: dict[Path, AttestationSet] = {}
    for ws in wb.worksheets:
        if str(ws.cell(row=HEADER_ROW, column=1).value or "") != COLUMNS[0][1]:
            continue  # the instructions sheet, or a sheet the user added
        where = f"{xlsx}[{ws.title}]"
        agency, system = _cell_text(ws["B1"].value), _cell_text(ws["B2"].value)
        if not agency or not system:
            raise InputError("cells B1/B2 must hold the agency and system ids", where, 1)
        for val in (agency, system):
            if not ID_RE.match(val):
                raise InputError(f"{val!r} is not a valid id", where, 1)
        path = attestation_path(root, agency, system)
        existing = planned.get(path) or (load_attestations(path, agency, system) if path.exists() else None)
        entries = dict(existing.entries) if existing else {}
        b4 = _cell_text(ws["A4"].value) or ""
        catalog = _cell_text(ws["B4"].value) if b4.startswith("Danh mục") else None
        catalog = catalog or (existing.catalog if existing else DEFAULT_CATALOG)
        if existing and existing.entries and existing.catalog != catalog:
            raise InputError(
                f"the sheet answers catalogue {catalog!r} but {path} holds {existing.catalog!r}", where, 4
            )
        for r in range(HEADER_ROW + 1, ws.max_row + 1):
            cells = {key: ws.cell(row=r, column=COL[key]).value for key in COL}
            req = _cell_text(cells["requirement"])
            if not req:
                continue
            evidence = []
            for raw in (_cell_text(cells["evidence"]) or "").splitlines():
                if not raw.strip():
                    continue
                p, _, sha = (x.strip() for x in raw.partition("|"))
                evidence.append({"path": p, "sha256": sha or None})
            node = {
                "requirement": req,
                "status": _cell_text(cells["status"]),
                "note": cells["note"] if cells["note"] is None else str(cells["note"]),
                "evidence": evidence,
                "attested_by": _cell_text(cells["attested_by"]),
                "attested_at": cells["attested_at"],
                "expires_at": cells["expires_at"],
            }
            att = parse_entry(node, Path(where), r)
            if record_hashes:
                for ev in att.evidence:
                    if ev.sha256 is None:
                        full = Path(ev.path) if Path(ev.path).is_absolute() else path.parent / ev.path
                        if full.is_file():
                            ev.sha256 = sha256_file(full)
            entries[req] = att
        planned[path] = AttestationSet(
            agency=agency, system=system, entries=entries, path=path, catalog=catalog
        )
    if not planned:
        raise InputError("no system sheet found (was it exported by secaudit attest export?)", xlsx)
    for path, out in planned.items():
        atomic_write(path, dump_attestations(out))
    return list(planned)
