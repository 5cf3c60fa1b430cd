"""Reviews (issue 10 point 5): `secaudit keys generate --reviewer`, `secaudit review`, and
`require_review` in the inventory, through the real CLI with real Ed25519 keys; one `assess` run
of a closed loopback port judges one system per scenario (only the manual requirement matters)."""

from __future__ import annotations

import copy
import json
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.assessment.attestations import Attestation, Evidence
from secaudit.assessment.rejudge import rejudge, v1_shape
from secaudit.assessment.reviews import ReviewerKeys, load_reviewer_keys, make_review, review_state
from secaudit.cli import main
from secaudit.core.reasons import render_reason
from secaudit.lab.sites import Lab
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1
from secaudit.signing.keys import load_private_key

ADDR = "127.0.0.191"  # this module's own
# Days before the run, so that no outcome depends on today's date (an attestation lasts 12 months and
# may not be dated after the assessment).
ATTESTED = (date.today() - timedelta(days=5)).isoformat()
REQ = "M.POL.01"  # a manual requirement of level 3
SCENARIOS = ("approved", "none", "edited", "evidence", "stranger", "agencykey", "changes", "optional")


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def attestation_yaml(system: str, note: str = "Quy chế ATTT số 12/QĐ") -> str:
    return f"""\
agency: bao
system: {system}
attestations:
  - requirement: {REQ}
    status: compliant
    note: "{note}"
    evidence: [evidence/{system}.pdf]
    attested_by: Nguyễn Văn A
    attested_at: {ATTESTED}
  - requirement: M.POL.02
    status: compliant
    note: "Kế hoạch ATTT"
    attested_by: Nguyễn Văn A
    attested_at: {ATTESTED}
"""


def review(atts: Path, system: str, key: Path, *extra: Any) -> Any:
    return run("review", "--attestations", atts, "--agency", "bao", "--system", system, "--key", key, *extra)


