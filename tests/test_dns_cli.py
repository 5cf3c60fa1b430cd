"""`secaudit scan --probes dns,mail` end to end against the posture lab the demo uses
(secaudit/lab/posture.py): a signed zone with good mail, an unsigned one with weak mail, a
no-mail domain; bad --dns-server / --trust-anchor / --domain values are bad input (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.lab.certs import LabCA
from secaudit.lab.posture import PostureLab

DNS, MX = "127.0.0.247", ("127.0.0.248", "127.0.0.249")


def secaudit(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def posture(tmp_path_factory: pytest.TempPathFactory) -> Any:
    lab = PostureLab(
        LabCA(), tmp_path_factory.mktemp("posture"), parent="posture.test", dns_address=DNS, mx_addresses=MX
    )
    lab.add("good.posture.test", "good", ["www IN AAAA ::1"])
    lab.add("poor.posture.test", "poor")
    lab.add("quiet.posture.test", "nomail")
    lab.start()
    yield lab
    lab.close()


def _scan(posture: Any, *args: str) -> tuple[int, dict[str, Any]]:
    p = secaudit(
        "scan",
        *args,
        "--probes",
        "dns,mail",
        *posture.cli_args(),
        "--format",
        "json",
        "--timeout",
        "3",
        "--quiet",
    )
    assert p.returncode != 2, p.stderr
    return p.returncode, json.loads(p.stdout)


def _statuses(target: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in target["checks"]}


def test_good_and_poor_domains(posture: Any) -> None:
    code, out = _scan(posture, "good.posture.test:443", "poor.posture.test:443", "quiet.posture.test:443")
    good, poor, quiet = (_statuses(t) for t in out["targets"])
    for cid in (
        "dns.dnssec",
        "dns.caa",
        "dns.nameservers",
        "mail.spf",
        "mail.dmarc",
        "mail.starttls",
        "mail.dane",
    ):
        assert good[cid] == "pass", (cid, out["targets"][0])
    assert good["web.ipv6"] == "fail"  # the apex has no AAAA
    assert poor["dns.dnssec"] == "fail" and poor["dns.nameservers"] == "fail" and poor["dns.caa"] == "warn"
    assert poor["mail.spf"] == poor["mail.dmarc"] == poor["mail.starttls"] == poor["mail.dane"] == "fail"
    assert all(
        quiet[c] == "pass" for c in ("dns.dnssec", "mail.spf", "mail.dmarc", "mail.starttls", "mail.dane")
    )
    assert code == 1
    assert out["targets"][0]["observations"]["dns"]["domains"][0]["dnssec"]["status"] == "secure"


def test_domain_option_and_ip_target(posture: Any) -> None:
    code, out = _scan(posture, "127.0.0.1:9", "--domain", "quiet.posture.test")
    checks = _statuses(out["targets"][0])
    assert checks["web.ipv6"] == "not_applicable"
    assert checks["mail.dmarc"] == "pass"
    assert code == 0


def test_bad_options_are_bad_input(posture: Any, tmp_path: Path) -> None:
    bad_anchor = tmp_path / "anchor.txt"
    bad_anchor.write_text("posture.test. IN A 127.0.0.1\n")
    for extra in (
        ["--dns-server", "ns.example"],
        ["--dns-server", "127.0.0.1:99999"],
        ["--trust-anchor", str(bad_anchor)],
        ["--trust-anchor", str(tmp_path / "missing")],
        ["--domain", "a b"],
        ["--probes", "dns,nosuch"],
    ):
        r = CliRunner().invoke(main, ["scan", "good.posture.test:443", "--probes", "dns", *extra, "--quiet"])
        assert r.exit_code == 2, (extra, r.output)
        assert "Traceback" not in r.output and r.output.strip().count("\n") == 0, r.output
