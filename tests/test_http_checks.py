"""http.* checks judged from recorded observations (pure functions, no network)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from secaudit.checks import CheckContext, checks_for_probe, metadata, run_check, validate_metadata
from secaudit.core.model import CheckResult
from secaudit.core.resources import data_dir
from secaudit.core.yamlio import load_yaml

PARAMS: dict[str, Any] = dict(load_yaml(data_dir("profiles") / "level1.yaml")["parameters"])
PARAMS["now"] = "2026-11-26T00:00:00Z"  # fixed: recorded Expires dates stay in the future
CTX = CheckContext(host="portal.example.vn", port=443, params=PARAMS)

GOOD_HEADERS = [
    ["Server", "nginx"],
    ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
    ["Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'"],
    ["X-Frame-Options", "DENY"],
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "strict-origin-when-cross-origin"],
    ["Set-Cookie", "PHPSESSID=<redacted>; Secure; HttpOnly; SameSite=Lax"],
]

ALL_HTTP = [
    "http.https_redirect",
    "http.hsts",
    "http.csp",
    "http.frame_options",
    "http.content_type_options",
    "http.referrer_policy",
    "http.cookies",
    "http.server_disclosure",
    "http.sensitive_paths",
    "http.security_txt",
]


def cookie(
    name: str, secure: bool = True, httponly: bool = True, over: str = "https", samesite: str | None = "Lax"
) -> dict[str, Any]:
    return {
        "name": name,
        "over": over,
        "secure": secure,
        "httponly": httponly,
        "samesite": samesite,
        "path": "/",
        "domain": None,
        "expires": None,
        "max_age": None,
    }


def good_obs() -> dict[str, Any]:
    """What the probe records for a well-configured site (shape of secaudit.probes.http)."""
    return {
        "url": "https://portal.example.vn/",
        "host": "portal.example.vn",
        "address": None,
        "scheme": "https",
        "verified": True,
        "tls_error": None,
        "plain_http": {
            "start": "http://portal.example.vn/",
            "cookies": [],
            "hops": [
                {"url": "http://portal.example.vn/", "status": 301, "location": "https://portal.example.vn/"}
            ],
            "outcome": "redirect_https_same_host",
            "final": "https://portal.example.vn/",
        },
        "https": {
            "hops": [{"url": "https://portal.example.vn/", "status": 200, "location": None}],
            "final_url": "https://portal.example.vn/",
            "status": 200,
            "headers": copy.deepcopy(GOOD_HEADERS),
            "cookies": [cookie("PHPSESSID")],
        },
        "paths": {
            "items": [
                {
                    "path": "/.git/HEAD",
                    "what": "Git repository metadata",
                    "match": "^ref: ",
                    "status": 404,
                    "content_type": "text/html",
                    "size": 16,
                    "size_capped": False,
                    "matched": False,
                },
                {
                    "path": "/.env",
                    "what": "environment file",
                    "match": "(?m)^[A-Z]+=",
                    "status": 404,
                    "content_type": "text/html",
                    "size": 16,
                    "size_capped": False,
                    "matched": False,
                },
            ]
        },
        "security_txt": security_txt_section(),
    }


def security_txt_section(**fields: list[str]) -> dict[str, Any]:
    """The probe's security_txt section for a valid file at the RFC path (fields override)."""
    base = {
        "contact": ["mailto:attt@example.vn"],
        "expires": ["2027-06-30T17:00:00Z"],
        "encryption": [],
        "policy": [],
        "preferred_languages": ["vi, en"],
        "canonical": [],
        "acknowledgments": [],
        "hiring": [],
        "csaf": [],
    }
    url = "https://portal.example.vn/.well-known/security.txt"
    return {
        "tried": [{"url": url, "status": 200, "location": None}],
        "found": True,
        "url": url,
        "status": 200,
        "content_type": "text/plain; charset=utf-8",
        "https": True,
        "verified": True,
        "size": 120,
        "size_capped": False,
        "location": "well_known",
        "lines": 5,
        "lines_capped": False,
        "fields": base | fields,
        "signed": False,
        "other_fields": [],
        "problems": [],
    }


