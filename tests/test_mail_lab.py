"""mail.* against NSD zones and aiosmtpd MX servers on loopback (STARTTLS scanned by sslyze's SMTP
opportunistic TLS); SPF evaluated by pyspf through the lab resolver. Nothing is mocked."""

from __future__ import annotations

import pytest
from dnsmail_lab import observed, scenario, target, verdicts

from secaudit.probes import mail as mail_probe

MAIL = ("good.lab", "weak.lab", "danebad.lab", "plain.lab", "nomail.lab", "nomailopen.lab", "broken.lab")
SPF_ONLY = (
    "soft.weak.lab",
    "many.weak.lab",
    "two.weak.lab",
    "redir.weak.lab",
    "nospf.weak.lab",
    "esc.weak.lab",
)


ALL = MAIL + SPF_ONLY  # one collect: an MX shared by several domains is scanned once


def _v(domain: str) -> dict:
    return verdicts("mail", observed("mail", ALL)[domain])


_spf = _v


def test_good_domain_passes_every_mail_check() -> None:
    v = _v("good.lab")
    for cid in ("mail.spf", "mail.dmarc", "mail.starttls", "mail.dane"):
        assert v[cid].status == "pass", (cid, v[cid].summary)
    assert v["mail.spf"].evidence["all"] == "-all"
    assert v["mail.dmarc"].evidence["tags"]["p"] == "reject"


def test_weak_domain() -> None:
    v = _v("weak.lab")
    assert v["mail.spf"].status == "fail" and "?all" in v["mail.spf"].summary["en"]
    assert v["mail.dmarc"].status == "fail" and "p=none" in v["mail.dmarc"].summary["en"]
    tls = v["mail.starttls"]
    assert tls.status == "fail", tls.summary
    server = tls.evidence["servers"][0]
    assert server["tls"]["tls.protocol.legacy_disabled"] == "fail"
    assert "giao thức" in server["reason_vi"].lower() and "protocol" in server["reason_en"], server
    # an unsigned MX zone cannot carry DANE
    assert v["mail.dane"].status == "fail" and "not DNSSEC-signed" in v["mail.dane"].summary["en"]


def test_spf_include_is_resolved() -> None:
    spf = observed("mail", ALL)["weak.lab"]["domains"][0]["spf"]
    assert spf["includes"][0]["domain"] == "inc.weak.lab"
    assert spf["includes"][0]["all"] == "~all"
    assert spf["lookups"] == 1


def test_tlsa_mismatch_fails_dane() -> None:
    v = _v("danebad.lab")
    assert v["mail.starttls"].status in ("pass", "warn")
    r = v["mail.dane"]
    assert r.status == "fail" and "matches the certificate" in r.summary["en"]


def test_no_starttls_fails() -> None:
    r = _v("plain.lab")["mail.starttls"]
    assert r.status == "fail" and "no STARTTLS" in r.summary["en"]


def test_null_mx_with_spf_minus_all_and_reject_passes_all() -> None:
    v = _v("nomail.lab")
    assert observed("mail", ALL)["nomail.lab"]["domains"][0]["mx"]["null_mx"] is True
    for cid in ("mail.spf", "mail.dmarc", "mail.starttls", "mail.dane"):
        assert v[cid].status == "pass", (cid, v[cid].summary)


def test_no_mx_not_locked_down_never_passes() -> None:
    v = _v("nomailopen.lab")
    assert v["mail.spf"].status == "fail"
    assert v["mail.dmarc"].status == "fail"
    assert v["mail.starttls"].status == "not_applicable"
    assert v["mail.dane"].status == "not_applicable"


def test_servfail_is_error() -> None:
    v = _v("broken.lab")
    for cid in ("mail.spf", "mail.dmarc", "mail.starttls", "mail.dane"):
        assert v[cid].status == "error", (cid, v[cid].summary)


@pytest.mark.parametrize(
    "domain,spf_status,dmarc_status",
    [
        ("soft.weak.lab", "pass", "warn"),  # ~all is strict enough (internet.nl); pct=50 warns
        ("many.weak.lab", "fail", "pass"),  # 11 includes: over the 10-lookup limit (DMARC: sp=reject)
        ("two.weak.lab", "fail", "pass"),  # two SPF records: permerror
        ("redir.weak.lab", "pass", "warn"),  # redirect= to a ~all record; external rua unauthorised
        ("nospf.weak.lab", "fail", "pass"),  # no SPF; DMARC inherited from weak.lab: its sp=reject
    ],
)
def test_spf_and_dmarc_variants(domain: str, spf_status: str, dmarc_status: str) -> None:
    v = _spf(domain)
    assert v["mail.spf"].status == spf_status, v["mail.spf"].summary
    assert v["mail.dmarc"].status == dmarc_status, v["mail.dmarc"].summary


def test_dmarc_inherited_from_the_organisational_domain() -> None:
    r = _spf("nospf.weak.lab")["mail.dmarc"]
    assert r.evidence["inherited_from"] == "weak.lab" and "p=reject" in r.summary["en"]
    obs = mail_probe.collect([target("sub.good.lab")], scenario().options)[0]
    v = verdicts("mail", obs)
    assert v["mail.dmarc"].status == "pass" and v["mail.dmarc"].evidence["inherited_from"] == "good.lab"
    assert v["mail.spf"].status == "fail"  # no SPF at the subdomain: SPF is not inherited


def test_control_characters_from_dns_are_escaped() -> None:
    d = observed("mail", ALL)["esc.weak.lab"]["domains"][0]
    assert "\x1b" not in d["spf"]["record"] and "\\x1b[2J" in d["spf"]["record"]
    assert all("\x1b" not in r and "\x07" not in r for r in d["dmarc"]["records"])
    v = _v("esc.weak.lab")
    assert all("\x1b" not in r.summary[lang] for r in v.values() for lang in ("vi", "en"))


def test_silent_or_dead_mx_is_error_never_pass() -> None:
    import dataclasses
    import socket

    from dnsmail_lab import MX_SILENT

    sc = scenario()
    opts = dataclasses.replace(sc.options, timeout=0.5)
    with socket.socket() as silent:  # listens (the kernel accepts), never says a word
        silent.bind((MX_SILENT, sc.smtp_port))
        silent.listen(4)
        obs = mail_probe.collect([target("silentmx.weak.lab"), target("deadmx.weak.lab")], opts)
    for o in obs:
        r = verdicts("mail", o)["mail.starttls"]
        assert r.status == "error", r.summary


def test_lookup_limit_boundary() -> None:
    r = _spf("many.weak.lab")["mail.spf"]
    assert r.evidence["lookups"] == 11 and "11" in r.summary["en"]


def test_www_is_stripped_for_mail() -> None:
    obs = mail_probe.collect([target("www.nomail.lab")], scenario().options)[0]
    assert obs["domains"][0]["domain"] == "nomail.lab"
