"""An IPv6 target end to end: a real site on ::1, scanned with sslyze, requests and nmap."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from typing import Any

import pytest

from secaudit.lab.sites import SiteSpec


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_ipv6_site_is_scanned_like_any_other(lab: Any) -> None:
    if not _has_ipv6_loopback():  # pragma: no cover - every CI machine here has ::1
        pytest.fail("this machine has no IPv6 loopback; the IPv6 path cannot be proven")
    site = lab.start(
        SiteSpec(name="v6", address="::1", hostname="::1", cookies=["sid=1; Secure; HttpOnly; SameSite=Lax"])
    )
    risky = lab.tcp_listener("::1", banner=b"-ERR\r\n")
    profile_yaml = (
        "profile:\n  id: v6-test\n  catalog: tcvn-11930-2017\n  extends: level3\n  level: 3\n"
        "  title: {vi: 'IPv6', en: 'IPv6'}\n"
        f"parameters:\n  risky_ports: {{{risky}: redis-test}}\n"
    )
    profile = lab.dir / "v6-profile.yaml"
    profile.write_text(profile_yaml, encoding="utf-8")
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    proc = subprocess.run(
        [
            exe,
            "scan",
            f"https://[::1]:{site.https_port}",
            "--ca-file",
            str(lab.ca_file),
            "--profile",
            str(profile),
            "--http-port",
            str(site.http_port),
            "--timeout",
            "3",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    (target,) = json.loads(proc.stdout)["targets"]
    assert target["host"] == "::1"
    verdicts = {c["id"]: c["status"] for c in target["checks"]}
    not_pass = {k: v for k, v in verdicts.items() if v != "pass"}
    assert not_pass == {"ports.risky_services": "fail", "ports.unexpected_open": "not_applicable"}, not_pass
