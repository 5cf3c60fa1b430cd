"""The attestation workbook: ``attest export`` (one sheet per system) and ``attest import`` back
into ``<attestations DIR>/<agency>/<system>.yaml``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import (
    AttestationSet,
    attestation_path,
    dump_attestations,
    entry_revision,
    evidence_hash,
    load_attestations,
    parse_entry,
)
from secaudit.assessment.review_store import attach_reviews, entry_state, state_text
from secaudit.config.catalog import DEFAULT_CATALOG, load_catalog
from secaudit.config.inventory_providers import PROVIDERS_AGENCY
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, atomic_write_all
from secaudit.core.ids import ID_RE
from secaudit.core.model import Catalog, Requirement, text
from secaudit.render.attest_template import threshold_lines
from secaudit.render.xlsx_print import a4, fit_rows, grid
from secaudit.render.xlsx_reader import cell_date, open_workbook, reading_error, sheet_rows

SHEET_BAD = set("[]:*?/\\")
HEADER_ROW = 5
COLUMNS = [  # (key, header label, width)
    ("requirement", "Mã yêu cầu / Requirement id", 15),
    ("section", "Điều khoản / Section", 10),
    ("title_vi", "Tiêu đề", 30),
    ("title_en", "Title", 28),
    ("kind", "Loại / Kind", 10),
    ("look_for", "Bằng chứng cần xem / Evidence to look for", 45),
    ("status", "Trạng thái / Status", 16),
    ("note", "Ghi chú / Note", 30),
    ("evidence", "Tệp bằng chứng / Evidence files (path | sha256, one per line)", 34),
    ("attested_by", "Người xác nhận / Attested by", 20),
    ("attested_at", "Ngày xác nhận / Attested at", 14),
    ("expires_at", "Hết hạn / Expires at", 14),
    # Hidden: the revision of the YAML entry the row was exported from (attestations.entry_revision),
    # so that importing an old workbook cannot silently undo newer answers in the folder.
    ("revision", "Phiên bản (không sửa) / Revision (do not edit)", 18),
    # Read only, never imported: the entry's review (assessment/reviews.py), last so that workbooks
    # exported before it existed still line up.
    ("review", "Thẩm định (chỉ đọc) / Review (read only)", 26),
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
    "Nếu tệp YAML đã đổi sau khi xuất, nhập lại bị từ chối (dùng --force để ghi đè) / "
    "rows whose YAML entry changed since the export are refused (--force overwrites).",
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
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    a4(ws, landscape=False)
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
        if existing is not None and not existing.reviews:
            attach_reviews(existing)
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
            values["revision"] = entry_revision(att)
            values["review"] = (state_text(entry_state(existing, req.id)) if existing else "") or None
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
        sh.column_dimensions[sh.cell(row=HEADER_ROW, column=COL["revision"]).column_letter].hidden = True
        sh.freeze_panes = sh.cell(row=HEADER_ROW + 1, column=2)
        # Printing: A4 landscape one page wide, the header row on every page (the status column
        # with it), bordered cells; the hidden revision column does not print.
        a4(sh, landscape=True, title_rows=(HEADER_ROW, HEADER_ROW))
        grid(sh, HEADER_ROW, row, len(COLUMNS))
        for r in range(1, len(meta) + 1):
            for col in (1, 2, 3):
                sh.cell(row=r, column=col).alignment = wrap
        fit_rows(sh, 1, row)
    from io import BytesIO

    buf = BytesIO()
    wb.save(buf)
    atomic_write(out, buf.getvalue())


# --------------------------------------------------------------------------- import


@dataclass
class _Row:
    line: int  # the sheet row
    node: dict[str, Any]  # as parse_entry reads a YAML entry
    revision: str | None  # the hidden revision cell (None: not there)


@dataclass
class _Sheet:
    title: str
    where: str  # "<file>[<sheet>]" as error messages name it
    agency: str
    system: str
    catalog: str | None
    rows: list[_Row] = field(default_factory=list)


def _cell_text(val: Any) -> str | None:
    if val is None:
        return None
    if isinstance(val, datetime):
        return val.date().isoformat()
    if isinstance(val, date):
        return val.isoformat()
    s = str(val).strip()
    return s or None


def _printable(s: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in s)


def _read_sheet(ws: Any, xlsx: Path) -> _Sheet | None:
    """The sheet's ids and answer rows; None for a sheet that is not a system sheet."""
    where = f"{xlsx}[{_printable(ws.title)}]"
    top: dict[int, list[Any]] = {}
    sheet: _Sheet | None = None
    for idx, values in sheet_rows(ws, len(COLUMNS), where):
        if idx < HEADER_ROW:
            top[idx] = values
            continue
        if sheet is None:
            if idx != HEADER_ROW or str(values[0] or "") != COLUMNS[0][1]:
                return None  # the instructions sheet, or a sheet the user added
            meta = {r: top.get(r, [None, None]) for r in (1, 2, 4)}
            agency, system = _cell_text(meta[1][1]), _cell_text(meta[2][1])
            if not agency or not system:
                raise InputError(
                    "ô B1/B2 phải chứa mã cơ quan và mã hệ thống / "
                    "cells B1/B2 must hold the agency and system ids",
                    where,
                    1,
                )
            for val in (agency, system):  # a provider's sheet: the pair _providers/ID (issue 14)
                if not ID_RE.match(val) and not (val is agency and val == PROVIDERS_AGENCY):
                    raise InputError(f"{_printable(val)!r}: mã không hợp lệ / is not a valid id", where, 1)
            label = _cell_text(meta[4][0]) or ""
            catalog = _cell_text(meta[4][1]) if label.startswith("Danh mục") else None
            if catalog is not None and not ID_RE.match(catalog):  # an id, never a path to read
                raise InputError(
                    f"{_printable(catalog)!r}: không phải mã danh mục / is not a catalogue id", where, 4
                )
            sheet = _Sheet(ws.title, where, agency, system, catalog)
            continue
        cells = dict(zip(COL, values, strict=True))
        req = _cell_text(cells["requirement"])
        if not req:
            continue
        evidence = []
        for raw in (_cell_text(cells["evidence"]) or "").splitlines():
            if raw.strip():
                p, _, sha = (x.strip() for x in raw.partition("|"))
                evidence.append({"path": p, "sha256": sha or None})
        node = {
            "requirement": req,
            "status": _cell_text(cells["status"]),
            "note": None if cells["note"] is None else str(cells["note"]),
            "evidence": evidence,
            "attested_by": _cell_text(cells["attested_by"]),
            "attested_at": cell_date(cells["attested_at"]),
            "expires_at": cell_date(cells["expires_at"]),
        }
        sheet.rows.append(_Row(idx, node, _cell_text(cells["revision"])))
    return sheet


