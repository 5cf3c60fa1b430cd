"""dns.* and web.ipv6 against NSD on loopback serving zones signed at test time (ldns-signzone).

dnspython is not mocked: the probe asks the lab server (``--dns-server 127.0.0.240:PORT``) and
validates from the lab parent's DS (``--trust-anchor``)."""

from __future__ import annotations

import socket

import pytest
from dnsmail_lab import observed, scenario, target, verdicts

from secaudit.core.errors import InputError
from secaudit.probes import dns as dns_probe
from secaudit.probes.dnssec import Server, load_anchors, parse_server
from secaudit.probes.domains import DomainOptions

DOMAINS = (
    "good.lab",
    "weak.lab",
    "bogus.lab",
    "wrongds.lab",
    "nsec3.lab",
    "danebad.lab",
    "plain.lab",
    "broken.lab",
    "onev6.lab",
)


def _v(domain: str) -> dict:
    return verdicts("dns", observed("dns", DOMAINS)[domain])


@pytest.mark.parametrize(
    "domain,status,key",
    [
        ("good.lab", "pass", "pass"),
        ("nsec3.lab", "pass", "pass"),
        ("weak.lab", "fail", "insecure"),
        ("bogus.lab", "fail", "bogus"),
        ("wrongds.lab", "fail", "bogus"),
        ("broken.lab", "error", "error"),
    ],
)
def test_dnssec_verdicts(domain: str, status: str, key: str) -> None:
    r = _v(domain)["dns.dnssec"]
    assert r.status == status, r.summary
    assert r.evidence["dnssec"] in ("secure", "insecure", "bogus", "error")


def test_dnssec_bogus_says_why() -> None:
    assert "expired" in _v("bogus.lab")["dns.dnssec"].evidence["reason"]
    assert "matches the DS" in _v("wrongds.lab")["dns.dnssec"].evidence["reason"]
    assert "bogus" in _v("bogus.lab")["dns.dnssec"].summary["en"].lower()


@pytest.mark.parametrize(
    "domain,status",
    [("good.lab", "pass"), ("weak.lab", "warn"), ("plain.lab", "warn"), ("danebad.lab", "fail")],
)
def test_caa(domain: str, status: str) -> None:
    assert _v(domain)["dns.caa"].status == status


def test_caa_found_at_parent_for_subdomain() -> None:
    obs = dns_probe.collect([target("www.good.lab")], scenario().options)[0]
    r = verdicts("dns", obs)["dns.caa"]
    assert r.status == "pass" and r.evidence["found_at"] == "good.lab"


def test_nameservers() -> None:
    assert _v("good.lab")["dns.nameservers"].status == "pass"
    single = _v("plain.lab")["dns.nameservers"]
    assert single.status == "fail" and "ns1.plain.lab" in single.summary["en"]
    assert _v("broken.lab")["dns.nameservers"].status == "error"


def test_nameservers_ipv6_boundary() -> None:
    # internet.nl: at least two name servers answering over IPv6; one of two is not enough
    r = _v("onev6.lab")["dns.nameservers"]
    assert r.status == "fail" and r.evidence["ipv6"] == ["ns1.onev6.lab"]
    assert _v("good.lab")["dns.nameservers"].evidence["ipv6"] == ["ns1.good.lab", "ns2.good.lab"]


def test_web_ipv6_reachable_and_not() -> None:
    sc = scenario()
    ok = dns_probe.collect([target("www.good.lab", sc.web_port)], sc.options)[0]
    assert verdicts("dns", ok, "www.good.lab", sc.web_port)["web.ipv6"].status == "pass"
    no_aaaa = dns_probe.collect([target("v4only.good.lab")], sc.options)[0]
    assert verdicts("dns", no_aaaa)["web.ipv6"].status == "fail"
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:  # bound, not listening: refused
        s.bind(("::1", 0))
        closed = dns_probe.collect([target("www.good.lab", s.getsockname()[1])], sc.options)[0]
        r = verdicts("dns", closed, "www.good.lab")["web.ipv6"]
    assert r.status == "fail" and r.evidence["connect"][0]["ok"] is False


