"""`secaudit serve --demo` end to end in a real browser: Debian's Chromium driven by Playwright
(issue 15 item 5). One journey per role, in the order the work flows (agency fills and submits →
inspector reviews → Department reads the dashboard and drills down to the evidence), each in its
own browser context, against a real server subprocess on 127.0.0.1 (tests/web_fixtures.py). Element
ids and field names are the contract in docs/web.md.

Every page load is checked for the Content-Security-Policy header, no console error, no CSP
violation and no request leaving the loopback server.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import CHROMIUM, Guard, ServedApp, launched_chromium

pytest.importorskip("playwright")
pytest.importorskip("django")

PASSWORD = "browser-journey-pass-42"
AGENCY, SYSTEM = "bao-song-huong", "cong-bao"
OTHER_AGENCY, OTHER_SYSTEM = "dai-co-do", "cong-thong-tin"
REQ = "M.POL.01"  # a manual requirement of the demo's level-3 profile: the agency answers it
CHANGES_REQ = "M.POL.02"  # the inspector sends this one back
EVIDENCE = b"Quyet dinh so 12/QD ban hanh chinh sach an toan thong tin (browser journey)\n"
USERS = {
    "agency": ("b-agency", "agency", AGENCY),
    "inspector": ("b-inspector", "inspector", None),
    "department": ("b-department", "department", None),
}


@pytest.fixture(scope="module")
def app(served_demo: ServedApp) -> ServedApp:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium không được cài / not installed (scripts/setup.sh --dev)")
    for name, role, agency in USERS.values():
        served_demo.add_user(name, role, PASSWORD, agency)
    return served_demo


@pytest.fixture(scope="module")
def browser(app: ServedApp) -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


@pytest.fixture
def guard(browser: Any, app: ServedApp) -> Iterator[Any]:
    made: list[Guard] = []

    def new() -> Guard:
        made.append(Guard(browser, app.base, PASSWORD))
        return made[-1]

    yield new
    for g in made:
        g.close()


# --------------------------------------------------------------------------- agency


def _answer(g: Guard, req: str, note: str, evidence: Path | None) -> None:
    """Fill the attestation form of ``req`` on the agency's system page and save it."""
    g.goto(f"/agency/system/{AGENCY}/{SYSTEM}/")
    g.page.locator(f"#requirements tr[data-req='{req}'] a.edit-req").click()
    g.page.wait_for_load_state()
    assert g.path() == f"/agency/system/{AGENCY}/{SYSTEM}/req/{req}/"
    g.page.select_option("#id_status", "compliant")
    g.page.fill("#id_note", note)
    g.page.fill("#id_attested_by", "Nguyễn Thị Kiểm Thử")
    g.page.fill("#id_attested_at", "2026-11-20")
    g.page.fill("#id_expires_at", "2027-11-20")
    if evidence is not None:
        g.page.set_input_files("#id_evidence", str(evidence))
    g.page.click("#save")
    g.page.wait_for_load_state()
    assert g.page.locator("#form-error").count() == 0, g.page.locator("#form-error").inner_text()
    assert g.page.locator("#saved").count() == 1


def _submit(g: Guard) -> None:
    g.goto(f"/agency/system/{AGENCY}/{SYSTEM}/")
    g.page.click("#submit-review")
    g.page.wait_for_load_state()
    assert g.path() == f"/agency/system/{AGENCY}/{SYSTEM}/"
    assert "Submitted for review" in g.page.locator("#saved").inner_text()
    assert "submitted, awaiting review" in g.page.locator("#submission-state").inner_text()