@pytest.fixture(scope="module")
def world(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("reviews")
    keys, keyring, atts = root / "keys", root / "keyring", root / "attestations"
    for who in ("--reviewer insp", "--reviewer stranger", "--agency bao"):
        flag, ident = who.split()
        assert run("keys", "generate", flag, ident, "-o", keys).exit_code == 0
    (keyring / "reviewers").mkdir(parents=True)
    (keyring / "reviewers" / "insp.pub").write_bytes((keys / "insp.pub").read_bytes())
    (keyring / "bao.pub").write_bytes((keys / "bao.pub").read_bytes())
    port = lab.closed_port(ADDR)
    systems = "".join(
        f"""\
      - id: {s}
        name: Hệ thống {s}
        level: 3
        targets: ["https://{ADDR}:{port}"]
"""
        + ("        require_review: false\n" if s == "optional" else "")
        for s in SCENARIOS
    )
    inventory = root / "inventory.yaml"
    inventory.write_text(
        f"province: Huế\nperiod: 2026\nrequire_review: true\nagencies:\n  - id: bao\n    name: Báo\n"
        f"    systems:\n{systems}",
        encoding="utf-8",
    )
    (atts / "bao" / "evidence").mkdir(parents=True)
    for s in SCENARIOS:
        (atts / "bao" / "evidence" / f"{s}.pdf").write_bytes(f"Quy chế {s}".encode())
        (atts / "bao" / f"{s}.yaml").write_text(attestation_yaml(s), encoding="utf-8")
    insp = keys / "insp.key"
    for s in ("approved", "edited", "evidence", "optional"):
        res = review(atts, s, insp, "--approve", REQ)
        assert res.exit_code == 0, res.output
    assert review(atts, "stranger", keys / "stranger.key", "--approve", REQ).exit_code == 0
    assert review(atts, "agencykey", keys / "bao.key", "--reviewer", "bao", "--approve", REQ).exit_code == 0
    res = review(atts, "changes", insp, "--request-changes", REQ, "--note", "thiếu chữ ký giám đốc")
    assert res.exit_code == 0, res.output
    # After the reviews: the note of one entry and the bytes of another's evidence change.
    (atts / "bao" / "edited.yaml").write_text(attestation_yaml("edited", "Quy chế sửa lại"), encoding="utf-8")
    (atts / "bao" / "evidence" / "evidence.pdf").write_bytes(b"another document")
    out = root / "out"
    res = run(
        "assess", "--inventory", inventory, "--attestations", atts, "--key", keys, "--keyring", keyring,
        "--probes", "http", "--timeout", "2", "--no-progress", "-o", out,
    )  # fmt: skip
    assert res.exit_code in (1, 3), res.output
    bundles = {s: load_bundle(out / f"bao.{s}.2026.json") for s in SCENARIOS}
    return {"root": root, "keys": keys, "keyring": keyring, "atts": atts, "inventory": inventory,
            "bundles": bundles, "port": port}  # fmt: skip


def verdict(world: dict[str, Any], system: str, rid: str = REQ) -> dict[str, Any]:
    a = as_v1(world["bundles"][system]["assessment"], catalog=False)
    return next(r for r in a["requirements"] if r["id"] == rid)


def en(v: dict[str, Any]) -> str:
    return render_reason(v["reason"], "en")


def test_keys_generate_reviewer_writes_private_key_0600(tmp_path: Path) -> None:
    res = run("keys", "generate", "--reviewer", "thanh-tra-1", "-o", tmp_path)
    assert res.exit_code == 0, res.output
    key, pub = tmp_path / "thanh-tra-1.key", tmp_path / "thanh-tra-1.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(pub.stat().st_mode) == 0o644
    assert "reviewers/" in res.output and "key_id " in res.output
    load_private_key(key)
    assert run("keys", "generate", "--agency", "bao", "-o", tmp_path).exit_code == 0  # still works
    assert run("keys", "generate", "-o", tmp_path).exit_code == 2  # neither
    both = run("keys", "generate", "--agency", "a", "--reviewer", "b", "-o", tmp_path)
    assert both.exit_code == 2 and not (tmp_path / "a.key").exists() and not (tmp_path / "b.key").exists()
    assert run("keys", "generate", "--reviewer", "../x", "-o", tmp_path).exit_code == 2


def test_approved_entry_passes(world: dict[str, Any]) -> None:
    v = verdict(world, "approved")
    assert v["status"] == "pass", en(v)
    rec = v["attestation"]["review"]
    assert rec["state"] == "approved" and rec["reviewer"] == "insp" and "key_checked" not in rec


def test_without_review_attested_entry_awaits_review(world: dict[str, Any]) -> None:
    v = verdict(world, "none")
    assert v["status"] == "not_reviewed"
    assert "awaiting review" in en(v) and "chờ thẩm định" in render_reason(v["reason"], "vi")
    # the unreviewed second entry of a reviewed system waits too
    assert verdict(world, "approved", "M.POL.02")["status"] == "not_reviewed"


def test_editing_the_entry_after_review_voids_it(world: dict[str, Any]) -> None:
    v = verdict(world, "edited")
    assert v["status"] == "not_reviewed" and "awaiting review" in en(v)
    assert "void" in v["attestation"]["review"]["problems"][0]["why"]


def test_changing_evidence_bytes_after_review_voids_it(world: dict[str, Any]) -> None:
    v = verdict(world, "evidence")
    # the attestation itself is fine (its hash was never recorded): only the review is void
    assert v["attestation"]["evidence"][0]["state"] == "unrecorded"
    assert v["status"] == "not_reviewed"
    assert "void" in v["attestation"]["review"]["problems"][0]["why"]


def test_review_by_a_key_outside_reviewers_is_invalid(world: dict[str, Any]) -> None:
    v = verdict(world, "stranger")
    assert v["status"] == "not_reviewed"
    assert "not in the keyring's reviewers/" in v["attestation"]["review"]["problems"][0]["why"]


def test_review_signed_with_an_agency_key_is_invalid(world: dict[str, Any]) -> None:
    v = verdict(world, "agencykey")
    assert v["status"] == "not_reviewed"
    assert "agency 'bao'" in v["attestation"]["review"]["problems"][0]["why"]


def test_request_changes_keeps_the_requirement_not_reviewed_with_the_note(world: dict[str, Any]) -> None:
    v = verdict(world, "changes")
    assert v["status"] == "not_reviewed"
    assert "changes requested: thiếu chữ ký giám đốc" in en(v)
    assert "yêu cầu sửa: thiếu chữ ký giám đốc" in render_reason(v["reason"], "vi")


def test_without_require_review_reviews_are_carried_and_verdicts_unchanged(world: dict[str, Any]) -> None:
    b = world["bundles"]["optional"]["assessment"]
    assert "require_review" not in b["system"]
    assert verdict(world, "optional")["status"] == "pass"
    assert verdict(world, "optional")["attestation"]["review"]["state"] == "approved"
    assert verdict(world, "optional", "M.POL.02")["status"] == "pass"  # no review, still passes
    assert [r["requirement"] for r in b["reviews"]] == [REQ]
    assert world["bundles"]["approved"]["assessment"]["system"]["require_review"] is True


def test_rejudging_verifies_the_carried_reviews(world: dict[str, Any]) -> None:
    keys = load_reviewer_keys(world["keyring"])
    for s in SCENARIOS:
        a = v1_shape(world["bundles"][s]["assessment"])
        got = rejudge(a, require_review=s != "optional", reviewer_keys=keys).primary.statuses
        assert got[REQ] == verdict(world, s)["status"], s
    a = v1_shape(world["bundles"]["approved"]["assessment"])
    # the Department's keyring without the reviewer: the approval no longer counts
    assert (
        rejudge(a, require_review=True, reviewer_keys=ReviewerKeys()).primary.statuses[REQ] == "not_reviewed"
    )
    # a forged review: the agency flips the recorded decision of the changes request
    forged = copy.deepcopy(v1_shape(world["bundles"]["changes"]["assessment"]))
    forged["reviews"][0]["decision"] = "approved"
    st = rejudge(forged, require_review=True, reviewer_keys=keys).primary
    assert st.statuses[REQ] == "not_reviewed"
    rec = next(v for v in st.verdicts if v.id == REQ).attestation["review"]
    assert "signature does not match" in rec["problems"][0]["why"]


def test_review_command_refuses_bad_requests(world: dict[str, Any], tmp_path: Path) -> None:
    atts, key = world["atts"], world["keys"] / "insp.key"
    before = (atts / "bao" / "none.reviews.json").exists()
    assert review(atts, "none", key, "--request-changes", REQ).exit_code == 2  # no note
    assert review(atts, "none", key).exit_code == 2  # no action
    assert review(atts, "none", key, "--approve", REQ, "--all-attested").exit_code == 2
    res = review(atts, "none", key, "--approve", "M.NOPE.99")
    assert res.exit_code == 2 and "M.NOPE.99" in res.output
    assert review(atts, "ghost", key, "--approve", REQ).exit_code == 2  # no attestation file
    assert (atts / "bao" / "none.reviews.json").exists() == before  # nothing written
    # an entry whose recorded evidence hash no longer matches cannot be approved
    d = tmp_path / "a" / "bao"
    (d / "evidence").mkdir(parents=True)
    (d / "evidence" / "x.pdf").write_bytes(b"now")
    (d / "x.yaml").write_text(
        f"agency: bao\nsystem: x\nattestations:\n  - requirement: {REQ}\n    status: compliant\n"
        f"    evidence: [{{path: evidence/x.pdf, sha256: '{'0' * 64}'}}]\n    attested_at: {ATTESTED}\n",
        encoding="utf-8",
    )
    res = review(tmp_path / "a", "x", key, "--approve", REQ)
    assert res.exit_code == 2 and "changed" in res.output and not (d / "x.reviews.json").exists()


def test_all_attested_approves_once_and_respects_a_change_request(
    tmp_path: Path, world: dict[str, Any]
) -> None:
    d = tmp_path / "bao"
    d.mkdir()
    (d / "s.yaml").write_text(attestation_yaml("s").replace("evidence: [evidence/s.pdf]\n    ", ""), "utf-8")
    key = world["keys"] / "insp.key"
    assert review(tmp_path, "s", key, "--request-changes", "M.POL.02", "--note", "thiếu").exit_code == 0
    res = review(tmp_path, "s", key, "--all-attested")
    assert res.exit_code == 0, res.output
    doc = json.loads((d / "s.reviews.json").read_text("utf-8"))
    assert [(r["requirement"], r["decision"]) for r in doc["reviews"]] == [
        ("M.POL.02", "changes_requested"),
        (REQ, "approved"),
    ]
    assert review(tmp_path, "s", key, "--all-attested").exit_code == 0  # nothing new to approve
    assert len(json.loads((d / "s.reviews.json").read_text("utf-8"))["reviews"]) == 2


def _entry(note: str = "n") -> Attestation:
    return Attestation(REQ, "compliant", note=note, evidence=[Evidence("e.pdf")], attested_at=None)


def test_review_state_latest_valid_decision_wins_and_binds_the_system() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    k = Ed25519PrivateKey.generate()
    keys = ReviewerKeys(reviewers={"r": k.public_key()})
    ev = [("e.pdf", "a" * 64)]

    def rev(decision: str, at: str, system: str = "s", note: str = "x") -> dict[str, Any]:
        return make_review(
            _entry(), ev, agency="ag", system=system, catalog="tcvn-11930-2017",
            decision=decision, note=note, reviewer="r", private_key=k, reviewed_at=at,
        )  # fmt: skip

    def state(reviews: list[dict[str, Any]], evidence: Any = ev, entry: Attestation | None = None) -> str:
        return review_state(entry or _entry(), evidence, reviews, keys, agency="ag", system="s").status

    early, late = "2026-10-01T08:00:00Z", "2026-10-02T08:00:00Z"
    assert state([rev("approved", early)]) == "approved"
    assert state([rev("changes_requested", late), rev("approved", early)]) == "changes_requested"
    assert state([rev("approved", late), rev("changes_requested", early)]) == "approved"
    assert state([rev("approved", early, system="other")]) == "awaiting"  # copied from another system
    assert state([rev("approved", early)], evidence=[("e.pdf", "b" * 64)]) == "awaiting"
    assert state([rev("approved", early)], evidence=[("e.pdf", None)]) == "awaiting"  # file gone
    assert state([rev("approved", early)], entry=_entry("m")) == "awaiting"
    bad = rev("approved", early)
    bad["reviewed_at"] = late  # any signed field changed
    assert state([bad]) == "awaiting"
    assert state([{"schema": "secaudit.review/1", "requirement": REQ, "agency": "ag", "system": "s",
                   "catalog": "tcvn-11930-2017"}]) == "awaiting"  # fmt: skip
    no_keyring = review_state(_entry(), ev, [rev("approved", early)], None, agency="ag", system="s")
    assert no_keyring.approved and no_keyring.to_record()["key_checked"] is False


def test_summary_rejudges_reviews_and_counts_attested_vs_reviewed(world: dict[str, Any]) -> None:
    w = world
    res = run(
        "summary",
        w["root"] / "out",
        "--inventory",
        w["inventory"],
        "--keyring",
        w["keyring"],
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    bao = next(a for a in data["agencies"] if a["id"] == "bao")
    systems = {s["id"]: s for s in bao["systems"]}
    assert systems["approved"]["trust"] == "consistent" and systems["changes"]["trust"] == "consistent"
    assert systems["approved"]["reviews"] == {"attested": 2, "reviewed": 1}
    assert systems["edited"]["reviews"] == {"attested": 2, "reviewed": 0}
    assert systems["optional"]["reviews"] == {"attested": 2, "reviewed": 1}
    assert bao["reviews"] == {"attested": 2 * len(SCENARIOS), "reviewed": 2}


def test_assess_without_keyring_cannot_launder_a_self_made_review(world: dict[str, Any]) -> None:
    """Without --keyring the agency's own bundle believes any well-signed review (key_checked false);
    the Department's summary re-verifies against reviewers/ and the system never counts."""
    out = world["root"] / "out-nokeyring"
    res = run(
        "assess", "--inventory", world["inventory"], "--attestations", world["atts"], "--key", world["keys"],
        "--probes", "http", "--timeout", "2", "--no-progress", "-o", out,
    )  # fmt: skip
    assert res.exit_code in (1, 3), res.output
    v = next(r for r in as_v1(load_bundle(out / "bao.stranger.2026.json")["assessment"])["requirements"]
             if r["id"] == REQ)  # fmt: skip
    assert v["status"] == "pass" and v["attestation"]["review"]["key_checked"] is False
    res = run(
        "summary", out, "--inventory", world["inventory"], "--keyring", world["keyring"], "--format", "json"
    )
    systems = {s["id"]: s for s in json.loads(res.stdout)["agencies"][0]["systems"]}
    for s in ("stranger", "agencykey"):
        assert systems[s]["trust"] == "inconsistent" and REQ in systems[s]["differing"], systems[s]
        assert systems[s]["meets_target"] is False
    assert systems["approved"]["trust"] == "consistent"


def test_attestation_workbook_shows_each_rows_review_state_and_imports_back(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from secaudit.render.attest_xlsx import COL, HEADER_ROW

    xlsx = tmp_path / "atts.xlsx"
    res = run(
        "attest", "export", "--inventory", world["inventory"], "--attestations", world["atts"], "-o", xlsx
    )
    assert res.exit_code == 0, res.output
    wb = load_workbook(xlsx)
    state: dict[tuple[str, str], str] = {}
    for ws in wb.worksheets[1:]:
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
            if row[COL["requirement"] - 1] in (REQ, "M.POL.02"):
                state[(ws["B2"].value, row[COL["requirement"] - 1])] = row[COL["review"] - 1] or ""
    assert state[("approved", REQ)].startswith("đã thẩm định / approved (insp, ")
    assert state[("approved", "M.POL.02")] == "chờ thẩm định / awaiting review"
    assert "earlier review void" in state[("edited", REQ)]
    assert "earlier review void" in state[("evidence", REQ)]
    assert (
        "changes requested" in state[("changes", REQ)] and "thiếu chữ ký giám đốc" in state[("changes", REQ)]
    )
    # the read-only column is not an answer: the workbook imports back and changes nothing
    before = (world["atts"] / "bao" / "approved.yaml").read_text("utf-8")
    copy_dir = tmp_path / "copy"
    import shutil

    shutil.copytree(world["atts"], copy_dir)
    res = run("attest", "import", xlsx, "--attestations", copy_dir)
    assert res.exit_code == 0, res.output
    assert review_state_after_import(copy_dir) == "approved"
    assert (world["atts"] / "bao" / "approved.yaml").read_text("utf-8") == before


def review_state_after_import(root: Path) -> str:
    from secaudit.assessment.attestations import load_for_system
    from secaudit.assessment.review_store import attach_reviews, entry_state

    atts = attach_reviews(load_for_system(root, "bao", "approved"))
    assert atts is not None
    return entry_state(atts, REQ).status


def test_summary_html_shows_reviewed_of_attested_per_agency(world: dict[str, Any]) -> None:
    w = world
    res = run(
        "summary", w["root"] / "out", "--inventory", w["inventory"], "--keyring", w["keyring"], "--lang", "en"
    )
    assert res.exit_code == 0, res.output
    assert f"Reviewed / attested: 2/{2 * len(SCENARIOS)}" in res.stdout


def test_assess_rejudge_keeps_the_reviews_and_the_rule(world: dict[str, Any]) -> None:
    out = world["root"] / "out-rejudged"
    for s, want in (("approved", "pass"), ("changes", "not_reviewed")):
        res = run("assess", "--rejudge", world["root"] / "out" / f"bao.{s}.2026.json", "--profile", "level3",
                  "-o", out)  # fmt: skip
        assert res.exit_code in (1, 3), res.output
        a = load_bundle(out / f"bao.{s}.2026.json")["assessment"]
        assert a["system"]["require_review"] is True and len(a["reviews"]) == 1
        v = next(r for r in as_v1(a, catalog=False)["requirements"] if r["id"] == REQ)
        assert v["status"] == want, s


def test_approve_takes_several_ids(tmp_path: Path, world: dict[str, Any]) -> None:
    (tmp_path / "bao").mkdir()
    (tmp_path / "bao" / "s.yaml").write_text(
        attestation_yaml("s").replace("evidence: [evidence/s.pdf]\n    ", "")
    )
    res = review(tmp_path, "s", world["keys"] / "insp.key", "--approve", REQ, "M.POL.02")
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "bao" / "s.reviews.json").read_text("utf-8"))
    assert [r["requirement"] for r in doc["reviews"]] == [REQ, "M.POL.02"]
    assert {r["decision"] for r in doc["reviews"]} == {"approved"}


@pytest.mark.parametrize(
    "content",
    [
        "[",  # not JSON
        '{"schema": "secaudit.reviews/1", "agency": "bao", "system": "s", "reviews": [NaN]}',
        '{"schema": "secaudit.reviews/1", "agency": "other", "system": "s", "reviews": []}',
        '{"schema": "secaudit.reviews/1", "agency": "bao", "system": "s", "reviews": [1]}',
        '{"schema": "secaudit.bundle/2", "agency": "bao", "system": "s", "reviews": []}',
        "fifo",
    ],
)
def test_a_bad_reviews_file_is_one_line_exit_2(tmp_path: Path, world: dict[str, Any], content: str) -> None:
    import os

    (tmp_path / "bao").mkdir()
    (tmp_path / "bao" / "s.yaml").write_text(
        attestation_yaml("s").replace("evidence: [evidence/s.pdf]\n    ", "")
    )
    path = tmp_path / "bao" / "s.reviews.json"
    if content == "fifo":
        os.mkfifo(path)  # must be refused at once, never waited on
    else:
        path.write_text(content, encoding="utf-8")
    res = review(tmp_path, "s", world["keys"] / "insp.key", "--approve", REQ)
    assert res.exit_code == 2, res.output
    assert "s.reviews.json" in res.output and len(res.output.strip().splitlines()) == 1
    assert "Traceback" not in res.output


def test_all_attested_skips_changed_evidence_and_says_so(tmp_path: Path, world: dict[str, Any]) -> None:
    d = tmp_path / "bao"
    (d / "evidence").mkdir(parents=True)
    (d / "evidence" / "x.pdf").write_bytes(b"now")
    (d / "x.yaml").write_text(
        f"agency: bao\nsystem: x\nattestations:\n  - requirement: {REQ}\n    status: compliant\n"
        f"    evidence: [{{path: evidence/x.pdf, sha256: '{'0' * 64}'}}]\n    attested_at: {ATTESTED}\n"
        f"  - requirement: M.POL.02\n    status: compliant\n    note: ok\n    attested_at: {ATTESTED}\n",
        encoding="utf-8",
    )
    res = review(tmp_path, "x", world["keys"] / "insp.key", "--all-attested")
    assert res.exit_code == 1, res.output
    assert f"{REQ}: bằng chứng không hợp lệ, không phê duyệt được / evidence cannot be approved" in res.output
    doc = json.loads((d / "x.reviews.json").read_text("utf-8"))
    assert [r["requirement"] for r in doc["reviews"]] == ["M.POL.02"]


def test_demo_shows_a_reviewed_agency(demo_run: dict[str, Any]) -> None:
    out = Path(str(demo_run["out"]))
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    agencies = {a["id"]: a for a in summary["agencies"]}
    reviewed = agencies["bao-song-huong"]
    assert reviewed["meets_target"] and reviewed["reviews"]["attested"] > 30
    assert reviewed["reviews"]["reviewed"] == reviewed["reviews"]["attested"]
    assert agencies["dai-co-do"]["reviews"]["reviewed"] == 0
    a = load_bundle(out / "bundles" / "bao-song-huong.cong-bao.2026.json")["assessment"]
    assert a["system"]["require_review"] is True and {r["reviewer"] for r in a["reviews"]} == {"thanh-tra-so"}
    assert (out / "keyring" / "reviewers" / "thanh-tra-so.pub").is_file()
