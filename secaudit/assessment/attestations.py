"""Manual attestations: the model, parsing and loading of YAML files per system, dates and expiry.

File: ``<attestations DIR>/<agency>/<system>.yaml`` (DESIGN §6). Evidence paths are relative to
the attestation file's folder. An optional top-level ``catalog: <id>`` names the catalogue whose
requirement ids the file answers (default: the default catalogue); under a profile of another
catalogue its answers carry over through the crosswalk (verdicts.py). The YAML template is
render/attest_template.py, the spreadsheet round-trip render/attest_xlsx.py, evidence files evidence.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from secaudit.assessment.attestation_paths import _key_line, attestation_path  # noqa: F401 - re-exported
from secaudit.assessment.evidence import (  # noqa: F401 - re-exported: the evidence API's old home
    EVIDENCE_MAX_BYTES,
    Evidence,
    check_evidence,
    evidence_file,
    evidence_hash,
    sha256_file,
)
from secaudit.config.catalog import DEFAULT_CATALOG, load_catalog
from secaudit.core.errors import InputError
from secaudit.core.model import ATTEST_STATUSES, Catalog, Requirement
from secaudit.core.yamlio import dump_yaml, line_of, load_yaml

EXPIRY_MONTHS = 12
ATTESTATION_MAX_MONTHS = 12  # profile parameter attestation_max_months (DESIGN §10)
EXPIRING_SOON_DAYS = 30
KEYS = ("requirement", "status", "note", "evidence", "attested_by", "attested_at", "expires_at")


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
        return self.expiry_within(EXPIRY_MONTHS)

    def expiry_within(self, max_months: int) -> date | None:
        """The last day the attestation is valid: ``expires_at`` (valid through that day), else
        12 months — or ``max_months`` if shorter — after ``attested_at``."""
        if self.expires_at:
            return self.expires_at
        if self.attested_at:
            return add_months(self.attested_at, min(EXPIRY_MONTHS, max_months))
        return None

    def date_problem(self, today: date, max_months: int) -> tuple[str, dict[str, Any]] | None:
        """Why the dates make the attestation invalid on ``today`` (the assessment day), as a reason
        code and parameters (secaudit/data/reasons.yaml), or None. Expiry is not a date problem."""
        if self.attested_at is None:
            return None
        who = {"by": self.attested_by or "?", "at": self.attested_at.isoformat()}
        if self.attested_at > today:  # the same day is fine: attested, then assessed
            return "attestation_future", {**who, "assessed": today.isoformat()}
        limit = add_months(self.attested_at, max_months)
        if self.expires_at is not None and self.expires_at > limit:
            return "attestation_too_long", {
                **who,
                "expires": self.expires_at.isoformat(),
                "max_months": max_months,
            }
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
    # Profile parameter attestation_max_months, set by verdicts.evaluate from the profile judged.
    max_months: int = ATTESTATION_MAX_MONTHS
    # A set rebuilt from one bundle (assessment/rejudge.py) answers each entry once per re-judging,
    # for every profile: this dict is shared by the copies with_limits makes. None: no memo (a set
    # read from a folder checks its evidence files each time).
    memo: dict[Any, Any] | None = field(default=None, compare=False, repr=False)

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


def attestation_limits(params: dict[str, Any] | None) -> tuple[int, int]:
    """(attestation_max_months, evidence_max_bytes) of a profile's parameters, defaults if unset."""
    out = []
    for name, default in (
        ("attestation_max_months", ATTESTATION_MAX_MONTHS),
        ("evidence_max_bytes", EVIDENCE_MAX_BYTES),
    ):
        val = (params or {}).get(name)
        if val is None:
            val = default
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise InputError(
                f"tham số hồ sơ {name} phải là số nguyên dương / "
                f"profile parameter {name} must be a positive whole number, got {val!r}"
            )
        out.append(val)
    return out[0], out[1]