def test_agency_journey(guard: Any, app: ServedApp, tmp_path: Path) -> None:
    g = guard()
    g.login(USERS["agency"][0])
    assert g.path() == "/agency/"
    rows = g.page.locator("#systems tr[data-system]")
    shown = rows.evaluate_all("rs => rs.map(r => r.dataset.system)")
    assert f"{AGENCY}/{SYSTEM}" in shown
    assert all(s.startswith(f"{AGENCY}/") for s in shown), shown  # its own systems only
    g.page.locator(f"#systems tr[data-system='{AGENCY}/{SYSTEM}'] a.system-link").click()
    g.page.wait_for_load_state()
    assert g.path() == f"/agency/system/{AGENCY}/{SYSTEM}/"
    assert g.page.locator(f"#requirements tr[data-req='{REQ}']").count() == 1

    # An attestation with an evidence upload: stored by SHA-256, listed, in the history.
    pdf = tmp_path / "quyet-dinh-12.txt"
    pdf.write_bytes(EVIDENCE)
    _answer(g, REQ, "Đã ban hành chính sách (kiểm thử trình duyệt)", pdf)
    assert "quyet-dinh-12.txt" in g.page.locator("#evidence-list").inner_text()
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    stored = list((app.data / "attestations" / AGENCY / "evidence").rglob(f"{digest}*"))
    assert stored and stored[0].read_bytes() == EVIDENCE
    assert g.page.locator("#history").inner_text().strip()
    assert g.page.locator(f"#evidence-list a[href*='{digest}']").count() >= 1
    # The YAML the CLI reads carries the answer and the evidence hash.
    text = (app.data / "attestations" / AGENCY / f"{SYSTEM}.yaml").read_text(encoding="utf-8")
    assert "kiểm thử trình duyệt" in text and digest in text
    _answer(g, CHANGES_REQ, "Chính sách đã công bố nội bộ (kiểm thử trình duyệt)", None)

    _submit(g)

    # A signed bundle: the demo's own (signed with the agency's key) is accepted, a changed copy
    # is refused with the reason.
    g.goto("/agency/bundles/")
    good = app.data / "bundles" / f"{AGENCY}.{SYSTEM}.2026.json"
    upload = tmp_path / "upload" / good.name
    upload.parent.mkdir()
    upload.write_bytes(good.read_bytes())
    g.page.set_input_files("#bundle-form input[name=bundle]", str(upload))
    g.page.click("#upload-bundle")
    g.page.wait_for_load_state()
    assert g.page.locator("#bundle-refused").count() == 0, g.page.locator("#bundle-refused").inner_text()
    assert g.page.locator("#bundle-ok").count() == 1
    assert good.name in g.page.locator("#bundle-list").inner_text()
    b = json.loads(good.read_text(encoding="utf-8"))
    b["assessment"]["summary"]["meets_level"] = not b["assessment"]["summary"].get("meets_level")
    tampered = tmp_path / "tampered" / good.name
    tampered.parent.mkdir()
    tampered.write_text(json.dumps(b, ensure_ascii=False), encoding="utf-8")
    g.expect_status(400)
    g.page.set_input_files("#bundle-form input[name=bundle]", str(tampered))
    g.page.click("#upload-bundle")
    g.page.wait_for_load_state()
    refused = g.page.locator("#bundle-refused")
    assert refused.count() == 1 and refused.inner_text().strip()
    assert json.loads(good.read_text(encoding="utf-8")) != b  # the kept bundle is still the signed one

    # Another agency's system is not there (404, the unknown-id page).
    g.expect_status(404)
    resp = g.page.goto(g.url(f"/agency/system/{OTHER_AGENCY}/{OTHER_SYSTEM}/"))
    assert resp is not None and resp.status == 404
    assert g.page.locator("h1#error-title").count() == 1
    g.check_clean()


# --------------------------------------------------------------------------- inspector


def _review(g: Guard, req: str, decision: str, note: str) -> str:
    row = g.page.locator(f"#entries tr[data-req='{req}']")
    assert row.count() == 1, f"{req} not in the review table"
    row.locator(".review-form textarea[name=note]").fill(note)
    row.locator(".approve" if decision == "approved" else ".request-changes").click()
    g.page.wait_for_load_state()
    assert g.page.locator("#form-error").count() == 0, g.page.locator("#form-error").inner_text()
    return g.page.locator(f"#entries tr[data-req='{req}'] td.review-state").inner_text()


