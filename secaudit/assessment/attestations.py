"""Manual attestations: YAML files per system, evidence hashing, expiry, and the YAML template.

File: ``<attestations DIR>/<agency>/<system>.yaml`` (DESIGN §6). Evidence paths are relative to
the attestation file's folder. An optional top-level ``catalog: <id>`` names the catalogue whose
requirement ids the file answers (default: the default catalogue); under a profile of another
catalogue its answers carry over through the crosswalk (evaluate.py). The spreadsheet round-trip
(export_xlsx/import_xlsx) is at the end.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from secaudit.config.catalog import DEFAULT_CATALOG, load_catalog
from secaudit.config.thresholds import statements
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write
from secaudit.core.ids import ID_RE
from secaudit.core.model import ATTEST_STATUSES, Catalog, Requirement, Tailoring, text
from secaudit.core.yamlio import dump_yaml, line_of, load_yaml

EXPIRY_MONTHS = 12
EXPIRING_SOON_DAYS = 30
KEYS = ("requirement", "status", "note", "evidence", "attested_by", "attested_at", "expires_at")


@dataclass
class Evidence:
    path: str
    sha256: str | None = None  # as recorded in the attestation file (None: not recorded yet)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path}
        if self.sha256:
            d["sha256"] = self.sha256
        return d


@dataclass
class Attestation:
    requirement: str
    status: str | None  # None = not answered yet
    note: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    attested_by: str = ""
    attested_at: date | None = None
    expires_at: date | None = None  # explicit, else 12 months after attested_at
    line: int | None = None
    migrated_from: list[str] = field(default_factory=list)  # source ids (attest migrate)

    @property
    def expiry(self) -> date | None:
        if self.expires_at:
            return self.expires_at
        if self.attested_at:
            return add_months(self.attested_at, EXPIRY_MONTHS)
        return None

    def to_dict(self) -> dict[str, Any]:
        """The form stored in the YAML file (and echoed in bundles)."""
        return {
            "requirement": self.requirement,
            "status": self.status,
            "note": self.note or None,
            "evidence": [e.to_dict() for e in self.evidence],
            "attested_by": self.attested_by or None,
            "attested_at": self.attested_at.isoformat() if self.attested_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            **({"migrated_from": _one_or_list(self.migrated_from)} if self.migrated_from else {}),
        }


def _one_or_list(ids: list[str]) -> str | list[str]:
    return ids[0] if len(ids) == 1 else list(ids)


@dataclass
class AttestationSet:
    agency: str
    system: str
    entries: dict[str, Attestation]
    path: Path | None = None
    catalog: str = DEFAULT_CATALOG  # id of the catalogue the requirement ids belong to
    root: Path | None = None  # the --attestations folder it was found in
    catalog_line: int | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def display_path(self) -> str | None:
        """The file relative to the attestations folder: bundles never hold local absolute paths."""
        if self.path is None:
            return None
        if self.root is not None:
            try:
                return self.path.resolve().relative_to(Path(self.root).resolve()).as_posix()
            except ValueError:
                pass
        return self.path.name

    def get(self, req_id: str) -> Attestation | None:
        return self.entries.get(req_id)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):  # 29 Feb + 12 months -> 28 Feb
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_evidence(ev: Evidence, base_dir: Path) -> dict[str, Any]:
    """Recompute an evidence file's hash: state ok | changed | missing | unrecorded."""
    p = Path(ev.path)
    full = p if p.is_absolute() else base_dir / p
    out: dict[str, Any] = {"path": ev.path, "sha256": ev.sha256}
    try:
        actual = sha256_file(full)
    except OSError:
        out.update(state="missing", actual_sha256=None)
        return out
    out["actual_sha256"] = actual
    if ev.sha256 is None:
        out["state"] = "unrecorded"  # hash recorded now, in the bundle
    else:
        out["state"] = "ok" if actual == ev.sha256.lower() else "changed"
    return out


def attestation_path(root: Path, agency: str, system: str) -> Path:
    base = Path(root) / agency
    for ext in (".yaml", ".yml"):
        if (base / f"{system}{ext}").exists():
            return base / f"{system}{ext}"
    return base / f"{system}.yaml"


