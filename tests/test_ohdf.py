"""OHDF (Heimdall Data Format) output, proven by its real consumer: MITRE's ``inspecjs`` (npm), the
parser Heimdall and ``saf`` load every file with (``convertFile``: the exec-json types generated
from the HDF schema) and the code that gives each control its status in Heimdall
(``contextualizeEvaluation`` → ``hdf.status``). Run by Node on real ``report``/``summary`` output of
real signed bundles (tests/real_bundles.py). The npm package ships no schema JSON file (its
``files`` are ``lib/`` only), so the parser is the validator. scripts/setup.sh --dev installs it
(.dev/npm, pinned)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb

from secaudit.config.catalog import applicable, load_profile
from secaudit.signing.keys import generate_keypair

ROOT = Path(__file__).resolve().parent.parent
INSPECJS = ROOT / ".dev" / "npm" / "node_modules" / "inspecjs"
CONSUMER = Path(__file__).parent / "ohdf_consumer.js"
HEIMDALL = {
    "pass": "Passed",
    "fail": "Failed",
    "error": "Profile Error",
    "not_reviewed": "Not Reviewed",
    "not_applicable": "Not Applicable",
}


def _need_consumer() -> str:
    node = shutil.which("node")
    if node and INSPECJS.is_dir():
        return node
    why = "needs node and .dev/npm (bash scripts/setup.sh --dev)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def consume(path: Path) -> tuple[int, dict[str, Any]]:
    """(exit code, what inspecjs made of the file)."""
    node = _need_consumer()
    proc = subprocess.run(
        [node, str(CONSUMER), str(INSPECJS), str(path)], capture_output=True, text=True, timeout=60
    )
    out = proc.stdout.strip().splitlines()
    return proc.returncode, (
        json.loads(out[-1]) if out and out[-1].startswith("{") else {"stderr": proc.stderr}
    )


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def _partial_passing() -> str:
    """A partial requirement of level 3 whose checks pass on the recorded good site."""
    a = rb.assessment("x", "y")
    for r in a["requirements"]:
        ports = any(str(c).startswith("ports.") for c in r.get("checks") or [])
        if r["kind"] == "partial" and r["checks_status"] == "pass" and not ports:
            return r["id"]
    raise AssertionError("no partial requirement with passing checks")


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("ohdf")
    keys, out = root / "keys", root / "bundles"
    out.mkdir()
    generate_keypair("so-a", keys)
    partial = _partial_passing()
    na = next(r.id for r, _ in applicable(load_profile("level3")) if r.kind == "manual" and r.id != rb.MANUAL)
    mixed = {
        rb.MANUAL: "fail",
        rb.OTHER_MANUAL: "not_reviewed",
        partial: "not_reviewed",
        na: "not_applicable",
    }
    a1 = rb.assessment(
        "so-a", "portal", statuses=mixed, broken_probes=("ports",), name="Cổng thông tin điện tử"
    )
    a2 = rb.assessment("so-a", "cms", profiles=("level3", "tcvn14423-level3"), name="Hệ thống soạn tin")
    p1, p2 = rb.put(a1, keys, out), rb.put(a2, keys, out)
    return {"root": root, "keys": keys, "dir": out, "mixed": p1, "dual": p2, "partial": partial, "na": na}


def _report(bundle: Path, tmp: Path, lang: str = "vi") -> tuple[dict[str, Any], Path]:
    dest = tmp / f"{bundle.stem}.{lang}.ohdf.json"
    proc = cli("report", str(bundle), "--format", "ohdf", "--lang", lang, "-o", str(dest))
    assert proc.returncode == 0, proc.stderr
    return json.loads(dest.read_text(encoding="utf-8")), dest


def _controls(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for p in doc["profiles"] for c in p["controls"]}


def test_report_is_read_by_inspecjs_and_heimdall_status_is_our_verdict(bundles: dict, tmp_path: Path) -> None:
    doc, path = _report(bundles["mixed"], tmp_path)
    rc, seen = consume(path)
    assert rc == 0 and seen["ok"], seen
    ours = _controls(doc)
    statuses = {c["id"]: c["status"] for p in seen["profiles"] for c in p["controls"]}
    assert set(statuses) == set(ours)
    assert all(c["root"] for p in seen["profiles"] for c in p["controls"])  # no two controls overlay
    assert {ours[i]["tags"]["secaudit_status"] for i in ours} == set(HEIMDALL)  # every verdict occurs
    for cid, c in ours.items():
        assert statuses[cid] == HEIMDALL[c["tags"]["secaudit_status"]], cid
    # The verdicts are re-judged ones: the manual answers and the failed ports probe drive them.
    assert ours[rb.MANUAL]["tags"]["secaudit_status"] == "fail"
    assert ours[rb.OTHER_MANUAL]["tags"]["secaudit_status"] == "not_reviewed"
    assert ours[rb.PORTS_REQ]["tags"]["secaudit_status"] == "error"
    assert statuses[rb.PORTS_REQ] == "Profile Error"  # an error is never a pass
    assert any(r["status"] == "error" for r in ours[rb.PORTS_REQ]["results"])


def test_attested_manual_requirement_has_saf_shape(bundles: dict, tmp_path: Path) -> None:
    doc, _ = _report(bundles["mixed"], tmp_path)
    c = _controls(doc)
    # Non-compliant answer: the skipped manual test, then saf's attestation segment (failed).
    bad = c[rb.MANUAL]
    assert [r["status"] for r in bad["results"]] == ["skipped", "failed"]
    att = bad["attestation_data"]
    assert att["status"] == "failed" and att["control_id"] == rb.MANUAL
    assert att["updated"] == "2026-11-02" and att["updated_by"] == "Nguyễn Văn A"
    assert att["frequency"] == "364d" and att["expires"] == "2027-11-01"  # updated + frequency = expiry
    assert att["explanation"] == f"Quyết định số 12/QĐ ({rb.MANUAL})"
    seg = bad["results"][1]
    assert seg["code_desc"] == "Manually verified Status provided through attestation"
    assert seg["message"].startswith("Attestation:\nStatus: failed\nExplanation: Quyết định")
    # A compliant answer: passed segment; no answer: only the skipped result, no attestation.
    good = next(
        x for x in c.values() if x["tags"]["kind"] == "manual" and x["tags"]["secaudit_status"] == "pass"
    )
    assert [r["status"] for r in good["results"]] == ["skipped", "passed"]
    assert good["attestation_data"]["status"] == "passed"
    none = c[rb.OTHER_MANUAL]
    assert [r["status"] for r in none["results"]] == ["skipped"] and "attestation_data" not in none
    # Tailored/answered not applicable: waived (Heimdall: Not Applicable), impact kept.
    na = c[bundles["na"]]
    assert na["waiver_data"]["skipped_due_to_waiver"] is True and na["impact"] > 0


def test_partial_awaiting_evidence_is_not_reviewed_not_passed(bundles: dict, tmp_path: Path) -> None:
    doc, path = _report(bundles["mixed"], tmp_path)
    c = _controls(doc)[bundles["partial"]]
    assert c["tags"]["secaudit_status"] == "not_reviewed"
    checks = [r for r in c["results"] if r.get("resource_id")]
    assert checks and all(r["secaudit_status"] == "pass" and r["status"] == "skipped" for r in checks)
    rc, seen = consume(path)
    got = next(x for p in seen["profiles"] for x in p["controls"] if x["id"] == bundles["partial"])
    assert got["status"] == "Not Reviewed"


def test_dual_regime_report_one_profile_per_regime_and_sha256(bundles: dict, tmp_path: Path) -> None:
    doc, path = _report(bundles["dual"], tmp_path, lang="en")
    sha = hashlib.sha256(bundles["dual"].read_bytes()).hexdigest()
    assert [p["name"] for p in doc["profiles"]] == ["level3", "tcvn14423-level3"]
    assert all(p["sha256"] == sha for p in doc["profiles"])
    facts = doc["passthrough"]["secaudit"]
    assert facts["bundle"]["sha256"] == sha and facts["bundle"]["sha256_of"] == "file"
    assert [r["catalog"]["id"] for r in facts["regimes"]] == ["tcvn-11930-2017", "tcvn-14423-2026"]
    rc, seen = consume(path)
    assert rc == 0 and [p["sha256"] for p in seen["profiles"]] == [sha, sha]
    c = _controls(doc)
    assert c["M.POL.01"]["title"] == "Information-security policy"  # --lang en
    assert c["M.POL.01"]["tags"]["title_vi"] == "Chính sách an toàn thông tin"


def test_nist_tags_unmapped_and_clause_carried(bundles: dict, tmp_path: Path) -> None:
    """The catalogues carry no NIST SP 800-53 references: every control says so the way saf's own
    converters do ("UM-1", which Heimdall reads as unmapped) and carries its TCVN clause instead."""
    doc, path = _report(bundles["mixed"], tmp_path)
    rc, seen = consume(path)
    assert all(c["nist"] == ["UM-1"] for p in seen["profiles"] for c in p["controls"])
    c = _controls(doc)["T.NET.07"]
    assert c["tags"]["section"] == "7.2.1.7" and c["tags"]["source"].startswith("TCVN 11930:2017")
    assert c["tags"]["severity"] in ("low", "medium", "high", "critical")


def test_vietnamese_text_is_utf8_not_escaped(bundles: dict, tmp_path: Path) -> None:
    _, path = _report(bundles["mixed"], tmp_path)
    raw = path.read_bytes()
    assert "Chính sách an toàn thông tin".encode() in raw and b"\\u" not in raw
    rc, seen = consume(path)
    titles = {c["id"]: c["title"] for p in seen["profiles"] for c in p["controls"]}
    assert titles[rb.MANUAL] == "Chính sách an toàn thông tin"  # intact after Heimdall's parser


def test_broken_document_is_refused_by_the_consumer(bundles: dict, tmp_path: Path) -> None:
    """Negative control: the validator is really on."""
    doc, _ = _report(bundles["mixed"], tmp_path)
    for name, breaking in [
        ("impact", lambda d: d["profiles"][0]["controls"][0].__setitem__("impact", "high")),
        ("sha256", lambda d: d["profiles"][0].pop("sha256")),
        ("status", lambda d: d["profiles"][0]["controls"][0]["results"][0].__setitem__("status", "ok")),
    ]:
        bad = json.loads(json.dumps(doc))
        breaking(bad)
        path = tmp_path / f"broken-{name}.json"
        path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
        rc, seen = consume(path)
        assert rc != 0 and not seen.get("ok"), name


def test_summary_one_profile_per_system(bundles: dict, tmp_path: Path) -> None:
    root = tmp_path / "prov"
    p = rb.build_province(root)
    dest = tmp_path / "summary.ohdf.json"
    proc = cli(
        "summary", str(p["bundles"]), "--keyring", str(p["keys"]), "--inventory", str(p["inventory"]),
        "--format", "ohdf", "-o", str(dest),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(dest.read_text(encoding="utf-8"))
    systems = doc["passthrough"]["secaudit"]["systems"]
    names = [prof["name"] for prof in doc["profiles"]]
    assert names == [f"{s['agency']}/{s['system']}" for s in systems]
    assert "a-ok/portal" in names and "a-fail/portal" in names and "a-missing/portal" not in names
    for prof, s in zip(doc["profiles"], systems, strict=True):
        file = p["bundles"] / f"{s['agency']}.{s['system']}.2026.json"
        assert prof["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest() == s["bundle"]["sha256"]
    tamper = next(s for s in systems if s["agency"] == "a-tamper")
    assert tamper["verified"] is False  # listed, marked: the summary did not trust it
    rc, seen = consume(dest)
    assert rc == 0 and seen["ok"]
    # Heimdall overlays controls of the same id: ids are per system, so every control is its own root.
    assert all(c["root"] for prof in seen["profiles"] for c in prof["controls"])
    fail = next(x for x in seen["profiles"] if x["name"] == "a-fail/portal")
    got = {c["id"]: c["status"] for c in fail["controls"]}
    pre = "a-fail/portal/"
    assert got[pre + rb.MANUAL] == "Failed" and got[pre + rb.OTHER_MANUAL] == "Not Reviewed"
    assert got[pre + rb.PORTS_REQ] == "Profile Error"
    control = next(
        c for c in doc["profiles"][names.index("a-fail/portal")]["controls"] if c["id"] == pre + rb.MANUAL
    )
    assert (
        control["tags"]["requirement"] == rb.MANUAL
        and control["attestation_data"]["control_id"] == control["id"]
    )


def test_reconcile_lands_heimdalls_precedence_on_the_verdict() -> None:
    """Whatever the results are, Heimdall's status (error > failed > passed > skipped) equals the
    verdict afterwards, and a result shown as skipped keeps its own status."""
    import itertools

    from secaudit.render.ohdf import WANTED, _heimdall, _reconcile

    statuses = ["passed", "failed", "error", "skipped"]
    for verdict in [*WANTED, "not_applicable"]:
        for n in range(4):
            for combo in itertools.product(statuses, repeat=n):
                results = [{"status": s, "code_desc": "c", "secaudit_status": s} for s in combo]
                _reconcile(results, verdict, "lý do", "2026-12-01T10:56:56Z", "vi")
                got = _heimdall(results)
                assert got == WANTED.get(verdict, "skipped" if combo else ""), (verdict, combo)
                assert [r["secaudit_status"] for r in results[: len(combo)]] == list(combo)


def test_expired_answer_and_overridden_answer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An answer that expired before the assessment is saf's expired segment (skipped: Not Reviewed);
    a valid compliant answer beside a failing check is applied (passed) and the check decides."""
    from datetime import date

    original = rb.attestation_sets

    def expiring(*args: Any, **kwargs: Any) -> Any:
        sets = original(*args, **kwargs)
        for s in sets:
            if rb.MANUAL in s.entries:
                s.entries[rb.MANUAL].attested_at = date(2025, 11, 1)
                s.entries[rb.MANUAL].expires_at = date(2026, 10, 31)  # before assessed_at 2026-12-01
        return sets

    monkeypatch.setattr(rb, "attestation_sets", expiring)
    hostile = json.loads(json.dumps(rb.GOOD))
    hostile["observations"]["http"]["https"]["headers"][0] = ["Server", "Apache/2.4.41 (Ubuntu)"]
    monkeypatch.setattr(rb, "GOOD", hostile)
    keys, out = tmp_path / "keys", tmp_path / "b"
    out.mkdir()
    generate_keypair("so-e", keys)
    bundle = rb.put(rb.assessment("so-e", "portal"), keys, out)
    doc, path = _report(bundle, tmp_path)
    c = _controls(doc)
    old = c[rb.MANUAL]
    assert old["tags"]["secaudit_status"] == "not_reviewed"
    assert [r["status"] for r in old["results"]] == ["skipped", "skipped"]
    assert old["results"][1]["code_desc"] == "Manual verification status via attestation has expired"
    assert old["results"][1]["message"].startswith("Expired Attestation:\nExpired Status: passed")
    assert (
        old["attestation_data"]["updated"] == "2025-11-01" and old["attestation_data"]["frequency"] == "364d"
    )
    disclosed = next(
        x
        for x in c.values()
        if "http.server_disclosure" in x["tags"]["checks"] and x["tags"]["kind"] == "partial"
    )
    assert disclosed["tags"]["secaudit_status"] == "fail"
    statuses = [r["status"] for r in disclosed["results"]]
    assert "failed" in statuses and statuses[-1] == "passed"  # the answer applied, the check decides
    assert disclosed["results"][-1]["code_desc"] == "Manually verified Status provided through attestation"
    rc, seen = consume(path)
    got = {x["id"]: x["status"] for p in seen["profiles"] for x in p["controls"]}
    assert got[rb.MANUAL] == "Not Reviewed" and got[disclosed["id"]] == "Failed"
