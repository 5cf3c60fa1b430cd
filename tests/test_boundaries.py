"""Every threshold a check compares against, tested on both sides of the line (N-1, N, N+1).

Each test here fails when the comparison it guards is flipped (``<`` for ``<=``, ``any`` for the
first item only...): that was verified by flipping each one in the code. Observations are the
recorded ones (tests/data/tls/*.json) or the HTTP probe's shape, edited at the boundary; "now"
is always explicit, so nothing depends on today's date.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_http_checks import PARAMS as HTTP_PARAMS
from test_http_checks import cookie, good_obs, security_txt_section, with_headers

from secaudit.checks import CheckContext, run_check
from secaudit.core.model import CheckResult

TLS_DATA = Path(__file__).parent / "data" / "tls"
TLS_PARAMS: dict[str, Any] = {
    "cert_expiry_warn_days": 30,
    "min_rsa_bits": 2048,
    "min_ec_bits": 256,
    "mozilla_config": "intermediate",
}
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


def recorded(name: str = "good") -> dict[str, Any]:
    return json.loads((TLS_DATA / f"{name}.json").read_text(encoding="utf-8"))


def leaf(obs: dict[str, Any], deployment: int = 0) -> dict[str, Any]:
    return obs["certificate"]["deployments"][deployment]["chain"][0]


def when(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def tls(
    obs: dict[str, Any], cid: str, now: dt.datetime, host: str = "portal.lab.test", **params: Any
) -> CheckResult:
    ctx = CheckContext(host=host, port=443, params=TLS_PARAMS | params, now=now)
    return run_check(cid, obs, ctx)


def http(obs: dict[str, Any], cid: str, **params: Any) -> CheckResult:
    return run_check(cid, obs, CheckContext(host="portal.example.vn", port=443, params=HTTP_PARAMS | params))


@pytest.fixture
def good() -> dict[str, Any]:
    return recorded("good")


def life(obs: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    cert = leaf(obs)
    return when(cert["not_before"]), when(cert["not_after"])


def add_deployment(obs: dict[str, Any], **leaf_changes: Any) -> dict[str, Any]:
    """A second chain, as sslyze reports for a server with e.g. an RSA and an ECDSA certificate."""
    deps = obs["certificate"]["deployments"]
    second = copy.deepcopy(deps[0])
    second["chain"][0].update(subject="CN=portal.lab.test,O=second chain", **leaf_changes)
    deps.append(second)
    return second


# --------------------------------------------------------------------------- tls.cert.validity


@pytest.mark.parametrize(
    "left,status,days",
    [
        # the rule: warn while FEWER than warn_days whole days are left
        (dt.timedelta(days=31), "pass", 31),  # N+1
        (dt.timedelta(days=30), "pass", 30),  # N exactly: not yet in the window
        (dt.timedelta(days=30) - SECOND, "warn", 29),  # a second inside the window
        (dt.timedelta(days=29), "warn", 29),  # N-1
    ],
)
def test_cert_expiry_warning_window_edges(
    good: dict[str, Any], left: dt.timedelta, status: str, days: int
) -> None:
    _nb, na = life(good)
    r = tls(good, "tls.cert.validity", now=na - left)
    assert (r.status, r.evidence["certificates"][0]["days_left"]) == (status, days)
    assert r.evidence["warn_days"] == 30


def test_cert_warning_window_comes_from_the_profile(good: dict[str, Any]) -> None:
    _nb, na = life(good)
    now = na - dt.timedelta(days=10)
    assert tls(good, "tls.cert.validity", now=now, cert_expiry_warn_days=10).status == "pass"
    assert tls(good, "tls.cert.validity", now=now, cert_expiry_warn_days=11).status == "warn"


def test_cert_valid_up_to_and_including_not_after(good: dict[str, Any]) -> None:
    nb, na = life(good)
    at_end = tls(good, "tls.cert.validity", now=na)
    assert at_end.status == "warn" and at_end.evidence["certificates"][0]["expired"] is False
    after = tls(good, "tls.cert.validity", now=na + dt.timedelta(microseconds=1))
    assert after.status == "fail" and "expired" in after.summary["en"]
    at_start = tls(good, "tls.cert.validity", now=nb)
    assert at_start.status == "pass" and at_start.evidence["certificates"][0]["not_yet_valid"] is False
    before = tls(good, "tls.cert.validity", now=nb - dt.timedelta(microseconds=1))
    assert before.status == "fail" and "not valid yet" in before.summary["en"]


def test_second_deployment_decides_validity_too(good: dict[str, Any]) -> None:
    _nb, na = life(good)
    second_end = (na - dt.timedelta(days=5)).isoformat()
    add_deployment(good, not_after=second_end)
    now = na - dt.timedelta(days=60)  # the first chain has 60 days left, the second 55
    assert tls(good, "tls.cert.validity", now=now).status == "pass"
    r = tls(good, "tls.cert.validity", now=na - dt.timedelta(days=35))  # second: exactly 30 days left
    assert r.status == "pass" and second_end in r.summary["en"]  # the soonest is reported
    r = tls(good, "tls.cert.validity", now=na - dt.timedelta(days=34))  # second: 29 days left
    assert r.status == "warn" and "second chain" in r.summary["en"]
    r = tls(good, "tls.cert.validity", now=na - dt.timedelta(days=4))  # second expired a day ago
    assert r.status == "fail" and "second chain" in r.summary["en"]


# --------------------------------------------------------------------------- several deployments


def test_second_untrusted_deployment_fails_trust(good: dict[str, Any]) -> None:
    now = life(good)[0] + DAY
    assert tls(good, "tls.cert.trusted", now=now).status == "pass"
    second = add_deployment(good, key_type="EC", key_size=256)
    for store in second["path_validation"]:
        store.update(ok=False, error="validation failed: unable to get local issuer certificate")
    r = tls(good, "tls.cert.trusted", now=now)
    assert r.status == "fail"
    assert [d["trusted_by"] for d in r.evidence["deployments"]] == [["Supplied CA file"], []]
    assert r.evidence["reason"].endswith("local issuer certificate")
    assert "second chain" in r.summary["en"]


def test_untrusted_first_deployment_is_not_hidden_by_a_trusted_second(good: dict[str, Any]) -> None:
    now = life(good)[0] + DAY
    add_deployment(good)
    for store in good["certificate"]["deployments"][0]["path_validation"]:
        store.update(ok=False, error="validation failed: self signed certificate")
    assert tls(good, "tls.cert.trusted", now=now).status == "fail"


def test_second_deployment_key_and_name_are_judged(good: dict[str, Any]) -> None:
    now = life(good)[0] + DAY
    add_deployment(good, key_type="EC", key_size=224, san_dns=["other.lab.test"], san_ip=[])
    key = tls(good, "tls.cert.key", now=now)
    assert key.status == "fail" and key.summary["en"].endswith("leaf EC-224 < 256")
    name = tls(good, "tls.cert.hostname", now=now)
    assert name.status == "fail" and "other.lab.test" in name.summary["en"]


# --------------------------------------------------------------------------- tls.cert.key


@pytest.mark.parametrize(
    "key_type,size,status",
    [
        ("RSA", 2049, "pass"),
        ("RSA", 2048, "pass"),  # the minimum itself is enough
        ("RSA", 2047, "fail"),
        ("DSA", 2048, "pass"),
        ("DSA", 2047, "fail"),
        ("EC", 257, "pass"),
        ("EC", 256, "pass"),
        ("EC", 255, "fail"),
        ("RSA", None, "fail"),  # unknown size is never strong enough
    ],
)
def test_key_size_edges(good: dict[str, Any], key_type: str, size: int | None, status: str) -> None:
    leaf(good).update(key_type=key_type, key_size=size)
    r = tls(good, "tls.cert.key", now=life(good)[0] + DAY)
    assert r.status == status, r.summary["en"]


def test_intermediate_key_at_the_edge(good: dict[str, Any]) -> None:
    """The chain's root is self-issued (the trust anchor: not judged); an intermediate is."""
    chain = good["certificate"]["deployments"][0]["chain"]
    inter = copy.deepcopy(chain[0]) | {"subject": "CN=Inter", "self_issued": False, "key_size": 2047}
    chain.insert(1, inter)
    r = tls(good, "tls.cert.key", now=life(good)[0] + DAY)
    assert r.status == "fail" and "intermediate 1 RSA-2047 < 2048" in r.summary["en"]
    inter["key_size"] = 2048
    assert tls(good, "tls.cert.key", now=life(good)[0] + DAY).status == "pass"


