"""The whole path: `host import` -> `assess` (bundle carries the host observations) -> `summary`
re-judges them; the mapped requirements' checks_status follow the rules, a declared host without an
import errs, a system without hosts: has the host checks out of scope. All as of explicit dates."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from host_samples import server_arf, server_lynis

from secaudit.cli import main
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1

SITE = "127.0.0.243"
AT = "2026-12-02T00:00:00Z"
GOOD_PW = {
    "accounts_password_pam_minlen": "pass",
    "accounts_password_pam_minclass": "pass",
    "no_empty_passwords": "pass",
    "accounts_password_pam_unix_remember": "pass",
}
LOCKOUT_FAILS = {"accounts_passwords_pam_faillock_deny": "fail"}


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("hostassess")
    closed = socket.socket()
    closed.bind((SITE, 0))  # bound, not listening: the ports probe is quick
    port = closed.getsockname()[1]
    inv = root / "inventory.yaml"
    inv.write_text(
        f"""\
province: Tỉnh Thử
period: "2026"
agencies:
  - id: bao
    name: Báo
    systems:
      - id: portal
        name: Cổng
        level: 3
        profiles: [level3, tcvn14423-level3]
        targets: ["https://{SITE}:{port}"]
        expected_ports: [{port}]
        hosts: [vm, {{name: db01, os: debian-12}}]
      - id: noi-bo
        name: Nội bộ
        level: 3
        targets: ["https://{SITE}:{port}"]
        expected_ports: [{port}]
""",
        encoding="utf-8",
    )
    att = root / "att"
    (att / "bao").mkdir(parents=True)
    arf = root / "arf.xml"
    arf.write_text(server_arf(GOOD_PW | LOCKOUT_FAILS), encoding="utf-8")
    lyn = root / "lynis-report.dat"
    lyn.write_text(server_lynis({"malware_scanner_installed": "1"}), encoding="utf-8")
    r = run("host", "import", arf, lyn, "--inventory", inv, "--agency", "bao", "--system", "portal",
            "--host", "vm", "--attestations", att)  # fmt: skip
    assert r.exit_code == 0, r.output
    keys = root / "keys"
    assert run("keys", "generate", "--agency", "bao", "-o", keys).exit_code == 0
    out = root / "out"
    r = run("assess", "--inventory", inv, "--attestations", att, "-o", out, "--probes", "ports",
            "--timeout", 2, "--no-progress", "--key", keys, "--assessed-at", AT)  # fmt: skip
    assert r.exit_code in (1, 3), r.output
    yield {"root": root, "out": out, "keys": keys, "inv": inv}
    closed.close()


def _bundle(out: Path, system: str) -> dict[str, Any]:
    return as_v1(load_bundle(next(out.glob(f"bao.{system}.*.json")))["assessment"], texts=True)


def _reqs(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in entry["requirements"]}


def test_bundle_carries_declared_hosts_and_their_evidence(world: Any) -> None:
    a = _bundle(world["out"], "portal")
    hosts = {t["target"]: t for t in a["targets"] if t["target"].startswith("host://")}
    assert set(hosts) == {"host://vm", "host://db01"}
    vm = hosts["host://vm"]["observations"]["host"]
    engines = {i["engine"]: i for i in vm["imports"]}
    assert set(engines) == {"openscap", "lynis"}
    osc = engines["openscap"]
    assert (
        osc["content_version"] == "0.1.76"
        and len(osc["sha256"]) == 64
        and osc["ran_at"].startswith("2026-12-01")
    )
    assert osc["results"]["accounts_passwords_pam_faillock_deny"] == "fail" and osc["unmapped_results"] > 0
    assert a["system"]["hosts"][1] == {"name": "db01", "os": "debian-12", "role": ""}
    db = {c["id"]: c for c in hosts["host://db01"]["checks"]}
    assert db and {c["status"] for c in db.values()} == {"error"}
    assert "No result imported for host db01" in db["host.auth.lockout"]["summary"]["en"]


def test_mapped_requirements_checks_status_follow_the_rules(world: Any) -> None:
    a = _bundle(world["out"], "portal")
    r11 = _reqs(a)
    # T.SRV.01: the lock-out rule fails on vm -> the automated part fails (fail outweighs db01's error)
    assert r11["T.SRV.01"]["kind"] == "partial" and r11["T.SRV.01"]["checks_status"] == "fail"
    assert r11["T.SRV.01"]["status"] == "fail"
    # T.SRV.05 anti-malware: Lynis says a scanner is installed on vm, db01 has no result -> error
    assert r11["T.SRV.05"]["checks_status"] == "error" and r11["T.SRV.05"]["status"] == "error"
    r14 = _reqs(a["additional"][0])
    assert r14["ANM.CFG.05"]["checks_status"] == "fail"  # the lock-out, in the other catalogue
    assert r14["ANM.MAL.02"]["checks_status"] == "error"
    # never auto: the attestation still covers "every server in scope"
    assert all(
        r["kind"] != "auto" for rid, r in r11.items() if any(c["id"].startswith("host.") for c in r["checks"])
    )


def test_system_without_hosts_has_host_checks_out_of_scope(world: Any) -> None:
    r = _reqs(_bundle(world["out"], "noi-bo"))
    srv1 = r["T.SRV.01"]
    assert srv1["checks_status"] == "none" and srv1["status"] == "not_reviewed"
    assert "No host declared" in str(srv1["reason"]) or "no_host_declared" in str(srv1["reason"])


def test_summary_rejudges_host_evidence_consistently(world: Any) -> None:
    r = run(
        "summary", world["out"], "--inventory", world["inv"], "--keyring", world["keys"], "--format", "json"
    )
    assert r.exit_code in (0, 1), r.output
    import json

    s = json.loads(r.output[r.output.index("{") :])
    systems = {x["id"]: x for ag in s["agencies"] for x in ag["systems"]}
    assert systems["portal"]["trust"] == "consistent" and systems["portal"]["differing"] == []
    assert "T.SRV.01" in systems["portal"]["failing"]


def test_rejudging_later_expires_the_host_results(world: Any) -> None:
    from secaudit.assessment.rejudge import rejudge
    from secaudit.signing.bundle_view import as_v1 as v1

    a = v1(load_bundle(next(world["out"].glob("bao.portal.*.json")))["assessment"])
    later = dict(a, assessed_at="2027-03-15T00:00:00Z")  # 104 days after the scan: > 90
    j = rejudge(later)
    srv1 = next(v for v in j.primary.verdicts if v.id == "T.SRV.01")
    assert srv1.to_dict()["checks_status"] == "error"  # expired evidence: no longer a fail, never a pass


def test_summary_refuses_a_bundle_that_leaves_out_a_declared_server(world: Any) -> None:
    """Dropping a server from the bundle would put its host checks out of scope on the agency's word:
    the Department's inventory decides which servers are judged."""
    import json

    text = world["inv"].read_text(encoding="utf-8").replace("[vm, {name: db01", "[vm, web02, {name: db01")
    declared = world["root"] / "declared-more.yaml"
    declared.write_text(text, encoding="utf-8")
    r = run("summary", world["out"], "--inventory", declared, "--keyring", world["keys"], "--format", "json")
    s = json.loads(r.output[r.output.index("{") :])
    portal = next(x for ag in s["agencies"] for x in ag["systems"] if x["id"] == "portal")
    assert portal["status"] == "profile_not_accepted" and not portal["meets_target"], portal
    assert "web02" in portal["reason"] and "missing from the bundle" in portal["reason"]
