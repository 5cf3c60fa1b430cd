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
from secaudit.core.files import atomic_write, folder_lock, read_input
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
        raise InputError(f"không phải tệp thẩm định JSON / not a JSON reviews file ({msg})", p) from None
    if (
        not isinstance(doc, dict)
        or doc.get("schema") != FILE_SCHEMA
        or not isinstance(doc.get("reviews"), list)
    ):
        raise InputError(
            "không phải tệp thẩm định / "
            f"not a reviews file (schema {FILE_SCHEMA} with a 'reviews' list expected)",
            p,
        )
    for key, want in (("agency", agency), ("system", system)):
        if doc.get(key) != want:
            raise InputError(
                f"{key} là {doc.get(key)!r} nhưng tệp thuộc về {want!r} / "
                f"{key} is {doc.get(key)!r} but the file belongs to {want!r}",
                p,
            )
    if not all(isinstance(r, dict) for r in doc["reviews"]):
        raise InputError(
            "mỗi bản thẩm định phải là một đối tượng JSON / every review must be a JSON object", p
        )
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


# --------------------------------------------------------------------------- secaudit review


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def review_system(
    root: Path,
    agency: str,
    system: str,
    key_path: Path,
    reviewer: str,
    decision: str,
    requirements: list[str] | None,
    note: str = "",
    reviewed_at: str | None = None,
) -> tuple[list[dict[str, Any]], list[str], Path]:
    """Sign ``decision`` on the named entries (``requirements`` None: every entry attested compliant
    or not applicable that has no valid approval yet) and append the records to the reviews file.

    (new records, skipped entries with why, the reviews file). A named entry that cannot be reviewed
    is bad input (nothing is written); with ``requirements`` None it is skipped."""
    from secaudit.assessment.attestations import check_evidence, load_for_system, validate_catalog
    from secaudit.assessment.reviews import REVIEWED_STATUSES, make_review, review_state
    from secaudit.signing.keys import load_private_key

    atts = load_for_system(root, agency, system)
    if atts is None or atts.path is None:
        raise InputError(
            f"chưa có tệp xác nhận của {agency}/{system} / no attestation file for {agency}/{system}",
            Path(root) / agency,
        )
    validate_catalog(atts)
    private = load_private_key(Path(key_path))
    # Read, sign and write the reviews file as one step: two reviews at once (two inspectors, the
    # web app's threads) each wrote its own list and one signed record was lost.
    with folder_lock(atts.path.parent):
        attach_reviews(atts)
        path = reviews_path(atts.path)
        explicit = requirements is not None
        ids = (
            requirements
            if explicit
            else [a.requirement for a in atts.entries.values() if a.status in REVIEWED_STATUSES]
        )
        when = reviewed_at or _now()
        new: list[dict[str, Any]] = []
        skipped: list[str] = []
        for rid in dict.fromkeys(ids):
            entry = atts.get(rid)
            why = None
            if entry is None or entry.status is None:
                why = "chưa xác nhận, chưa có gì để thẩm định / not attested yet, nothing to review"
            checked = [check_evidence(ev, atts.base_dir) for ev in entry.evidence] if entry else []
            hashes = (
                [(ev.path, c.get("actual_sha256")) for ev, c in zip(entry.evidence, checked, strict=True)]
                if entry
                else []
            )
            bad = [f"{c['path']} ({c['state']})" for c in checked if c["state"] not in ("ok", "unrecorded")]
            if why is None and bad and decision == "approved":
                why = (
                    "bằng chứng không hợp lệ, không phê duyệt được / "
                    f"evidence cannot be approved: {', '.join(bad)}"
                )
            if why is None and not explicit:
                st = review_state(
                    entry, hashes, atts.reviews, None, agency=agency, system=system, catalog=atts.catalog
                )
                if st.approved:
                    why = "đã phê duyệt, không đổi / already approved, unchanged"
                elif st.status == "changes_requested":  # only an explicit --approve overrides it
                    why = "đang chờ sửa, mục chưa thay đổi / changes requested and the entry is unchanged"
            if why is not None:
                if explicit:
                    raise InputError(why, atts.path, entry.line if entry else None, rid)
                skipped.append(f"{rid}: {why}")
                continue
            assert entry is not None
            new.append(
                make_review(
                    entry,
                    hashes,
                    agency=agency,
                    system=system,
                    catalog=atts.catalog,
                    decision=decision,
                    note=note,
                    reviewer=reviewer,
                    private_key=private,
                    reviewed_at=when,
                )
            )
        if new:
            save_reviews(path, agency, system, atts.reviews + new)
        return new, skipped, path


# --------------------------------------------------------------------------- workbook


def entry_state(atts: AttestationSet, rid: str) -> Any:
    """The review state of one entry as the folder holds it now (evidence re-hashed; reviewers'
    keys not checked: no keyring here). None when the entry is not answered."""
    from secaudit.assessment.attestations import check_evidence
    from secaudit.assessment.reviews import review_state

    att = atts.get(rid)
    if att is None or att.status is None:
        return None
    hashes = [(ev.path, check_evidence(ev, atts.base_dir).get("actual_sha256")) for ev in att.evidence]
    return review_state(
        att, hashes, atts.reviews, None, agency=atts.agency, system=atts.system, catalog=atts.catalog
    )


def state_text(state: Any) -> str:
    """One spreadsheet cell: the review state in both languages."""
    if state is None:
        return ""
    r = state.review or {}
    if state.status == "approved":
        return f"đã thẩm định / approved ({r.get('reviewer')}, {r.get('reviewed_at')})"
    if state.status == "changes_requested":
        return (
            f"yêu cầu sửa / changes requested ({r.get('reviewer')}, {r.get('reviewed_at')}): {r.get('note')}"
        )
    void = any(p["why"].startswith("void:") for p in state.problems)
    return "chờ thẩm định / awaiting review" + (
        " (thẩm định cũ mất hiệu lực / earlier review void: entry or evidence changed)" if void else ""
    )
