"""Real OpenSCAP runs (Debian's openscap-scanner): small XCCDF 1.2 + OVAL content the test writes (a
config-line rule and a file-mode rule, pass and fail variants), then the import and the host checks;
and `secaudit host scan` on this machine with trixie's Debian 12 content (scripts/setup.sh --dev).

The test content borrows two ids of the rule map so that the whole path is exercised: the config line
stands for sshd_disable_root_login (PermitRootLogin no) and the file mode for aide_build_database
(the database exists and no one else can read or write it)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from host_samples import inventory

from secaudit.assessment.host_evidence import host_observation
from secaudit.checks import CheckContext, run_probe_checks
from secaudit.cli import main
from secaudit.config.inventory_hosts import HostSpec

OSCAP = shutil.which("oscap")
ROOT = Path(__file__).resolve().parent.parent
SSG = ROOT / ".cache/ssg-debian/usr/share/xml/scap/ssg/content"  # scripts/setup.sh --dev
pytestmark = pytest.mark.skipif(OSCAP is None, reason="oscap missing: bash scripts/setup.sh --dev")
HOST = socket.gethostname().lower()

OVAL = """<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
 xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
 xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"
 xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix">
 <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-12-01T00:00:00</oval:timestamp></generator>
 <definitions>
  <definition class="compliance" id="oval:vn.secaudit.test:def:1" version="1">
   <metadata><title>PermitRootLogin no</title><description>config line</description></metadata>
   <criteria><criterion test_ref="oval:vn.secaudit.test:tst:1" comment="line"/></criteria>
  </definition>
  <definition class="compliance" id="oval:vn.secaudit.test:def:2" version="1">
   <metadata><title>database mode</title><description>file mode</description></metadata>
   <criteria><criterion test_ref="oval:vn.secaudit.test:tst:2" comment="mode"/></criteria>
  </definition>
 </definitions>
 <tests>
  <ind:textfilecontent54_test id="oval:vn.secaudit.test:tst:1" version="1" check="all"
   check_existence="at_least_one_exists" comment="line present">
   <ind:object object_ref="oval:vn.secaudit.test:obj:1"/>
  </ind:textfilecontent54_test>
  <unix:file_test id="oval:vn.secaudit.test:tst:2" version="1" check="all"
   check_existence="only_one_exists" comment="mode">
   <unix:object object_ref="oval:vn.secaudit.test:obj:2"/>
   <unix:state state_ref="oval:vn.secaudit.test:ste:2"/>
  </unix:file_test>
 </tests>
 <objects>
  <ind:textfilecontent54_object id="oval:vn.secaudit.test:obj:1" version="1">
   <ind:filepath>{dir}/sshd_config</ind:filepath>
   <ind:pattern operation="pattern match">^\\s*PermitRootLogin\\s+no\\s*$</ind:pattern>
   <ind:instance datatype="int" operation="greater than or equal">1</ind:instance>
  </ind:textfilecontent54_object>
  <unix:file_object id="oval:vn.secaudit.test:obj:2" version="1">
   <unix:filepath>{dir}/aide.db</unix:filepath>
  </unix:file_object>
 </objects>
 <states>
  <unix:file_state id="oval:vn.secaudit.test:ste:2" version="1">
   <unix:gread datatype="boolean">false</unix:gread><unix:gwrite datatype="boolean">false</unix:gwrite>
   <unix:oread datatype="boolean">false</unix:oread><unix:owrite datatype="boolean">false</unix:owrite>
  </unix:file_state>
 </states>
</oval_definitions>
"""

XCCDF = """<?xml version="1.0" encoding="UTF-8"?>
<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_vn.secaudit.test_benchmark_HOSTTEST"
 resolved="1" xml:lang="en">
 <status>accepted</status><title>secaudit host test</title><version>1.0</version>
 <Profile id="xccdf_vn.secaudit.test_profile_all"><title>all</title>
  <select idref="xccdf_org.ssgproject.content_rule_sshd_disable_root_login" selected="true"/>
  <select idref="xccdf_org.ssgproject.content_rule_aide_build_database" selected="true"/>
 </Profile>
 <Rule id="xccdf_org.ssgproject.content_rule_sshd_disable_root_login" selected="false" severity="high">
  <title>PermitRootLogin no</title>
  <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5">
   <check-content-ref href="oval.xml" name="oval:vn.secaudit.test:def:1"/></check>
 </Rule>
 <Rule id="xccdf_org.ssgproject.content_rule_aide_build_database" selected="false" severity="medium">
  <title>database mode</title>
  <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5">
   <check-content-ref href="oval.xml" name="oval:vn.secaudit.test:def:2"/></check>
 </Rule>
