"""The HTTP probe against real loopback servers (lab sites, custom servers, hostile raw sockets),
then judged by the http.* checks: each bad site fails exactly the intended checks.

This module uses 127.0.0.139-159 and (security.txt) 127.0.0.220-229 only.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from secaudit.checks import CheckContext, run_check
from secaudit.core.model import Target
from secaudit.core.resources import data_dir
from secaudit.core.yamlio import load_yaml
from secaudit.lab.sites import GOOD_HEADERS, Lab, SiteSpec, security_txt
from secaudit.probes import http as probe
from secaudit.probes.base import ProbeContext

PARAMS: dict[str, Any] = dict(load_yaml(data_dir("profiles") / "level1.yaml")["parameters"])
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
    "http.mixed_content",
]
TIMEOUT = 1.0


def _collect(
    targets: list[Target],
    params: dict[str, Any],
    ca_file: Path | None,
    timeout: float,
    max_workers: int = 8,
    budget: float | None = None,
    progress: Any = None,
) -> list[dict[str, Any]]:
    ctx = ProbeContext(
        params=params, ca_file=ca_file, timeout=timeout, max_workers=max_workers, budget=budget
    )
    if progress is not None:
        ctx.progress = progress
    return probe.collect(targets, ctx)


def target_for(site: Any, lab: Lab) -> Target:
    # a site without plain HTTP gets a refused port (never the real port 80)
    http_port = site.http_port or lab.closed_port(site.address)
    return Target(raw=site.url, host=site.hostname, port=site.https_port, http_port=http_port)


def verdicts(obs: dict[str, Any], target: Target, params: dict[str, Any] | None = None) -> dict[str, str]:
    ctx = CheckContext(host=target.host, port=target.port, params=params or PARAMS)
    return {cid: run_check(cid, obs, ctx).status for cid in ALL_HTTP}


def not_passing(v: dict[str, str]) -> dict[str, str]:
    return {k: s for k, s in v.items() if s != "pass"}


# ------------------------------------------------------------------ custom servers


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {}
    seen: list[dict[str, str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(
            {
                "path": self.path,
                "host": self.headers.get("Host", ""),
                "ua": self.headers.get("User-Agent", ""),
            }
        )
        status, headers, body = self.routes.get(self.path, (404, [], b"not found"))
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class Custom:
    """A small HTTP(S) server whose routes (status, headers, body) a test chooses."""

    def __init__(
        self,
        address: str,
        routes: dict[str, tuple[int, list[tuple[str, str]], bytes]],
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.seen: list[dict[str, str]] = []
        self.sni: list[str | None] = []
        handler = type("H", (_Handler,), {"routes": routes, "seen": self.seen})
        self.server = ThreadingHTTPServer((address, 0), handler)
        self.server.daemon_threads = True
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            ctx.sni_callback = lambda sock, name, c: self.sni.append(name)  # type: ignore[assignment]
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port: int = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Raw:
    """A hostile raw-socket 'HTTP' server: reads the request head, sends fixed bytes, closes."""

    def __init__(self, address: str, payload: bytes, trickle: bool = False) -> None:
        self.sock = socket.create_server((address, 0))
        self.port: int = self.sock.getsockname()[1]
        self.payload = payload
        self.trickle = trickle  # then send one more header byte every 0.1 s, forever
        self.stopped = False
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(2)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    conn.sendall(self.payload)
                    while self.trickle and not self.stopped:
                        conn.sendall(b"a")
                        threading.Event().wait(0.1)
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopped = True
        self.sock.close()


# ------------------------------------------------------------------ fixtures: the sites


def spec(name: str, address: str, **kw: Any) -> SiteSpec:
    kw.setdefault("cookies", ["sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax"])
    return SiteSpec(name=f"http-{name}", address=address, hostname=address, **kw)


@pytest.fixture(scope="module")
def sites(lab: Lab) -> dict[str, Any]:
    soft404 = "<!doctype html><html><body><h1>Trang không tồn tại</h1></body></html>".encode()
    specs = {
        "good": spec("good", "127.0.0.140"),
        "no_redirect": spec("no-redirect", "127.0.0.141", plain_http="no_redirect"),
        "bare": spec("bare", "127.0.0.142", headers={}, cookies=[]),
        "short_hsts": spec(
            "short-hsts",
            "127.0.0.143",
            headers={**GOOD_HEADERS, "Strict-Transport-Security": "max-age=86400"},
        ),
        "unsafe_csp": spec(
            "unsafe-csp",
            "127.0.0.144",
            headers={
                **GOOD_HEADERS,
                "Content-Security-Policy": (
                    "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
                ),
            },
        ),
        "cookies": spec(
            "cookies", "127.0.0.145", cookies=["sessionid=abc; Path=/; Secure", "theme=dark; Path=/"]
        ),
        "disclosure": spec(
            "disclosure",
            "127.0.0.146",
            server_header="Apache/2.4.41 (Ubuntu)",
            headers={**GOOD_HEADERS, "X-Powered-By": "PHP/7.4.3"},
        ),
        "exposed": spec(
            "exposed",
            "127.0.0.147",
            paths={
                "/.git/HEAD": (200, "text/plain", b"ref: refs/heads/main\n"),
                "/.env": (200, "application/octet-stream", b"APP_KEY=base64:xyz\nDB_PASS=hunter2-secret\n"),
                "/backup.sql": (
                    200,
                    "application/sql",
                    b"-- MySQL dump\nCREATE TABLE t (id int);\n" + b"x" * 300_000,
                ),
            },
        ),
        "soft404": spec(
            "soft404",
            "127.0.0.148",
            paths={
                "/.git/HEAD": (200, "text/html; charset=utf-8", soft404),
                "/.env": (200, "text/html; charset=utf-8", soft404),
            },
        ),
        "no_plain": spec("no-plain", "127.0.0.149", plain_http="none"),
    }
    return {k: lab.start(s) for k, s in specs.items()}


@pytest.fixture(scope="module")
def observed(sites: dict[str, Any], lab: Lab) -> dict[str, tuple[dict[str, Any], Target]]:
    """One concurrent collect() over every lab site (as the scanner calls it)."""
    targets = {k: target_for(s, lab) for k, s in sites.items()}
    progress: list[str] = []
    obs = _collect(
        list(targets.values()), PARAMS, lab.ca_file, TIMEOUT, progress=progress.append, max_workers=4
    )
    assert len(progress) == len(targets)
    return {k: (o, t) for (k, t), o in zip(targets.items(), obs, strict=True)}


# ------------------------------------------------------------------ lab sites


def test_good_site_passes_every_http_check(observed: dict[str, Any]) -> None:
    obs, target = observed["good"]
    assert obs["verified"] is True and obs["tls_error"] is None
    assert not_passing(verdicts(obs, target)) == {}
    assert obs["plain_http"]["outcome"] == "redirect_https_same_host"
    assert obs["https"]["cookies"][0] == {
        "name": "sid",
        "over": "https",
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
        "path": "/",
        "domain": None,
        "expires": None,
        "max_age": None,
    }
    # the cookie's value is never stored
    assert "abc123" not in repr(obs)
    assert len(obs["paths"]["items"]) == len(PARAMS["sensitive_paths"])


@pytest.mark.parametrize(
    "name,expected",
    [
        ("no_redirect", {"http.https_redirect": "fail"}),
        (
            "bare",
            {
                "http.hsts": "fail",
                "http.csp": "fail",
                "http.frame_options": "fail",
                "http.content_type_options": "fail",
                "http.referrer_policy": "warn",
            },
        ),
        ("short_hsts", {"http.hsts": "fail"}),
        ("unsafe_csp", {"http.csp": "warn"}),
        ("cookies", {"http.cookies": "fail"}),
        ("disclosure", {"http.server_disclosure": "fail"}),
        ("exposed", {"http.sensitive_paths": "fail"}),
        ("soft404", {}),
        ("no_plain", {}),  # refused plain-HTTP port: "no plain HTTP service" passes
    ],
)
def test_each_bad_site_fails_exactly_the_intended_checks(
    observed: dict[str, Any], name: str, expected: dict[str, str]
) -> None:
    obs, target = observed[name]
    assert not_passing(verdicts(obs, target)) == expected


def test_evidence_details(observed: dict[str, Any]) -> None:
    obs, target = observed["cookies"]
    ctx = CheckContext(host=target.host, port=target.port, params=PARAMS)
    res = run_check("http.cookies", obs, ctx)
    assert {p["name"]: p["missing"] for p in res.evidence["problems"]} == {
        "sessionid": ["HttpOnly"],
        "theme": ["Secure"],
    }
    obs, _ = observed["disclosure"]
    res = run_check("http.server_disclosure", obs, ctx)
    assert res.evidence["leaking"] == ["Server: Apache/2.4.41 (Ubuntu)", "X-Powered-By: PHP/7.4.3"]
    obs, _ = observed["no_plain"]
    assert obs["plain_http"]["outcome"] == "no_service"
    assert run_check("http.https_redirect", obs, ctx).summary["en"].startswith("No plain-HTTP service")


def test_sensitive_paths_are_content_aware_and_capped(observed: dict[str, Any]) -> None:
    obs, _ = observed["exposed"]
    items = {i["path"]: i for i in obs["paths"]["items"]}
    assert items["/.git/HEAD"]["matched"] and items["/.env"]["matched"]
    assert items["/backup.sql"]["matched"]
    assert items["/backup.sql"]["size"] == probe.MAX_BODY and items["/backup.sql"]["size_capped"]
    assert not items["/db.sql"]["matched"] and items["/db.sql"]["status"] == 404
    assert "hunter2" not in repr(obs)  # bodies are never stored
    soft, _ = observed["soft404"]
    soft_items = {i["path"]: i for i in soft["paths"]["items"]}
    assert soft_items["/.git/HEAD"]["status"] == 200 and not soft_items["/.git/HEAD"]["matched"]


# ------------------------------------------------------------------ --resolve and trust


@pytest.fixture(scope="module")
def named_site(lab: Lab) -> Iterator[Custom]:
    """A site for portal.lab.test (not in DNS) on 127.0.0.150, recording Host and SNI."""
    leaf = lab.ca.issue(["portal.lab.test"])
    certfile, keyfile = leaf.write(lab.dir / "http-probe")
    good = [(k, v) for k, v in GOOD_HEADERS.items()] + [("Server", "nginx")]
    routes = {
        "/": (200, good, b"<p>ok</p>"),
        "/.well-known/security.txt": (200, [("Content-Type", "text/plain")], security_txt()),
        "/loop": (302, [("Location", "/loop2")], b""),
    }
    srv = Custom("127.0.0.150", routes, tls=(certfile, keyfile))
    routes["/loop2"] = (302, [("Location", f"https://portal.lab.test:{srv.port}/loop")], b"")
    yield srv
    srv.stop()


def test_resolve_connects_to_address_with_host_sni_and_verification(named_site: Custom, lab: Lab) -> None:
    t = Target(
        raw=f"https://portal.lab.test:{named_site.port}",
        host="portal.lab.test",
        port=named_site.port,
        address="127.0.0.150",
        http_port=lab.closed_port("127.0.0.150"),
    )
    named_site.seen.clear()
    params = {**PARAMS, "sensitive_paths": PARAMS["sensitive_paths"][:2]}
    [obs] = _collect([t], params, lab.ca_file, TIMEOUT)
    assert obs["verified"] is True, obs.get("tls_error")
    assert not_passing(verdicts(obs, t, params)) == {}
    assert {s["host"] for s in named_site.seen} == {f"portal.lab.test:{named_site.port}"}
    assert named_site.seen[0]["ua"].startswith("secaudit/")
    assert "portal.lab.test" in named_site.sni

    # Without the lab CA, verification fails: the TLS error is recorded, headers still judged.
    [obs] = _collect([t], {**PARAMS, "sensitive_paths": []}, None, TIMEOUT)
    assert obs["verified"] is False and "certificate verify failed" in obs["tls_error"]
    ctx = CheckContext(host=t.host, port=t.port, params=PARAMS)
    res = run_check("http.hsts", obs, ctx)
    assert res.status == "pass" and res.evidence["verified"] is False


def test_wrong_host_name_is_a_tls_error_not_a_header_verdict(named_site: Custom, lab: Lab) -> None:
    t = Target(
        raw="x",
        host="other.lab.test",
        port=named_site.port,
        address="127.0.0.150",
        http_port=lab.closed_port("127.0.0.150"),
    )
    [obs] = _collect([t], {**PARAMS, "sensitive_paths": []}, lab.ca_file, TIMEOUT)
    assert obs["verified"] is False and "other.lab.test" in obs["tls_error"]
    assert verdicts(obs, t)["http.content_type_options"] == "pass"


def test_https_redirect_loop_is_a_section_error(named_site: Custom, lab: Lab) -> None:
    t = Target(
        raw="x",
        host="portal.lab.test",
        port=named_site.port,
        address="127.0.0.150",
        path="/loop",
        http_port=lab.closed_port("127.0.0.150"),
    )
    [obs] = _collect([t], {**PARAMS, "sensitive_paths": []}, lab.ca_file, TIMEOUT)
    assert "redirect loop" in obs["https"]["error"]
    v = verdicts(obs, t)
    assert v["http.hsts"] == "error" and v["http.https_redirect"] == "pass"


# ------------------------------------------------------------------ plain-HTTP redirect variants


@pytest.fixture(scope="module")
def plain_server() -> Iterator[Custom]:
    routes = {
        "/": (301, [("Location", "https://elsewhere.example/")], b""),
    }
    srv = Custom("127.0.0.151", routes)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def loop_server() -> Iterator[Custom]:
    routes: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {}
    srv = Custom("127.0.0.152", routes)
    routes["/"] = (301, [("Location", f"http://127.0.0.152:{srv.port}/a")], b"")
    routes["/a"] = (302, [("Location", "/")], b"")
    yield srv
    srv.stop()


def test_redirect_to_another_host_fails_and_is_not_followed(plain_server: Custom, lab: Lab) -> None:
    # HTTPS of 127.0.0.151 is refused; its plain HTTP redirects elsewhere (never contacted).
    t = Target(raw="x", host="127.0.0.151", port=lab.closed_port("127.0.0.151"), http_port=plain_server.port)
    plain_server.seen.clear()
    [obs] = _collect([t], {**PARAMS, "sensitive_paths": []}, None, TIMEOUT)
    assert obs["plain_http"]["outcome"] == "redirect_other_host"
    assert obs["plain_http"]["final"] == "https://elsewhere.example/"
    assert verdicts(obs, t)["http.https_redirect"] == "fail"
    assert len(plain_server.seen) == 1


def test_plain_redirect_loop_fails(loop_server: Custom, sites: dict) -> None:
    good = sites["good"]
    t = Target(raw="x", host="127.0.0.152", port=good.https_port, address=None, http_port=loop_server.port)
    # HTTPS on 127.0.0.152 is refused, plain HTTP loops: the redirect check still judges the loop.
    [obs] = _collect([t], {**PARAMS, "sensitive_paths": []}, None, TIMEOUT)
    assert obs["plain_http"]["outcome"] == "loop"
    assert [h["status"] for h in obs["plain_http"]["hops"]] == [301, 302]
    v = verdicts(obs, t)
    assert v["http.https_redirect"] == "fail"
    assert "refused" in obs["https"]["error"]
    assert v["http.hsts"] == "error" and v["http.sensitive_paths"] == "error"


# ------------------------------------------------------------------ faults


def test_refused_and_silent_targets_are_errors(lab: Lab) -> None:
    closed = lab.closed_port("127.0.0.153")
    silent = lab.silent_listener("127.0.0.154")
    refused = Target(raw="r", host="127.0.0.153", port=closed, http_port=closed)
    quiet = Target(raw="s", host="127.0.0.154", port=silent, http_port=silent)
    obs = _collect([refused, quiet], PARAMS, None, 0.5)
    assert "refused" in obs[0]["error"]
    assert "timed out" in obs[1]["error"]
    assert obs[1]["paths"]["items"] == []  # no path was tried after the site failed
    for o, t in zip(obs, [refused, quiet], strict=True):
        assert set(verdicts(o, t).values()) == {"error"}


HOSTILE = {
    "oversize": b"HTTP/1.1 200 OK\r\nX-Big: " + b"A" * 70_000 + b"\r\n\r\n",
    "many_headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
    "garbage": b"SSH-2.0-OpenSSH_8.9\r\n\x00\xff\xfe garbage",
    "non_utf8": (
        b"HTTP/1.1 200 OK\r\nServer: Apache\xff\xfe/2.4\r\nX-Name: Vi\xe1\xbb\x87t\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\nok"
    ),
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[dict[str, Raw]]:
    servers = {k: Raw(f"127.0.0.{155 + i}", payload) for i, (k, payload) in enumerate(HOSTILE.items())}
    yield servers
    for s in servers.values():
        s.stop()


def test_hostile_servers_give_recorded_errors_never_a_crash(hostile: dict[str, Raw]) -> None:
    targets = [
        Target(
            raw=f"http://{s.sock.getsockname()[0]}:{s.port}",
            host=s.sock.getsockname()[0],
            port=s.port,
            scheme="http",
            http_port=s.port,
        )
        for s in hostile.values()
    ]
    params = {**PARAMS, "sensitive_paths": PARAMS["sensitive_paths"][:1]}
    obs = dict(zip(hostile, _collect(targets, params, None, TIMEOUT), strict=True))
    for key in ("oversize", "many_headers", "garbage"):
        assert "invalid HTTP response" in obs[key]["https"]["error"], key
        assert set(verdicts(obs[key], targets[0]).values()) == {"error"}, key
    assert "65536" in obs["oversize"]["https"]["error"]
    assert "100 headers" in obs["many_headers"]["https"]["error"]
    odd = obs["non_utf8"]
    assert "error" not in odd["https"]
    assert odd["https"]["non_utf8_headers"] == ["Server"]
    headers = dict(odd["https"]["headers"])
    assert headers["X-Name"] == "Việt"  # valid UTF-8 is shown as such
    assert headers["Server"] == "Apache\\xff\\xfe/2.4"
    v = verdicts(odd, targets[3])
    assert v["http.server_disclosure"] == "fail"  # "/2.4" is still a version
    assert v["http.hsts"] == "fail"  # served over plain http: no HSTS possible


def test_catastrophic_profile_regex_on_a_hostile_page_is_an_error_not_a_hang() -> None:
    # "(a+)+$" on 4 KiB of "a" then "!" backtracks ~2^4000 times: Python's re would never return.
    page = b"a" * 4000 + b"!"
    srv = Custom("127.0.0.163", {"/x": (200, [("Content-Type", "text/plain")], page)})
    try:
        t = Target(raw="x", host="127.0.0.163", port=srv.port, scheme="http", http_port=srv.port)
        entries = [{"path": "/x", "match": "(a+)+$", "what": "x"}, {"path": "/x", "match": "a{3}!"}]
        [obs] = _collect([t], {**PARAMS, "sensitive_paths": entries}, None, 2.0)
    finally:
        srv.stop()
    slow, sane = obs["paths"]["items"]
    assert "catastrophic backtracking" in slow["error"] and slow["status"] == 200
    assert "matched" not in slow  # never judged exposed or clean on a match that did not finish
    assert sane["matched"] is True and "error" not in sane  # the next pattern still runs
    ctx = CheckContext(host=t.host, port=t.port, params={**PARAMS, "sensitive_paths": entries})
    assert run_check("http.sensitive_paths", obs, ctx).status == "fail"  # the sane pattern found it
    only_slow = {**obs, "paths": {"items": [slow]}}
    ctx = CheckContext(host=t.host, port=t.port, params={**PARAMS, "sensitive_paths": entries[:1]})
    assert run_check("http.sensitive_paths", only_slow, ctx).status == "error"  # unknown, never a pass


def test_no_targets_and_unreadable_ca_file(tmp_path: Path) -> None:
    assert _collect([], PARAMS, None, TIMEOUT) == []
    t = Target(raw="x", host="127.0.0.140", port=1)
    [obs] = _collect([t], PARAMS, tmp_path / "missing.pem", TIMEOUT)
    assert "cannot load CA file" in obs["error"]


def test_trickling_server_is_cut_off_by_the_time_budget() -> None:
    raw = Raw("127.0.0.159", b"HTTP/1.1 200 OK\r\nX-Slow: ", trickle=True)
    try:
        t = Target(raw="x", host="127.0.0.159", port=raw.port, scheme="http", http_port=raw.port)
        # each byte arrives well within the read timeout: only the wall-clock budget can stop it
        [obs] = _collect([t], PARAMS, None, 0.5, budget=1.0)
    finally:
        raw.stop()
    assert obs["time_budget_exhausted"] == 1.0
    assert "time budget" in obs["error"]
    assert set(verdicts(obs, t).values()) == {"error"}


def test_scan_cli_http_probe_end_to_end(lab: Lab) -> None:
    """`secaudit scan --probes http` with --resolve: JSON contract, verdicts and exit code."""
    import json

    from click.testing import CliRunner

    from secaudit.cli import main

    site = lab.start(
        SiteSpec(
            name="http-cli",
            address="127.0.0.139",
            hostname="cli.lab.test",
            server_header="Apache/2.4.41 (Ubuntu)",
        )
    )
    url = f"https://cli.lab.test:{site.https_port}"
    res = CliRunner().invoke(
        main,
        [
            "scan",
            url,
            "--resolve",
            f"cli.lab.test:{site.https_port}:127.0.0.139",
            "--http-port",
            str(site.http_port),
            "--ca-file",
            str(lab.ca_file),
            "--probes",
            "http",
            "--profile",
            "level3",
            "--timeout",
            "2",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    [t] = doc["targets"]
    assert t["target"] == url and t["address"] == "127.0.0.139"
    status = {c["id"]: c["status"] for c in t["checks"]}
    assert {k for k, v in status.items() if v != "pass"} == {"http.server_disclosure"}
    assert set(status) == set(ALL_HTTP)
    assert t["observations"]["http"]["verified"] is True


# ------------------------------------------------------------------ security.txt (RFC 9116)

WELL_KNOWN = "/.well-known/security.txt"
SECTXT_PARAMS = {**PARAMS, "sensitive_paths": []}  # fewer requests: these sites are about security.txt


@pytest.fixture(scope="module")
def sectxt(lab: Lab) -> Iterator[dict[str, tuple[dict[str, Any], Target]]]:
    """One concurrent collect() over sites serving every kind of security.txt."""
    catch_all = b"<!doctype html><html><body><h1>Tin t\xe1\xbb\xa9c</h1></body></html>"
    big = security_txt() + b"# " + b"x" * 100_000 + b"\nContact: mailto:late@example.vn\n"
    specs = {
        "valid": spec("sectxt-valid", "127.0.0.220"),  # the lab's default file
        "missing": spec("sectxt-missing", "127.0.0.221", security_txt=None),
        "expired": spec("sectxt-expired", "127.0.0.222", security_txt=security_txt(days=-3)),
        "no_contact": spec("sectxt-no-contact", "127.0.0.223", security_txt=security_txt(contact="")),
        "legacy": spec(
            "sectxt-legacy",
            "127.0.0.224",
            security_txt=None,
            paths={"/security.txt": (200, "text/plain; charset=utf-8", security_txt())},
        ),
        "html": spec(
            "sectxt-html",
            "127.0.0.225",
            security_txt=None,
            paths={
                WELL_KNOWN: (200, "text/html; charset=utf-8", catch_all),
                "/security.txt": (200, "text/plain", security_txt()),
            },
        ),
        "oversize": spec("sectxt-oversize", "127.0.0.226", security_txt=big),
        "expiring": spec("sectxt-expiring", "127.0.0.227", security_txt=security_txt(days=10)),
    }
    sites = {k: lab.start(s) for k, s in specs.items()}
    # a site that moves the file on the same host (followed) - a CMS-style rewrite
    leaf = lab.ca.issue(["127.0.0.228"])
    moved = Custom(
        "127.0.0.228",
        {
            WELL_KNOWN: (301, [("Location", "/static/security.txt")], b""),
            "/static/security.txt": (200, [("Content-Type", "text/plain")], security_txt()),
            "/": (200, list(GOOD_HEADERS.items()), b"ok"),
        },
        tls=leaf.write(lab.dir / "sectxt-moved"),
    )
    targets = {k: target_for(s, lab) for k, s in sites.items()}
    targets["moved"] = Target(
        raw="x", host="127.0.0.228", port=moved.port, http_port=lab.closed_port("127.0.0.228")
    )
    obs = _collect(list(targets.values()), SECTXT_PARAMS, lab.ca_file, TIMEOUT, max_workers=4)
    yield {k: (o, t) for (k, t), o in zip(targets.items(), obs, strict=True)}
    moved.stop()


def judge_sectxt(observed: tuple[dict[str, Any], Target]) -> Any:
    obs, target = observed
    ctx = CheckContext(host=target.host, port=target.port, params=SECTXT_PARAMS)
    return run_check("http.security_txt", obs, ctx)


@pytest.mark.parametrize(
    "name,status",
    [
        ("valid", "pass"),
        ("missing", "warn"),
        ("expired", "fail"),
        ("no_contact", "fail"),
        ("legacy", "warn"),
        ("html", "warn"),
        ("oversize", "pass"),
        ("expiring", "warn"),
        ("moved", "pass"),
    ],
)
def test_security_txt_verdicts_on_real_servers(sectxt: dict[str, Any], name: str, status: str) -> None:
    res = judge_sectxt(sectxt[name])
    assert res.status == status, (res.summary, res.evidence)
    if name != "moved":  # the other checks are untouched by security.txt
        obs, target = sectxt[name]
        expected = {} if status == "pass" else {"http.security_txt": status}
        assert not_passing(verdicts(obs, target, SECTXT_PARAMS)) == expected


def test_security_txt_valid_file_is_parsed_from_the_rfc_path(sectxt: dict[str, Any]) -> None:
    obs, target = sectxt["valid"]
    sec = obs["security_txt"]
    assert sec["found"] and sec["location"] == "well_known" and sec["https"] and sec["verified"]
    assert sec["url"] == f"https://127.0.0.220:{target.port}{WELL_KNOWN}" and sec["status"] == 200
    assert sec["content_type"] == "text/plain; charset=utf-8"
    assert sec["fields"]["contact"] == ["mailto:security@lab.example.vn"]
    assert sec["fields"]["preferred_languages"] == ["vi, en"] and sec["problems"] == []
    assert len(sec["tried"]) == 1  # found at the RFC path: the legacy path is not asked
    res = judge_sectxt(sectxt["valid"])
    assert 360 <= res.evidence["days_left"] <= 365


def test_security_txt_missing_tries_the_legacy_path_after_a_404(sectxt: dict[str, Any]) -> None:
    obs, _ = sectxt["missing"]
    sec = obs["security_txt"]
    assert [t["status"] for t in sec["tried"]] == [404, 404] and not sec["found"]
    assert sec["tried"][1]["url"].endswith("/security.txt")
    res = judge_sectxt(sectxt["missing"])
    assert "attest" in res.summary["en"]
    legacy, _ = sectxt["legacy"]
    assert legacy["security_txt"]["location"] == "legacy" and legacy["security_txt"]["found"]
    assert judge_sectxt(sectxt["legacy"]).evidence["warnings"] == ["warn_legacy"]


def test_security_txt_html_catch_all_is_missing_not_present(sectxt: dict[str, Any]) -> None:
    obs, _ = sectxt["html"]
    sec = obs["security_txt"]
    assert sec["status"] == 200 and not sec["found"] and sec["not_found_reason"] == "html"
    assert len(sec["tried"]) == 1  # a 200 is not a 404: the legacy file is not consulted
    assert "fields" not in sec


def test_security_txt_stale_and_contactless_files_fail_with_reasons(sectxt: dict[str, Any]) -> None:
    assert "expired on" in judge_sectxt(sectxt["expired"]).summary["en"]
    assert "no Contact" in judge_sectxt(sectxt["no_contact"]).summary["en"]
    res = judge_sectxt(sectxt["expiring"])
    assert res.evidence["warnings"] == ["warn_expiring"] and res.evidence["days_left"] in (9, 10)


def test_security_txt_oversize_file_is_capped(sectxt: dict[str, Any]) -> None:
    obs, _ = sectxt["oversize"]
    sec = obs["security_txt"]
    assert sec["size"] == probe.SECURITY_TXT_MAX and sec["size_capped"]
    assert any("larger than" in p for p in sec["problems"])
    assert sec["fields"]["contact"] == ["mailto:security@lab.example.vn"]  # the late one was never read
    assert len(repr(sec)) < 5000  # nothing of the 100 KB is stored


def test_security_txt_same_host_redirect_is_followed(sectxt: dict[str, Any]) -> None:
    obs, _ = sectxt["moved"]
    sec = obs["security_txt"]
    assert [t["status"] for t in sec["tried"]] == [301, 200]
    assert sec["url"].endswith("/static/security.txt") and sec["found"]


def test_a_stalled_plain_http_port_does_not_cost_the_https_site_its_paths(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timeouts are counted per port: a filtered port 80 (common) is given up, and the HTTPS site
    still gets its page, security.txt and every sensitive path asked (one timeout is enough to
    give a port up here, so a per-target count would lose them)."""
    monkeypatch.setattr(probe, "MAX_TIMEOUTS", 1)
    site = lab.start(spec("filtered80", "127.0.0.160", plain_http="none"))
    silent = lab.silent_listener("127.0.0.160")
    t = Target(raw=site.url, host=site.hostname, port=site.https_port, http_port=silent)
    [obs] = _collect([t], PARAMS, lab.ca_file, 0.5)
    assert obs["plain_http"]["outcome"] == "error" and "timed out" in obs["plain_http"]["error"]
    assert "error" not in obs["https"] and obs["https"]["status"] == 200
    items = obs["paths"]["items"]
    assert items and all("status" in i for i in items), items
    assert obs["gave_up_after_timeouts"] == 1  # port 80 only