def with_limits(
    atts: AttestationSet | list[AttestationSet] | None, evidence_check: Any, params: dict[str, Any] | None
) -> tuple[list[AttestationSet], Any]:
    """The sets (copies) carrying the profile's attestation_max_months, and the evidence check
    bound to its evidence_max_bytes when it is the default one (verdicts.evaluate)."""
    max_months, max_bytes = attestation_limits(params)
    if evidence_check is check_evidence:
        evidence_check = partial(check_evidence, max_bytes=max_bytes, memo={})  # a file read once
    sets = [] if atts is None else [atts] if isinstance(atts, AttestationSet) else list(atts)
    return [replace(s, max_months=max_months) for s in sets], evidence_check


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    if not date.min.year <= year <= date.max.year:  # a bundle's absurd month count: the calendar's end
        return date.max if year > date.max.year else date.min
    for day in (d.day, 30, 29, 28):  # 29 Feb + 12 months -> 28 Feb
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


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
        raise InputError(
            f"{key}: ngày không hợp lệ / {key} {val!r} must be a date YYYY-MM-DD", path, line_of(node), entry
        ) from None


_CATALOG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a file stem in checklists/
_HEX64 = re.compile(r"[0-9a-f]{64}")  # a regex: the summary reads ~60 entries a bundle, 10 000 bundles


