"""The demo shows host evidence (issue 14): Đài Cố Đô's streaming system declares two servers, one
with imported OpenSCAP and Lynis results, one without; its report lists both."""

from __future__ import annotations

import json
from typing import Any

from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1


def test_demo_declares_servers_and_shows_imported_results(demo_run: dict[str, Any]) -> None:
    out = demo_run["out"]
    assert demo_run["proc"].returncode in (0, 1), demo_run["proc"].stderr
    a = as_v1(load_bundle(next((out / "bundles").glob("dai-co-do.phat-truc-tuyen.*.json")))["assessment"])
    hosts = {t["target"]: t for t in a["targets"] if t["target"].startswith("host://")}
    assert set(hosts) == {"host://srv-stream-01", "host://srv-stream-02"}
    imported = hosts["host://srv-stream-01"]["observations"]["host"]["imports"]
    assert {i["engine"] for i in imported} == {"openscap", "lynis"}
    checks = {c["id"]: c["status"] for c in hosts["host://srv-stream-01"]["checks"]}
    assert checks["host.auth.password_policy"] == "pass" and checks["host.auth.lockout"] == "fail"
    assert checks["host.malware.protection"] == "pass" and checks["host.hardening.patches"] == "error"
    assert {c["status"] for c in hosts["host://srv-stream-02"]["checks"]} == {"error"}
    reqs = {r["id"]: r for r in a["requirements"]}
    assert reqs["T.SRV.01"]["checks_status"] == "fail" and reqs["T.SRV.01"]["kind"] == "partial"
    html = (out / "reports" / "dai-co-do.phat-truc-tuyen.2026.html").read_text(encoding="utf-8")
    assert 'id="hosts"' in html and "srv-stream-02" in html and "1/2 máy chủ đã nhập kết quả" in html
    # the systems without hosts: have no host target (their host checks are out of scope)
    other = json.loads(
        next((out / "bundles").glob("dai-co-do.cong-thong-tin.*.json")).read_text(encoding="utf-8")
    )
    assert not any(str(t.get("target", "")).startswith("host://") for t in other["assessment"]["targets"])


def test_demo_markdown_report_lists_the_servers(demo_run: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from secaudit.cli import main

    bundle = next((demo_run["out"] / "bundles").glob("dai-co-do.phat-truc-tuyen.*.json"))
    r = CliRunner().invoke(main, ["report", str(bundle), "--format", "md", "--lang", "en"])
    assert r.exit_code == 0, r.output
    block = r.output.split("## Servers and imported audit results", 1)[1].split("\n## ", 1)[0]
    assert "1/2 servers with imported results" in block and "openscap 1.3.7" in block
    assert "`srv-stream-02` (debian-12 · db): no result imported" in block