def judge(obs: dict[str, Any], cid: str, params: dict[str, Any] | None = None) -> CheckResult:
    ctx = CTX if params is None else CheckContext(host=CTX.host, port=CTX.port, params=params)
    return run_check(cid, obs, ctx)


def with_headers(obs: dict[str, Any], **changes: str | None) -> dict[str, Any]:
    """Replace (value) or drop (None) headers; names use _ for -."""
    names = {k.replace("_", "-").lower(): v for k, v in changes.items()}
    hdrs = [h for h in obs["https"]["headers"] if h[0].lower() not in names]
    hdrs += [[k, v] for k, v in names.items() if v is not None]
    obs["https"]["headers"] = hdrs
    return obs


PARAMS_NO_PATHS = {
    **PARAMS,
    "sensitive_paths": [
        {"path": "/.git/HEAD", "match": "^ref: ", "what": "git"},
        {"path": "/.env", "match": "x", "what": "env"},
    ],
}


def test_metadata_complete_for_every_contract_id() -> None:
    validate_metadata()
    assert set(ALL_HTTP) <= set(checks_for_probe("http"))
    for cid in ALL_HTTP:
        meta = metadata()[cid]
        assert meta["severity"] in ("critical", "high", "medium", "low", "info")
        for field in ("title", "remediation"):
            assert meta[field]["vi"] and meta[field]["en"]
        for key, msg in meta["messages"].items():
            assert msg["vi"] and msg["en"], (cid, key)


def test_good_site_passes_everything() -> None:
    obs = good_obs()
    for cid in ALL_HTTP:
        res = judge(obs, cid, PARAMS_NO_PATHS)
        assert res.status == "pass", (cid, res.summary, res.evidence)
        assert res.summary["vi"] and res.summary["en"] and "{" not in res.summary["en"]


# ------------------------------------------------------------------ redirect


@pytest.mark.parametrize(
    "outcome,status",
    [
        ("redirect_https_same_host", "pass"),
        ("no_service", "pass"),
        ("no_redirect", "fail"),
        ("redirect_other_host", "fail"),
        ("redirect_not_https", "fail"),
        ("loop", "fail"),
        ("too_many_redirects", "fail"),
        ("error", "error"),
    ],
)
def test_https_redirect_outcomes(outcome: str, status: str) -> None:
    obs = good_obs()
    obs["plain_http"]["outcome"] = outcome
    if outcome == "error":
        obs["plain_http"]["error"] = "timed out"
    res = judge(obs, "http.https_redirect")
    assert res.status == status
    assert res.evidence["outcome"] == outcome
    if status == "error":
        assert "timed out" in res.summary["en"]


def test_redirect_missing_section_is_error_not_pass() -> None:
    obs = good_obs()
    del obs["plain_http"]
    assert judge(obs, "http.https_redirect").status == "error"


# ------------------------------------------------------------------ HSTS


@pytest.mark.parametrize(
    "value,status,key_word",
    [
        ("max-age=15552000", "pass", "15552000"),
        ('max-age="31536000"; includeSubDomains; preload', "pass", "31536000"),
        ("max-age=86400", "fail", "below"),
        ("max-age=0", "fail", "below"),
        ("includeSubDomains", "fail", "Invalid"),
        ("max-age=abc", "fail", "Invalid"),
        ("max-age=100; max-age=200", "fail", "Invalid"),
        (None, "fail", "missing"),
    ],
)
def test_hsts(value: str | None, status: str, key_word: str) -> None:
    res = judge(with_headers(good_obs(), Strict_Transport_Security=value), "http.hsts")
    assert res.status == status, res.summary
    assert key_word in res.summary["en"]


