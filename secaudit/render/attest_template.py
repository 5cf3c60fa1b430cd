"""The YAML attestation template a system's attester fills in (``attest template``), and the
comment/scalar helpers the wizard and ``attest migrate`` share to write hand-readable YAML."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from secaudit.assessment.attestations import KEYS, AttestationSet
from secaudit.config.thresholds import statements
from secaudit.core.model import Catalog, Requirement, Tailoring, text


def threshold_lines(
    req: Requirement, catalog: Catalog | None, params: dict[str, Any] | None
) -> list[tuple[str, str]]:
    """(vi, en) statements of the requirement's thresholds under the profile's parameters."""
    if catalog is None or not getattr(req, "parameters", None):
        return []
    vi = statements(req, catalog, params or {}, "vi")
    en = statements(req, catalog, params or {}, "en")
    return list(zip(vi, en, strict=True))


def _flat(s: Any) -> str:
    """Text for a comment line: any line break or control character (an inventory name, a profile's
    justification) as a space, so it can neither start a YAML line nor make the file unreadable."""
    return "".join(c if c.isprintable() else " " for c in str(s))


def _comment(s: str, indent: str = "  ") -> list[str]:
    out = []
    for raw_line in s.strip().splitlines() or [""]:
        raw_line = _flat(raw_line)
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
        f"# Hệ thống / System: {_flat(system_name)} ({_flat(agency_name)})",
        f"# Cấp độ / level {level}, hồ sơ / profile {_flat(profile_id)}",
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
        lines.append(f"catalog: {_scalar(catalog.id)}   # {_flat(catalog.standard)}")
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