# --------------------------------------------------------------------------- http.frame_options


@pytest.mark.parametrize(
    "ancestors,status",
    [
        ("'none'", "pass"),
        ("'self'", "pass"),
        ("https://partner.example.vn", "pass"),  # a host source names who may frame
        ("https:", "fail"),  # a scheme source: ANY https origin may frame the page
        ("http:", "fail"),
        ("HTTPS:", "fail"),
        ("'self' https:", "fail"),
        ("*", "fail"),
    ],
)
def test_frame_ancestors_sources(ancestors: str, status: str) -> None:
    obs = with_headers(
        good_obs(), X_Frame_Options="DENY", Content_Security_Policy=f"frame-ancestors {ancestors}"
    )
    r = http(obs, "http.frame_options")
    assert r.status == status, r.summary["en"]
    if status == "fail":
        assert r.evidence["frame_ancestors"] == ancestors.lower()


# --------------------------------------------------------------------------- http.cookies


@pytest.mark.parametrize(
    "samesite,status",
    [
        (None, "pass"),  # no attribute: the browser default, not a defect of what was written
        ("Lax", "pass"),
        ("strict", "pass"),
        ("None", "pass"),  # with Secure (the cookie has it)
        ("Nonee", "fail"),
        ("", "fail"),  # "SameSite=" (or a bare "SameSite"): ignored by browsers
        ("Lax, Strict", "fail"),
    ],
)
def test_samesite_values(samesite: str | None, status: str) -> None:
    obs = good_obs()
    obs["https"]["cookies"] = [cookie("PHPSESSID", samesite=samesite)]
    r = http(obs, "http.cookies")
    assert r.status == status, r.summary["en"]
    if status == "fail":
        assert [p["name"] for p in r.evidence["problems"]] == ["PHPSESSID"]
        assert "SameSite" in r.summary["en"]


