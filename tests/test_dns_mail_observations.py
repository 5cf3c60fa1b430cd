"""dns.*, mail.*, web.ipv6 re-judged from stored (possibly hand-edited) observations: a malformed
or missing part is an ``error`` with a reason, never a crash, never a ``pass``. Pure: no server."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secaudit.checks import CheckContext, run_probe_checks
from secaudit.core.model import CHECK_STATUSES

CTX = CheckContext(host="good.lab", port=443, params={})

SECURE_DOMAIN: dict[str, Any] = {
    "domain": "good.lab",
    "nameservers": {
        "names": ["ns1.good.lab", "ns2.good.lab"],
        "servers": [
            {
                "name": n,
                "a": ["192.0.2.1"],
                "aaaa": ["2001:db8::1"],
                "answers": [
                    {
                        "address": "192.0.2.1",
                        "family": 4,
                        "ok": True,
                        "rcode": "NOERROR",
                        "authoritative": True,
                        "serial": 1,
                    },
                    {
                        "address": "2001:db8::1",
                        "family": 6,
                        "ok": True,
                        "rcode": "NOERROR",
                        "authoritative": True,
                        "serial": 1,
                    },
                ],
            }
            for n in ("ns1.good.lab", "ns2.good.lab")
        ],
    },
    "dnssec": {"status": "secure", "reason": "ok", "zone": "good.lab.", "chain": []},
    "caa": {"found_at": "good.lab", "records": [{"flags": 0, "tag": "issue", "value": "ca.example"}]},
}
DNS_OBS = {
    "domains": [SECURE_DOMAIN],
    "web": {
        "host": "good.lab",
        "port": 443,
        "a": [],
        "aaaa": ["2001:db8::1"],
        "ipv6_connect": [{"address": "2001:db8::1", "port": 443, "ok": True}],
    },
}
MAIL_DOMAIN: dict[str, Any] = {
    "domain": "good.lab",
    "mx": {"records": [], "null_mx": True},
    "spf": {
        "record": "v=spf1 -all",
        "result": "fail",
        "lookups": 0,
        "terms": ["-all"],
        "all": "-all",
        "includes": [],
    },
    "dmarc": {
        "name": "_dmarc.good.lab",
        "records": ["v=DMARC1; p=reject"],
        "tags": {"v": "DMARC1", "p": "reject"},
    },
    "servers": [],
}
MAIL_OBS = {"domains": [MAIL_DOMAIN]}


def _statuses(probe: str, obs: Any) -> dict[str, str]:
    return {r.id: r.status for r in run_probe_checks(probe, obs, CTX)}


def test_reference_observations_pass() -> None:
    assert set(_statuses("dns", DNS_OBS).values()) == {"pass"}
    assert set(_statuses("mail", MAIL_OBS).values()) == {"pass"}


@pytest.mark.parametrize(
    "probe,obs",
    [
        ("dns", None),
        ("dns", []),
        ("dns", {"error": "x"}),
        ("mail", {"domains": "x"}),
        ("mail", {"domains": [{"no": "domain"}]}),
        ("mail", {"error": "boom"}),
    ],
)
def test_unusable_observation_is_error(probe: str, obs: Any) -> None:
    assert set(_statuses(probe, obs).values()) == {"error"}


@pytest.mark.parametrize("section", ["nameservers", "dnssec", "caa"])
def test_missing_dns_section_errors_only_its_check(section: str) -> None:
    obs = copy.deepcopy(DNS_OBS)
    del obs["domains"][0][section]
    st_ = _statuses("dns", obs)
    check = {"nameservers": "dns.nameservers", "dnssec": "dns.dnssec", "caa": "dns.caa"}[section]
    assert st_[check] == "error"
    assert [c for c, s in st_.items() if s != "pass"] == [check]


_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(d: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(d, dict):
        for k, v in d.items():
            out.append((*prefix, k))
            out += _paths(v, (*prefix, k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.append((*prefix, i))
            out += _paths(v, (*prefix, i))
    return out


def _set(d: Any, path: tuple, value: Any) -> None:
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["dns", "mail"]), st.data())
def test_junk_anywhere_never_crashes(probe: str, data: st.DataObject) -> None:
    base = DNS_OBS if probe == "dns" else MAIL_OBS
    obs = copy.deepcopy(base)
    path = data.draw(st.sampled_from(_paths(obs)))
    _set(obs, path, data.draw(_JUNK))
    for status in _statuses(probe, obs).values():
        assert status in CHECK_STATUSES


@pytest.mark.parametrize("status", ["insecure", "bogus", "error", "secure-ish", "", None])
def test_only_secure_passes_dnssec(status: Any) -> None:
    obs = copy.deepcopy(DNS_OBS)
    obs["domains"][0]["dnssec"]["status"] = status
    assert _statuses("dns", obs)["dns.dnssec"] in ("fail", "error")


def test_unscanned_mx_never_passes() -> None:
    srv = {
        "exchange": "mx1.good.lab",
        "port": 25,
        "address": "192.0.2.5",
        "smtp": {"connected": True, "starttls": True},
        "tls": {"error": "x"},
        "tlsa": {"name": "_25._tcp.mx1.good.lab", "status": "secure", "records": []},
    }
    d = copy.deepcopy(MAIL_DOMAIN)
    d["mx"] = {
        "records": [{"preference": 10, "exchange": "mx1.good.lab"}],
        "null_mx": False,
        "not_scanned": ["mx9.good.lab"],
    }
    d["servers"] = [srv]
    st_ = _statuses("mail", {"domains": [d]})
    assert st_["mail.starttls"] == "fail"  # the scanned MX fails: that is definite
    srv["tls"] = {"host": "mx1.good.lab"}  # pretend a clean TLS observation: then the unscanned one decides
    assert _statuses("mail", {"domains": [d]})["mail.starttls"] in ("error", "fail")
