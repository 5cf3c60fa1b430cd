"""secaudit serve under attack (issue 15): another agency's system, attestation, evidence, export and
report by guessed id (404, nothing leaked), a POST without CSRF token, hostile file names and
contents, oversize and mislabelled uploads, a repeated wrong password, session fixation.

Each attack is a plain function that raises AssertionError when it gets through; the same attacks
run against the real permission check (they must hold) and against a deliberately broken one
(permissions.can_see_system/can_edit_system saying yes to everyone: they must fail).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytest.register_assert_rewrite("web_province")  # a plugin of these modules: its asserts rewritten

from web_province import B_SHA, MANUAL, PASSWORD, body, client  # noqa: E402 - after the rewrite registration

pytest_plugins = ["web_province"]  # its fixtures: web_app (session), web, web_db_url

SECRETS = ("Sở B Bí Mật", "Cổng B Bí Mật", "Quy chế số 9", "Cán bộ B", B_SHA[:16])


def _no_leak(resp: Any, what: str) -> None:
    text = body(resp)
    assert resp.status_code == 404, f"{what}: status {resp.status_code}"
    for s in SECRETS:
        assert s not in text, f"{what}: leaked {s!r}"


def attack_other_system_pages() -> None:
    c = client("agency-a")
    for path in ("/agency/system/so-b/portal/", f"/agency/system/so-b/portal/req/{MANUAL}/",
                 "/agency/system/so-b/portal/export.yaml", "/system/so-b/portal/report/"):  # fmt: skip
        _no_leak(c.get(path), path)


def attack_other_evidence() -> None:
    c = client("agency-a")
    _no_leak(c.get(f"/evidence/so-b/portal/{B_SHA}/"), "evidence of so-b")
    # the other agency's hash under one's own system opens nothing either
    _no_leak(c.get(f"/evidence/so-a/portal/{B_SHA}/"), "so-b's hash under so-a")


def attack_other_system_writes() -> None:
    c = client("agency-a")
    url = f"/agency/system/so-b/portal/req/{MANUAL}/"
    _no_leak(c.post(url, {"status": "non_compliant", "note": "pwned", "revision": "-"}), "save to so-b")
    _no_leak(c.post("/agency/system/so-b/portal/submit/"), "submit so-b")
    up = SimpleUploadedFile("x.yaml", b"agency: so-b\nsystem: portal\nattestations: []\n")
    _no_leak(c.post("/agency/system/so-b/portal/import/", {"attestations": up}), "import into so-b")
    from secaudit.web import data

    assert "pwned" not in (data.attestations_root() / "so-b" / "portal.yaml").read_text(encoding="utf-8")


def attack_unknown_ids_look_the_same() -> None:
    """A guessed id that exists (so-b) and one that does not answer alike: nothing to enumerate."""
    c = client("agency-a")
    a = c.get("/agency/system/so-b/portal/")
    b = c.get("/agency/system/no-such/portal/")

    def page(r: Any) -> str:  # the CSRF token is masked afresh on every page
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body(r))

    assert (a.status_code, page(a)) == (b.status_code, page(b))


ATTACKS: list[Callable[[], None]] = [
    attack_other_system_pages,
    attack_other_evidence,
    attack_other_system_writes,
    attack_unknown_ids_look_the_same,
]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda f: f.__name__)
def test_attack_is_refused_by_the_real_check(web: dict[str, Any], attack: Callable[[], None]) -> None:
    attack()


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda f: f.__name__)
def test_attack_gets_through_a_broken_check(
    web: dict[str, Any], attack: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proof the attack tests can fail: with the permission check broken they do."""
    monkeypatch.setenv("SECAUDIT_WEB_TESTING", "1")
    monkeypatch.setenv("SECAUDIT_WEB_BROKEN_PERMISSIONS", "1")
    with pytest.raises(AssertionError):
        attack()


