"""Acceptance audit of issues 2-5 through the installed command line, against real loopback servers.

Each test names the issue item it proves. Where an existing test already proves an item, it is not
repeated here; these cover what the audit found untested end to end (or fixed): a fully clean scan
with every probe exits 0, a missing nmap costs only the port checks (exit 3), handshake faults are
errors and never a pass, a per-target `http_port` in the inventory (DESIGN §9), the evidence hash
recorded by `attest import` and a changed file caught at `assess`, and the summary's coverage states
(missing, unverified, another period). This module's own loopback addresses: 127.0.0.210-219.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from secaudit.lab.sites import GOOD_HEADERS, Lab, SiteSpec
from secaudit.signing.bundle_view import as_v1

GOOD_ADDR, BARE_ADDR, HTMLGIT_ADDR, FAULT_ADDR = "127.0.0.210", "127.0.0.211", "127.0.0.212", "127.0.0.213"
WARN_ADDR = "127.0.0.214"
GOOD_HOST = "good.acceptance.test"
# `assess` dates its bundles by the clock: answers given 10 days before the run are valid on any day.
ATTESTED = (date.today() - timedelta(days=10)).isoformat()


def secaudit(*args: Any, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run(
        [exe, *[str(a) for a in args]], capture_output=True, text=True, timeout=300, env=env
    )


def verdicts(target: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in target["checks"]}


@pytest.fixture(scope="module")
def sites(lab: Lab) -> dict[str, Any]:
    good = lab.start(
        SiteSpec(
            name="acc-good",
            address=GOOD_ADDR,
            hostname=GOOD_HOST,
            cookies=["sid=1; Secure; HttpOnly; SameSite=Lax"],
        )
    )
    bare = lab.start(
        SiteSpec(
            name="acc-bare",
            address=BARE_ADDR,
            hostname=BARE_ADDR,
            headers={},
            server_header="nginx/1.18.0",
            cookies=["sessionid=abc"],
            plain_http="no_redirect",
            paths={"/.git/HEAD": (200, "text/plain", b"ref: refs/heads/main\n")},
        )
    )
    # A catch-all that answers 200 with an HTML page for /.git/HEAD: not an exposure (issue 3 item 1).
    htmlgit = lab.start(
        SiteSpec(
            name="acc-htmlgit",
            address=HTMLGIT_ADDR,
            hostname=HTMLGIT_ADDR,
            paths={"/.git/HEAD": (200, "text/html; charset=utf-8", b"<html><body>Not here</body></html>")},
        )
    )
    # Every header but Referrer-Policy: http.referrer_policy warns (browsers default to a safe policy).
    warn_only = lab.start(
        SiteSpec(
            name="acc-warn",
            address=WARN_ADDR,
            hostname=WARN_ADDR,
            headers={k: v for k, v in GOOD_HEADERS.items() if k != "Referrer-Policy"},
        )
    )
    return {
        "lab": lab,
        "good": good,
        "warn_only": warn_only,
        "bare": bare,
        "htmlgit": htmlgit,
        "silent": lab.silent_listener(FAULT_ADDR),
        "garbage": lab.tcp_listener(FAULT_ADDR, banner=b"SSH-2.0-OpenSSH_8.9\r\n"),
        "refused": lab.closed_port(FAULT_ADDR),
    }


def good_scan_args(sites: dict[str, Any]) -> list[Any]:
    good = sites["good"]
    return [
        "scan",
        f"https://{GOOD_HOST}:{good.https_port}",
        "--resolve",
        f"{GOOD_HOST}:{good.https_port}:{GOOD_ADDR}",
        "--http-port",
        good.http_port,
        "--ca-file",
        sites["lab"].ca_file,
        "--format",
        "json",
    ]


# ------------------------------------------------------------------ issue 3: scan


def test_issue3_clean_site_with_every_probe_exits_0(sites: dict[str, Any]) -> None:
    proc = secaudit(*good_scan_args(sites))
    assert proc.returncode == 0, proc.stderr
    [t] = json.loads(proc.stdout)["targets"]
    v = verdicts(t)
    assert set(t["observations"]) == {"tls", "http", "ports"}
    assert {k: s for k, s in v.items() if s != "pass"} == {"ports.unexpected_open": "not_applicable"}
    assert v["ports.risky_services"] == "pass" and v["http.https_redirect"] == "pass"


def test_issue3_nmap_missing_is_error_for_port_checks_only_exit_3(
    sites: dict[str, Any], tmp_path: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = secaudit(*good_scan_args(sites), env=dict(os.environ, PATH=str(empty)))
    assert proc.returncode == 3, proc.stderr
    [t] = json.loads(proc.stdout)["targets"]
    ports = [c for c in t["checks"] if c["id"].startswith("ports.")]
    assert ports and all(c["status"] == "error" and "nmap" in c["evidence"]["reason"] for c in ports)
    others = {c["id"]: c["status"] for c in t["checks"] if not c["id"].startswith("ports.")}
    assert set(others.values()) == {"pass"}, others  # the other probes completed


def test_issue3_warnings_alone_exit_0(sites: dict[str, Any]) -> None:
    # DESIGN §9: "A scan whose checks are all pass/warn exits 0"; the warning is still reported.
    site = sites["warn_only"]
    proc = secaudit(
        "scan",
        f"https://{WARN_ADDR}:{site.https_port}",
        "--http-port",
        site.http_port,
        "--probes",
        "tls,http",
        "--ca-file",
        sites["lab"].ca_file,
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stdout
    [t] = json.loads(proc.stdout)["targets"]
    assert {k: s for k, s in verdicts(t).items() if s != "pass"} == {"http.referrer_policy": "warn"}


def test_issue3_faults_are_errors_never_pass_exit_3(sites: dict[str, Any]) -> None:
    targets = [
        f"https://{FAULT_ADDR}:{sites['silent']}",  # accepts TCP, never answers
        f"{FAULT_ADDR}:{sites['garbage']}",  # not TLS: the handshake fails
        f"https://{FAULT_ADDR}:{sites['refused']}",
    ]
    proc = secaudit("scan", *targets, "--probes", "tls,http", "--timeout", "1.5", "--format", "json")
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert [t["target"] for t in data["targets"]] == targets
    for t, needle in zip(data["targets"], ["within", "not a TLS service", "refused"], strict=True):
        assert set(verdicts(t).values()) == {"error"}, (t["target"], verdicts(t))
        tls = [c for c in t["checks"] if c["id"].startswith("tls.")]
        assert all(needle in c["evidence"]["reason"] for c in tls), tls[0]["evidence"]


def test_issue3_broken_sites_fail_what_they_should_exit_1(sites: dict[str, Any]) -> None:
    bare, htmlgit = sites["bare"], sites["htmlgit"]
    proc = secaudit(
        "scan",
        f"https://{BARE_ADDR}:{bare.https_port}",
        f"https://{HTMLGIT_ADDR}:{htmlgit.https_port}",
        "--http-port",
        bare.http_port,
        "--probes",
        "http",
        "--ca-file",
        sites["lab"].ca_file,
        "--format",
        "json",
    )
    assert proc.returncode == 1, proc.stderr
    bare_v, html_v = (verdicts(t) for t in json.loads(proc.stdout)["targets"])
    for cid in (
        "http.https_redirect",  # plain HTTP answers 200 without redirecting
        "http.hsts",
        "http.csp",
        "http.frame_options",
        "http.content_type_options",
        "http.cookies",  # a session cookie without Secure/HttpOnly
        "http.server_disclosure",  # nginx/1.18.0
        "http.sensitive_paths",  # /.git/HEAD starting with "ref:"
    ):
        assert bare_v[cid] == "fail", cid
    assert html_v["http.sensitive_paths"] == "pass"  # an HTML page at /.git/HEAD is no exposure


# ------------------------------------------------------------------ issue 4: inventory, attestations


@pytest.fixture(scope="module")
def assessed(sites: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two agencies; bao-tot's target carries its own http_port; one filled attestation file whose
    evidence hash is recorded by an Excel round trip; then assess, verify, summary."""
    root = tmp_path_factory.mktemp("acceptance")
    good, bare = sites["good"], sites["bare"]
    inventory = root / "inventory.yaml"
    inventory.write_text(
        f"""\
province: Thừa Thiên Huế
period: 2026
agencies:
  - id: bao-tot
    name: Báo Tốt
    type: newspaper
    systems:
      - id: portal
        name: Cổng báo điện tử
        level: 3
        http_port: {bare.http_port}
        targets:
          - url: "https://{GOOD_HOST}:{good.https_port}"
            address: {GOOD_ADDR}
            http_port: {good.http_port}
        expected_ports: [{good.https_port}, {good.http_port}]
  - id: dai-xau
    name: Đài Xấu
    type: radio-tv
    systems:
      - id: web
        name: Trang tin
        level: 2
        targets: ["https://{BARE_ADDR}:{bare.https_port}"]
  - id: bao-vang
    name: Báo Vắng
    systems:
      - id: site
        name: Trang
        level: 3
        targets: ["https://{BARE_ADDR}:1"]
""",
        encoding="utf-8",
    )
    keys = root / "keys"
    for agency in ("bao-tot", "dai-xau", "bao-vang"):  # bao-vang's bundle is left out of the summary
        assert secaudit("keys", "generate", "--agency", agency, "-o", keys).returncode == 0
    atts = root / "att"
    tpl = atts / "bao-tot" / "portal.yaml"
    proc = secaudit(
        "attest", "template", "--inventory", inventory, "--agency", "bao-tot", "--system", "portal", "-o", tpl
    )
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(tpl.read_text(encoding="utf-8"))
    for entry in data["attestations"]:
        entry.update(
            status="compliant", note="Đã kiểm tra / checked", attested_by="Nguyễn Văn A", attested_at=ATTESTED
        )
    data["attestations"][0]["evidence"] = [{"path": "evidence/quy-che.pdf"}]
    (atts / "bao-tot" / "evidence").mkdir()
    evidence = atts / "bao-tot" / "evidence" / "quy-che.pdf"
    evidence.write_bytes("Quy chế an toàn thông tin v1".encode())
    tpl.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    xlsx = root / "att.xlsx"
    proc = secaudit(
        "attest", "export", "--inventory", inventory, "--attestations", atts, "--format", "xlsx", "-o", xlsx
    )
    assert proc.returncode == 0, proc.stderr
    proc = secaudit("attest", "import", xlsx, "--attestations", atts)
    assert proc.returncode == 0, proc.stderr

    def assess(out: Path) -> subprocess.CompletedProcess[str]:
        return secaudit(
            "assess",
            "--inventory",
            inventory,
            "--attestations",
            atts,
            "--key",
            keys,
            "--ca-file",
            sites["lab"].ca_file,
            "--timeout",
            5,
            "--no-progress",
            "-o",
            out,
        )

    first = assess(root / "out")
    evidence.write_bytes("Quy chế an toàn thông tin v2".encode())  # changed after it was recorded
    second = assess(root / "out2")
    return {
        "root": root,
        "inventory": inventory,
        "keys": keys,
        "tpl": tpl,
        "evidence": evidence,
        "first": first,
        "second": second,
        "out": root / "out",
        "out2": root / "out2",
    }