def parse_entry(node: Any, path: Path, fallback_line: int | None = None) -> Attestation:
    line = line_of(node) or fallback_line
    if not isinstance(node, dict):
        raise InputError(
            "mỗi mục xác nhận phải là một ánh xạ / an attestation entry must be a mapping", path, line
        )
    req = node.get("requirement")
    if not isinstance(req, str) or not req.strip():
        raise InputError(
            "mục xác nhận thiếu mã yêu cầu 'requirement' / attestation entry without 'requirement' id",
            path,
            line,
        )
    req = req.strip()
    unknown = set(node) - set(KEYS) - {"title", "kind", "section", "migrated_from"}
    if unknown:
        raise InputError(
            f"trường không hợp lệ / unknown field(s) {', '.join(sorted(map(str, unknown)))}", path, line, req
        )
    status = node.get("status")
    if status is not None:
        status = str(status).strip().lower() or None
    if status is not None and status not in ATTEST_STATUSES:
        raise InputError(
            "trạng thái không hợp lệ / "
            f"status {status!r} must be one of {', '.join(ATTEST_STATUSES)} (or empty)",
            path,
            line,
            req,
        )
    note = node.get("note")
    note = "" if note is None else str(note).strip()
    if status == "not_applicable" and not note:
        raise InputError(
            "cần ghi rõ lý do không áp dụng / not_applicable needs a note saying why", path, line, req
        )
    evidence = []
    ev_node = node.get("evidence") or []
    if isinstance(ev_node, (str, dict)):
        ev_node = [ev_node]
    if not isinstance(ev_node, list):
        raise InputError(
            "bằng chứng phải là danh sách {path, sha256} / evidence must be a list of {path, sha256}",
            path,
            line,
            req,
        )
    for ev in ev_node:
        if isinstance(ev, str):
            ev = {"path": ev}
        if not isinstance(ev, dict) or not isinstance(ev.get("path"), str) or not ev["path"].strip():
            raise InputError(
                "mỗi bằng chứng cần có 'path' / each evidence item needs a 'path'", path, line, req
            )
        if "\0" in ev["path"]:  # the OS cannot open it: bad input, not a traceback at hashing time
            raise InputError(
                f"đường dẫn bằng chứng không phải tên tệp / evidence path {ev['path']!r} is not a file name",
                path,
                line,
                req,
            )
        sha = ev.get("sha256")
        if sha is not None:
            sha = str(sha).strip().lower()
            if not _HEX64.fullmatch(sha):
                raise InputError(
                    f"bằng chứng {ev['path']!r}: sha256 phải gồm 64 chữ số hex / "
                    f"evidence {ev['path']!r}: sha256 must be 64 hex digits",
                    path,
                    line,
                    req,
                )
        evidence.append(Evidence(path=ev["path"].strip(), sha256=sha or None))
    attested_at = _date(node.get("attested_at"), "attested_at", path, node, req)
    expires_at = _date(node.get("expires_at"), "expires_at", path, node, req)
    if attested_at and expires_at and expires_at < attested_at:
        raise InputError(
            "ngày hết hạn expires_at trước ngày xác nhận attested_at / expires_at is before attested_at",
            path,
            line,
            req,
        )
    by = node.get("attested_by")
    src = node.get("migrated_from") or []
    src = [src] if isinstance(src, str) else src
    if not isinstance(src, list) or not all(isinstance(x, str) and x.strip() for x in src):
        raise InputError(
            "migrated_from phải là mã yêu cầu hoặc danh sách mã / "
            "migrated_from must be a requirement id or a list of ids",
            path,
            line,
            req,
        )
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
        raise InputError(
            "tệp xác nhận phải là ánh xạ có agency, system, attestations / "
            "an attestation file must be a mapping with agency, system, attestations",
            p,
            1,
        )
    for key, want in (("agency", agency), ("system", system)):
        val = data.get(key)
        if not isinstance(val, str) or not val.strip():
            raise InputError(f"thiếu trường bắt buộc {key!r} / missing {key!r}", p, line_of(data))
        if want is not None and val != want:
            raise InputError(
                f"{key} là {val!r} nhưng tệp thuộc về {want!r} (theo thư mục/tên tệp) / "
                f"{key} is {val!r} but the file belongs to {want!r} (its folder/name)",
                p,
                line_of(data),
            )
    unknown = set(data) - {"agency", "system", "catalog", "attestations"}
    if unknown:
        raise InputError(
            f"trường không hợp lệ / unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}",
            p,
            line_of(data),
        )
    catalog = data.get("catalog")
    if catalog is None:
        catalog = DEFAULT_CATALOG
    elif not isinstance(catalog, str) or not catalog.strip():
        raise InputError(
            "'catalog' phải là mã danh mục / 'catalog' must name a catalogue id, e.g. tcvn-14423-2026",
            p,
            line_of(data),
        )
    catalog = catalog.strip()
    if not _CATALOG_ID.fullmatch(catalog) or catalog.endswith((".yaml", ".yml")):
        # an id, never a path: an agency's file must not make assess read another file
        raise InputError(
            f"'catalog' phải là mã danh mục, không phải đường dẫn / 'catalog' must be a catalogue id, "
            f"not a path ({catalog[:80]!r}), e.g. tcvn-14423-2026",
            p,
            _key_line(p, "catalog") or line_of(data),
        )
    entries: dict[str, Attestation] = {}
    items = data.get("attestations") or []
    if not isinstance(items, list):
        raise InputError("'attestations' phải là danh sách / 'attestations' must be a list", p, line_of(data))
    for node in items:
        att = parse_entry(node, p, line_of(items))
        if att.requirement in entries:
            raise InputError(
                f"mục bị trùng (lần đầu ở dòng {entries[att.requirement].line}) / "
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


def load_for_system(root: Path | None, agency: str, system: str) -> AttestationSet | None:
    """The system's attestations from ``root/<agency>/<system>.yaml``; None if there is no file."""
    if root is None:
        return None
    if not Path(root).is_dir():
        raise InputError("không thấy thư mục xác nhận / attestations folder not found", root)
    p = attestation_path(Path(root), agency, system)
    if not p.exists():
        return None
    atts = load_attestations(p, agency, system)
    atts.root = Path(root)
    return atts


def attestation_catalog(atts: AttestationSet, known: Any = ()) -> Catalog:
    """The catalogue the file's ids belong to (``known``: the system's profiles' catalogues, which
    may be custom files named by their id); an unknown one is bad input at the file's line."""
    if hit := next((c for c in known if c.id == atts.catalog), None):
        return hit
    try:
        return load_catalog(atts.catalog)
    except InputError as exc:
        if exc.path:  # a problem inside a catalogue file given by path: report it there
            raise
        raise InputError(
            f"danh mục không hợp lệ / catalog: {exc.message}", atts.path, atts.catalog_line
        ) from None


def validate_catalog(atts: AttestationSet, known: Any = ()) -> Catalog:
    """Validate the file against its own catalogue (``catalog:``, default the default one)."""
    cat = attestation_catalog(atts, known)
    validate_against(atts, {r.id: r for r in cat.requirements})
    return cat


def validate_against(atts: AttestationSet, requirements: dict[str, Requirement]) -> None:
    """Ids must exist in the catalogue; not_applicable only for manual/partial (DESIGN §9)."""
    for att in atts.entries.values():
        req = requirements.get(att.requirement)
        if req is None:
            raise InputError(
                "mã yêu cầu không có trong danh mục / unknown requirement id",
                atts.path,
                att.line,
                att.requirement,
            )
        if att.status == "not_applicable" and req.kind == "auto":
            raise InputError(
                "yêu cầu tự động không thể khai not_applicable: hãy loại trừ trong hồ sơ kèm lý do / "
                "an automated requirement cannot be attested not_applicable: tailor it in a "
                "profile with a justification",
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
