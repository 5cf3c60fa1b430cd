"""Reviews applied to verdicts: each attested verdict's record says its review state and, when the
inventory asks for reviews (``require_review``), an attested pass without a valid approval becomes
``not_reviewed``. The states themselves are assessment/reviews.py's (``review_state``).

- ``apply_reviews(verdicts, atts, required=True, keys=None)`` — annotates each attested verdict's
  record with ``review`` and, when ``required``, turns an attested pass / not_applicable without a
  valid approval into ``not_reviewed``.
- ``record_state(rec, rid, sets, keys)`` — the state behind one verdict's record (every source
  entry of an answer carried over the crosswalk).
- ``review_counts(verdicts)`` — attested vs reviewed, for summaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from secaudit.assessment.attestations import Attestation, AttestationSet
from secaudit.assessment.reviews import REVIEWED_STATUSES, ReviewerKeys, ReviewState, review_state
from secaudit.core.reasons import Reason, is_coded, render_reason


def _sets(atts: Any) -> list[AttestationSet]:
    if atts is None:
        return []
    return [atts] if isinstance(atts, AttestationSet) else [s for s in atts if isinstance(s, AttestationSet)]


def _hashes(entry: Attestation, rec_evidence: Any) -> list[tuple[str, str | None]]:
    """(path, actual SHA-256) per evidence item of ``entry``, from the checked evidence of a verdict
    record (recomputed at assess, as recorded when re-judging)."""
    checked = rec_evidence if isinstance(rec_evidence, list) else []
    out = []
    for i, ev in enumerate(entry.evidence):
        c = checked[i] if i < len(checked) and isinstance(checked[i], dict) else {}
        actual = c.get("actual_sha256")
        out.append((ev.path, actual if isinstance(actual, str) else None))
    return out


def _entry_state(
    s: AttestationSet | None, rid: str, rec: dict[str, Any], keys: ReviewerKeys | None
) -> ReviewState:
    entry = s.get(rid) if s is not None else None
    if s is None or entry is None:
        why = f"{rid}: no attestation entry to review"
        return ReviewState("awaiting", Reason("awaiting_review", {"why": why}))
    hashes, reviews = _hashes(entry, rec.get("evidence")), getattr(s, "reviews", [])
    # A set rebuilt from one bundle (rejudge) answers once per entry for both profiles' verdicts.
    memo = s.memo
    key = ("review", rid, id(entry), tuple(hashes), id(keys), len(reviews))
    if memo is not None and key in memo:
        return memo[key]
    if memo is not None:  # only this entry's records are read: index them once per set
        index = memo.get(("reviews by requirement", len(reviews)))
        if index is None:
            index = memo[("reviews by requirement", len(reviews))] = _by_requirement(reviews)
        reviews = index.get(entry.requirement, [])
    state = review_state(entry, hashes, reviews, keys, agency=s.agency, system=s.system, catalog=s.catalog)
    if memo is not None:
        memo[key] = state
    return state


def _by_requirement(reviews: list[Any]) -> dict[Any, list[Any]]:
    """Review records by the requirement they name, file order kept (review_state breaks ties by it)."""
    out: dict[Any, list[Any]] = {}
    for r in reviews:
        if isinstance(r, dict):
            key = r.get("requirement")
            out.setdefault(key if isinstance(key, str) else None, []).append(r)
    return out


def record_state(
    rec: dict[str, Any], rid: str, sets: list[AttestationSet], keys: ReviewerKeys | None
) -> ReviewState:
    """The review state behind one verdict's attestation record: its own entry, or for an answer
    carried over through the crosswalk every source entry (all must be approved)."""
    by_cat = {s.catalog: s for s in sets}
    cf = rec.get("carried_from")
    if not isinstance(cf, dict):
        cat = rec.get("catalog") if isinstance(rec.get("catalog"), str) else None
        s = by_cat.get(cat) if cat else (sets[0] if len(sets) == 1 else None)
        req = rec.get("requirement") if isinstance(rec.get("requirement"), str) else rid
        return _entry_state(s, req, rec, keys)
    s = by_cat.get(cf.get("catalog")) if isinstance(cf.get("catalog"), str) else None
    ids = cf.get("requirements") if isinstance(cf.get("requirements"), list) else [cf.get("requirement")]
    sources = rec.get("sources") if isinstance(rec.get("sources"), list) else [rec]
    states = []
    for sid, src in zip(ids, sources, strict=False):
        st = _entry_state(s, str(sid), src if isinstance(src, dict) else {}, keys)
        if isinstance(src, dict) and src is not rec:  # each source record says its own state
            src["review"] = st.to_record()
        states.append(st)
    if not states:
        return ReviewState("awaiting", Reason("awaiting_review", {"why": "no source entry"}))
    for status in ("changes_requested", "awaiting"):
        hit = next((st for st in states if st.status == status), None)
        if hit is not None:
            return hit
    return states[0]


def _with(reason: Any, extra: Reason) -> Any:
    """``reason`` followed by ``extra``, in the form ``reason`` already has."""
    if is_coded(reason):
        return Reason("combined", {"parts": [reason, extra]})
    base = reason if isinstance(reason, dict) else {}
    return {lang: f"{base.get(lang, '')} {render_reason(extra, lang)}".strip() for lang in ("vi", "en")}


def apply_reviews(
    verdicts: list[Any], atts: Any, required: bool = True, keys: ReviewerKeys | None = None
) -> list[Any]:
    """Record each attested verdict's review state (``attestation.review``) and, when ``required``
    (inventory ``require_review``), make an attested pass / not_applicable without a valid approving
    review ``not_reviewed``: "chờ thẩm định / awaiting review", or "yêu cầu sửa / changes requested:
    NOTE" when that is the latest decision. Verdicts are changed in place and returned."""
    sets = _sets(atts)
    if not required and not any(getattr(s, "reviews", None) for s in sets):
        return verdicts
    for v in verdicts:
        rec = v.attestation
        if not isinstance(rec, dict) or rec.get("status") not in REVIEWED_STATUSES:
            continue
        state = record_state(rec, v.id, sets, keys)
        rec["review"] = state.to_record()
        if required and v.status in ("pass", "not_applicable") and not state.approved:
            v.status = "not_reviewed"
            v.reason = _with(v.reason, state.reason)
    return verdicts


def review_counts(verdicts: Iterable[Any]) -> dict[str, int]:
    """{"attested", "reviewed"}: requirements answered compliant / not applicable by the agency (not
    a provider's inherited answer), and those with a valid approving review (Verdicts or dicts)."""
    attested = reviewed = 0
    for v in verdicts:
        rec = v.get("attestation") if isinstance(v, dict) else getattr(v, "attestation", None)
        if not isinstance(rec, dict) or rec.get("status") not in REVIEWED_STATUSES or "inherited_from" in rec:
            continue
        attested += 1
        review = rec.get("review")
        reviewed += isinstance(review, dict) and review.get("state") == "approved"
    return {"attested": attested, "reviewed": reviewed}