def bundle(path: Path) -> dict[str, Any]:
    return as_v1(json.loads(path.read_text(encoding="utf-8"))["assessment"], texts=True)


def test_issue4_target_http_port_is_where_plain_http_is_asked(
    assessed: dict[str, Any], sites: dict[str, Any]
) -> None:
    # DESIGN §9: "the target's http_port (inventory)"; the system's http_port (the bare site's,
    # which does not redirect) is only the default for targets without one.
    assert assessed["first"].returncode == 1, assessed["first"].stderr  # dai-xau fails
    a = bundle(assessed["out"] / "bao-tot.portal.2026.json")
    [t] = a["targets"]
    plain = t["observations"]["http"]["plain_http"]
    assert plain["start"] == f"http://{GOOD_HOST}:{sites['good'].http_port}/"
    assert verdicts(t)["http.https_redirect"] == "pass"
    assert a["summary"]["meets_level"] is True and a["summary"]["counts"]["pass"] == len(a["requirements"])


@pytest.mark.parametrize(
    "target,message",
    [
        ("{url: 'https://x.test', http_port: 0}", "http_port must be a port number"),
        ("{url: 'https://x.test', http_port: web}", "http_port must be a port number"),
        ("{url: 'https://x.test', port: 80}", "unknown key 'port' in a target"),
    ],
)
def test_issue4_bad_target_http_port_exit_2_naming_the_line(
    tmp_path: Path, target: str, message: str
) -> None:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "province: P\nperiod: 2026\nagencies:\n  - id: a\n    name: A\n    systems:\n"
        f"      - id: s\n        name: S\n        level: 3\n        targets:\n          - {target}\n",
        encoding="utf-8",
    )
    proc = secaudit("assess", "--inventory", inv, "-o", tmp_path / "out")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{inv}:11:" in lines[0] and message in lines[0], proc.stderr
    assert not (tmp_path / "out").exists()


