"""Saving one attestation entry from the browser into the YAML file the CLI reads.

The entry is built as the YAML node a user would write and parsed by the same parser
(``attestations.parse_entry``) and catalogue check (``validate_against``) as ``assess``; the file is
written with ``dump_attestations``. Optimistic locking reuses the spreadsheet import's revision:
``entry_revision`` of the entry the form was made from must still be the file's, unless the save
would not change anything (the same rule as ``attest import``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

_FILE_LOCKS: dict[Path, threading.Lock] = {}
_GUARD = threading.Lock()
FIELDS = ("status", "note", "attested_by", "attested_at", "expires_at", "evidence")


def file_lock(path: Path) -> threading.Lock:
    with _GUARD:
        return _FILE_LOCKS.setdefault(path.resolve(), threading.Lock())


@dataclass
class Conflict(Exception):
    """The entry changed since the form was made: what the file holds now vs. what was sent."""

    changed: list[tuple[str, Any, Any]] = field(default_factory=list)  # (field, now, sent)
    revision: str = ""


def differences(now: dict[str, Any] | None, sent: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    now = now or {}
    return [(k, now.get(k), sent.get(k)) for k in FIELDS if now.get(k) != sent.get(k)]


def build_node(
    requirement: str, form: dict[str, str], evidence: list[dict[str, str]], by_default: str
) -> dict[str, Any]:
    """The YAML node of the entry as the form describes it (empty strings: not given)."""
    status = (form.get("status") or "").strip() or None
    node: dict[str, Any] = {
        "requirement": requirement,
        "status": status,
        "note": (form.get("note") or "").strip() or None,
        "evidence": evidence,
        "attested_by": (form.get("attested_by") or "").strip() or (by_default if status else None),
        "attested_at": (form.get("attested_at") or "").strip() or None,
        "expires_at": (form.get("expires_at") or "").strip() or None,
    }
    return node


def save_entry(
    atts: Any,
    requirements: dict[str, Any],
    node: dict[str, Any],
    revision: str,
    today: date,
) -> Any:
    """Parse, check and write the entry; returns the saved Attestation. InputError for bad values,
    Conflict when the file's entry is not the one the form was made from."""
    from secaudit.assessment.attestations import (
        AttestationSet,
        dump_attestations,
        entry_revision,
        load_attestations,
        parse_entry,
        validate_against,
    )
    from secaudit.core.files import atomic_write

    path = Path(atts.path)
    if node["status"] and not node["attested_at"]:
        node["attested_at"] = today.isoformat()
    with file_lock(path):
        current = load_attestations(path, atts.agency, atts.system) if path.exists() else None
        entries = dict(current.entries) if current else {}
        att = parse_entry(node, path)
        att.line = None
        now = entries.get(att.requirement)
        if entry_revision(now) != revision and (now is None or now.to_dict() != att.to_dict()):
            raise Conflict(differences(now.to_dict() if now else None, att.to_dict()), entry_revision(now))
        out = AttestationSet(
            agency=atts.agency,
            system=atts.system,
            entries={**entries, att.requirement: att},
            path=path,
            catalog=current.catalog if current else atts.catalog,
            root=atts.root,
        )
        validate_against(out, requirements)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, dump_attestations(out))
    return att


def import_file(atts: Any, requirements: dict[str, Any], raw: bytes) -> int:
    """Replace the system's YAML with an uploaded one (the export, edited): parsed and checked like
    any attestation file, refused whole on any problem. Returns the number of entries."""
    import tempfile

    from secaudit.assessment.attestations import dump_attestations, load_attestations, validate_against
    from secaudit.core.files import atomic_write

    path = Path(atts.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".yaml", delete=False) as fh:
        fh.write(raw)
        tmp = Path(fh.name)
    try:
        try:
            parsed = load_attestations(tmp, atts.agency, atts.system)
        except InputError as exc:  # name the upload, not the temporary file
            raise InputError(exc.message, "attestations.yaml", exc.line, exc.entry) from None
        parsed.path, parsed.root = path, atts.root
        validate_against(parsed, requirements)
        with file_lock(path):
            atomic_write(path, dump_attestations(parsed))
        return len(parsed.entries)
    finally:
        tmp.unlink(missing_ok=True)