def _date(val: Any, key: str, path: Path, node: Any, entry: str) -> date | None:
    if val is None or val == "":
        return None
    if isinstance(val, datetime):
        return val.date()
    if isinstance(val, date):
        return val
    try:
        return date.fromisoformat(str(val).strip())
    except ValueError:
        raise InputError(f"{key} {val!r} must be a date YYYY-MM-DD", path, line_of(node), entry) from None


def parse_entry(node: Any, path: Path, fallback_line: int | None = None) -> Attestation:
    line = line_of(node) or fallback_line
    if not isinstance(node, dict):
        raise InputError("an attestation entry must be a mapping", path, line)
    req = node.get("requirement")
    if not isinstance(req, str) or not req.strip():
        raise InputError("attestation entry without 'requirement' id", path, line)
    req = req.strip()
    unknown = set(node) - set(KEYS) - {"title", "kind", "section", "migrated_from"}
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}", path, line, req)
    status = node.get("status")
    if status is not None:
        status = str(status).strip().lower() or None
    if status is not None and status not in ATTEST_STATUSES:
        raise InputError(
            f"status {status!r} must be one of {', '.join(ATTEST_STATUSES)} (or empty)", path, line, req
        )
    note = node.get("note")
    note = "" if note is None else str(note).strip()
    if status == "not_applicable" and not note:
        raise InputError(
            "not_applicable needs a note saying why / cần ghi rõ lý do không áp dụng", path, line, req
        )
    evidence = []
    ev_node = node.get("evidence") or []
    if isinstance(ev_node, (str, dict)):
        ev_node = [ev_node]
    if not isinstance(ev_node, list):
        raise InputError("evidence must be a list of {path, sha256}", path, line, req)
    for ev in ev_node:
        if isinstance(ev, str):
            ev = {"path": ev}
        if not isinstance(ev, dict) or not isinstance(ev.get("path"), str) or not ev["path"].strip():
            raise InputError("each evidence item needs a 'path'", path, line, req)
        if "\0" in ev["path"]:  # the OS cannot open it: bad input, not a traceback at hashing time
            raise InputError(f"evidence path {ev['path']!r} is not a file name", path, line, req)
        sha = ev.get("sha256")
        if sha is not None:
            sha = str(sha).strip().lower()
            if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
                raise InputError(f"evidence {ev['path']!r}: sha256 must be 64 hex digits", path, line, req)
        evidence.append(Evidence(path=ev["path"].strip(), sha256=sha or None))
    attested_at = _date(node.get("attested_at"), "attested_at", path, node, req)
    expires_at = _date(node.get("expires_at"), "expires_at", path, node, req)
    if attested_at and expires_at and expires_at < attested_at:
        raise InputError("expires_at is before attested_at", path, line, req)
    by = node.get("attested_by")
    src = node.get("migrated_from") or []
    src = [src] if isinstance(src, str) else src
    if not isinstance(src, list) or not all(isinstance(x, str) and x.strip() for x in src):
        raise InputError("migrated_from must be a requirement id or a list of ids", path, line, req)
    return Attestation(
        requirement=req,
        status=status,
        note=note,
        evidence=evidence,
        attested_by="" if by is None else str(by).strip(),
        attested_at=attested_at,
        expires_at=expires_at,
        line=line,
        migrated_from=[x.strip() for x in src],
    )