def test_issue4_import_records_evidence_hash_and_assess_reports_a_change(assessed: dict[str, Any]) -> None:
    data = yaml.safe_load(assessed["tpl"].read_text(encoding="utf-8"))
    [ev] = data["attestations"][0]["evidence"]
    assert len(ev["sha256"]) == 64  # recorded by `attest import`
    rid = data["attestations"][0]["requirement"]
    before = bundle(assessed["out"] / "bao-tot.portal.2026.json")
    after = bundle(assessed["out2"] / "bao-tot.portal.2026.json")
    reqs = [{r["id"]: r for r in a["requirements"]}[rid] for a in (before, after)]
    assert [r["attestation"]["evidence"][0]["state"] for r in reqs] == ["ok", "changed"]
    assert reqs[0]["status"] == "pass"
    req = reqs[1]
    assert req["status"] == "not_reviewed" and "quy-che.pdf" in req["reason"]["en"]
    assert assessed["second"].returncode == 1  # bao-tot no longer meets its level


def test_issue4_assess_exits_3_when_only_probe_errors_stand_in_the_way(
    assessed: dict[str, Any], sites: dict[str, Any], tmp_path: Path
) -> None:
    # bao-tot's evidence changed (not_reviewed) in the fixture: put the recorded file back first.
    assessed["evidence"].write_bytes("Quy chế an toàn thông tin v1".encode())
    empty = tmp_path / "bin"
    empty.mkdir()
    common = ["--inventory", assessed["inventory"], "--attestations", assessed["tpl"].parent.parent]
    common += ["--agency", "bao-tot", "--ca-file", sites["lab"].ca_file, "--no-progress"]
    proc = secaudit("assess", *common, "-o", tmp_path / "out", env=dict(os.environ, PATH=str(empty)))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    a = bundle(tmp_path / "out" / "bao-tot.portal.2026.json")
    counts = a["summary"]["counts"]
    assert counts["error"] >= 1 and counts["fail"] == 0 and counts["not_reviewed"] == 0
    errored = [r for r in a["requirements"] if r["status"] == "error"]
    assert all(any(c["id"].startswith("ports.") for c in r["checks"]) for r in errored)
    assert a["summary"]["meets_level"] is False  # an error is never a pass
    proc = secaudit("assess", *common, "-o", tmp_path / "again")  # nmap back: the system meets its level
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_issue4_expired_is_not_reviewed_and_expiring_soon_is_flagged(
    assessed: dict[str, Any], sites: dict[str, Any], tmp_path: Path
) -> None:
    atts = tmp_path / "att"
    shutil.copytree(assessed["tpl"].parent.parent, atts)
    path = atts / "bao-tot" / "portal.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = date.today()
    expired, soon, later = data["attestations"][1:4]
    # 400 days ago with the default 12 months: expired well before the run (whatever the day).
    expired.update(attested_at=(today - timedelta(days=400)).isoformat(), expires_at=None)
    soon.update(attested_at=(today - timedelta(days=300)).isoformat())
    soon["expires_at"] = (today + timedelta(days=10)).isoformat()
    later.update(attested_at=(today - timedelta(days=200)).isoformat())
    later["expires_at"] = (today + timedelta(days=90)).isoformat()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proc = secaudit(
        "assess",
        "--inventory",
        assessed["inventory"],
        "--attestations",
        atts,
        "--agency",
        "bao-tot",
        "--probes",
        "tls",
        "--ca-file",
        sites["lab"].ca_file,
        "--no-progress",
        "-o",
        tmp_path / "out",
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    reqs = {r["id"]: r for r in bundle(tmp_path / "out" / "bao-tot.portal.2026.json")["requirements"]}
    r_expired, r_soon, r_later = (reqs[e["requirement"]] for e in (expired, soon, later))
    assert r_expired["status"] == "not_reviewed"
    assert "expire" in r_expired["reason"]["en"].lower(), r_expired["reason"]
    assert r_soon["status"] == "pass" and r_soon["expiring_soon"] is True
    assert "Expires soon" in r_soon["reason"]["en"], r_soon["reason"]
    assert r_later["status"] == "pass" and not r_later["expiring_soon"]


def test_issue4_verify_accepts_and_rejects_a_tampered_copy(assessed: dict[str, Any], tmp_path: Path) -> None:
    good = assessed["out"] / "bao-tot.portal.2026.json"
    raw = good.read_bytes()
    tampered = tmp_path / "bao-tot.portal.2026.json"
    tampered.write_bytes(raw.replace(b'"pass"', b'"fail"', 1))
    proc = secaudit("verify", good, assessed["out"] / "dai-xau.web.2026.json", "--keyring", assessed["keys"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len([ln for ln in proc.stdout.splitlines() if ln.startswith("OK")]) == 2
    proc = secaudit("verify", good, tampered, "--keyring", assessed["keys"])
    assert proc.returncode == 1
    assert [ln.split()[0] for ln in proc.stdout.splitlines() if ln.strip()] == ["OK", "FAILED"]


# ------------------------------------------------------------------ issue 5: summary coverage


def test_issue5_summary_lists_missing_unverified_and_other_period(
    assessed: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    # bao-tot: a good, verified bundle but from another period; dai-xau: a tampered copy; bao-vang: none.
    good = json.loads((assessed["out"] / "bao-tot.portal.2026.json").read_text(encoding="utf-8"))
    (folder / "dai-xau.web.2026.json").write_bytes(
        (assessed["out"] / "dai-xau.web.2026.json").read_bytes().replace(b'"fail"', b'"pass"', 1)
    )
    shutil.copy(assessed["out"] / "bao-tot.portal.2026.json", folder / "bao-tot.portal.2026.json")
    args = [
        "summary",
        folder,
        "--inventory",
        assessed["inventory"],
        "--keyring",
        assessed["keys"],
        "--format",
        "json",
    ]
    proc = secaudit(*args)
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    assert s["period"] == "2026" and s["target"] == {"level": 3, "goal_pct": 100}
    assert (s["totals"]["agencies"], s["totals"]["agencies_meeting"], s["totals"]["pct"]) == (3, 1, 33.3)
    assert (s["totals"]["missing"], s["totals"]["unverified"]) == (1, 1)
    state = {a["id"]: (a["meets_target"], a["systems"][0]["verified"]) for a in s["agencies"]}
    assert state == {"bao-tot": (True, True), "dai-xau": (False, False), "bao-vang": (False, False)}
    assert good["assessment"]["period"] == "2026"
    proc = secaudit(*args, "--period", "2025")  # the same bundles are from another period now
    s = json.loads(proc.stdout)
    assert proc.returncode == 0 and s["totals"]["agencies_meeting"] == 0
    assert {a["id"]: a["meets_target"] for a in s["agencies"]} == dict.fromkeys(
        ("bao-tot", "dai-xau", "bao-vang"), False
    )
