"""The loopback lab: real handshakes against its servers, with the lab CA as the only trust."""

from __future__ import annotations

import datetime as dt
import socket
import ssl

import pytest
import requests
from cryptography import x509

from secaudit.lab.certs import LabCA
from secaudit.lab.sites import GOOD_HEADERS, SECURITY_TXT_PATH, Lab, SiteSpec

ADDR = "127.0.0.60"


@pytest.fixture(scope="module")
def good(lab: Lab):
    return lab.start(
        SiteSpec(
            name="lab-good",
            address=ADDR,
            hostname=ADDR,
            cookies=["sid=1; Secure; HttpOnly"],
            paths={"/.env": (200, "text/plain", b"DB_PASSWORD=x\n")},
        )
    )


def _client_ctx(ca_file, **kw) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca_file))
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def test_good_site_verifies_with_lab_ca(lab: Lab, good) -> None:
    r = requests.get(good.url + "/", verify=str(lab.ca_file), timeout=5)
    assert r.status_code == 200
    for name, value in GOOD_HEADERS.items():
        assert r.headers[name] == value
    assert r.headers["Server"] == "secaudit-lab"
    assert r.headers["Set-Cookie"] == "sid=1; Secure; HttpOnly"
    assert good.url == f"https://{ADDR}:{good.https_port}"
    env = requests.get(good.url + "/.env", verify=str(lab.ca_file), timeout=5)
    assert (env.status_code, env.text) == (200, "DB_PASSWORD=x\n")
    assert requests.get(good.url + "/nope", verify=str(lab.ca_file), timeout=5).status_code == 404


def test_good_site_serves_a_valid_security_txt_by_default(lab: Lab, good) -> None:
    r = requests.get(good.url + SECURITY_TXT_PATH, verify=str(lab.ca_file), timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in r.text.splitlines() if not line.startswith("#"))
    assert fields["Contact"].startswith("mailto:")
    expires = dt.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    days = (expires - dt.datetime.now(dt.timezone.utc)).days
    assert 363 <= days <= 365  # a year ahead
    bare = lab.start(
        SiteSpec(name="lab-no-sectxt", address="127.0.0.229", hostname="127.0.0.229", security_txt=None)
    )
    assert requests.get(bare.url + SECURITY_TXT_PATH, verify=str(lab.ca_file), timeout=5).status_code == 404


def test_good_site_is_untrusted_without_lab_ca(good) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(good.url, timeout=5)


def test_plain_http_redirects_to_https_same_host(good) -> None:
    r = requests.get(f"http://{ADDR}:{good.http_port}/a?b=1", allow_redirects=False, timeout=5)
    assert r.status_code == 301
    assert r.headers["Location"] == f"https://{ADDR}:{good.https_port}/a?b=1"


def test_tls_versions_enforced(lab: Lab, good) -> None:
    with (
        socket.create_connection((ADDR, good.https_port)) as raw,
        _client_ctx(lab.ca_file).wrap_socket(raw, server_hostname=ADDR) as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    old = _client_ctx(lab.ca_file, maximum_version=ssl.TLSVersion.TLSv1_1)
    old.set_ciphers("ALL:@SECLEVEL=0")
    with socket.create_connection((ADDR, good.https_port)) as raw, pytest.raises(ssl.SSLError):
        old.wrap_socket(raw, server_hostname=ADDR)


def test_legacy_site_accepts_tls10_and_null_suites(lab: Lab) -> None:
    site = lab.start(
        SiteSpec(
            name="lab-legacy",
            address="127.0.0.61",
            hostname="127.0.0.61",
            tls_min=ssl.TLSVersion.TLSv1,
            tls_max=ssl.TLSVersion.TLSv1_2,
            ciphers="ALL:eNULL:@SECLEVEL=0",
            plain_http="no_redirect",
        )
    )
    ctx = _client_ctx(lab.ca_file, minimum_version=ssl.TLSVersion.TLSv1, maximum_version=ssl.TLSVersion.TLSv1)
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.61", site.https_port)) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.61") as tls,
    ):
        assert tls.version() == "TLSv1"
    null = _client_ctx(lab.ca_file, maximum_version=ssl.TLSVersion.TLSv1_2)
    null.set_ciphers("eNULL:@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.61", site.https_port)) as raw,
        null.wrap_socket(raw, server_hostname="127.0.0.61") as tls,
    ):
        assert "NULL" in tls.cipher()[0]
    r = requests.get(f"http://127.0.0.61:{site.http_port}/", allow_redirects=False, timeout=5)
    assert r.status_code == 200 and "Location" not in r.headers