def read_workbook(xlsx: Path) -> list[_Sheet]:
    """Every system sheet of the workbook, read within the bounds of xlsx_reader."""
    wb = open_workbook(xlsx)
    try:
        return [s for ws in wb.worksheets if (s := _read_sheet(ws, xlsx)) is not None]
    except Exception as exc:  # noqa: BLE001 - the XML is parsed lazily, while rows are read
        raise reading_error(exc, xlsx) from None
    finally:
        wb.close()


CatalogFor = Callable[[str, str], Catalog]  # (agency, system) -> the catalogue of its profile


def _listing(items: list[str], limit: int = 20) -> str:
    more = f", … (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def import_xlsx(
    xlsx: Path,
    root: Path,
    record_hashes: bool = True,
    force: bool = False,
    catalog_for: CatalogFor | None = None,
) -> list[Path]:
    """Write ``root/<agency>/<system>.yaml`` from every system sheet; entries not in the sheet are kept.

    All or nothing: every sheet and row is parsed, every requirement id checked against the
    catalogue (``catalog_for``: the system's profile's, from the inventory; else the one the sheet
    names), and every row's revision compared with the folder before the first file is written.
    A row whose YAML entry changed since the export is refused unless ``force``."""
    sheets = read_workbook(xlsx)
    if not sheets:
        raise InputError(
            "không thấy trang tính hệ thống nào (sổ tính có được xuất bằng secaudit attest export?) / "
            "no system sheet found (was it exported by secaudit attest export?)",
            xlsx,
        )
    seen: dict[tuple[str, str], str] = {}
    for sh in sheets:  # a copied sheet answering otherwise: which copy is right is not ours to guess
        other = seen.setdefault((sh.agency, sh.system), sh.title)
        if other != sh.title:
            raise InputError(
                f"hai trang tính cho cùng hệ thống {sh.agency}/{sh.system}: [{_printable(other)}] và "
                f"[{_printable(sh.title)}] / two sheets for one system {sh.agency}/{sh.system}: "
                f"[{_printable(other)}] and [{_printable(sh.title)}]; không ghi gì / nothing written",
                xlsx,
            )
    planned: dict[Path, AttestationSet] = {}
    on_disk: dict[Path, AttestationSet | None] = {}
    unknown: list[str] = []
    conflicts: list[str] = []
    for sh in sheets:
        path = attestation_path(root, sh.agency, sh.system)
        if path not in on_disk:
            on_disk[path] = load_attestations(path, sh.agency, sh.system) if path.exists() else None
        current = on_disk[path]
        base = planned.get(path) or current
        catalog = _sheet_catalog(sh, base, catalog_for)
        if base and base.entries and base.catalog != catalog.id:
            raise InputError(
                f"trang tính trả lời danh mục {catalog.id!r} nhưng {path} thuộc {base.catalog!r} / "
                f"the sheet answers catalogue {catalog.id!r} but {path} holds {base.catalog!r}",
                sh.where,
                4,
            )
        reqs = {r.id: r for r in catalog.requirements}
        entries = dict(base.entries) if base else {}
        rows_of: dict[str, int] = {}
        for row in sh.rows:
            att = parse_entry(row.node, Path(sh.where), row.line)
            att.line = row.line
            if (first := rows_of.setdefault(att.requirement, row.line)) != row.line:  # a pasted row
                raise InputError(
                    f"yêu cầu đã có ở dòng {first} / requirement already on row {first}; không ghi gì / "
                    "nothing written",
                    sh.where,
                    row.line,
                    _printable(att.requirement),
                )
            spec = reqs.get(att.requirement)
            if spec is None:
                unknown.append(f"[{_printable(sh.title)}]:{row.line} {_printable(att.requirement)}")
                continue
            if att.status == "not_applicable" and spec.kind == "auto":
                raise InputError(
                    "yêu cầu tự động không thể khai not_applicable: hãy loại trừ trong hồ sơ kèm lý do / "
                    "an automated requirement cannot be attested not_applicable: tailor it in a "
                    "profile with a justification",
                    sh.where,
                    row.line,
                    att.requirement,
                )
            # A conflict: the folder's entry is not the one the row was exported from, and the row
            # would change it (an entry absent from the folder has nothing newer to lose).
            now = current.get(att.requirement) if current else None
            if now is not None and now.migrated_from and _answer(now) == _answer(att):
                att.migrated_from = list(now.migrated_from)  # the sheet has no column for it
            if (
                not force
                and now is not None
                and row.revision != entry_revision(now)
                and now.to_dict() != att.to_dict()
            ):
                conflicts.append(f"[{_printable(sh.title)}]:{row.line} {att.requirement}")
            entries[att.requirement] = att
        planned[path] = AttestationSet(
            agency=sh.agency, system=sh.system, entries=entries, path=path, catalog=catalog.id, root=root
        )
    if unknown:
        raise InputError(
            f"mã yêu cầu không có trong danh mục / unknown requirement id(s): {_listing(unknown)}; "
            "không ghi gì / nothing written",
            xlsx,
        )
    if conflicts:
        raise InputError(
            f"{len(conflicts)} dòng đã bị sửa trong thư mục xác nhận sau khi xuất sổ tính / "
            f"{len(conflicts)} row(s) changed in the attestations folder since this workbook was "
            f"exported: {_listing(conflicts)}; không ghi gì / nothing written "
            "(xuất lại, hoặc --force để ghi đè / export again, or --force to overwrite)",
            xlsx,
        )
    if record_hashes:
        memo: dict[Any, str] = {}  # a file cited on many rows or lines is read once
        for out in planned.values():
            for att in out.entries.values():
                for ev in att.evidence:
                    if ev.sha256 is None:
                        ev.sha256 = evidence_hash(ev, out.base_dir, memo=memo)
    # all or nothing: a write failing at the third system puts the first two back as they were
    atomic_write_all([(path, dump_attestations(out)) for path, out in planned.items()], root)
    return list(planned)


def _answer(att: Any) -> dict[str, Any]:
    return {k: v for k, v in att.to_dict().items() if k != "migrated_from"}


def _sheet_catalog(sh: _Sheet, base: AttestationSet | None, catalog_for: CatalogFor | None) -> Catalog:
    if catalog_for is not None:
        cat = catalog_for(sh.agency, sh.system)
        if sh.catalog is not None and sh.catalog != cat.id:
            raise InputError(
                f"trang tính trả lời danh mục {sh.catalog!r} nhưng hồ sơ của hệ thống dùng {cat.id!r} / "
                f"the sheet answers catalogue {sh.catalog!r} but the system's profile uses {cat.id!r}",
                sh.where,
                4,
            )
        return cat
    name = sh.catalog or (base.catalog if base else DEFAULT_CATALOG)
    try:
        return load_catalog(name)
    except InputError as exc:
        raise InputError(
            f"danh mục không hợp lệ (hãy cho --inventory) / catalogue: {exc.message} (give --inventory)",
            sh.where,
            4,
        ) from None