def test_hsts_minimum_comes_from_profile() -> None:
    obs = with_headers(good_obs(), Strict_Transport_Security="max-age=31536000")
    assert judge(obs, "http.hsts", {**PARAMS, "hsts_min_max_age": 63072000}).status == "fail"
    assert judge(obs, "http.hsts", {**PARAMS, "hsts_min_max_age": 1000}).status == "pass"


def test_hsts_first_header_counts() -> None:
    obs = good_obs()
    obs["https"]["headers"] = [
        ["Strict-Transport-Security", "max-age=10"],
        ["Strict-Transport-Security", "max-age=63072000"],
    ]
    assert judge(obs, "http.hsts").status == "fail"


def test_unverified_fetch_is_judged_and_said() -> None:
    obs = good_obs()
    obs["verified"] = False
    obs["tls_error"] = "TLS error: certificate verify failed"
    res = judge(obs, "http.hsts")
    assert res.status == "pass"
    assert res.evidence["verified"] is False and "verify failed" in res.evidence["tls_error"]


# ------------------------------------------------------------------ CSP


@pytest.mark.parametrize(
    "policy,status,risk",
    [
        ("default-src 'self'", "pass", None),
        ("default-src 'self'; script-src 'self' 'unsafe-inline'", "warn", "'unsafe-inline'"),
        ("default-src 'self' 'unsafe-inline'", "warn", "'unsafe-inline'"),
        ("script-src 'self' 'unsafe-inline' 'nonce-abc123'", "pass", None),
        ("default-src 'self'; script-src 'self' 'unsafe-eval'", "warn", "'unsafe-eval'"),
        ("img-src 'self'", "warn", "unrestricted"),
        ("default-src *", "warn", "any-source"),
        ("default-src 'self'; style-src 'self' 'unsafe-inline'", "pass", None),
    ],
)
def test_csp(policy: str, status: str, risk: str | None) -> None:
    res = judge(with_headers(good_obs(), Content_Security_Policy=policy), "http.csp")
    assert res.status == status, res.evidence
    if risk:
        assert risk in res.evidence["script_risks"]
        assert risk in res.summary["en"]


def test_csp_missing_and_report_only_fail() -> None:
    obs = with_headers(good_obs(), Content_Security_Policy=None)
    assert judge(obs, "http.csp").status == "fail"
    obs = with_headers(obs, Content_Security_Policy_Report_Only="default-src 'self'")
    res = judge(obs, "http.csp")
    assert res.status == "fail" and "Report-Only" in res.summary["en"]


def test_csp_two_policies_restrict_together() -> None:
    obs = good_obs()
    obs["https"]["headers"] = [
        ["Content-Security-Policy", "default-src 'self' 'unsafe-inline'"],
        ["Content-Security-Policy", "script-src 'self'"],
    ]
    assert judge(obs, "http.csp").status == "pass"


# ------------------------------------------------------------------ framing


@pytest.mark.parametrize(
    "xfo,csp,status",
    [
        ("DENY", None, "pass"),
        ("sameorigin", None, "pass"),
        ("ALLOW-FROM https://a.vn", None, "fail"),
        ("garbage", None, "fail"),
        (None, None, "fail"),
        (None, "default-src 'self'; frame-ancestors 'self'", "pass"),
        ("garbage", "frame-ancestors 'none'", "pass"),
        ("DENY", "frame-ancestors *", "fail"),
        (None, "default-src 'self'", "fail"),
    ],
)
def test_frame_options(xfo: str | None, csp: str | None, status: str) -> None:
    obs = with_headers(good_obs(), X_Frame_Options=xfo, Content_Security_Policy=csp)
    assert judge(obs, "http.frame_options").status == status


# ------------------------------------------------------------------ nosniff


