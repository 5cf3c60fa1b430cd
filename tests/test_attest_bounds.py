"""Attestation date bounds and evidence confinement (DESIGN §10 "Trust"): each rule at its boundary.

Every date is explicit: the assessment day is passed as ``today``; nothing reads the clock.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from secaudit.assessment.attestations import (
    Attestation,
    AttestationSet,
    Evidence,
    add_months,
    attestation_limits,
    check_evidence,
)
from secaudit.assessment.verdicts import evaluate
from secaudit.core.errors import InputError
from secaudit.core.model import Requirement
from secaudit.core.reasons import render_reason

ASSESSED = date(2026, 10, 20)
ATTESTED = date(2026, 5, 1)


def manual(rid: str = "R") -> Requirement:
    return Requirement(
        id=rid,
        sections={3: "7.1.1"},
        title={"vi": "Tiêu đề", "en": "Title"},
        description={},
        group="g",
        family="management",
        kind="manual",
        checks=[],
        evidence={},
        source="TCVN 11930:2017",
        confidence="verified",
    )


def judge(
    a: Attestation,
    today: date = ASSESSED,
    base: Path | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    atts = AttestationSet("ag", "sys", {"R": a}, (base / "sys.yaml") if base else None)
    (v,) = evaluate([(manual(), None)], 3, [], atts, today, params=params)
    return v


def entry(
    attested_at: date | None = ATTESTED,
    expires_at: date | None = None,
    status: str = "compliant",
    evidence: list[Evidence] | None = None,
) -> Attestation:
    return Attestation(
        requirement="R",
        status=status,
        note="Quy chế số 12/QĐ",
        evidence=evidence or [],
        attested_by="Nguyễn Văn A",
        attested_at=attested_at,
        expires_at=expires_at,
    )


def code(v: Any) -> str:
    return dict.get(v.reason, "code")


def texts(v: Any) -> tuple[str, str]:
    return render_reason(v.reason, "vi"), render_reason(v.reason, "en")


# --------------------------------------------------------------------------- dates


def test_attested_on_the_assessment_day_is_valid_the_day_after_is_not() -> None:
    assert judge(entry(attested_at=ASSESSED)).status == "pass"
    v = judge(entry(attested_at=ASSESSED + timedelta(days=1)))
    assert (v.status, code(v)) == ("not_reviewed", "attestation_future")
    vi, en = texts(v)
    assert "2026-10-21" in en and "after the assessment (2026-10-20)" in en and "sau ngày đánh giá" in vi
    # Far in the future (2030): invalid, whatever its status says.
    for status in ("compliant", "not_applicable", "non_compliant"):
        v = judge(entry(attested_at=date(2030, 1, 1), status=status))
        assert (v.status, code(v)) == ("not_reviewed", "attestation_future")


def test_expiry_at_most_max_months_after_attested_at() -> None:
    limit = add_months(ATTESTED, 12)
    assert limit == date(2027, 5, 1)
    # Assessed on the attestation day, so that only the length of validity is judged.
    assert judge(entry(expires_at=limit), today=ATTESTED).status == "pass"
    v = judge(entry(expires_at=limit + timedelta(days=1)), today=ATTESTED)
    assert (v.status, code(v)) == ("not_reviewed", "attestation_too_long")
    vi, en = texts(v)
    assert "2027-05-02" in en and "more than 12 months" in en and "quá 12 tháng" in vi
    v = judge(entry(expires_at=date(2099, 12, 31)))
    assert code(v) == "attestation_too_long"
    # A non_compliant answer valid too long is not a fail to rely on either: it is not reviewed.
    assert judge(entry(expires_at=date(2099, 12, 31), status="non_compliant")).status == "not_reviewed"


def test_max_months_is_a_profile_parameter() -> None:
    six = {"attestation_max_months": 6}
    assert judge(entry(expires_at=date(2026, 11, 1)), params=six).status == "pass"
    assert code(judge(entry(expires_at=date(2026, 11, 2)), params=six)) == "attestation_too_long"
    # Without expires_at the default validity is the shorter of 12 months and the parameter.
    assert judge(entry(), today=date(2026, 11, 1), params=six).status == "pass"
    v = judge(entry(), today=date(2026, 11, 2), params=six)
    assert (v.status, code(v)) == ("not_reviewed", "attestation_expired")
    assert judge(entry(), today=date(2026, 11, 2)).status == "pass"  # default 12 months
    for bad in (0, -1, "12", True, 1.5):
        with pytest.raises(InputError, match="attestation_max_months must be a positive whole number"):
            attestation_limits({"attestation_max_months": bad})


def test_expiry_on_the_day_itself_is_still_valid() -> None:
    # expires_at is the last day of validity: valid when assessed that day, expired the day after.
    expires = date(2026, 10, 20)
    assert judge(entry(expires_at=expires), today=expires).status == "pass"
    v = judge(entry(expires_at=expires), today=expires + timedelta(days=1))
    assert (v.status, code(v)) == ("not_reviewed", "attestation_expired")
    # The default expiry (12 months after attested_at) follows the same rule.
    assert judge(entry(), today=date(2027, 5, 1)).status == "pass"
    assert code(judge(entry(), today=date(2027, 5, 2))) == "attestation_expired"


# --------------------------------------------------------------------------- evidence


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "att" / "ag"
    (d / "bang-chung").mkdir(parents=True)
    (d / "bang-chung" / "quy-che.pdf").write_bytes(b"%PDF quy che")
    (tmp_path / "secret.pdf").write_bytes(b"outside")
    return d


def state(ev: Evidence, base: Path, max_bytes: int | None = None) -> dict[str, Any]:
    return check_evidence(ev, base) if max_bytes is None else check_evidence(ev, base, max_bytes)


def test_evidence_inside_the_folder_is_hashed(folder: Path) -> None:
    sha = hashlib.sha256(b"%PDF quy che").hexdigest()
    out = state(Evidence("bang-chung/quy-che.pdf", sha), folder)
    assert (out["state"], out["actual_sha256"]) == ("ok", sha)
    assert state(Evidence("bang-chung/../bang-chung/quy-che.pdf", sha), folder)["state"] == "ok"
    assert state(Evidence("bang-chung/khong-co.pdf"), folder)["state"] == "missing"
    v = judge(entry(evidence=[Evidence("bang-chung/quy-che.pdf", sha)]), base=folder)
    assert v.status == "pass" and v.attestation["evidence"][0]["state"] == "ok"


def test_evidence_outside_the_folder_is_invalid(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    (folder / "link.pdf").symlink_to(secret)
    (folder / "dir-link").symlink_to(tmp_path)
    cases = {
        str(secret): "absolute path",
        "../../secret.pdf": "outside the attestations folder",
        "link.pdf": "outside the attestations folder",
        "dir-link/secret.pdf": "outside the attestations folder",
        "bang-chung": "directory",
    }
    for path, why in cases.items():
        out = state(Evidence(path), folder)
        assert out["state"] == "invalid" and why in out["reason"], (path, out)
        assert out["actual_sha256"] is None
    # In a verdict: not reviewed, the reason kept in the record; the absolute path is not recorded.
    v = judge(entry(evidence=[Evidence(str(secret))]), base=folder)
    assert (v.status, code(v)) == ("not_reviewed", "evidence_invalid")
    assert v.attestation["evidence"] == [
        {
            "path": "secret.pdf",
            "sha256": None,
            "state": "invalid",
            "actual_sha256": None,
            "reason": v.attestation["evidence"][0]["reason"],
        }
    ]
    assert str(tmp_path) not in repr(v.to_dict())
    why = "không nhận đường dẫn tuyệt đối, hãy cho đường dẫn tương đối trong thư mục / absolute path"
    assert f"secret.pdf: {why}" in texts(v)[1]
    # A symlink that stays inside the folder is fine.
    (folder / "inside.pdf").symlink_to(folder / "bang-chung" / "quy-che.pdf")
    assert state(Evidence("inside.pdf"), folder)["state"] == "unrecorded"


def test_devices_fifos_and_sockets_never_hang(folder: Path) -> None:
    os.mkfifo(folder / "pipe.pdf")
    (folder / "zero").symlink_to("/dev/zero")  # leaves the folder anyway
    sock_path = folder / "s.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(sock_path))
    done: list[dict[str, Any]] = []

    def check_all() -> None:
        for p in ("pipe.pdf", "zero", "s.sock", "/dev/zero"):
            done.append(state(Evidence(p), folder))

    t = threading.Thread(target=check_all, daemon=True)
    t.start()
    t.join(20)  # generous: this must return at once; a blocking open would never return
    srv.close()
    assert not t.is_alive(), "an evidence check blocked"
    assert [d["state"] for d in done] == ["invalid"] * 4
    assert "FIFO" in done[0]["reason"] and "not a regular file" in done[2]["reason"]


def test_evidence_size_cap_is_a_profile_parameter(folder: Path) -> None:
    size = len(b"%PDF quy che")
    assert state(Evidence("bang-chung/quy-che.pdf"), folder, max_bytes=size)["state"] == "unrecorded"
    out = state(Evidence("bang-chung/quy-che.pdf"), folder, max_bytes=size - 1)
    assert out["state"] == "invalid" and "larger than" in out["reason"]
    ev = [Evidence("bang-chung/quy-che.pdf")]
    assert judge(entry(evidence=ev), base=folder, params={"evidence_max_bytes": size}).status == "pass"
    v = judge(entry(evidence=ev), base=folder, params={"evidence_max_bytes": size - 1})
    assert (v.status, code(v)) == ("not_reviewed", "evidence_invalid")


# --------------------------------------------------------------------------- end to end


def _find(node: Any, rid: str) -> list[dict[str, Any]]:
    """Every verdict-like mapping for requirement ``rid`` anywhere in a bundle (any schema)."""
    out = []
    if isinstance(node, dict):
        if node.get("id") == rid and "status" in node:
            out.append(node)
        for v in node.values():
            out += _find(v, rid)
    elif isinstance(node, list):
        for v in node:
            out += _find(v, rid)
    return out


def test_assess_with_hostile_evidence_finishes_and_records_no_local_paths(tmp_path: Path) -> None:
    import json
    import shutil
    import subprocess
    import sys

    from secaudit.config.catalog import applicable, load_profile

    ids = [r.id for r, t in applicable(load_profile("level1")) if r.kind == "manual" and t is None][:4]
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        'province: T\nperiod: "2026"\nagencies:\n  - id: ag\n    name: A\n    systems:\n'
        '      - {id: sys, name: S, level: 1, targets: ["https://127.0.0.1:1"]}\n',
        encoding="utf-8",
    )
    folder = tmp_path / "att" / "ag"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.pdf")
    secret = tmp_path / "home-user-secret.pdf"
    secret.write_bytes(b"private")
    # Relative to the run's own day (assess dates the bundle itself): the outcome never depends on it.
    day = (date.today() - timedelta(days=10)).isoformat()
    paths = ["/dev/zero", "pipe.pdf", str(secret), "../../home-user-secret.pdf"]
    entries = [
        {"requirement": rid, "status": "compliant", "note": "QĐ 12", "attested_at": day, "evidence": [p]}
        for rid, p in zip(ids, paths, strict=True)
    ]
    (folder / "sys.yaml").write_text(
        json.dumps({"agency": "ag", "system": "sys", "attestations": entries}), encoding="utf-8"
    )
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    args = ["assess", "--inventory", inv, "--attestations", tmp_path / "att", "--probes", "http"]
    proc = subprocess.run(
        [exe, *map(str, args), "--timeout", "2", "--no-progress", "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,  # a hang on /dev/zero or the FIFO would never end
    )
    assert proc.returncode in (1, 3), proc.stderr
    [bundle] = list((tmp_path / "out").glob("*.json"))
    text = bundle.read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "/dev/zero" not in text
    data = json.loads(text)
    for rid in ids:
        found = _find(data, rid)
        assert found and all(v["status"] == "not_reviewed" for v in found), (rid, found)
        assert "evidence_invalid" in json.dumps(found) or "Invalid evidence" in json.dumps(found)