def test_inspector_journey(guard: Any, app: ServedApp) -> None:
    g = guard()
    g.login(USERS["inspector"][0])
    assert g.path() == "/inspector/"
    row = g.page.locator(f"#queue tr[data-system='{AGENCY}/{SYSTEM}']")
    if row.count() == 0:  # run alone: the agency submits first
        a = guard()
        a.login(USERS["agency"][0])
        _answer(a, REQ, "Đã ban hành chính sách (kiểm thử trình duyệt)", None)
        _answer(a, CHANGES_REQ, "Chính sách đã công bố nội bộ (kiểm thử trình duyệt)", None)
        _submit(a)
        g.goto("/inspector/")
    g.page.locator(f"#queue tr[data-system='{AGENCY}/{SYSTEM}'] a.review-link").click()
    g.page.wait_for_load_state()
    assert g.path() == f"/inspector/review/{AGENCY}/{SYSTEM}/"
    approved = _review(g, REQ, "approved", "Hồ sơ đầy đủ")
    changes = _review(g, CHANGES_REQ, "changes_requested", "Thiếu quyết định ban hành")
    assert approved != changes
    assert g.page.locator("#review-done").count() == 1
    g.check_clean()

    # The approvals are the same signed review records as `secaudit review`, verifiable with the
    # keyring: signed by this inspector's key in keyring/reviewers/.
    from secaudit.assessment.review_store import load_reviews
    from secaudit.assessment.reviews import key_id_of, load_reviewer_keys, record_problem

    path = app.data / "attestations" / AGENCY / f"{SYSTEM}.reviews.json"
    records = load_reviews(path, AGENCY, SYSTEM)
    mine = {r["requirement"]: r for r in records if r["reviewer"] == USERS["inspector"][0]}
    assert mine[REQ]["decision"] == "approved"
    assert mine[CHANGES_REQ]["decision"] == "changes_requested"
    assert mine[CHANGES_REQ]["note"] == "Thiếu quyết định ban hành"
    keys = load_reviewer_keys(app.data / "keyring")
    for rec in mine.values():
        assert record_problem(rec) is None
        assert key_id_of(keys.reviewers[USERS["inspector"][0]]) == rec["key_id"]


# --------------------------------------------------------------------------- department


def test_department_journey(guard: Any, app: ServedApp) -> None:
    g = guard()
    g.login(USERS["department"][0])
    assert g.path() == "/department/"
    body = g.page.locator("body").inner_text()
    assert "Sông Hương" in body and "Cố Đô" in body  # the demo province's agencies
    # Drill down: province → agency → system → requirement → evidence.
    g.page.locator(f"a[href='/department/agency/{AGENCY}/']").first.click()
    g.page.wait_for_load_state()
    assert g.path() == f"/department/agency/{AGENCY}/"
    # The agency page is the shared report renderer's: follow its link to the system.
    g.page.locator(f"a[href='/department/system/{AGENCY}/{SYSTEM}/']").first.click()
    g.page.wait_for_load_state()
    assert g.path() == f"/department/system/{AGENCY}/{SYSTEM}/"
    req = "M.POL.03"  # answered with evidence by the demo itself
    g.page.locator(f"#requirements tr[data-req='{req}'] a.req-link").click()
    g.page.wait_for_load_state()
    assert g.path() == f"/department/system/{AGENCY}/{SYSTEM}/req/{req}/"
    link = g.page.locator("#evidence-list a[href^='/evidence/']").first
    href = link.get_attribute("href")
    assert href and href.startswith(f"/evidence/{AGENCY}/{SYSTEM}/")
    with g.page.expect_download() as dl:
        link.click()
    got = Path(dl.value.path()).read_bytes()
    assert hashlib.sha256(got).hexdigest() == href.rstrip("/").rsplit("/", 1)[1]
    # Who is late, and Mẫu 08 (the workbook and its page).
    g.goto("/department/late/")
    assert g.page.locator("#late").count() == 1
    g.page.click("#nav-changes")  # period comparison: the demo fixed a site between 2025 and 2026
    g.page.wait_for_load_state()
    assert g.path() == "/department/changes/"
    fixed = g.page.locator("#changes tr[data-kind='fixed']").all_inner_texts()
    assert any("Sông Hương" in row and "T.APP.04" in row for row in fixed), fixed
    g.goto("/department/mau08.html")
    assert "08" in g.page.locator("body").inner_text()
    g.goto("/department/")
    with g.page.expect_download() as dl:  # the export, from the top bar's link
        g.page.click("#nav-mau08-xlsx")
    with zipfile.ZipFile(dl.value.path()) as z:
        assert "xl/workbook.xml" in z.namelist()
    assert dl.value.suggested_filename.endswith(".xlsx")
    g.check_clean()
