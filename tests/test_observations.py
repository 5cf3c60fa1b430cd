"""Typed observations (secaudit/checks/<family>/observation.py): stored observations are read back
from bundles for re-judging, so they are untrusted. A malformed field makes exactly the checks that
read it ``error`` with a reason naming the field; the other checks judge as before; nothing raises."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from test_http_checks import PARAMS as HTTP_PARAMS
from test_http_checks import cookie, good_obs

from secaudit.checks import CheckContext, checks_for_probe, run_check, run_probe_checks
from secaudit.checks.observation import Broken
from secaudit.checks.tls.observation import parse as parse_tls

TLS = json.loads((Path(__file__).parent / "data" / "tls" / "good.json").read_text(encoding="utf-8"))
TLS_PARAMS = {"cert_expiry_warn_days": 30, "min_rsa_bits": 2048, "min_ec_bits": 256}
TLS_NOW = dt.datetime.fromisoformat(
    TLS["certificate"]["deployments"][0]["chain"][0]["not_before"]
) + dt.timedelta(days=1)
PORTS = {
    "address": "127.0.0.1",
    "scanned": [22, 23, 443],
    "open": [{"port": 443, "service": "https", "product": "", "version": ""}],
}
PORTS_PARAMS = {"risky_ports": {23: "telnet"}}


def ctx(probe: str) -> CheckContext:
    if probe == "tls":
        return CheckContext(host="portal.lab.test", port=443, params=TLS_PARAMS, now=TLS_NOW)
    if probe == "http":
        return CheckContext(host="portal.example.vn", port=443, params=HTTP_PARAMS)
    return CheckContext(host="127.0.0.1", port=443, params=PORTS_PARAMS, expected_ports=[443])


def statuses(probe: str, obs: dict[str, Any]) -> dict[str, str]:
    return {r.id: r.status for r in run_probe_checks(probe, obs, ctx(probe))}


def leaf(obs: dict[str, Any]) -> dict[str, Any]:
    return obs["certificate"]["deployments"][0]["chain"][0]


@pytest.fixture
def tls() -> dict[str, Any]:
    return copy.deepcopy(TLS)


HTTP_BASE = statuses("http", good_obs())


def changed(probe: str, obs: dict[str, Any]) -> dict[str, str]:
    """The checks whose status moved from the unedited observation's, with their new status."""
    base = {"tls": statuses("tls", TLS), "http": HTTP_BASE, "ports": statuses("ports", PORTS)}[probe]
    return {cid: st for cid, st in statuses(probe, obs).items() if st != base[cid]}


def test_unedited_observations_judge_as_recorded() -> None:
    assert set(statuses("tls", TLS).values()) == {"pass"}
    assert HTTP_BASE["http.cookies"] == HTTP_BASE["http.hsts"] == "pass"
    assert statuses("ports", PORTS) == {"ports.risky_services": "pass", "ports.unexpected_open": "pass"}


@pytest.mark.parametrize(
    "field,value,broken,reason",
    [
        ("key_size", "2048", "tls.cert.key", "key_size is a str, not an integer"),
        ("key_size", True, "tls.cert.key", "not an integer"),  # True == 1 in Python: never a size
        ("not_after", "next year", "tls.cert.validity", "not an ISO 8601 date-time"),
        ("san_dns", "portal.lab.test", "tls.cert.hostname", "san_dns is a str, not a list"),
        ("signature_hash", 1, "tls.cert.signature", "signature_hash is an int"),
    ],
)
def test_a_malformed_certificate_field_errors_only_its_check(
    tls: dict[str, Any], field: str, value: Any, broken: str, reason: str
) -> None:
    leaf(tls)[field] = value
    got = statuses("tls", tls)
    assert got.pop(broken) == "error"
    assert set(got.values()) == {"pass"}
    r = run_check(broken, tls, ctx("tls"))
    assert reason in r.summary["en"] and "chain[0]" in r.evidence["reason"]


@pytest.mark.parametrize(
    "section,value,check_id",
    [
        (
            "renegotiation",
            {"supports_secure_renegotiation": "false", "client_renegotiation_dos": False},
            "tls.renegotiation.secure",
        ),
        ("compression", {"supported": 0}, "tls.compression.disabled"),
        ("heartbleed", {"vulnerable": "no"}, "tls.vuln.heartbleed"),
        ("robot", {"result": ["NOT_VULNERABLE_NO_ORACLE"]}, "tls.vuln.robot"),
    ],
)
def test_a_flag_that_is_not_a_boolean_is_never_read_as_one(
    tls: dict[str, Any], section: str, value: Any, check_id: str
) -> None:
    """ "false" is truthy: read as is, an insecure renegotiation would have passed."""
    tls[section] = value
    assert changed("tls", tls) == {check_id: "error"}