</Benchmark>
"""


def _content(tmp: Path, good: bool) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "sshd_config").write_text("Port 22\nPermitRootLogin {}\n".format("no" if good else "yes"))
    db = tmp / "aide.db"
    db.write_bytes(b"db")
    os.chmod(db, 0o600 if good else 0o666)
    (tmp / "oval.xml").write_text(OVAL.replace("{dir}", str(tmp)), encoding="utf-8")
    (tmp / "xccdf.xml").write_text(XCCDF, encoding="utf-8")
    return tmp / "xccdf.xml"


def _oscap(xccdf: Path, flag: str, out: Path) -> subprocess.CompletedProcess[bytes]:
    cmd = [
        OSCAP or "oscap",
        "xccdf",
        "eval",
        "--profile",
        "xccdf_vn.secaudit.test_profile_all",
        flag,
        str(out),
    ]
    return subprocess.run([*cmd, str(xccdf)], cwd=xccdf.parent, capture_output=True, timeout=120, check=False)


def _judge(record_path: Path) -> dict[str, str]:
    rec = json.loads(record_path.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(rec["ran_at"]) + timedelta(days=1)  # as of an explicit date
    ctx = CheckContext(host=HOST, port=443, params={}, now=now)
    return {c.id: c.status for c in run_probe_checks("host", host_observation(HostSpec(HOST), [rec]), ctx)}


@pytest.mark.parametrize(("good", "want", "rc"), [(True, "pass", 0), (False, "fail", 2)])
def test_real_oscap_results_import_and_judge(tmp_path: Path, good: bool, want: str, rc: int) -> None:
    xccdf = _content(tmp_path / "content", good)
    inv = inventory(tmp_path / "inventory.yaml", hosts=f"        hosts: [{HOST}]")
    for flag, name in (("--results-arf", "arf.xml"), ("--results", "xccdf-results.xml")):
        proc = _oscap(xccdf, flag, tmp_path / name)
        assert proc.returncode == rc, proc.stderr  # oscap exits 2 when a rule fails
        att = tmp_path / f"att-{name}"
        args = ["host", "import", str(tmp_path / name), "--inventory", str(inv), "--agency", "bao"]
        r = CliRunner().invoke(
            main, [*args, "--system", "portal", "--host", HOST, "--attestations", str(att)]
        )
        assert r.exit_code == 0, r.output
        record = att / "bao" / "portal.hosts" / HOST / "openscap.json"
        rec = json.loads(record.read_text(encoding="utf-8"))
        assert rec["engine"] == "openscap" and rec["benchmark"].endswith("HOSTTEST")
        assert rec["format"] == ("arf" if flag == "--results-arf" else "xccdf-benchmark")
        assert rec["results"] == {"sshd_disable_root_login": want, "aide_build_database": want}
        got = _judge(record)
        assert got["host.access.ssh"] == want and got["host.integrity.aide"] == want
        assert got["host.auth.lockout"] == "error"  # nothing of it was evaluated: never a pass


@pytest.mark.skipif(not (SSG / "ssg-debian12-ds.xml").exists(), reason="bash scripts/setup.sh --dev")
def test_host_scan_on_this_machine_with_debian12_content(tmp_path: Path) -> None:
    hosts = f"        hosts: [{{name: {HOST}, os: debian-12}}]"
    inv = inventory(tmp_path / "inventory.yaml", hosts=hosts, profile="tcvn14423-level3")
    base = ["host", "scan", "--inventory", str(inv), "--agency", "bao", "--system", "portal", "--host", HOST]
    att = tmp_path / "att"
    r = CliRunner().invoke(
        main, [*base, "--attestations", str(att), "--content", str(SSG / "ssg-debian12-ds.xml")]
    )
    assert r.exit_code == 0, r.output
    folder = att / "bao" / "portal.hosts" / HOST
    rec = json.loads((folder / "openscap.json").read_text(encoding="utf-8"))
    assert rec["benchmark"] == "xccdf_org.ssgproject.content_benchmark_DEBIAN-12"
    assert rec["profile"] == "xccdf_vn.secaudit_profile_host_evidence" and rec["content_version"] == "0.1.76"
    # the profile's thresholds as set-values: 14 characters, 5 failures, 12 h lock, 5 min idle (in seconds)
    sv = rec["set_values"]
    assert (sv["var_password_pam_minlen"], sv["var_accounts_passwords_pam_faillock_deny"]) == ("14", "5")
    assert (
        sv["var_accounts_passwords_pam_faillock_unlock_time"] == "43200" and sv["var_accounts_tmout"] == "300"
    )
    evaluated = {k for k, v in rec["results"].items() if v != "notselected"}
    from secaudit.checks.host.judge import mapped_rules

    assert evaluated and evaluated <= set(mapped_rules())  # only the mapped rules were selected
    kept = folder / "openscap-results-arf.xml.gz"  # the file the record's SHA-256 names
    assert rec["file"]["sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
    # a Debian 11 data stream on this Debian 12 machine is refused before scanning
    d11 = SSG / "ssg-debian11-ds.xml"
    r = CliRunner().invoke(main, [*base, "--attestations", str(tmp_path / "a2"), "--content", str(d11)])
    assert r.exit_code == 2 and "does not match this machine (debian-12)" in r.output
    assert not (tmp_path / "a2").exists()


def test_host_scan_refuses_to_scan_another_machine(tmp_path: Path) -> None:
    inv = inventory(tmp_path / "inventory.yaml", hosts="        hosts: [srv-elsewhere-01]")
    args = ["host", "scan", "--inventory", str(inv), "--agency", "bao", "--system", "portal"]
    r = CliRunner().invoke(main, [*args, "--host", "srv-elsewhere-01", "--attestations", str(tmp_path / "a")])
    assert r.exit_code == 2 and "not host srv-elsewhere-01" in r.output and not (tmp_path / "a").exists()


def test_host_scan_without_oscap_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inv = inventory(tmp_path / "inventory.yaml", hosts=f"        hosts: [{HOST}]")
    monkeypatch.setenv("PATH", str(tmp_path))  # no oscap on PATH
    args = ["host", "scan", "--inventory", str(inv), "--agency", "bao", "--system", "portal", "--host", HOST]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "openscap-scanner" in r.output and len(r.output.strip().splitlines()) == 1