def test_the_broken_switch_needs_the_testing_flag(
    web: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECAUDIT_WEB_BROKEN_PERMISSIONS", "1")  # without SECAUDIT_WEB_TESTING: ignored
    attack_other_system_pages()


def test_post_without_csrf_token_is_refused(web: dict[str, Any]) -> None:
    c = client("agency-a", csrf=True)
    url = f"/agency/system/so-a/portal/req/{MANUAL}/"
    resp = c.post(url, {"status": "compliant", "note": "x", "revision": "-"})
    assert resp.status_code == 403 and "CSRF" in body(resp)
    assert c.post("/agency/system/so-a/portal/submit/").status_code == 403
    login = client(csrf=True).post("/login/", {"username": "agency-a", "password": PASSWORD})
    assert login.status_code == 403
    # with the form's token the same save goes through
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body(c.get(url))).group(1)
    ok = c.post(url, {"status": "compliant", "note": "x", "revision": "-", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


def _save(c: Any, upload: Any) -> Any:
    url = f"/agency/system/so-a/portal/req/{MANUAL}/"
    return c.post(url, {"status": "compliant", "note": "n", "revision": "-", "evidence": upload})


def _error(resp: Any) -> str:
    m = re.search(r'id="form-error"[^>]*>([^<]*)<', body(resp))
    return m.group(1) if m else ""


def test_oversize_evidence_is_refused_at_the_cap(web: dict[str, Any]) -> None:
    from secaudit.web import data

    cap = data.evidence_limit(data.find_system("so-a", "portal"))  # 64 KiB in the test settings
    c = client("agency-a")
    over = _save(c, SimpleUploadedFile("big.txt", b"a" * (cap + 1)))
    assert over.status_code == 400 and "too large" in _error(over)
    assert not list((data.evidence_folder("so-a", "portal")).glob("*")), "nothing kept of a refused upload"
    at_cap = _save(c, SimpleUploadedFile("ok.txt", b"a" * cap))
    assert at_cap.status_code == 302


@pytest.mark.parametrize(
    "name, content, why",
    [
        ("report.pdf", b"just text pretending", "named .pdf but the content is text"),
        ("photo.png", b"%PDF-1.4 really a pdf", "named .png but the content is pdf"),
        ("tool.txt", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)), "file type not accepted"),
        ("page.txt", b"<!DOCTYPE html><script>alert(1)</script>", "web pages, SVG and XML are not accepted"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not accepted"),
    ],
)
def test_mislabelled_or_active_uploads_are_refused(
    web: dict[str, Any], name: str, content: bytes, why: str
) -> None:
    resp = _save(client("agency-a"), SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert resp.status_code == 400 and why in _error(resp), _error(resp)


def test_hostile_file_name_is_never_a_path_and_shown_inert(web: dict[str, Any]) -> None:
    from secaudit.web import data

    c = client("agency-a")
    name = '../../../<img src=x onerror=alert(1)>"evil.txt'
    assert _save(c, SimpleUploadedFile(name, b"plain evidence\n")).status_code == 302
    stored = list(data.evidence_folder("so-a", "portal").iterdir())
    assert [p.name for p in stored] and all(re.fullmatch(r"[0-9a-f]{64}\.txt", p.name) for p in stored)
    page = body(c.get(f"/agency/system/so-a/portal/req/{MANUAL}/"))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    sha = stored[0].name[:64]
    dl = c.get(f"/evidence/so-a/portal/{sha}/")
    assert dl.status_code == 200 and dl["Content-Type"].startswith("text/plain")
    assert dl["Content-Disposition"].startswith("attachment") and "evil" not in dl["Content-Disposition"]


def test_hostile_inventory_names_are_escaped(web: dict[str, Any]) -> None:
    page = body(client("agency-a").get("/agency/system/so-a/portal/"))
    assert "Sở A &lt;b&gt;đậm&lt;/b&gt;" in page and "<b>đậm</b>" not in page


def test_wrong_password_repeated_locks_the_pair(web: dict[str, Any]) -> None:
    """5 failures → locked, even for the right password; another address is not locked."""
    from django.conf import settings

    limit = settings.SECAUDIT["LOCK_AFTER"]
    c = client()
    for i in range(limit):
        r = c.post("/login/", {"username": "agency-b", "password": f"wrong-{i}"}, REMOTE_ADDR="127.0.0.9")
        assert r.status_code in (401, 429) and 'id="login-error"' in body(r)
        assert r.status_code == (429 if i == limit - 1 else 401), (i, r.status_code)
    locked = c.post("/login/", {"username": "agency-b", "password": PASSWORD}, REMOTE_ADDR="127.0.0.9")
    assert locked.status_code == 429 and "15" in body(locked)
    other = client().post("/login/", {"username": "agency-b", "password": PASSWORD}, REMOTE_ADDR="127.0.0.10")
    assert other.status_code == 302
    from secaudit.web.models import AuditEntry

    assert AuditEntry.objects.filter(action="login_locked", user="agency-b").exists()


def test_four_failures_do_not_lock(web: dict[str, Any]) -> None:
    c = client()
    for i in range(4):
        c.post("/login/", {"username": "agency-a", "password": f"nope-{i}"}, REMOTE_ADDR="127.0.0.11")
    ok = c.post("/login/", {"username": "agency-a", "password": PASSWORD}, REMOTE_ADDR="127.0.0.11")
    assert ok.status_code == 302


def test_session_fixation_key_rotated_at_login_and_cookie_flags(web: dict[str, Any]) -> None:
    from django.conf import settings

    c = client()
    c.get("/login/")
    c.post("/lang/", {"lang": "en", "next": "/login/"})  # an anonymous session exists now
    planted = c.cookies[settings.SESSION_COOKIE_NAME].value
    resp = c.post("/login/", {"username": "agency-a", "password": PASSWORD})
    assert resp.status_code == 302
    cookie = resp.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie.value != planted
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    # the planted id is worthless afterwards
    from django.test import Client

    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert attacker.get("/agency/").status_code == 302