def test_ip_target_is_not_applicable() -> None:
    obs = dns_probe.collect([target("127.0.0.1")], scenario().options)[0]
    v = verdicts("dns", obs, "127.0.0.1")
    assert v["dns.dnssec"].status == "not_applicable"
    assert v["web.ipv6"].status == "not_applicable"


def test_several_domains_worst_wins() -> None:
    obs = dns_probe.collect([target("x", domains=["good.lab", "weak.lab"])], scenario().options)[0]
    r = verdicts("dns", obs)["dns.dnssec"]
    assert r.status == "fail"
    assert "good.lab" in r.summary["en"] and "weak.lab" in r.summary["en"]
    assert set(r.evidence["domains"]) == {"good.lab", "weak.lab"}


def test_timeout_is_error_never_pass() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound UDP socket: never answers
        silent.bind(("127.0.0.246", 0))
        opts = DomainOptions(
            dns_servers=[Server("127.0.0.246", silent.getsockname()[1])],
            trust_anchor=scenario().dns.trust_anchor,
            timeout=0.3,
        )
        obs = dns_probe.collect([target("good.lab")], opts)[0]
    v = verdicts("dns", obs, "good.lab")
    for cid in ("dns.dnssec", "dns.caa", "dns.nameservers", "web.ipv6"):
        assert v[cid].status == "error", (cid, v[cid].summary)
    assert "timeout" in v["dns.dnssec"].summary["en"]
    assert obs["domains"][0]["queries"] == 1  # a silent server is not asked again for this domain


def test_without_lab_anchor_the_root_cannot_be_reached() -> None:
    opts = DomainOptions(dns_servers=scenario().options.dns_servers, timeout=2.0)
    obs = dns_probe.collect([target("good.lab")], opts)[0]
    r = verdicts("dns", obs)["dns.dnssec"]
    assert r.status == "error" and "REFUSED" in r.summary["en"]


def test_dns_server_and_anchor_parsing(tmp_path) -> None:
    assert parse_server("127.0.0.240:5353") == Server("127.0.0.240", 5353)
    assert parse_server("[::1]:53") == Server("::1", 53) and parse_server("::1") == Server("::1", 53)
    for bad in ("ns.example:53", "127.0.0.1:0", "127.0.0.1:x", "[::1]x"):
        with pytest.raises(InputError):
            parse_server(bad)
    bad = tmp_path / "anchor.txt"
    bad.write_text("lab. IN A 127.0.0.1\n")
    with pytest.raises(InputError, match="only DS or DNSKEY"):
        load_anchors(bad)
    bad.write_text("not a record at all ((\n")
    with pytest.raises(InputError):
        load_anchors(bad)
    with pytest.raises(InputError):
        load_anchors(tmp_path / "missing.txt")
    assert len(load_anchors(scenario().dns.trust_anchor)) == 2


def test_dnskey_trust_anchor(tmp_path) -> None:
    import dns.message
    import dns.query

    sc = scenario()
    q = dns.message.make_query("lab.", "DNSKEY")
    keys = dns.query.udp(q, sc.dns.address, port=sc.dns.port, timeout=2).answer[0]
    ksk = [k for k in keys if k.flags == 257]
    zsk = [k for k in keys if k.flags == 256]
    assert ksk and zsk
    good = tmp_path / "ksk.txt"
    good.write_text("".join(f"lab. 300 IN DNSKEY {k.to_text()}\n" for k in ksk))
    wrong = tmp_path / "zsk.txt"  # the ZSK does not sign the DNSKEY set: nothing validates
    wrong.write_text("".join(f"lab. 300 IN DNSKEY {k.to_text()}\n" for k in zsk))
    for anchor, expected in ((good, "pass"), (wrong, "fail")):
        opts = DomainOptions(dns_servers=sc.options.dns_servers, trust_anchor=anchor, timeout=2.0)
        obs = dns_probe.collect([target("good.lab")], opts)[0]
        assert verdicts("dns", obs)["dns.dnssec"].status == expected, anchor.name


