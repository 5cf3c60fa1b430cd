"""The reviews file beside an attestation file, ``<agency>/<system>.reviews.json`` (reviews.py says
why JSON), and reviews as a bundle carries them (``assessment.reviews``: every record once).

File: ``{"schema": "secaudit.reviews/1", "agency", "system", "reviews": [record, …]}``, append-only
(a later review of the same entry supersedes an earlier one; history stays), written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secaudit.assessment.attestations import AttestationSet
from secaudit.assessment.reviews import FILE_SCHEMA
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, read_input
from secaudit.core.jsonio import loads

MAX_REVIEWS_BYTES = 16 * 1024 * 1024


def reviews_path(attestation_file: Path) -> Path:
    """``portal.yaml`` -> ``portal.reviews.json`` in the same folder (ids have no dots: no clash)."""
    p = Path(attestation_file)
    return p.with_name(f"{p.stem}.reviews.json")


def load_reviews(path: Path, agency: str, system: str) -> list[dict[str, Any]]:
    """The records of a reviews file ([] when there is none). Records are not judged here (a bad one
    is reported as invalid where it would count); a file that is not a reviews file is bad input."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        return []
    data = read_input(p, "a reviews file (.reviews.json)", MAX_REVIEWS_BYTES)
    try:
        doc = loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        msg = getattr(exc, "message", None) or str(exc)
        raise InputError(f"not a JSON reviews file ({msg})", p) from None
    if (
        not isinstance(doc, dict)
        or doc.get("schema") != FILE_SCHEMA
        or not isinstance(doc.get("reviews"), list)
    ):
        raise InputError(f"not a reviews file (schema {FILE_SCHEMA} with a 'reviews' list expected)", p)
    for key, want in (("agency", agency), ("system", system)):
        if doc.get(key) != want:
            raise InputError(f"{key} is {doc.get(key)!r} but the file belongs to {want!r}", p)
    if not all(isinstance(r, dict) for r in doc["reviews"]):
        raise InputError("every review must be a JSON object", p)
    return list(doc["reviews"])


def dump_reviews(agency: str, system: str, records: list[dict[str, Any]]) -> str:
    doc = {"schema": FILE_SCHEMA, "agency": agency, "system": system, "reviews": records}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"


def save_reviews(path: Path, agency: str, system: str, records: list[dict[str, Any]]) -> None:
    atomic_write(Path(path), dump_reviews(agency, system, records))


def attach_reviews(atts: AttestationSet | None) -> AttestationSet | None:
    """Load the reviews beside ``atts``' file into ``atts.reviews``; returns ``atts``."""
    if atts is not None and atts.path is not None:
        atts.reviews = load_reviews(reviews_path(atts.path), atts.agency, atts.system)
    return atts


def bundle_reviews(sets: Any) -> list[dict[str, Any]] | None:
    """What ``assessment.reviews`` holds: every review record of the system's sets, once (None: no
    reviews, the key is left out)."""
    if sets is None:
        return None
    sets = [sets] if isinstance(sets, AttestationSet) else list(sets)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for s in sets:
        for r in getattr(s, "reviews", []):
            key = json.dumps(r, sort_keys=True, ensure_ascii=False, default=str)
            if key not in seen:
                seen.add(key)
                out.append(r)
    return out or None


def from_bundle(assessment: Any) -> list[dict[str, Any]]:
    """The review records a bundle carries (``assessment.reviews``); anything not a record is left
    for ``review_state`` to call invalid, nothing here raises."""
    recs = assessment.get("reviews") if isinstance(assessment, dict) else None
    return [r for r in recs if isinstance(r, dict)] if isinstance(recs, list) else []


def attach_bundle_reviews(sets: Any, assessment: Any) -> Any:
    """Give every attestation set rebuilt from a bundle the bundle's review records."""
    recs = from_bundle(assessment)
    for s in [sets] if isinstance(sets, AttestationSet) else list(sets or []):
        s.reviews = [r for r in recs if r.get("catalog") == s.catalog]
    return sets
