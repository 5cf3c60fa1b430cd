"""End to end: `secaudit scan` of a mix of good, broken and unreachable loopback sites.

One real scan (sslyze + requests + nmap) through the installed command line, judged per site.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from secaudit.lab.sites import SiteSpec

ADDR = "127.0.0.200"  # this module's own loopback addresses: 127.0.0.200-209


def secaudit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def mixed(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    good = lab.start(
        SiteSpec(
            name="scan-good",
            address="127.0.0.200",
            hostname="good.scan.test",
            cookies=["sid=1; Secure; HttpOnly; SameSite=Lax"],
        )
    )
    legacy = lab.start(
        SiteSpec(
            name="scan-legacy",
            address="127.0.0.201",
            hostname="127.0.0.201",
            tls_min=ssl.TLSVersion.TLSv1,
            ciphers="ALL:@SECLEVEL=0",
        )
    )
    bare = lab.start(
        SiteSpec(
            name="scan-bare",
            address="127.0.0.202",
            hostname="127.0.0.202",
            headers={},
            server_header="<script>alert(1)</script> Apache/2.4.41",
            plain_http="no_redirect",
            paths={"/.git/HEAD": (200, "text/plain", b"ref: refs/heads/main\n")},
        )
    )
    risky = lab.tcp_listener("127.0.0.200", banner=b"-ERR redis\r\n")
    refused = lab.closed_port("127.0.0.203")
    profile = tmp_path_factory.mktemp("profile") / "scan-test.yaml"
    profile.write_text(
        "profile:\n  id: scan-test\n  catalog: tcvn-11930-2017\n  extends: level3\n  level: 3\n"
        "  title: {vi: 'Kiểm thử', en: 'Test'}\n"
        f"parameters:\n  risky_ports: {{{risky}: redis-test}}\n",
        encoding="utf-8",
    )
    targets = [
        f"https://good.scan.test:{good.https_port}",
        f"127.0.0.201:{legacy.https_port}",
        f"https://127.0.0.202:{bare.https_port}",
        f"https://127.0.0.203:{refused}",
    ]
    proc = secaudit(
        "scan",
        *targets,
        "--profile",
        str(profile),
        "--ca-file",
        str(lab.ca_file),
        "--resolve",
        f"good.scan.test:{good.https_port}:127.0.0.200",
        "--http-port",
        str(good.http_port),
        "--timeout",
        "3",
        "--format",
        "json",
    )
    return {"proc": proc, "targets": targets, "risky": risky, "lab": lab, "profile": profile, "good": good}


def _verdicts(entry: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in entry["checks"]}


def test_exit_code_and_json_contract(mixed: dict[str, Any]) -> None:
    proc = mixed["proc"]
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)  # JSON only on stdout; progress went to stderr
    assert data["schema"] == "secaudit.scan/1" and data["tool"]["name"] == "secaudit"
    # A profile given as a path is known by the id it declares, never by a local path.
    assert data["profile"] == "scan-test" and data["started_at"] <= data["finished_at"]
    assert [t["target"] for t in data["targets"]] == mixed["targets"]  # echoed as given, in order
    for t in data["targets"]:
        assert set(t) >= {"target", "host", "port", "checks", "observations"}
        assert set(t["observations"]) == {"tls", "http", "ports"}
        for c in t["checks"]:
            assert set(c) >= {"id", "status", "severity", "summary", "evidence", "remediation"}
            assert c["summary"]["vi"] and c["summary"]["en"]
            assert c["remediation"]["vi"] and c["remediation"]["en"]
    assert "xong/done" in proc.stderr


def test_good_site_passes_all_but_the_risky_port(mixed: dict[str, Any]) -> None:
    good = json.loads(mixed["proc"].stdout)["targets"][0]
    assert good["host"] == "good.scan.test" and good["address"] == "127.0.0.200"
    v = _verdicts(good)
    assert len(v) >= 26
    not_pass = {k: s for k, s in v.items() if s != "pass"}
    # The risky listener shares the good site's address: exactly the port checks fail.
    assert not_pass == {"ports.risky_services": "fail", "ports.unexpected_open": "not_applicable"}
    risky = next(c for c in good["checks"] if c["id"] == "ports.risky_services")
    assert str(mixed["risky"]) in risky["summary"]["en"]


def test_legacy_and_bare_sites_fail_what_they_should(mixed: dict[str, Any]) -> None:
    targets = json.loads(mixed["proc"].stdout)["targets"]
    legacy, bare = _verdicts(targets[1]), _verdicts(targets[2])
    assert legacy["tls.protocol.legacy_disabled"] == "fail"
    assert legacy["tls.cipher.forward_secrecy"] == "fail"
    assert legacy["tls.mozilla.intermediate"] == "fail"
    assert legacy["tls.cert.trusted"] == "pass" and legacy["tls.cert.hostname"] == "pass"
    for cid in (
        "http.hsts",
        "http.csp",
        "http.frame_options",
        "http.content_type_options",
        "http.server_disclosure",
        "http.sensitive_paths",
    ):
        assert bare[cid] == "fail", cid
    # Nothing listens on 127.0.0.202:80 (the default plain-HTTP port): "no plain HTTP service".
    assert bare["http.https_redirect"] == "pass"
    assert bare["tls.protocol.legacy_disabled"] == "pass"


def test_unreachable_target_is_error_never_pass(mixed: dict[str, Any]) -> None:
    dead = json.loads(mixed["proc"].stdout)["targets"][3]
    v = _verdicts(dead)
    assert all(s == "error" for cid, s in v.items() if cid.startswith(("tls.", "http."))), v
    assert "pass" not in {s for cid, s in v.items() if cid.startswith(("tls.", "http."))}


def test_only_faults_exit_3(lab: Any) -> None:
    silent = lab.silent_listener("127.0.0.204")
    refused = lab.closed_port("127.0.0.204")
    proc = secaudit(
        "scan",
        f"127.0.0.204:{silent}",
        f"127.0.0.204:{refused}",
        "--probes",
        "tls,http",
        "--timeout",
        "1.5",
        "--format",
        "json",
    )
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    statuses = {c["status"] for t in data["targets"] for c in t["checks"]}
    assert statuses == {"error"}
    reasons = [c["evidence"].get("reason", "") for t in data["targets"] for c in t["checks"]]
    assert all(reasons)


def test_table_and_html_outputs(mixed: dict[str, Any], tmp_path: Path) -> None:
    lab, good = mixed["lab"], mixed["good"]
    bare_target = mixed["targets"][2]
    out = tmp_path / "scan.html"
    proc = secaudit(
        "scan",
        bare_target,
        "--ca-file",
        str(lab.ca_file),
        "--probes",
        "http",
        "--format",
        "html",
        "-o",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 1
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "KHÔNG ĐẠT" in html
    env = dict(os.environ, NO_COLOR="1")
    proc = secaudit(
        "scan",
        f"https://good.scan.test:{good.https_port}",
        "--resolve",
        f"good.scan.test:{good.https_port}:127.0.0.200",
        "--ca-file",
        str(lab.ca_file),
        "--probes",
        "tls,http",
        "--http-port",
        str(good.http_port),
        "--lang",
        "en",
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\x1b[" not in proc.stdout
    assert all(len(line) <= 80 for line in proc.stdout.splitlines()), proc.stdout
    assert "No check failed." in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["https://x.test", "--profile", "no-such-profile"],
        ["https://x.test", "--resolve", "x.test:443"],
        ["ftp://x.test"],
        ["https://x.test", "--probes", "tls,nosuch"],
        ["https://x.test", "--ca-file", "/nonexistent/ca.pem"],
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str]) -> None:
    proc = secaudit("scan", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
