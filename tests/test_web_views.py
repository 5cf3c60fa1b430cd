"""secaudit serve: every view for every role with Django's test client (docs/web.md URL map), the
pages' language and headers. Database: SQLite, or SECAUDIT_WEB_DB_URL (tests/web_province.py)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.register_assert_rewrite("web_province")  # a plugin of these modules: its asserts rewritten

from web_province import B_SHA, MANUAL, body, client  # noqa: E402 - after the rewrite registration

pytest_plugins = ["web_province"]  # its fixtures: web_app (session), web, web_db_url

A_SYS, B_SYS = "so-a/portal", "so-b/portal"
ROLES = ("dept", "insp", "agency-a", None)
OK_ALL = {"dept": 200, "insp": 200, "agency-a": 200}
# path -> expected status per user (None: anonymous → login redirect 302 everywhere below)
GETS: dict[str, dict[str, int]] = {
    "/agency/": {"dept": 403, "insp": 403, "agency-a": 200},
    "/agency/bundles/": {"dept": 403, "insp": 403, "agency-a": 200},
    f"/agency/system/{A_SYS}/": {"dept": 404, "insp": 404, "agency-a": 200},
    f"/agency/system/{A_SYS}/req/{MANUAL}/": {"dept": 404, "insp": 404, "agency-a": 200},
    f"/agency/system/{A_SYS}/export.yaml": {"dept": 404, "insp": 404, "agency-a": 200},
    f"/system/{A_SYS}/report/": OK_ALL,
    f"/evidence/{B_SYS}/{B_SHA}/": {"dept": 200, "insp": 200, "agency-a": 404},
    "/inspector/": {"dept": 403, "insp": 200, "agency-a": 403},
    f"/inspector/review/{B_SYS}/": {"dept": 403, "insp": 200, "agency-a": 403},
    "/department/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/late/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/changes/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/agency/so-a/": {"dept": 200, "insp": 403, "agency-a": 403},
    f"/department/system/{A_SYS}/": {"dept": 200, "insp": 403, "agency-a": 403},
    f"/department/system/{B_SYS}/req/{MANUAL}/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/mau08.html": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/mau08.xlsx": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/inventory/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/keyring/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/tailoring/": {"dept": 200, "insp": 403, "agency-a": 403},
    "/department/log/": {"dept": 200, "insp": 403, "agency-a": 403},
}


@pytest.fixture(scope="module")
def clients(web_app: dict[str, Any]) -> dict[str | None, Any]:
    return {u: client(u) for u in ROLES}


@pytest.mark.parametrize("path", sorted(GETS))
def test_every_view_for_every_role(web: dict[str, Any], clients: dict[str | None, Any], path: str) -> None:
    for user in ROLES:
        resp = clients[user].get(path)
        if user is None:
            assert resp.status_code == 302 and resp["Location"].startswith("/login/"), (
                path,
                resp.status_code,
            )
            continue
        assert resp.status_code == GETS[path][user], (path, user, resp.status_code)
        if resp.status_code in (403, 404):
            assert 'id="error-title"' in body(resp)


def test_home_redirects_each_role_to_its_start(web: dict[str, Any], clients: dict[str | None, Any]) -> None:
    want = {"dept": "/department/", "insp": "/inspector/", "agency-a": "/agency/", None: "/login/"}
    for user, where in want.items():
        assert clients[user].get("/")["Location"] == where


def test_pages_are_vietnamese_first_and_switch_to_english(web: dict[str, Any]) -> None:
    c = client("agency-a")
    page = body(c.get("/agency/"))
    assert '<html lang="vi">' in page and "Hệ thống của cơ quan / The agency&#x27;s systems" in page
    assert c.post("/lang/", {"lang": "en", "next": "/agency/"})["Location"] == "/agency/"
    page = body(c.get("/agency/"))
    assert '<html lang="en">' in page and "Hệ thống của cơ quan" not in page and "The agency" in page
    # a foreign "next" never becomes a redirect elsewhere
    assert c.post("/lang/", {"lang": "vi", "next": "https://evil.example/"})["Location"] == "/"


def test_security_headers_on_pages_static_files_and_errors(web: dict[str, Any]) -> None:
    c = client("dept")
    for path in ("/login/", "/department/", "/static/style.css", "/no/such/page", f"/system/{A_SYS}/report/"):
        resp = c.get(path)
        csp = resp["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert resp["X-Frame-Options"] == "DENY"
        assert resp["X-Content-Type-Options"] == "nosniff"
        assert resp["Referrer-Policy"] == "same-origin"
        assert resp["Cross-Origin-Opener-Policy"] == "same-origin"
        assert resp["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "camera=()" in resp["Permissions-Policy"]
        assert resp["Server"] == "secaudit"
        assert "Strict-Transport-Security" not in resp  # plain HTTP: HSTS only on HTTPS


def test_shared_report_pages_allow_only_their_own_head_styles(web: dict[str, Any]) -> None:
    from secaudit.web.middleware import head_style_hashes

    resp = client("dept").get(f"/system/{A_SYS}/report/")
    page = body(resp)
    hashes = head_style_hashes(page)
    assert hashes and all(f"'sha256-{h}'" in resp["Content-Security-Policy"] for h in hashes)
    assert 'id="topbar"' in page and "/static/web.css" in page


def test_static_allow_list_only(web: dict[str, Any]) -> None:
    c = client()
    assert c.get("/static/site.js")["Content-Type"].startswith("text/javascript")
    for bad in (
        "/static/../config.py",
        "/static/web.sqlite3",
        "/static/%2e%2e%2fweb-secret.key",
        "/static/x.css",
    ):
        assert c.get(bad).status_code == 404, bad


def test_security_txt(web: dict[str, Any]) -> None:
    resp = client().get("/.well-known/security.txt")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/plain")
    assert "Contact: " in body(resp) and "Expires: " in body(resp)


def test_error_pages_are_bilingual_and_leak_nothing(web: dict[str, Any]) -> None:
    resp = client("agency-a").get("/department/")
    assert resp.status_code == 403 and "Không có quyền / Forbidden" in body(resp)
    resp = client().get("/no/<script>such</script>")
    assert resp.status_code == 404 and "Không tìm thấy / Not found" in body(resp)
    assert "<script>" not in body(resp) and "Traceback" not in body(resp)


def test_dashboard_is_the_summary_aggregation(web: dict[str, Any]) -> None:
    """The dashboard draws summary.collect's figures for the data folder (no second aggregation)."""
    from datetime import date

    from secaudit.province.summary import summarise
    from secaudit.render import html
    from secaudit.web import dashboard, data

    today = date(2026, 12, 1)
    mine = dashboard.current(today)[0]
    cli = summarise(
        data.bundles_dir(), inventory=data.inventory_path(), keyring=data.keyring_dir(), today=today
    )
    assert mine["totals"] == cli["totals"] and mine["agencies"] == cli["agencies"]
    page = body(client("dept").get("/department/"))
    assert html.site_strings("vi")["home"] in page
    assert 'href="/department/agency/so-a/"' in page and 'href="/department/system/so-a/portal/"' in page