def test_nonexistent_domain_is_error_everywhere() -> None:
    from secaudit.probes import mail as mail_probe

    sc = scenario()
    dns_v = verdicts("dns", dns_probe.collect([target("nosuch.lab")], sc.options)[0])
    mail_v = verdicts("mail", mail_probe.collect([target("nosuch.lab")], sc.options)[0])
    for r in [*dns_v.values(), *mail_v.values()]:
        assert r.status == "error", (r.id, r.summary)
    assert "NXDOMAIN" in dns_v["dns.dnssec"].summary["en"]


def test_anchor_without_signed_keys_is_error_not_bogus(tmp_path) -> None:
    # an anchor for a zone whose server hands out no signed DNSKEY set (like a resolver that
    # strips DNSSEC records): nothing is proven either way
    anchor = tmp_path / "weak.ds"
    anchor.write_text("weak.lab. IN DS 12345 13 2 " + "ab" * 32 + "\n")
    opts = DomainOptions(dns_servers=scenario().options.dns_servers, trust_anchor=anchor, timeout=2.0)
    r = verdicts("dns", dns_probe.collect([target("weak.lab")], opts)[0])["dns.dnssec"]
    assert r.status == "error" and "no DNSSEC data" in r.summary["en"]


def test_insecure_delegation_under_an_nsec3_parent() -> None:
    from secaudit.lab.dnslab import DnsLab, ZoneSpec
    from secaudit.probes.dnssec import Querier, Validator

    with DnsLab("127.0.0.239", parent="nthree", parent_nsec3=True) as lab:
        lab.add(ZoneSpec("open.nthree"))
        lab.add(ZoneSpec("signed.nthree", signed=True))
        run = lab.start()
        v = Validator(Querier([Server(run.address, run.port)], 2.0), load_anchors(run.trust_anchor))
        assert v.chain("open.nthree").status == "insecure"
        assert v.chain("signed.nthree").status == "secure"


def test_a_denial_that_does_not_cover_the_name_proves_nothing() -> None:
    import dns.message
    import dns.name
    import dns.rrset

    from secaudit.probes.dnssec import no_ds_proof

    def resp(*rrsets: dns.rrset.RRset) -> dns.message.Message:
        m = dns.message.make_response(dns.message.make_query("x.lab.", "DS"))
        m.authority = list(rrsets)
        return m

    replayed = dns.rrset.from_text("a.lab.", 300, "IN", "NSEC", "c.lab. NS RRSIG NSEC")
    assert "do not cover" in no_ds_proof(resp(replayed), dns.name.from_text("x.lab."))
    at_name = dns.rrset.from_text("x.lab.", 300, "IN", "NSEC", "z.lab. NS RRSIG NSEC")
    assert no_ds_proof(resp(at_name), dns.name.from_text("x.lab.")) == ""
    with_ds = dns.rrset.from_text("x.lab.", 300, "IN", "NSEC", "z.lab. NS DS RRSIG NSEC")
    assert "lists a DS" in no_ds_proof(resp(with_ds), dns.name.from_text("x.lab."))
    covering = dns.rrset.from_text("w.lab.", 300, "IN", "NSEC", "y.lab. A RRSIG NSEC")
    assert no_ds_proof(resp(covering), dns.name.from_text("x.lab.")) == ""


def test_names_that_do_not_exist_in_an_nsec3_zone_are_secure() -> None:
    from secaudit.probes.dnssec import Querier, Validator

    sc = scenario()
    v = Validator(Querier(sc.options.dns_servers, 2.0), load_anchors(sc.dns.trust_anchor))
    assert v.chain("a.b.nsec3.lab").status == "secure"
    res = v.lookup("_25._tcp.mail.nsec3.lab", "TLSA")
    assert res["rcode"] == "NXDOMAIN" and res["status"] == "secure", res["reason"]