def test_invalid_samesite_on_a_later_cookie_is_found() -> None:
    obs = good_obs()
    obs["https"]["cookies"] = [cookie("lang"), cookie("PHPSESSID"), cookie("theme", samesite="Nonee")]
    r = http(obs, "http.cookies")
    assert r.status == "fail" and [p["name"] for p in r.evidence["problems"]] == ["theme"]


# --------------------------------------------------------------------------- http.hsts


@pytest.mark.parametrize(
    "max_age,status",
    [(15552001, "pass"), (15552000, "pass"), (15551999, "fail")],
)
def test_hsts_max_age_edges(max_age: int, status: str) -> None:
    assert HTTP_PARAMS["hsts_min_max_age"] == 15552000  # the shipped level-1 minimum
    obs = with_headers(good_obs(), Strict_Transport_Security=f"max-age={max_age}; includeSubDomains")
    r = http(obs, "http.hsts")
    assert r.status == status and r.evidence["max_age"] == max_age


# --------------------------------------------------------------------------- http.security_txt


def _sectxt(expires: dt.datetime) -> dict[str, Any]:
    obs = good_obs()
    obs["security_txt"] = security_txt_section(expires=[expires.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return obs


NOW = dt.datetime(2026, 11, 26, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "left,status",
    [
        (dt.timedelta(days=31), "pass"),
        (dt.timedelta(days=30), "pass"),  # exactly the warning window: not yet inside
        (dt.timedelta(days=30) - SECOND, "warn"),
        (SECOND, "warn"),
        (dt.timedelta(0), "fail"),  # RFC 9116: stale from the Expires instant on
        (-SECOND, "fail"),
    ],
)
def test_security_txt_expiry_edges(left: dt.timedelta, status: str) -> None:
    r = http(_sectxt(NOW + left), "http.security_txt", now=NOW)
    assert r.status == status, r.summary["en"]
