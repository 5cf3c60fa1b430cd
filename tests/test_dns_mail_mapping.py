"""Every dns/mail/web check says which requirements of both catalogues it evidences, with a
confidence and a reason in both languages; the catalogues' ``checks:`` agree with that."""

from __future__ import annotations

import pytest

from secaudit.checks import metadata
from secaudit.config.catalog import load_catalog

NEW = (
    "dns.dnssec",
    "dns.caa",
    "dns.nameservers",
    "web.ipv6",
    "mail.spf",
    "mail.dmarc",
    "mail.starttls",
    "mail.dane",
)
CATALOGUES = ("tcvn-11930-2017", "tcvn-14423-2026")


@pytest.mark.parametrize("check_id", NEW)
def test_each_check_maps_to_both_catalogues(check_id: str) -> None:
    meta = metadata()[check_id]
    assert meta["internet_nl"]["level"] in ("required", "recommended")
    for cat_id in CATALOGUES:
        reqs = {r.id for r in load_catalog(cat_id).requirements}
        rows = meta["evidences"][cat_id]
        assert rows, (check_id, cat_id)
        for row in rows:
            assert row["requirement"] in reqs, (check_id, row)
            assert row["confidence"] in ("high", "medium", "low")
            assert row["why"]["vi"] and row["why"]["en"]


@pytest.mark.parametrize("cat_id", CATALOGUES)
def test_catalogue_checks_are_declared_evidence(cat_id: str) -> None:
    """A requirement may only be driven by a new check that names it as evidence."""
    for req in load_catalog(cat_id).requirements:
        for cid in req.checks:
            if cid in NEW:
                named = {row["requirement"] for row in metadata()[cid]["evidences"][cat_id]}
                assert req.id in named, (cat_id, req.id, cid)


@pytest.mark.parametrize("check_id", NEW)
def test_mapping_agrees_with_the_crosswalk(check_id: str) -> None:
    """Each 2017 requirement a check evidences maps (crosswalk) to one of its 2026 requirements."""
    from secaudit.config.crosswalk import load_crosswalk

    cw = {m.from_id: set(m.to) for m in load_crosswalk("tcvn-11930-2017", "tcvn-14423-2026").mappings}
    ev = metadata()[check_id]["evidences"]
    new_side = {row["requirement"] for row in ev["tcvn-14423-2026"]}
    for row in ev["tcvn-11930-2017"]:
        assert cw[row["requirement"]] & new_side, (check_id, row["requirement"], cw[row["requirement"]])