@pytest.mark.parametrize(
    "value,status", [("nosniff", "pass"), (" NoSniff ", "pass"), ("sniff", "fail"), (None, "fail")]
)
def test_content_type_options(value: str | None, status: str) -> None:
    obs = with_headers(good_obs(), X_Content_Type_Options=value)
    assert judge(obs, "http.content_type_options").status == status


# ------------------------------------------------------------------ Referrer-Policy


@pytest.mark.parametrize(
    "value,status",
    [
        ("no-referrer", "pass"),
        ("same-origin", "pass"),
        ("strict-origin", "pass"),
        ("strict-origin-when-cross-origin", "pass"),
        ("unsafe-url", "fail"),
        ("no-referrer-when-downgrade", "fail"),
        ("origin-when-cross-origin", "fail"),
        ("origin", "fail"),
        ("bogus", "fail"),
        ("unsafe-url, strict-origin-when-cross-origin", "pass"),  # last recognised token wins
        ("no-referrer, unsafe-url", "fail"),
        ("no-referrer, bogus-new-value", "pass"),
        (None, "warn"),
    ],
)
def test_referrer_policy(value: str | None, status: str) -> None:
    res = judge(with_headers(good_obs(), Referrer_Policy=value), "http.referrer_policy")
    assert res.status == status, res.evidence


# ------------------------------------------------------------------ cookies


def test_cookies_insecure_and_session_without_httponly_fail() -> None:
    obs = good_obs()
    obs["https"]["cookies"] = [
        cookie("theme", secure=False, httponly=False),
        cookie("sessionid", secure=True, httponly=False),
        cookie("lang", secure=True, httponly=False),
    ]
    res = judge(obs, "http.cookies")
    assert res.status == "fail"
    problems = {p["name"]: p["missing"] for p in res.evidence["problems"]}
    assert problems == {"theme": ["Secure"], "sessionid": ["HttpOnly"]}
    assert "theme" in res.summary["vi"] and "sessionid" in res.summary["en"]


def test_cookies_none_pass_and_plain_http_cookie_fails() -> None:
    obs = good_obs()
    obs["https"]["cookies"] = []
    assert judge(obs, "http.cookies").status == "pass"
    obs["plain_http"]["cookies"] = [cookie("sid", secure=False, over="http")]
    res = judge(obs, "http.cookies")
    assert res.status == "fail" and "set over plain HTTP" in res.evidence["problems"][0]["missing"]


def test_cookie_patterns_come_from_profile() -> None:
    obs = good_obs()
    obs["https"]["cookies"] = [cookie("portal_visit", httponly=False)]
    assert judge(obs, "http.cookies").status == "pass"
    assert judge(obs, "http.cookies", {**PARAMS, "session_cookie_patterns": ["visit"]}).status == "fail"


# ------------------------------------------------------------------ disclosure


@pytest.mark.parametrize(
    "headers,status",
    [
        ([["Server", "nginx"]], "pass"),
        ([["Server", "cloudflare"], ["X-Powered-By", "Express"]], "pass"),
        ([["Server", "Apache/2.4.41 (Ubuntu)"], ["X-Powered-By", "PHP/7.4.3"]], "fail"),
        ([["Server", "Microsoft-IIS/10.0"]], "fail"),
        ([["Server", "Apache/2"]], "fail"),
        ([["X-AspNet-Version", "4.0.30319"]], "fail"),
        ([["X-AspNetMvc-Version", "5"]], "fail"),
        ([["Server", "AmazonS3"]], "pass"),
        ([], "pass"),
    ],
)
def test_server_disclosure(headers: list[list[str]], status: str) -> None:
    obs = good_obs()
    obs["https"]["headers"] = headers
    res = judge(obs, "http.server_disclosure")
    assert res.status == status, res.evidence
    if status == "fail":
        assert res.evidence["leaking"]


