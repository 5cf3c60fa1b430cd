"""``assess --rejudge``: a stored assessment judged again under another profile, as of its own
``assessed_at`` (the reading of bundles is assessment/rejudge.py's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secaudit.assessment.rejudge import stored_attestations, stored_targets, system_level, v1_shape
from secaudit.core.errors import InputError


def rejudged_assessment(
    old: dict[str, Any], profile_name: str, attestations: Path | None, where: Any, key: Path | None, say: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``assess --rejudge``: (the new assessment under ``profile_name``, its summary), as of the old
    bundle's ``assessed_at``; the ids that name the output file are checked first."""
    from secaudit.assessment.attestations import load_for_system, validate_catalog
    from secaudit.assessment.scan import now_iso
    from secaudit.assessment.service import build_system_assessment, check_keys
    from secaudit.config.catalog import load_profile
    from secaudit.core.ids import ID_RE

    old = v1_shape(old)
    try:
        ag, sysd = dict(old["agency"]), dict(old["system"])
        aid, sid = ag["id"], sysd["id"]
        list(old["targets"])
        assessed_at = str(old["assessed_at"])
    except (KeyError, TypeError, ValueError):
        raise InputError(
            "gói kết quả thiếu agency/system/targets/assessed_at / "
            "bundle lacks agency/system/targets/assessed_at",
            where,
        ) from None
    # The ids and period name the output file: a hand-made bundle must not write outside -o.
    for what, val in (("agency id", aid), ("system id", sid), ("period", old.get("period", ""))):
        if not isinstance(val, str) or not ID_RE.match(val):
            raise InputError(
                f"gói kết quả có trường {what} hỏng / bundle has a malformed {what} {val!r}", where
            )
    level = system_level(old, where)
    check_keys(key, [aid], say)
    profile = load_profile(profile_name)
    trs = stored_targets(old, where)
    from secaudit.assessment.inherit import from_bundle, from_folder
    from secaudit.assessment.review_store import attach_bundle_reviews, attach_reviews

    if attestations is not None:  # the providers' entries and reviews too: DIR/_providers/ (inherit.py)
        atts, evidence_check = load_for_system(attestations, aid, sid), None
        inherited = from_folder(old, where, attestations)
        if atts is not None:
            validate_catalog(atts)
            attach_reviews(atts)
    else:
        atts, evidence_check = stored_attestations(old, where)
        attach_bundle_reviews(atts, old)  # carried on; the summary re-verifies them
        inherited = from_bundle(old, where, stored_attestations)  # its providers' entries (inherit.py)
    sysd["profiles"] = [profile.id]
    inv_fields = {"province": old.get("province", ""), "period": old.get("period", ""), "due": old.get("due")}
    return build_system_assessment(
        inv_fields,
        ag,
        sysd,
        [profile],
        level,
        trs,
        atts,
        assessed_at,
        None,
        evidence_check,
        now=assessed_at,
        require_review=sysd.get("require_review") is True,
        inherited=inherited,
        probes=old.get("probes"),
        rejudged_at=now_iso(),
        rejudged_from={"profile": old.get("profile")},
    )