def test_server_survives_hostile_clients(lab: Lab, good) -> None:
    for payload in (b"", b"GET / HTTP/1.0\r\n\r\n", b"\x16\x03\x01\x00\x05garbage", b"\x00" * 100):
        with socket.create_connection((ADDR, good.https_port)) as raw:
            raw.sendall(payload)
    # An untrusting client aborts mid-handshake; the server must still serve the next one.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(good.url, timeout=5)
    assert requests.get(good.url, verify=str(lab.ca_file), timeout=5).status_code == 200


def test_bad_certificates() -> None:
    ca = LabCA()
    now = dt.datetime.now(dt.timezone.utc)
    expired = ca.issue(
        ["old.lab.test"], not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=10)
    ).cert
    assert expired.not_valid_after_utc < now
    ec = ca.issue(["ec.lab.test", "127.0.0.62"], key_type="ec", key_size=256).cert
    assert ec.public_key().curve.name == "secp256r1"
    sans = ec.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["ec.lab.test"]
    assert [str(a) for a in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.62"]
    sha1 = ca.issue(["sha1.lab.test"], sha1=True)
    assert sha1.cert.signature_hash_algorithm.name == "sha1"
    assert sha1.cert.issuer == ca.cert.subject
    assert sha1.chain_pem.endswith(ca.cert_pem)
    selfsigned = ca.issue(["self.lab.test"], self_signed=True)
    assert selfsigned.cert.issuer == selfsigned.cert.subject
    assert selfsigned.chain_pem == selfsigned.cert_pem
    weak = ca.issue(["weak.lab.test"], key_size=1024).cert
    assert weak.public_key().key_size == 1024


def test_weak_and_sha1_sites_serve_and_fail_verification(lab: Lab) -> None:
    for i, leaf in enumerate(
        [lab.ca.issue(["127.0.0.63"], key_size=1024), lab.ca.issue(["127.0.0.63"], sha1=True)]
    ):
        site = lab.start(
            SiteSpec(
                name=f"lab-weak{i}", address="127.0.0.63", hostname="127.0.0.63", cert=leaf, plain_http="none"
            )
        )
        assert site.http_port is None
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(site.url, verify=str(lab.ca_file), timeout=5)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        with socket.create_connection(("127.0.0.63", site.https_port)) as raw, ctx.wrap_socket(raw) as tls:
            assert x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)) == leaf.cert


def test_raw_listeners(lab: Lab) -> None:
    port = lab.tcp_listener("127.0.0.64", banner=b"+OK redis\r\n")
    with socket.create_connection(("127.0.0.64", port), timeout=5) as c:
        assert c.recv(64) == b"+OK redis\r\n"
    silent = lab.silent_listener("127.0.0.64")
    with socket.create_connection(("127.0.0.64", silent), timeout=0.2) as c, pytest.raises(TimeoutError):
        c.recv(1)
    closed = lab.closed_port("127.0.0.64")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.64", closed), timeout=5)


def test_lab_shuts_down_cleanly() -> None:
    with Lab() as lab:
        site = lab.start(SiteSpec(name="short", address="127.0.0.65", hostname="127.0.0.65"))
        port = lab.tcp_listener("127.0.0.65")
        hold = socket.create_connection(("127.0.0.65", site.https_port))  # an idle client
        ca_file = lab.ca_file
    hold.close()
    assert not ca_file.exists()
    for p in (site.https_port, site.http_port, port):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.65", p), timeout=5)


def test_stopped_tcp_listeners_refuse_at_once() -> None:
    """Closing the listening socket while its accept loop still waits in poll() left it accepting
    for up to one poll interval (seen: 78 of 100 listeners): stop() now ends the loop first."""
    with Lab() as lab:
        ports = [lab.tcp_listener("127.0.0.66", banner=None) for _ in range(10)]
    for p in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.66", p), timeout=5)