def test_hostile_header_values_stay_inert_strings() -> None:
    obs = good_obs()
    evil = "<script>alert(1)</script>/9.9" + "A" * 5000
    obs["https"]["headers"] = [["Server", evil]]
    res = judge(obs, "http.server_disclosure")
    assert res.status == "fail"
    assert isinstance(res.evidence["headers"]["Server"], str)
    assert len(res.evidence["headers"]["Server"]) < 300


# ------------------------------------------------------------------ sensitive paths


def test_sensitive_path_matched_fails_soft_page_passes() -> None:
    obs = good_obs()
    items = obs["paths"]["items"]
    items[0].update(status=200, matched=False, content_type="text/html")  # a 200 "not found" page
    res = judge(obs, "http.sensitive_paths", PARAMS_NO_PATHS)
    assert res.status == "pass"
    assert res.evidence["served_without_match"] == ["/.git/HEAD"]
    items[1].update(status=200, matched=True, content_type="text/plain")
    res = judge(obs, "http.sensitive_paths", PARAMS_NO_PATHS)
    assert res.status == "fail"
    assert [e["path"] for e in res.evidence["exposed"]] == ["/.env"]
    assert "/.env" in res.summary["vi"]


def test_sensitive_paths_errors_never_pass() -> None:
    obs = good_obs()
    obs["paths"]["items"][1] = {"path": "/.env", "what": "env", "error": "timed out"}
    res = judge(obs, "http.sensitive_paths", PARAMS_NO_PATHS)
    assert res.status == "error" and "/.env" in res.summary["en"]
    # an exposure still fails even when another path errored
    obs["paths"]["items"][0].update(status=200, matched=True)
    assert judge(obs, "http.sensitive_paths", PARAMS_NO_PATHS).status == "fail"
    # a profile asking for paths that were never probed (re-judging) is an error too
    good = good_obs()
    res = judge(good, "http.sensitive_paths", PARAMS)
    assert res.status == "error" and "/server-status" in res.evidence["not_probed"]
    # the whole section failed
    good["paths"] = {"error": "site not reachable", "items": []}
    assert judge(good, "http.sensitive_paths", PARAMS_NO_PATHS).status == "error"


def test_sensitive_path_item_without_a_verdict_is_error() -> None:
    """An item that records neither ``matched`` nor an error (truncated observation) was counted as
    checked, so the check passed without knowing."""
    obs = good_obs()
    obs["paths"]["items"][1] = {"path": "/.env", "what": "env"}
    res = judge(obs, "http.sensitive_paths", PARAMS_NO_PATHS)
    assert res.status == "error" and "/.env" in res.summary["en"]
    assert res.evidence["checked"] == 1


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "cid",
    [c for c in ALL_HTTP if c not in ("http.https_redirect", "http.sensitive_paths", "http.security_txt")],
)
def test_https_section_error_gives_error(cid: str) -> None:
    obs = good_obs()
    obs["https"] = {"hops": [], "cookies": [], "error": "invalid HTTP response: got more than 65536 bytes"}
    res = judge(obs, cid)
    assert res.status == "error"
    assert "65536" in res.summary["en"]


def test_unreachable_target_is_error_everywhere() -> None:
    for cid in ALL_HTTP:
        res = judge({"error": "target not reachable over HTTP(S): connection refused"}, cid)
        assert res.status == "error" and "refused" in res.summary["en"]


def test_truncated_observation_is_error_not_crash() -> None:
    obs = good_obs()
    obs["https"]["headers"] = None
    obs["https"]["cookies"] = "garbage"
    for cid in ALL_HTTP:
        assert judge(obs, cid, PARAMS_NO_PATHS).status in ("pass", "fail", "warn", "error")
    # no headers on record is unknown, never a pass (nor a claim that a header is missing)
    assert judge(obs, "http.hsts").status == "error"


