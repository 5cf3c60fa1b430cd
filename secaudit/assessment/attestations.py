"""Manual attestations: the model, parsing and loading of YAML files per system, evidence, expiry.

File: ``<attestations DIR>/<agency>/<system>.yaml`` (DESIGN §6). Evidence paths are relative to
the attestation file's folder. An optional top-level ``catalog: <id>`` names the catalogue whose
requirement ids the file answers (default: the default catalogue); under a profile of another
catalogue its answers carry over through the crosswalk (verdicts.py). The YAML template is
render/attest_template.py, the spreadsheet round-trip render/attest_xlsx.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from secaudit.config.catalog import DEFAULT_CATALOG, load_catalog
from secaudit.core.errors import InputError
from secaudit.core.files import confined_path, hash_regular_file
from secaudit.core.model import ATTEST_STATUSES, Catalog, Requirement
from secaudit.core.yamlio import dump_yaml, line_of, load_yaml

EXPIRY_MONTHS = 12
ATTESTATION_MAX_MONTHS = 12  # profile parameter attestation_max_months (DESIGN §10)
EVIDENCE_MAX_BYTES = 50 * 1024 * 1024  # profile parameter evidence_max_bytes
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
    reviews: list[dict[str, Any]] = field(default_factory=list)  # review records (assessment/reviews.py)

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
    """SHA-256 of a regular file (bounded: a device or FIFO is refused, never read forever)."""
    return hash_regular_file(path, EVIDENCE_MAX_BYTES, "evidence")[0]


def _shown(rel: str) -> str:
    """The path as a bundle may record it: an absolute path keeps only its file name (a signed
    bundle must not carry the layout of the agency's machine)."""
    if rel.startswith(("/", "\\")) or Path(rel).is_absolute() or (len(rel) > 1 and rel[1] == ":"):
        return re.split(r"[\\/]", rel)[-1] or "?"
    return rel


def evidence_file(rel: str, base_dir: Path) -> Path:
    """``base_dir/rel`` if it stays inside the attestation file's folder; InputError with a bilingual
    reason (never naming an absolute path) otherwise."""
    try:
        return confined_path(base_dir, rel)
    except InputError as exc:
        if "absolute" in exc.message:
            raise InputError(
                "absolute path / đường dẫn tuyệt đối: give a path relative to the folder"
            ) from None
        raise InputError("outside the attestations folder / nằm ngoài thư mục xác nhận") from None
    except (OSError, RuntimeError):  # a symlink loop
        raise InputError("symlink loop / liên kết vòng") from None


def check_evidence(ev: Evidence, base_dir: Path, max_bytes: int = EVIDENCE_MAX_BYTES) -> dict[str, Any]:
    """Recompute an evidence file's hash: state ok | changed | missing | unrecorded | invalid.

    Evidence is a relative path to a regular file inside the folder of the attestation file, of at
    most ``max_bytes`` (profile parameter ``evidence_max_bytes``). Anything else (absolute, ``..``
    out of the folder, an escaping symlink, a device, FIFO or socket, too large) is ``invalid`` with
    a ``reason``; it is never opened in a way that could block."""
    out: dict[str, Any] = {"path": _shown(ev.path), "sha256": ev.sha256}
    try:
        full = evidence_file(ev.path, base_dir)
        if not os.path.lexists(full):
            out.update(state="missing", actual_sha256=None)
            return out
        actual, _size = hash_regular_file(full, max_bytes, "evidence")
    except InputError as exc:
        out.update(state="invalid", actual_sha256=None, reason=exc.message)
        return out
    out["actual_sha256"] = actual
    if ev.sha256 is None:
        out["state"] = "unrecorded"  # hash recorded now, in the bundle
    else:
        out["state"] = "ok" if actual == ev.sha256.lower() else "changed"
    return out


def evidence_hash(ev: Evidence, base_dir: Path, max_bytes: int = EVIDENCE_MAX_BYTES) -> str | None:
    """The SHA-256 to record for an evidence file, or None when it is missing or not acceptable."""
    return check_evidence(ev, base_dir, max_bytes).get("actual_sha256")


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


def canonical_entry(att: Attestation) -> bytes:
    """The entry as canonical JSON (sorted keys, no spaces): what a revision or a review signs."""
    return json.dumps(att.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_revision(att: Attestation | None) -> str:
    """A short SHA-256 of the canonical entry; "-" when there is no entry (a spreadsheet cell that
    must not be empty, so "no entry at export" differs from "workbook without revisions")."""
    if att is None:
        return "-"
    return hashlib.sha256(canonical_entry(att)).hexdigest()[:16]


def dump_attestations(atts: AttestationSet) -> str:
    data: dict[str, Any] = {"agency": atts.agency, "system": atts.system}
    if atts.catalog != DEFAULT_CATALOG:
        data["catalog"] = atts.catalog
    data["attestations"] = [a.to_dict() for a in atts.entries.values()]
    return dump_yaml(data)
