"""secaudit serve end to end through the test client: the browser and the CLI share the YAML files,
concurrent edits are refused with what changed, reviews are the signed records of `secaudit review`,
bundles are verified on arrival, the Department manages inventory, keyring and tailoring, and a
tampered audit log is caught by `secaudit serve --verify-log`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytest.register_assert_rewrite("web_province")  # a plugin of these modules: its asserts rewritten

from web_province import MANUAL, PASSWORD, body, client, tailored_portal  # noqa: E402 - after the rewrite registration

pytest_plugins = ["web_province"]  # its fixtures: web_app (session), web, web_db_url

URL = f"/agency/system/so-a/portal/req/{MANUAL}/"


def _revision(c: Any, url: str = URL) -> str:
    return re.search(r'name="revision" value="([^"]*)"', body(c.get(url))).group(1)


def _save(c: Any, revision: str, **fields: Any) -> Any:
    return c.post(URL, {"status": "compliant", "note": "Quy chế 12/QĐ", "revision": revision, **fields})


def test_browser_answers_are_the_yaml_the_cli_reads(web: dict[str, Any]) -> None:
    from secaudit.assessment.attestations import check_evidence, load_for_system

    c = client("agency-a")
    pdf = SimpleUploadedFile("quy-che.pdf", b"%PDF-1.4\n% quy che\n")
    assert _save(c, _revision(c), evidence=pdf, attested_at="2026-11-20")["Location"].endswith("?saved=1")
    atts = load_for_system(web["data"] / "attestations", "so-a", "portal")
    entry = atts.get(MANUAL)
    assert (
        entry.status == "compliant"
        and entry.note == "Quy chế 12/QĐ"
        and str(entry.attested_at) == "2026-11-20"
    )
    assert [check_evidence(ev, atts.base_dir)["state"] for ev in entry.evidence] == ["ok"]
    # and the other way: an edit made with the CLI's files shows in the browser
    path = web["data"] / "attestations" / "so-a" / "portal.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Quy chế 12/QĐ", "Sửa bằng tay"), encoding="utf-8"
    )
    assert "Sửa bằng tay" in body(c.get(URL))


def test_stale_revision_is_refused_with_what_changed(web: dict[str, Any]) -> None:
    first, second = client("agency-a"), client("agency-a")
    rev_1, rev_2 = _revision(first), _revision(second)
    assert rev_1 == rev_2 == "-"
    assert _save(first, rev_1, note="Bản của người thứ nhất").status_code == 302
    refused = _save(second, rev_2, note="Bản của người thứ hai")
    page = body(refused)
    assert refused.status_code == 409 and 'id="conflict"' in page
    assert (
        'data-field="note"' in page and "Bản của người thứ nhất" in page and "Bản của người thứ hai" in page
    )
    yaml = (web["data"] / "attestations" / "so-a" / "portal.yaml").read_text(encoding="utf-8")
    assert "người thứ nhất" in yaml and "người thứ hai" not in yaml
    # with the fresh revision the second save goes through, and both are in the history
    assert _save(second, _revision(second), note="Bản của người thứ hai").status_code == 302
    assert body(second.get(URL)).count("<tr><td>") >= 2
    # sending the same content again with the old revision is no conflict (nothing would be lost)
    same = first.post(URL, {"status": "compliant", "note": "Bản của người thứ hai", "revision": rev_1,
                            "attested_by": "agency-a", "attested_at": _today_of(web)})  # fmt: skip
    assert same.status_code == 302


def _today_of(web: dict[str, Any]) -> str:
    from secaudit.assessment.attestations import load_for_system

    return str(load_for_system(web["data"] / "attestations", "so-a", "portal").get(MANUAL).attested_at)


def test_bad_values_are_refused_with_the_reason(web: dict[str, Any]) -> None:
    c = client("agency-a")
    resp = c.post(URL, {"status": "not_applicable", "note": "", "revision": "-"})
    assert resp.status_code == 400 and "not_applicable needs a note" in body(resp)
    resp = c.post(URL, {"status": "compliant", "attested_at": "2026-13-40", "revision": "-"})
    assert resp.status_code == 400 and "must be a date" in body(resp)
    assert str(web["data"]) not in body(resp)  # never a server path
    assert not (web["data"] / "attestations" / "so-a" / "portal.yaml").exists()


def test_submit_review_and_the_signed_record(web: dict[str, Any]) -> None:
    from secaudit.assessment.attestations import load_for_system
    from secaudit.assessment.review_store import attach_reviews
    from secaudit.assessment.reviews import load_reviewer_keys, review_state

    a = client("agency-a")
    assert _save(a, _revision(a)).status_code == 302
    assert a.post("/agency/system/so-a/portal/submit/").status_code == 302
    assert "đã nộp" in body(a.get("/agency/system/so-a/portal/"))
    insp = client("insp")
    assert 'data-system="so-a/portal"' in body(insp.get("/inspector/"))
    refused = insp.post(
        "/inspector/review/so-a/portal/", {"requirement": MANUAL, "decision": "changes_requested"}
    )
    assert refused.status_code == 400 and "needs a note" in body(refused)
    asked = insp.post(
        "/inspector/review/so-a/portal/",
        {"requirement": MANUAL, "decision": "changes_requested", "note": "Thiếu chữ ký"},
    )
    assert asked.status_code == 200 and 'id="review-done"' in body(asked)
    todo = body(a.get("/agency/"))
    assert "thanh tra yêu cầu sửa" in todo
    ok = insp.post("/inspector/review/so-a/portal/", {"requirement": MANUAL, "decision": "approved"})
    assert ok.status_code == 200
    # the record is `secaudit review`'s, verifiable with the keyring's reviewers/insp.pub
    atts = attach_reviews(load_for_system(web["data"] / "attestations", "so-a", "portal"))
    keys = load_reviewer_keys(web["data"] / "keyring")
    entry = atts.get(MANUAL)
    state = review_state(entry, [], atts.reviews, keys, agency="so-a", system="portal", catalog=atts.catalog)
    assert state.status == "approved" and state.review["reviewer"] == "insp"
    assert oct((web["data"] / "keys" / "insp.key").stat().st_mode & 0o777) == "0o600"
    from secaudit.web.models import Submission

    assert Submission.objects.get(agency="so-a", system="portal").state == "approved"


def test_agency_and_department_may_not_review(web: dict[str, Any]) -> None:
    for user in ("agency-a", "dept"):
        resp = client(user).post(
            "/inspector/review/so-b/portal/", {"requirement": MANUAL, "decision": "approved"}
        )
        assert resp.status_code == 403
    assert not (web["data"] / "attestations" / "so-b" / "portal.reviews.json").exists()


def _bundle(web: dict[str, Any], agency: str) -> bytes:
    return next((web["data"] / "bundles").glob(f"{agency}.*.json")).read_bytes()


def _upload(c: Any, raw: bytes) -> tuple[int, str]:
    resp = c.post("/agency/bundles/", {"bundle": SimpleUploadedFile("x.json", raw)})
    m = re.search(r'id="bundle-(ok|refused)"[^>]*>([^<]*)<', body(resp))
    return resp.status_code, m.group(0) if m else ""


def test_bundle_upload_good_tampered_wrong_key_other_agency(web: dict[str, Any]) -> None:
    import real_bundles as rb

    c = client("agency-a")
    raw = _bundle(web, "so-a")
    (web["data"] / "bundles" / "so-a.portal.2026.json").unlink()
    status, msg = _upload(c, raw)
    assert (
        status == 200 and "bundle-ok" in msg and (web["data"] / "bundles" / "so-a.portal.2026.json").is_file()
    )
    forged = json.loads(raw)
    forged["assessment"]["summary"]["meets_level"] = not forged["assessment"]["summary"]["meets_level"]
    status, msg = _upload(c, json.dumps(forged).encode())
    assert status == 400 and "signature not valid" in msg
    wrong = rb.put(rb.assessment("so-a", "portal"), web["agency_keys"], web["root"], signer="so-b")
    status, msg = _upload(c, wrong.read_bytes())
    assert status == 400 and "signature not valid" in msg
    status, msg = _upload(c, _bundle(web, "so-b"))
    assert status == 400 and "another agency" in msg
    status, msg = _upload(c, b'{"a": NaN}')
    assert status == 400 and "not a bundle" in msg
    from secaudit.web.models import BundleUpload

    assert [u.accepted for u in BundleUpload.objects.order_by("id")] == [True, False, False, False, False]


def test_inventory_upload_is_validated_before_it_replaces(web: dict[str, Any]) -> None:
    d = client("dept")
    before = (web["data"] / "inventory.yaml").read_text(encoding="utf-8")
    bad = SimpleUploadedFile("inventory.yaml", b"province: X\nperiod: 2026\nagencies: []\n")
    resp = d.post("/department/inventory/", {"inventory": bad})
    assert resp.status_code == 400 and "agencies" in body(resp)
    assert (web["data"] / "inventory.yaml").read_text(encoding="utf-8") == before
    good = SimpleUploadedFile("inventory.yaml", before.replace("Cổng A", "Cổng A mới").encode())
    resp = d.post("/department/inventory/", {"inventory": good})
    assert resp.status_code == 200 and 'id="inventory-ok"' in body(resp)
    assert "Cổng A mới" in body(client("agency-a").get("/agency/"))
    kept = list((web["data"] / "inventory-history").glob("inventory-*.yaml"))
    assert any(p.read_text(encoding="utf-8") == before for p in kept)


def test_keyring_accepts_only_ed25519_public_keys(web: dict[str, Any]) -> None:
    d = client("dept")
    pub = (web["agency_keys"] / "so-a.pub").read_bytes()
    resp = d.post(
        "/department/keyring/",
        {"kind": "reviewer", "name": "thanh-tra-2", "key": SimpleUploadedFile("k", pub)},
    )
    assert resp.status_code == 200 and (web["data"] / "keyring" / "reviewers" / "thanh-tra-2.pub").is_file()
    priv = (web["agency_keys"] / "so-a.key").read_bytes()
    resp = d.post(
        "/department/keyring/", {"kind": "agency", "name": "so-a", "key": SimpleUploadedFile("k", priv)}
    )
    assert resp.status_code == 400 and "public key" in body(resp)
    resp = d.post(
        "/department/keyring/", {"kind": "agency", "name": "../etc", "key": SimpleUploadedFile("k", pub)}
    )
    assert resp.status_code == 400


def test_tailoring_acceptance_writes_the_inventory(web: dict[str, Any]) -> None:
    import real_bundles as rb

    from secaudit.config.inventory import load_inventory

    inv, _ = tailored_portal(web)
    d = client("dept")
    assert f'data-item="so-a/portal/{rb.OTHER_MANUAL}"' in body(d.get("/department/tailoring/"))
    resp = d.post(
        "/department/tailoring/", {"agency": "so-a", "system": "portal", "requirement": rb.OTHER_MANUAL}
    )
    assert resp.status_code == 200
    system = load_inventory(inv).agencies[0].systems[0]
    assert system.accepted_tailoring == [rb.OTHER_MANUAL]
    nothing = d.post("/department/tailoring/", {"agency": "so-b", "system": "portal", "requirement": "M.X"})
    assert nothing.status_code == 400


def test_a_broken_data_folder_is_a_page_not_a_traceback(web: dict[str, Any]) -> None:
    inv = web["data"] / "inventory.yaml"
    inv.write_text(
        inv.read_text(encoding="utf-8").replace("Cổng A, level: 3,", "Cổng A, level: 3, profiles: [nope],")
    )
    resp = client("agency-a").get("/agency/")
    page = body(resp)
    assert resp.status_code == 500 and "inventory.yaml" in page and "nope" in page
    assert str(web["data"]) not in page and "Traceback" not in page


def _cli(web: dict[str, Any], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    db = ["--db", web["db_url"]] if web["db_url"] else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECAUDIT_WEB_BROKEN")}
    return subprocess.run(
        [sys.executable, "-m", "secaudit", *args, "--data", str(web["data"]), *db],
        input=stdin, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def test_tampered_audit_log_is_detected_by_verify_log(web: dict[str, Any]) -> None:
    from secaudit.web.models import AuditEntry

    client("agency-a").post("/logout/")  # at least one entry besides the set-up's
    ok = _cli(web, "serve", "--verify-log")
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stderr
    victim = AuditEntry.objects.order_by("seq")[1]
    original = victim.detail
    AuditEntry.objects.filter(pk=victim.pk).update(detail='{"role": "department"}')
    try:
        bad = _cli(web, "serve", "--verify-log")
        assert bad.returncode == 2 and "TAMPERED" in bad.stdout and f"entry {victim.seq}" in bad.stdout
        assert len(bad.stdout.strip().splitlines()) == 1
    finally:
        AuditEntry.objects.filter(pk=victim.pk).update(detail=original)
    last = AuditEntry.objects.order_by("-seq").first()
    AuditEntry.objects.filter(pk=last.pk).delete()  # the newest entry cut off: the head file knows
    try:
        cut = _cli(web, "serve", "--verify-log")
        assert cut.returncode == 2 and "cut off the end" in cut.stdout, cut.stdout
    finally:
        AuditEntry.objects.bulk_create([last])
    mid = AuditEntry.objects.order_by("seq")[1]
    saved = {f.name: getattr(mid, f.name) for f in AuditEntry._meta.fields}
    AuditEntry.objects.filter(pk=mid.pk).delete()
    try:
        gap = _cli(web, "serve", "--verify-log")
        assert gap.returncode == 2 and "missing" in gap.stdout
    finally:
        AuditEntry.objects.bulk_create([AuditEntry(**saved)])
    assert _cli(web, "serve", "--verify-log").returncode == 0


def test_users_command(web: dict[str, Any]) -> None:
    added = _cli(web, "users", "add", "so-b-2", "--role", "agency", "--agency", "so-b", "--password-stdin",
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = _cli(web, "users", "list")
    assert "so-b-2\tagency\tso-b\tactive" in listed.stdout
    for args, why in (
        (["users", "add", "x1", "--role", "agency", "--password-stdin"], "needs --agency"),
        (
            ["users", "add", "x2", "--role", "agency", "--agency", "nope", "--password-stdin"],
            "not in the inventory",
        ),
        (["users", "add", "x3", "--role", "inspector", "--password-stdin"], "password refused"),
        (["users", "add", "x4", "--role", "inspector"], "--password-stdin"),
    ):
        bad = _cli(web, *args, stdin="short\n")
        assert bad.returncode == 2 and why in bad.stderr and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert client("so-b-2", real_login=True).get("/agency/").status_code == 200
    os.environ.pop("SECAUDIT_WEB_UNUSED", None)
    assert Path(web["data"] / "web-secret.key").stat().st_mode & 0o077 == 0


def test_yaml_export_import_round_trip_and_history(web: dict[str, Any]) -> None:
    from secaudit.web.models import Revision

    c = client("agency-a")
    assert _save(c, _revision(c)).status_code == 302
    exported = c.get("/agency/system/so-a/portal/export.yaml")
    assert exported.status_code == 200 and exported["Content-Disposition"].startswith("attachment")
    text = body(exported).replace("Quy chế 12/QĐ", "Sửa trong tệp tải về")
    up = SimpleUploadedFile("portal.yaml", text.encode())
    assert c.post("/agency/system/so-a/portal/import/", {"attestations": up}).status_code == 302
    assert "Sửa trong tệp tải về" in body(c.get(URL))
    assert Revision.objects.filter(agency="so-a", requirement=MANUAL).count() == 2
    bad = SimpleUploadedFile("portal.yaml", text.replace("so-a", "so-b", 1).encode())
    resp = c.post("/agency/system/so-a/portal/import/", {"attestations": bad})
    assert resp.status_code == 400 and "belongs to" in body(resp) and str(web["data"]) not in body(resp)


def test_server_error_and_bad_host_pages_are_bilingual(web: dict[str, Any], monkeypatch: Any) -> None:
    from django.test import Client

    from secaudit.web.views import agency

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(agency, "_rows", boom)
    from django.contrib.auth import get_user_model

    c = Client(raise_request_exception=False)
    c.force_login(get_user_model().objects.get(username="agency-a"))
    resp = c.get("/agency/system/so-a/portal/")
    assert resp.status_code == 500 and "Lỗi máy chủ / Server error" in body(resp)
    assert "secret detail" not in body(resp) and "Traceback" not in body(resp)
    bad_host = Client().get("/login/", HTTP_HOST="evil.example")
    assert bad_host.status_code == 400 and "Yêu cầu không hợp lệ / Bad request" in body(bad_host)


def test_todo_reasons_at_their_boundaries() -> None:
    from datetime import date

    from secaudit.web.views.agency import _todo_reason

    today = date(2026, 12, 1)

    def row(expiry: date | None, review: str = "") -> dict[str, Any]:
        return {"review": review, "expiry": expiry}

    assert _todo_reason(row(date(2026, 11, 30)), today) == "expired"
    assert _todo_reason(row(date(2026, 12, 1)), today) == "expiring"  # valid through its last day
    assert _todo_reason(row(date(2026, 12, 31)), today) == "expiring"  # 30 days ahead
    assert _todo_reason(row(date(2027, 1, 1)), today) == ""  # 31 days ahead
    assert _todo_reason(row(None), today) == ""
    assert _todo_reason(row(date(2027, 6, 1), "changes_requested"), today) == "changes"


def test_late_list_follows_the_due_date(web: dict[str, Any]) -> None:
    from datetime import datetime, timezone

    from secaudit.web.models import Submission

    on_time = datetime(2026, 10, 31, 9, 0, tzinfo=timezone.utc)  # due 2026-11-01 (inventory)
    late = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    Submission.objects.create(agency="so-a", system="portal", submitted_at=on_time, submitted_by="agency-a")
    Submission.objects.create(agency="so-b", system="portal", submitted_at=late, submitted_by="agency-b")
    page = body(client("dept").get("/department/late/"))
    assert 'data-system="so-b/portal"' in page and "nộp muộn" in page
    assert 'data-system="so-a/portal"' not in page
    Submission.objects.filter(agency="so-b").update(
        submitted_at=datetime(2026, 11, 1, 16, 59, tzinfo=timezone.utc)
    )
    page = body(client("dept").get("/department/late/"))  # 23:59 on the due day, Vietnam time: on time
    assert 'data-system="so-b/portal"' not in page


def test_period_comparison_from_the_previous_periods_bundles(web: dict[str, Any]) -> None:
    import real_bundles as rb

    rb.put(rb.assessment("so-a", "portal", period="2025", statuses={MANUAL: "fail"}), web["agency_keys"],
           web["data"] / "bundles")  # fmt: skip
    page = body(client("dept").get("/department/changes/"))
    assert 'data-agency="so-a"' in page and "2025" in page
    assert 'data-kind="fixed"' in page and MANUAL in page