@pytest.mark.parametrize(
    "cid",
    [c for c in ALL_HTTP if c not in ("http.https_redirect", "http.sensitive_paths", "http.security_txt")],
)
def test_https_section_without_headers_is_error(cid: str) -> None:
    """A truncated observation (no header list) must not read as "no Server header": server_disclosure
    passed on it."""
    obs = good_obs()
    del obs["https"]["headers"]
    res = judge(obs, cid)
    assert res.status == "error" and "incomplete" in res.summary["en"]
    obs["https"]["headers"] = "garbage"
    assert judge(obs, cid).status == "error"


def test_https_section_without_cookie_list_is_error() -> None:
    """No cookie list on record is not "no cookies set" (a pass)."""
    for cookies in (None, "garbage"):
        obs = good_obs()
        obs["https"]["cookies"] = cookies
        res = judge(obs, "http.cookies")
        assert res.status == "error" and "incomplete" in res.summary["en"]
        assert judge(obs, "http.hsts").status == "pass"  # the other checks do not need cookies


def test_anti_csrf_token_cookie_is_not_session_like() -> None:
    from secaudit.checks.http.cookies import is_session_cookie

    pats, readable = ["sess", "token"], ["csrf", "xsrf"]
    assert is_session_cookie("SESSIONID", pats, readable)
    assert is_session_cookie("auth_token", pats, readable)
    assert not is_session_cookie("XSRF-TOKEN", pats, readable)
    assert not is_session_cookie("csrftoken", pats, readable)


# ------------------------------------------------------------------ security.txt (RFC 9116)


def sectxt_obs(**changes: Any) -> dict[str, Any]:
    obs = good_obs()
    obs["security_txt"].update(changes)
    return obs


def test_security_txt_valid_passes_with_contact_and_expiry_in_evidence() -> None:
    res = judge(good_obs(), "http.security_txt")
    assert res.status == "pass" and res.severity == "low"
    assert res.evidence["contact"] == ["mailto:attt@example.vn"]
    assert res.evidence["expires_at"] == "2027-06-30T17:00:00+00:00" and res.evidence["days_left"] == 216
    assert "mailto:attt@example.vn" in res.summary["en"] and "2027-06-30" in res.summary["vi"]
    assert res.evidence["fields"] == {"preferred_languages": ["vi, en"]}


@pytest.mark.parametrize("reason,status", [("status", 404), ("html", 200), ("no_fields", 200)])
def test_security_txt_missing_is_a_warn_never_a_fail(reason: str, status: int) -> None:
    obs = sectxt_obs(found=False, not_found_reason=reason, status=status, fields={})
    res = judge(obs, "http.security_txt")
    assert res.status == "warn" and res.evidence["not_found_reason"] == reason
    assert "attest" in res.summary["en"] and "chứng thực" in res.summary["vi"]  # another channel may count
    assert f"answered {status}" in res.summary["en"]


def test_security_txt_redirect_to_other_host_is_a_warn_to_check_by_hand() -> None:
    obs = sectxt_obs(
        found=False,
        not_found_reason="redirect_not_followed",
        status=301,
        left_to="https://www.example.vn/.well-known/security.txt",
    )
    res = judge(obs, "http.security_txt")
    assert res.status == "warn" and "www.example.vn" in res.summary["en"]


@pytest.mark.parametrize(
    "fields,key",
    [
        ({"contact": []}, "has no Contact"),
        ({"expires": []}, "has no Expires"),
        ({"expires": ["2026-11-01T00:00:00Z"]}, "expired on 2026-11-01"),
        ({"expires": ["next year"]}, "invalid or repeated Expires"),
        ({"expires": ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]}, "invalid or repeated Expires"),
    ],
)
def test_security_txt_stale_or_incomplete_fails(fields: dict[str, list[str]], key: str) -> None:
    obs = good_obs()
    obs["security_txt"] = security_txt_section(**fields)
    res = judge(obs, "http.security_txt")
    assert res.status == "fail" and key in res.summary["en"], res.summary


