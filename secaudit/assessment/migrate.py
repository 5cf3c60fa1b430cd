"""``attest migrate``: pre-fill attestation files for another catalogue through the crosswalk.

For every requirement (manual or partial) of the target catalogue that a crosswalk mapping reaches
from an answered entry of the source file: an ``equivalent`` mapping copies the answer (status,
note, evidence, who, when, expiry) and records ``migrated_from``; a ``partial`` one leaves
``status: null`` with the note pre-filled and a comment asking an auditor to confirm. The same
source selection as evaluation (evaluate.carry_sources) so that a migrated file and a carried
verdict never disagree. The written file loads as is (unanswered = not_reviewed).

Evidence must lie inside the folder of its attestation file (DESIGN §10), so the evidence files an
equivalent answer cites are copied beside the new file under the same relative path (bounded reads
of regular files only); a path that is already invalid or missing is kept as written, and the
assessment says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import (
    EXPIRY_MONTHS,
    Attestation,
    AttestationSet,
    add_months,
    attestation_catalog,
    load_attestations,
    validate_against,
)
from secaudit.assessment.evidence import EVIDENCE_MAX_BYTES, evidence_file
from secaudit.assessment.verdicts import carry_sources
from secaudit.config.catalog import load_catalog
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write_all, read_input
from secaudit.core.model import Catalog, text
from secaudit.render.attest_template import _comment, _flat, _scalar


@dataclass
class Migrated:
    source: Path
    target: Path
    equivalent: int = 0
    partial: int = 0
    skipped: str | None = None  # why nothing was written


@dataclass
class _Entry:
    requirement: str
    status: str | None
    sources: list[str]
    relation: str
    note: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    attested_by: str = ""
    attested_at: date | None = None
    expires_at: date | None = None


Copies = dict[Path, Path]  # evidence file to write in the new folder -> the file it copies


def _plan_copy(path: str, src_dir: Path, dst_dir: Path, copies: Copies) -> None:
    """Copy an evidence file that is valid where it is to the same relative place in ``dst_dir``."""
    try:
        source = evidence_file(path, src_dir)
        target = evidence_file(path, dst_dir)
    except InputError:
        return  # absolute or outside its folder: invalid there and here, the assessment says why
    if source.is_file():
        copies[target] = source


def _joined(atts: list[Attestation], attr: str) -> str:
    seen: list[str] = []
    for a in atts:
        val = getattr(a, attr)
        if val and val not in seen:
            seen.append(val)
    return "; ".join(seen)


def _combine(
    req_id: str,
    relation: str,
    srcs: list[tuple[str, Attestation]],
    atts: AttestationSet,
    dst_dir: Path,
    copies: Copies,
) -> _Entry:
    answers = [a for _, a in srcs]
    ids = [s for s, _ in srcs]
    statuses = {a.status for a in answers}
    status: str | None = None
    if relation == "equivalent":
        if len(statuses) == 1:
            status = answers[0].status
        elif "non_compliant" in statuses:
            status = "non_compliant"
        else:  # mixed answers: an auditor decides
            relation = "partial"
    if relation != "equivalent":
        note = "; ".join(f"[{s} {a.status}] {a.note}".strip() for s, a in srcs)
        return _Entry(req_id, None, ids, relation, note=note)
    evidence = []
    for a in answers:
        for ev in a.evidence:
            _plan_copy(ev.path, atts.base_dir, dst_dir, copies)
            d = {"path": ev.path}
            if ev.sha256:
                d["sha256"] = ev.sha256
            if d not in evidence:
                evidence.append(d)
    # The oldest answer dates the whole, and the first expiry ends it (written only when it is
    # not the default 12 months after that date).
    attested_at = min((a.attested_at for a in answers if a.attested_at), default=None)
    expiry = min((a.expiry for a in answers if a.expiry), default=None)
    if attested_at and expiry == add_months(attested_at, EXPIRY_MONTHS):
        expiry = None
    return _Entry(
        req_id,
        status,
        ids,
        relation,
        note=_joined(answers, "note"),
        evidence=evidence,
        attested_by=_joined(answers, "attested_by"),
        attested_at=attested_at,
        expires_at=expiry,
    )


def migrate_set(
    atts: AttestationSet, to: Catalog, dst_dir: Path, copies: Copies | None = None
) -> list[_Entry]:
    """The entries for catalogue ``to``; evidence files to copy are added to ``copies``."""
    copies = {} if copies is None else copies
    out = []
    for req in to.requirements:
        if req.kind not in ("manual", "partial"):
            continue
        relation, deciding, candidates, need_all = carry_sources(req.id, to.id, atts.catalog)
        answered = [(s, a) for s in deciding if (a := atts.get(s)) is not None and a.status is not None]
        if answered and (not need_all or len(answered) == len(deciding)):
            out.append(_combine(req.id, "equivalent", answered, atts, dst_dir, copies))
            continue
        pre = [
            (s, a) for s in deciding + candidates if (a := atts.get(s)) is not None and a.status is not None
        ]
        if pre:
            out.append(_combine(req.id, "partial", pre, atts, dst_dir, copies))
    return out


def render(atts: AttestationSet, to: Catalog, entries: list[_Entry]) -> str:
    src_std = attestation_catalog(atts).standard
    lines = [
        f"# Chuyển từ / migrated from {_flat(atts.display_path or atts.path)} "
        f"({atts.catalog}, {_flat(src_std)})",
        f"# sang / to {to.id} ({_flat(to.standard)}) bằng bảng đối chiếu / through the crosswalk.",
        "# status: null = cần người đánh giá xác nhận / needs an auditor's confirmation.",
        f"agency: {_scalar(atts.agency)}",
        f"system: {_scalar(atts.system)}",
        f"catalog: {_scalar(to.id)}",
        "attestations:",
    ]
    for e in entries:
        req = to.get(e.requirement)
        lines.append("")
        if req is not None:
            lines += _comment(f"[{req.section()}] {text(req.title, 'vi')} / {text(req.title, 'en')}")
        src = ", ".join(e.sources)
        if e.status is None:
            lines += _comment(
                f"cần xác nhận / confirm: điền sẵn từ / pre-filled from {src} "
                f"({e.relation}); chọn status / choose a status"
            )
        else:
            lines += _comment(f"tương đương / equivalent: {src}")
        lines.append(f"  - requirement: {_scalar(e.requirement)}")
        lines.append(f"    status: {_scalar(e.status)}   # compliant | non_compliant | not_applicable")
        lines.append(f"    note: {_scalar(e.note or None)}")
        lines.append(f"    evidence: {_scalar(e.evidence)}")
        lines.append(f"    attested_by: {_scalar(e.attested_by or None)}")
        lines.append(f"    attested_at: {_scalar(e.attested_at)}")
        lines.append(f"    expires_at: {_scalar(e.expires_at)}")
        lines.append(f"    migrated_from: {_scalar(e.sources[0] if len(e.sources) == 1 else e.sources)}")
    return "\n".join(lines) + "\n"


def source_files(src: Path) -> list[Path]:
    if not src.is_dir():
        raise InputError("không thấy thư mục xác nhận / attestations folder not found", src)

    def readable(d: Path) -> Path:  # glob skips an unreadable folder silently: its answers left behind
        if not os.access(d, os.R_OK | os.X_OK):
            raise InputError("không đọc được / cannot read: Permission denied", d)
        return d

    for d in sorted(p for p in readable(src).iterdir() if p.is_dir()):
        readable(d)
    return sorted(p for p in src.glob("*/*") if p.suffix in (".yaml", ".yml") and p.is_file())


def migrate_dir(src: Path, to_id: str, dst: Path, force: bool = False) -> list[Migrated]:
    """Migrate every attestation file under ``src`` to catalogue ``to_id`` into ``dst``.

    Everything is loaded and checked before the first file is written: an existing target file
    (without ``force``) or a bad source file stops the run with nothing half-done."""
    to = load_catalog(to_id)
    plan: list[tuple[Migrated, str]] = []
    copies: Copies = {}
    for path in source_files(src):
        atts = load_attestations(path, path.parent.name, path.stem)
        atts.root = src
        cat = attestation_catalog(atts)
        validate_against(atts, {r.id: r for r in cat.requirements})
        target = dst / path.parent.name / f"{path.stem}.yaml"
        m = Migrated(path, target)
        if cat.id == to.id:
            m.skipped = f"already {to.id}"
            plan.append((m, ""))
            continue
        entries = migrate_set(atts, to, target.parent, copies)
        m.equivalent = sum(1 for e in entries if e.status is not None)
        m.partial = len(entries) - m.equivalent
        if target.exists() and not force:
            raise InputError(
                "tệp đã có, không ghi đè (dùng --force để ghi đè) / exists; not overwritten (use --force)",
                target,
            )
        plan.append((m, render(atts, to, entries)))
    evidence = {dst: read_input(source, "evidence", EVIDENCE_MAX_BYTES) for dst, source in copies.items()}
    for dst, data in evidence.items():
        if dst.exists() and not force and (not dst.is_file() or dst.read_bytes() != data):
            raise InputError(
                "tệp đã có, không ghi đè (dùng --force để ghi đè) / exists; not overwritten (use --force)",
                dst,
            )
    writes: list[tuple[Path, str | bytes]] = list(evidence.items())
    writes += [(m.target, content) for m, content in plan if m.skipped is None]
    atomic_write_all(writes, dst)
    return [m for m, _ in plan]
