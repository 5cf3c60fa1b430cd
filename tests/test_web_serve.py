"""`secaudit serve` as a real process: over HTTPS (trustme certificate, loopback, ephemeral port) our
own `secaudit scan` passes every http.* check against it; the command line's bad input is exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXE = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SECAUDIT_WEB")}


@pytest.fixture(scope="module")
def https_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import trustme

    root = tmp_path_factory.mktemp("serve")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(root / "key.pem"))
    data = root / "data"
    data.mkdir()
    args = ["serve", "--data", str(data), "--bind", "127.0.0.1:0", "--cert", str(root / "cert.pem")]
    proc = subprocess.Popen(
        [EXE, *args, "--key", str(root / "key.pem")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("secaudit serve: https://127.0.0.1:"), (
            line,
            proc.stderr.read() if proc.stderr else "",
        )
        yield {"url": line.split()[-1], "root": root, "proc": proc}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_our_own_http_checks_all_pass_on_the_served_app(https_serve: dict[str, Any]) -> None:
    out = https_serve["root"] / "scan.json"
    cmd = [
        EXE,
        "scan",
        https_serve["url"],
        "--ca-file",
        str(https_serve["root"] / "ca.pem"),
        "--probes",
        "http",
    ]
    run = subprocess.run(
        [*cmd, "--format", "json", "-o", str(out)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode in (0, 1, 3), run.stderr
    checks = {c["id"]: c for t in json.loads(out.read_text(encoding="utf-8"))["targets"] for c in t["checks"]}
    http = {cid: c["status"] for cid, c in checks.items() if cid.startswith("http.")}
    wanted = "hsts csp frame_options content_type_options referrer_policy cookies server_disclosure"
    for name in [*wanted.split(), "sensitive_paths", "security_txt", "https_redirect", "mixed_content"]:
        assert f"http.{name}" in http, name
    assert all(status == "pass" for status in http.values()), http


def test_https_cookies_are_secure_and_hsts_is_sent(https_serve: dict[str, Any]) -> None:
    import requests

    resp = requests.get(https_serve["url"] + "login/", verify=str(https_serve["root"] / "ca.pem"), timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert resp.headers["Server"] == "secaudit"
    missing = requests.get(
        https_serve["url"] + "no-such", verify=str(https_serve["root"] / "ca.pem"), timeout=10
    )
    assert missing.status_code == 404 and "Không tìm thấy / Not found" in missing.text


@pytest.mark.parametrize(
    "args, why",
    [
        (["--cert", "c.pem"], "--cert and --key go together"),
        (["--bind", "127.0.0.1:99999"], "--bind"),
        (["--db", "mysql://x/y"], "unsupported scheme"),
        (["--demo"], "empty or new --data folder"),
        (
            ["--cert", "nope.pem", "--key", "nope.key", "--bind", "127.0.0.1:0"],
            "nope.pem: không thấy tệp / file not found",
        ),
        (["--bind", "127.0.0.1:0", "--cert", "something.txt", "--key", "something.txt"], "cannot load"),
    ],
)
def test_serve_bad_input_is_exit_2(tmp_path: Path, args: list[str], why: str) -> None:
    (tmp_path / "something.txt").write_text("not empty", encoding="utf-8")
    run = subprocess.run(
        [EXE, "serve", "--data", str(tmp_path), *args],
        capture_output=True, text=True, timeout=60, env=_env(), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2 and why in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_a_fifo_as_certificate_is_bad_input_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "cert.pem")
    run = subprocess.run(
        [EXE, "serve", "--data", str(tmp_path), "--bind", "127.0.0.1:0", "--cert", str(tmp_path / "cert.pem"),
         "--key", str(tmp_path / "cert.pem")], capture_output=True, text=True, timeout=60, env=_env(),
    )  # fmt: skip
    assert run.returncode == 2 and "cert.pem" in run.stderr, run.stderr


def test_serve_refuses_a_missing_data_folder(tmp_path: Path) -> None:
    run = subprocess.run(
        [EXE, "serve", "--data", str(tmp_path / "nope"), "--verify-log"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert run.returncode == 2 and "data folder not found" in run.stderr


def test_a_broken_or_unreachable_database_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "web.sqlite3").write_text("this is not a database", encoding="utf-8")
    for extra in ([], ["--db", "postgresql://nobody@127.0.0.1:1/none"]):
        run = subprocess.run(
            [EXE, "users", "list", "--data", str(tmp_path), *extra],
            capture_output=True,
            text=True,
            env=_env(),
        )
        assert (
            run.returncode == 2 and "database not reachable" in run.stderr and "Traceback" not in run.stderr
        )