def test_logout_needs_post_and_ends_the_session(web: dict[str, Any]) -> None:
    c = client("agency-a")
    assert c.get("/logout/").status_code == 405
    assert c.post("/logout/")["Location"] == "/login/"
    assert c.get("/agency/").status_code == 302


# POST endpoints: every role that may not change the object is refused before anything is read
POSTS: dict[str, dict[str | None, int]] = {
    f"/agency/system/{A_SYS}/req/{MANUAL}/": {"dept": 404, "insp": 404},
    f"/agency/system/{A_SYS}/submit/": {"dept": 404, "insp": 404},
    f"/agency/system/{A_SYS}/import/": {"dept": 404, "insp": 404},
    "/agency/bundles/": {"dept": 403, "insp": 403},
    f"/inspector/review/{B_SYS}/": {"dept": 403, "agency-a": 403},
    "/department/inventory/": {"insp": 403, "agency-a": 403},
    "/department/keyring/": {"insp": 403, "agency-a": 403},
    "/department/tailoring/": {"insp": 403, "agency-a": 403},
}


@pytest.mark.parametrize("path", sorted(POSTS))
def test_every_state_change_refused_for_roles_without_it(
    web: dict[str, Any], clients: dict[str | None, Any], path: str
) -> None:
    from secaudit.web.models import AuditEntry

    before = AuditEntry.objects.count()
    form = dict(status="compliant", note="x", revision="-", requirement=MANUAL, decision="approved")
    form.update(agency="so-a", system="portal", kind="agency", name="so-a")
    for user, status in POSTS[path].items():
        assert clients[user].post(path, form).status_code == status, (path, user)
    anon = clients[None].post(path, form)
    assert anon.status_code == 302 and anon["Location"].startswith("/login/")
    assert AuditEntry.objects.count() == before  # nothing happened, so nothing was logged