def test_security_txt_expiring_soon_warns_under_the_profile_window() -> None:
    obs = good_obs()
    obs["security_txt"] = security_txt_section(expires=["2026-12-10T00:00:00Z"])
    res = judge(obs, "http.security_txt")
    assert res.status == "warn" and res.evidence["days_left"] == 14 and "14 days left" in res.summary["en"]
    assert judge(obs, "http.security_txt", {**PARAMS, "security_txt_warn_days": 7}).status == "pass"


@pytest.mark.parametrize(
    "changes,key,text",
    [
        (
            {"https": False, "url": "http://portal.example.vn/.well-known/security.txt"},
            "warn_not_https",
            "plain HTTP only",
        ),
        ({"location": "legacy"}, "warn_legacy", "legacy path"),
        ({"content_type": "application/octet-stream"}, "warn_content_type", "application/octet-stream"),
    ],
)
def test_security_txt_served_wrongly_warns(changes: dict[str, Any], key: str, text: str) -> None:
    res = judge(sectxt_obs(**changes), "http.security_txt")
    assert res.status == "warn" and res.evidence["warnings"] == [key] and text in res.summary["en"]


def test_security_txt_expired_fails_even_when_served_wrongly() -> None:
    obs = good_obs()
    obs["security_txt"] = security_txt_section(expires=["2020-01-01T00:00:00Z"]) | {"location": "legacy"}
    assert judge(obs, "http.security_txt").status == "fail"


def test_security_txt_date_only_expires_is_read_with_a_remark() -> None:
    obs = good_obs()
    obs["security_txt"] = security_txt_section(expires=["2027-06-30"])
    res = judge(obs, "http.security_txt")
    assert res.status == "pass" and "date without a time" in res.evidence["problems"][0]


def test_security_txt_section_error_or_absence_is_error() -> None:
    obs = sectxt_obs(error="timed out: read timeout")
    res = judge(obs, "http.security_txt")
    assert res.status == "error" and "timed out" in res.summary["en"]
    old = good_obs()
    del old["security_txt"]  # an observation from before this check existed
    assert judge(old, "http.security_txt").status == "error"


def test_security_txt_parser() -> None:
    from secaudit.probes.security_txt import MAX_LINES, MAX_VALUES, parse

    signed = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "# comment\nContact: mailto:a@example.vn\n- Contact: https://example.vn/lien-he\n"
        "Expires: 2027-01-01T00:00:00Z\nEncryption: https://example.vn/pgp.asc\n"
        "Policy: https://example.vn/policy\nPreferred-Languages: vi, en\n"
        "Canonical: https://example.vn/.well-known/security.txt\nX-Custom: 1\n"
        "-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n"
    )
    p = parse(signed)
    assert p["signed"] is True and p["problems"] == []
    assert p["fields"]["contact"] == ["mailto:a@example.vn", "https://example.vn/lien-he"]
    assert p["fields"]["encryption"] == ["https://example.vn/pgp.asc"]
    assert p["fields"]["canonical"] and p["fields"]["policy"]
    assert p["fields"]["preferred_languages"] == ["vi, en"]
    assert p["other_fields"] == ["X-Custom"]
    odd = parse("contact: http://insecure.example.vn\r\nthis line is junk\r\nExpires: a\r\nExpires: b\r\n")
    assert odd["signed"] is False and odd["fields"]["contact"] == ["http://insecure.example.vn"]
    assert odd["problems"] == [
        "line 1: contact is not an https:, mailto: or tel: URI",
        "line 2: not a 'Field: value' line",
        "Expires appears 2 times (at most once)",
    ]
    flood = parse("Contact: mailto:x@example.vn\n" * (MAX_LINES * 2))
    assert flood["lines_capped"] and len(flood["fields"]["contact"]) == MAX_VALUES
    assert parse("-----BEGIN PGP SIGNED MESSAGE-----\n\nContact: mailto:a@b.vn\n")["problems"] == [
        "PGP signed message without a signature block"
    ]