def load_attestations(
    path: str | Path, agency: str | None = None, system: str | None = None
) -> AttestationSet:
    p = Path(path)
    data = load_yaml(p)
    if not isinstance(data, dict):
        raise InputError("an attestation file must be a mapping with agency, system, attestations", p, 1)
    for key, want in (("agency", agency), ("system", system)):
        val = data.get(key)
        if not isinstance(val, str) or not val.strip():
            raise InputError(f"missing {key!r}", p, line_of(data))
        if want is not None and val != want:
            raise InputError(
                f"{key} is {val!r} but the file belongs to {want!r} (its folder/name)", p, line_of(data)
            )
    unknown = set(data) - {"agency", "system", "catalog", "attestations"}
    if unknown:
        raise InputError(f"unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}", p, line_of(data))
    catalog = data.get("catalog")
    if catalog is None:
        catalog = DEFAULT_CATALOG
    elif not isinstance(catalog, str) or not catalog.strip():
        raise InputError("'catalog' must name a catalogue id, e.g. tcvn-14423-2026", p, line_of(data))
    catalog = catalog.strip()
    entries: dict[str, Attestation] = {}
    items = data.get("attestations") or []
    if not isinstance(items, list):
        raise InputError("'attestations' must be a list", p, line_of(data))
    for node in items:
        att = parse_entry(node, p, line_of(items))
        if att.requirement in entries:
            raise InputError(
                f"duplicate entry (first at line {entries[att.requirement].line})",
                p,
                att.line,
                att.requirement,
            )
        entries[att.requirement] = att
    return AttestationSet(
        agency=data["agency"],
        system=data["system"],
        entries=entries,
        path=p,
        catalog=catalog,
        catalog_line=_key_line(p, "catalog") or line_of(data),
    )


def _key_line(p: Path, key: str) -> int | None:
    """The line of a top-level ``key:`` (the YAML loader records lines of mappings, not keys)."""
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((i for i, ln in enumerate(lines, 1) if ln.startswith(f"{key}:")), None)


def load_for_system(root: Path | None, agency: str, system: str) -> AttestationSet | None:
    """The system's attestations from ``root/<agency>/<system>.yaml``; None if there is no file."""
    if root is None:
        return None
    if not Path(root).is_dir():
        raise InputError("attestations folder not found / không thấy thư mục xác nhận", root)
    p = attestation_path(Path(root), agency, system)
    if not p.exists():
        return None
    atts = load_attestations(p, agency, system)
    atts.root = Path(root)
    return atts


def attestation_catalog(atts: AttestationSet) -> Catalog:
    """The catalogue the file's ids belong to; an unknown one is bad input at the file's line."""
    try:
        return load_catalog(atts.catalog)
    except InputError as exc:
        if exc.path:  # a problem inside a catalogue file given by path: report it there
            raise
        raise InputError(f"catalog: {exc.message}", atts.path, atts.catalog_line) from None


def validate_catalog(atts: AttestationSet) -> Catalog:
    """Validate the file against its own catalogue (``catalog:``, default the default one)."""
    cat = attestation_catalog(atts)
    validate_against(atts, {r.id: r for r in cat.requirements})
    return cat


def validate_against(atts: AttestationSet, requirements: dict[str, Requirement]) -> None:
    """Ids must exist in the catalogue; not_applicable only for manual/partial (DESIGN §9)."""
    for att in atts.entries.values():
        req = requirements.get(att.requirement)
        if req is None:
            raise InputError(
                "unknown requirement id / mã yêu cầu không có trong danh mục",
                atts.path,
                att.line,
                att.requirement,
            )
        if att.status == "not_applicable" and req.kind == "auto":
            raise InputError(
                "an automated requirement cannot be attested not_applicable: tailor it in a "
                "profile with a justification / yêu cầu tự động chỉ loại trừ qua hồ sơ",
                atts.path,
                att.line,
                att.requirement,
            )


def dump_attestations(atts: AttestationSet) -> str:
    data: dict[str, Any] = {"agency": atts.agency, "system": atts.system}
    if atts.catalog != DEFAULT_CATALOG:
        data["catalog"] = atts.catalog
    data["attestations"] = [a.to_dict() for a in atts.entries.values()]
    return dump_yaml(data)


# --------------------------------------------------------------------------- template


def threshold_lines(
    req: Requirement, catalog: Catalog | None, params: dict[str, Any] | None
) -> list[tuple[str, str]]:
    """(vi, en) statements of the requirement's thresholds under the profile's parameters."""
    if catalog is None or not getattr(req, "parameters", None):
        return []
    vi = statements(req, catalog, params or {}, "vi")
    en = statements(req, catalog, params or {}, "en")
    return list(zip(vi, en, strict=True))


