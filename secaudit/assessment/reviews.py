"""Reviews: an inspector co-signs attestation entries with an Ed25519 key of their own (DESIGN §10).

A review signs the *subject* of one attestation entry: the canonical entry (as in attestations.
canonical_entry, evidence named by path) plus the SHA-256 of each of its evidence files, bound to
the agency, system and catalogue. Any later change of the entry or of an evidence file changes the
subject digest and voids the review. A review counts only if its signature verifies and, where a
keyring is at hand, its key is ``KEYRING/reviewers/<reviewer>.pub`` and no agency's key.

For callers (assess service, summary re-judging):
- ``review_state(entry, evidence_hashes, reviews, reviewer_keys, agency=, system=, catalog=)`` —
  pure: the state of one entry (approved | changes_requested | awaiting) with its reason.
- ``apply_reviews`` and ``review_counts`` (assessment/review_verdicts.py) — what the states do to
  verdicts. Review records come from each set's ``reviews`` list (``attach_reviews`` from the file
  beside the attestations, ``from_bundle`` from a bundle).
- ``load_reviewer_keys(keyring)`` — once per command.

Review records live in ``<attestations>/<agency>/<system>.reviews.json``: JSON, not YAML, because
they are written by the tool and never by hand (a signature over text someone re-indents is worth
nothing), they are read by the same strict JSON rules as bundles, and no ``*.yaml`` reader of
attestation folders mistakes them for an attestation file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from secaudit.assessment.attestations import Attestation
from secaudit.config.catalog import DEFAULT_CATALOG
from secaudit.core.ids import ID_RE
from secaudit.core.jsonio import stdlib_canonical
from secaudit.core.reasons import Reason

RECORD_SCHEMA = "secaudit.review/1"
FILE_SCHEMA = "secaudit.reviews/1"
DECISIONS = ("approved", "changes_requested")
STATES = ("approved", "changes_requested", "awaiting")
# Attestation answers a system benefits from: only these wait for a review (a non_compliant answer
# fails the requirement whatever anyone thinks of it).
REVIEWED_STATUSES = ("compliant", "not_applicable")
_SIGNED = "schema agency system catalog requirement decision note reviewer key_id public_key reviewed_at"
SIGNED_KEYS = (*_SIGNED.split(), "digest")  # every field but the signature is signed
RECORD_KEYS = (*SIGNED_KEYS, "signature")

EvidenceHashes = Sequence[tuple[str, str | None]]  # (path, sha256 of the file now; None: unreadable)


# --------------------------------------------------------------------------- keys


@dataclass
class ReviewerKeys:
    """What a keyring says about reviewers: their keys, and every agency key (never a reviewer's)."""

    reviewers: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    agency_key_ids: dict[str, str] = field(default_factory=dict)  # key_id -> agency id
    broken: dict[str, str] = field(default_factory=dict)  # reviewer id -> why its .pub is unusable


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw public key, as for agencies (DESIGN §9)."""
    return hashlib.sha256(raw_public(key)).hexdigest()


def load_reviewer_keys(keyring: Path) -> ReviewerKeys:
    """``KEYRING/reviewers/<id>.pub`` and ``KEYRING/<agency>.pub``. An unreadable reviewer key makes
    that reviewer's reviews invalid (with the reason), it does not stop the command."""
    from secaudit.core.errors import InputError
    from secaudit.core.files import inside_folder
    from secaudit.signing.keys import load_public_key

    out = ReviewerKeys()
    root = Path(keyring)
    if not root.is_dir():
        raise InputError("không thấy thư mục khóa / keyring folder not found", root)
    for folder, is_reviewer in ((root / "reviewers", True), (root, False)):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.pub")):
            if not ID_RE.match(p.stem) or not inside_folder(folder, p):
                continue
            try:
                key = load_public_key(p)
            except InputError as exc:
                if is_reviewer:
                    out.broken[p.stem] = exc.message
                continue
            if is_reviewer:
                out.reviewers[p.stem] = key
            else:
                out.agency_key_ids[key_id_of(key)] = p.stem
    return out


# --------------------------------------------------------------------------- subject and signing


def entry_sha256(entry: Attestation) -> str:
    """SHA-256 of the canonical entry with its evidence named by path only: the files' bytes enter
    the subject as their hashes now, so recording a hash that matches (``attest import``) changes
    nothing the reviewer saw, while a changed file or any other edit of the entry does."""
    d = entry.to_dict()
    d["evidence"] = [e.path for e in entry.evidence]
    return hashlib.sha256(stdlib_canonical(d)).hexdigest()


def evidence_list(evidence_hashes: EvidenceHashes) -> list[dict[str, Any]]:
    return [
        {"path": str(p), "sha256": (h.lower() if isinstance(h, str) else None)} for p, h in evidence_hashes
    ]


def subject_digest(
    entry: Attestation, evidence_hashes: EvidenceHashes, *, agency: str, system: str, catalog: str
) -> str:
    """SHA-256 hex of what a review is about: this system's entry and its evidence files' bytes."""
    subject = {
        "agency": agency,
        "system": system,
        "catalog": catalog,
        "requirement": entry.requirement,
        "entry_sha256": entry_sha256(entry),
        "evidence": evidence_list(evidence_hashes),
    }
    return hashlib.sha256(stdlib_canonical(subject)).hexdigest()


def signed_bytes(record: Mapping[str, Any]) -> bytes:
    """The bytes a review signature covers: every field but the signature, canonical JSON."""
    return stdlib_canonical({k: record.get(k) for k in SIGNED_KEYS})


def make_review(
    entry: Attestation,
    evidence_hashes: EvidenceHashes,
    *,
    agency: str,
    system: str,
    catalog: str,
    decision: str,
    note: str,
    reviewer: str,
    private_key: Ed25519PrivateKey,
    reviewed_at: str,
) -> dict[str, Any]:
    """One signed review record."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    public = private_key.public_key()
    record: dict[str, Any] = {
        "schema": RECORD_SCHEMA,
        "agency": agency,
        "system": system,
        "catalog": catalog,
        "requirement": entry.requirement,
        "decision": decision,
        "note": note,
        "reviewer": reviewer,
        "key_id": key_id_of(public),
        "public_key": base64.b64encode(raw_public(public)).decode("ascii"),
        "reviewed_at": reviewed_at,
        # The digest stands for the entry and its evidence hashes (the subject): a bundle carries
        # every review, so the record stays small.
        "digest": subject_digest(entry, evidence_hashes, agency=agency, system=system, catalog=catalog),
    }
    record["signature"] = base64.b64encode(private_key.sign(signed_bytes(record))).decode("ascii")
    return record


def _b64(value: Any) -> bytes | None:
    """Strict base64 (one spelling per byte string), else None."""
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == value else None


def _shape_problem(record: Any) -> str | None:
    """Why a record cannot be a review at all (shape, self-consistency), or None. Cheap: no crypto."""
    if not isinstance(record, dict):
        return "not a review record"
    if record.get("schema") != RECORD_SCHEMA or set(record) - set(RECORD_KEYS):
        return "not a secaudit.review/1 record"
    for k in ("agency", "system", "catalog", "requirement", "reviewer", "reviewed_at", "digest", "key_id"):
        if not isinstance(record.get(k), str) or not record[k]:
            return f"malformed field {k!r}"
    if not isinstance(record.get("note"), str) or record.get("decision") not in DECISIONS:
        return "malformed decision or note"
    if not ID_RE.match(record["reviewer"]):
        return "malformed reviewer id"
    pub_raw, sig = _b64(record.get("public_key")), _b64(record.get("signature"))
    if pub_raw is None or len(pub_raw) != 32 or sig is None:
        return "malformed public key or signature"
    if hashlib.sha256(pub_raw).hexdigest() != record["key_id"]:
        return "key_id is not the SHA-256 of the public key"
    return None


@lru_cache(maxsize=256)
def _verified(pub_raw: bytes, sig: bytes, data: bytes) -> bool:
    """One Ed25519 verification (~70 µs), remembered for a while: ``review`` and ``verify`` may
    check a record more than once. Small: the summary's re-judging already answers each entry once
    per bundle (the set's memo) and a worker's 10 000 bundles never repeat a record (8 192 entries
    held ~6 MB per worker)."""
    try:
        Ed25519PublicKey.from_public_bytes(pub_raw).verify(sig, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _signature_problem(record: dict[str, Any]) -> str | None:
    try:
        data = signed_bytes(record)
    except (TypeError, ValueError):  # a value canonical JSON cannot hold
        return "malformed review record"
    pub_raw, sig = _b64(record["public_key"]), _b64(record["signature"])
    assert pub_raw is not None and sig is not None  # _shape_problem said so
    return (
        None
        if _verified(pub_raw, sig, data)
        else "chữ ký không khớp bản thẩm định / signature does not match the review"
    )


def record_problem(record: Any) -> str | None:
    """Why a review record cannot be a review at all (shape, self-consistency, signature), or None."""
    return _shape_problem(record) or _signature_problem(record)


# --------------------------------------------------------------------------- state of one entry


def L(vi: str, en: str) -> dict[str, str]:  # noqa: N802 - reads like a literal
    return {"vi": vi, "en": en}


@dataclass
class ReviewState:
    status: str  # approved | changes_requested | awaiting
    reason: dict[str, Any]  # a Reason ({"code", "params"}); reads as {"vi", "en"} too
    review: dict[str, Any] | None = None  # the deciding review record
    problems: list[dict[str, str]] = field(default_factory=list)  # reviews that did not count, and why
    unverified: bool = False  # no keyring at hand: the reviewer's key was not checked against it

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    def to_record(self) -> dict[str, Any]:
        """What a verdict's attestation record says about its review (the raw reviews are in the
        assessment's ``reviews``)."""
        out: dict[str, Any] = {"state": self.status}
        if self.review is not None:
            r = self.review
            out.update(reviewer=r["reviewer"], reviewed_at=r["reviewed_at"])  # the record: in reviews
            if r.get("note"):
                out["note"] = r["note"]
        if self.problems:
            out["problems"] = list(self.problems)
        if self.unverified:
            out["key_checked"] = False
        return out


def _trust_problem(record: dict[str, Any], keys: ReviewerKeys) -> str | None:
    agency = keys.agency_key_ids.get(record["key_id"])
    if agency is not None:
        return (
            f"ký bằng khóa của cơ quan {agency!r}, không phải của người thẩm định / "
            f"signed with the key of agency {agency!r}, not a reviewer's"
        )
    rid = record["reviewer"]
    if rid in keys.broken:
        return f"reviewers/{rid}.pub unusable: {keys.broken[rid]}"
    key = keys.reviewers.get(rid)
    if key is None:
        return (
            f"người thẩm định {rid!r} không có trong reviewers/ của thư mục khóa / "
            f"reviewer {rid!r} is not in the keyring's reviewers/"
        )
    if key_id_of(key) != record["key_id"]:
        return f"không ký bằng reviewers/{rid}.pub / not signed with reviewers/{rid}.pub"
    return None


def review_state(
    entry: Attestation,
    evidence_hashes: EvidenceHashes,
    reviews: Iterable[Any],
    reviewer_keys: ReviewerKeys | None,
    *,
    agency: str,
    system: str,
    catalog: str = DEFAULT_CATALOG,
) -> ReviewState:
    """The review state of one attestation entry, from every review record of the system (records
    about other entries are skipped). Pure. ``evidence_hashes``: (path, SHA-256 of the file as it is
    now, or as recorded at assessment) per evidence item, in the entry's order. ``reviewer_keys``
    None: signatures are still checked, but not whose key made them (assess without --keyring).

    The latest valid review (by reviewed_at, then file order) decides; ``problems`` lists the later
    ones that did not count, and why."""
    digest = subject_digest(entry, evidence_hashes, agency=agency, system=system, catalog=catalog)
    mine = [
        (str(r.get("reviewed_at")), i, r)
        for i, r in enumerate(reviews)
        if isinstance(r, dict)
        and r.get("requirement") == entry.requirement
        and (r.get("agency"), r.get("system"), r.get("catalog")) == (agency, system, catalog)
    ]
    # Latest first, cheap checks before the signature: one verification per entry in the usual case.
    last: dict[str, Any] | None = None
    problems: list[dict[str, str]] = []
    for _, _, r in sorted(mine, key=lambda t: (t[0], t[1]), reverse=True):
        why = _shape_problem(r)
        if why is None and reviewer_keys is not None:
            why = _trust_problem(r, reviewer_keys)
        if why is None and r["digest"] != digest:
            why = (
                "void: mục hoặc bằng chứng đã thay đổi sau thẩm định / "
                "the entry or its evidence changed since the review"
            )
        why = why or _signature_problem(r)
        if why is None:
            last = r
            break
        by = r.get("reviewer") if isinstance(r.get("reviewer"), str) else "?"
        problems.append({"reviewer": by, "reviewed_at": str(r.get("reviewed_at")), "why": why})
    if last is None:
        # Still "awaiting review" (the contract's words), with why earlier reviews did not count.
        why = "; ".join(f"{p['reviewer']}: {p['why']}" for p in problems)
        return ReviewState("awaiting", Reason("awaiting_review", {"why": why}), None, problems)
    by = f"{last['reviewer']}, {last['reviewed_at']}"
    if last["decision"] == "changes_requested":
        reason = Reason("review_changes_requested", {"by": by, "note": last["note"]})
        return ReviewState("changes_requested", reason, last, problems)
    unverified = reviewer_keys is None
    reason = Reason("review_approved", {"by": by, "unverified": unverified or None})
    return ReviewState("approved", reason, last, problems, unverified)