def test_a_path_validation_flag_must_be_a_boolean(tls: dict[str, Any]) -> None:
    for store in tls["certificate"]["deployments"][0]["path_validation"]:
        store["ok"] = "false"  # truthy: every store would have "validated" the chain
    r = run_check("tls.cert.trusted", tls, ctx("tls"))
    assert r.status == "error" and "ok is a str, not a boolean" in r.summary["en"]


def test_a_malformed_suite_makes_its_protocol_unknown(tls: dict[str, Any]) -> None:
    tls["protocols"]["TLS 1.2"]["suites"][0]["key_size"] = "128"
    got = statuses("tls", tls)
    # TLS 1.2 is now unknown: the checks that need it say so, the legacy-protocol check does not
    assert (got["tls.cipher.weak_disabled"], got["tls.cipher.forward_secrecy"]) == ("error", "error")
    assert got["tls.protocol.legacy_disabled"] == "pass"
    r = run_check("tls.cipher.forward_secrecy", tls, ctx("tls"))
    assert "protocols['TLS 1.2'].suites[0].key_size" in r.summary["en"]


def test_parsing_keeps_facets_apart() -> None:
    obs = copy.deepcopy(TLS)
    leaf(obs)["key_size"] = "big"
    cert = parse_tls(obs).certificate
    assert not isinstance(cert, Broken)
    first = cert.deployments[0].leaf
    assert isinstance(first.key, Broken) and not isinstance(first.validity, Broken)


def test_a_malformed_cookie_errors_only_the_cookie_check() -> None:
    obs = good_obs()
    obs["https"]["cookies"] = [cookie("PHPSESSID") | {"secure": "yes"}]
    assert changed("http", obs) == {"http.cookies": "error"}
    obs = good_obs()
    obs["https"]["cookies"].append("PHPSESSID=1; Secure")  # a raw string where a cookie record belongs
    assert run_check("http.cookies", obs, ctx("http")).status == "error"  # was silently skipped


def test_a_malformed_header_errors_the_header_checks_only() -> None:
    obs = good_obs()
    obs["https"]["headers"].append(["X-Frame-Options"])  # no value
    moved = changed("http", obs)
    assert set(moved.values()) == {"error"}
    assert {"http.hsts", "http.csp", "http.frame_options", "http.cookies", "http.server_disclosure"} <= set(
        moved
    )
    assert not {"http.https_redirect", "http.sensitive_paths", "http.security_txt"} & set(moved)


def test_plain_http_section_that_is_not_a_mapping_errors_the_cookie_check() -> None:
    obs = good_obs()
    obs["plain_http"] = "redirected"
    assert changed("http", obs) == {"http.https_redirect": "error", "http.cookies": "error"}


@pytest.mark.parametrize(
    "change",
    [
        {"open": [{"port": "23", "service": "telnet"}]},
        {"open": [{"port": 23, "service": "telnet"}], "scanned": [22, 443]},  # open but never scanned
        {"scanned": "22,23,443"},
        {"open": None},
    ],
)
def test_a_malformed_port_list_errors_both_port_checks(change: dict[str, Any]) -> None:
    obs = PORTS | change
    assert statuses("ports", obs) == {"ports.risky_services": "error", "ports.unexpected_open": "error"}


ODD: list[Any] = [None, "false", 0, True, [], {}, "x", -1, 2.5, [None], {"error": "boom"}]


def _mutants(base: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)

    def paths(x: Any, pre: tuple = ()) -> list[tuple]:
        out = [pre] if pre else []
        items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else []
        for k, v in items:
            out += paths(v, (*pre, k))
        return out

    every = paths(base)
    out = []
    for _ in range(n):
        o = copy.deepcopy(base)
        *head, last = rnd.choice(every)
        parent = o
        for k in head:
            parent = parent[k]
        if rnd.random() < 0.25:
            del parent[last]
        else:
            parent[last] = copy.deepcopy(rnd.choice(ODD))
        out.append(o)
    return out


@pytest.mark.parametrize("probe,base", [("tls", TLS), ("http", good_obs()), ("ports", PORTS)])
def test_mutated_observations_never_raise_and_both_paths_agree(probe: str, base: dict[str, Any]) -> None:
    """Typed once for all checks (scan, re-judging) or once per check (run_check): same results."""
    for obs in _mutants(base, 150, seed=11):
        at_once = [r.to_dict() for r in run_probe_checks(probe, obs, ctx(probe))]
        one_by_one = [run_check(cid, obs, ctx(probe)).to_dict() for cid in checks_for_probe(probe)]
        assert at_once == one_by_one
        assert all(r["summary"]["en"] and r["summary"]["vi"] for r in at_once)  # every verdict says why