def _comment(s: str, indent: str = "  ") -> list[str]:
    out = []
    for raw_line in s.strip().splitlines() or [""]:
        for piece in textwrap.wrap(raw_line, 96, subsequent_indent="  ") or [""]:
            out.append(f"{indent}# {piece}".rstrip())
    return out


def _scalar(value: Any) -> str:
    """One YAML scalar in flow form (quoted when needed), for hand-written template lines."""
    out = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 16)
    return out.strip().removesuffix("...").strip()


def render_template(
    agency_id: str,
    agency_name: str,
    system_id: str,
    system_name: str,
    level: int,
    profile_id: str,
    rows: list[tuple[Requirement, Tailoring | None]],
    existing: AttestationSet | None = None,
    catalog: Catalog | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    """A YAML file to fill in: one entry per manual/partial requirement, guidance as comments.

    With ``catalog`` the file names it (``catalog: <id>``) and states each requirement's thresholds
    with the profile's ``params`` (thresholds.statements), in both languages."""
    lines = [
        "# Phiếu xác nhận thủ công / Manual attestations",
        f"# Hệ thống / System: {system_name} ({agency_name})",
        f"# Cấp độ / level {level}, hồ sơ / profile {profile_id}",
        "# Điền status: compliant | non_compliant | not_applicable (để trống = chưa đánh giá).",
        "# Fill in status: compliant | non_compliant | not_applicable (empty = not reviewed).",
        "# compliant cần note hoặc evidence; not_applicable cần note nêu lý do.",
        "# compliant needs a note or evidence; not_applicable needs a note saying why.",
        "# evidence: [{path: evidence/file.pdf}] — đường dẫn tính từ thư mục chứa tệp này / paths are",
        "#   relative to this file's folder; sha256 is recorded by `attest import` or at assessment.",
        "# expires_at: mặc định 12 tháng sau attested_at / default 12 months after attested_at.",
        f"agency: {_scalar(agency_id)}",
        f"system: {_scalar(system_id)}",
    ]
    if catalog is not None:
        lines.append(f"catalog: {_scalar(catalog.id)}   # {catalog.standard}")
    lines.append("attestations:")
    for req, tailoring in rows:
        if req.kind not in ("manual", "partial"):
            continue
        lines.append("")
        lines += _comment(f"[{req.section(level)}] {text(req.title, 'vi')} / {text(req.title, 'en')}")
        kind_note = {
            "manual": "thủ công / manual",
            "partial": f"một phần tự động / partly automated (checks: {', '.join(req.checks)})",
        }
        lines += _comment(f"Loại / kind: {kind_note[req.kind]}")
        if text(req.description, "vi"):
            lines += _comment(f"Mô tả: {text(req.description, 'vi')}")
        if text(req.description, "en"):
            lines += _comment(f"Description: {text(req.description, 'en')}")
        if text(req.evidence, "vi"):
            lines += _comment(f"Bằng chứng cần xem: {text(req.evidence, 'vi')}")
        if text(req.evidence, "en"):
            lines += _comment(f"Evidence to look for: {text(req.evidence, 'en')}")
        for vi, en in threshold_lines(req, catalog, params):
            lines += _comment(f"Ngưỡng: {vi}")
            lines += _comment(f"Threshold: {en}")
        if tailoring:
            lines += _comment(f"Hồ sơ đã loại trừ / tailored out by the profile: {tailoring.justification}")
        att = existing.get(req.id) if existing else None
        d = (
            att.to_dict()
            if att
            else {
                "requirement": req.id,
                "status": None,
                "note": None,
                "evidence": [],
                "attested_by": None,
                "attested_at": None,
                "expires_at": None,
            }
        )
        lines.append(f"  - requirement: {_scalar(d['requirement'])}")
        for key in KEYS[1:]:
            val = d[key]
            if key == "status":
                lines.append(f"    status: {_scalar(val)}   # compliant | non_compliant | not_applicable")
            else:
                lines.append(f"    {key}: {_scalar(val)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- spreadsheet round-trip

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
