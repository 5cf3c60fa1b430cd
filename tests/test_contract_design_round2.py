"""Conformance of DESIGN §10 ("Second round: contracts and directions"), clause by clause, through
the real CLI where the clause is about a command.

Clauses that other modules already test at their boundary are not repeated here (the strict JSON
reader on /1 bundles: test_bundle_corpus; forged verdicts, level-1 profiles, HSTS, tailoring:
test_trust; reviews: test_reviews; what changed: test_changes). This module adds the ones that had
no test through the CLI: attestation dates and evidence rules in `assess`, their re-judging in
`summary`, the strict reader on compact bundle/2 files (and its two boundaries inside a signed
bundle), parameters of the attestation rules as strict or stricter, the score's weights on a real
bundle, `checks_status` on every verdict, the new check ids, and "never meeting" in every field.

Every date is explicit (`--assessed-at`, `--today`); the only server is a closed loopback port.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.signing.bundle import make_bundle, write_bundle
from secaudit.signing.keys import generate_keypair

AG = "bao-r2"
ASSESSED_AT = "2026-10-20T08:00:00Z"
ASSESSED = "2026-10-20"
SEVERITY_WEIGHTS = {"critical": 10, "high": 5, "medium": 3, "low": 1, "info": 0}  # DESIGN §10
TEN = b"0123456789"  # evidence of exactly 10 bytes: the strict profile's cap


def run(*args: Any) -> Any:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens: every probe is refused at once
    return port


def _entry(rid: str, attested_at: str, expires_at: str | None = None, evidence: str | None = None) -> str:
    extra = f", expires_at: '{expires_at}'" if expires_at else ""
    if evidence is not None:
        extra += f", evidence: [{{path: '{evidence}'}}]"
    status = OTHER_ANSWERS.get(rid, "compliant")
    return (
        f"- {{requirement: {rid}, status: {status}, note: 'Quyết định 12/QĐ', attested_by: A,"
        f" attested_at: '{attested_at}'{extra}}}\n"
    )


# portal: the shipped level3 profile (attestation_max_months 12); the assessment is on 2026-10-20.
PORTAL = {
    "M.POL.01": ("2026-10-20", None, None),  # attested on the assessment day: valid
    "M.POL.02": ("2026-10-21", None, None),  # the day after: invalid
    "M.POL.03": ("2026-01-15", "2027-01-15", None),  # exactly 12 months: valid
    "M.ORG.01": ("2026-01-15", "2027-01-16", None),  # one day more: invalid
    "M.ORG.02": ("2026-10-01", None, "ABS"),  # absolute path
    "M.ORG.03": ("2026-10-01", None, "../../secret.txt"),  # `..` out of the folder
    "M.HR.01": ("2026-10-01", None, "ev/link.txt"),  # symlink leaving the folder
    "M.HR.02": ("2026-10-01", None, "ev/pipe.txt"),  # FIFO
    "M.HR.03": ("2026-10-01", None, "ev/zero"),  # symlink to a device
    "M.DEV.01": ("2026-10-01", None, "ev"),  # a directory
    "M.DEV.02": ("2026-10-01", None, "ev/../ev/ten.txt"),  # `..` that stays inside: fine
    "M.DEV.03": ("2026-10-01", None, "ev/ten.txt"),  # a regular file inside: fine
    # Whatever the answer, invalid evidence leaves the requirement not_reviewed (not_applicable counts).
    "M.OPS.03": ("2026-10-01", None, "../../secret.txt"),
    "M.OPS.04": ("2026-10-01", None, "../../secret.txt"),
    "M.OPS.05": ("2026-10-01", None, "ev/ten.txt"),
    "M.OPS.06": ("2026-10-01", None, "ev/ten.txt"),
}
OTHER_ANSWERS = {"M.OPS.03": "not_applicable", "M.OPS.04": "non_compliant", "M.OPS.05": "not_applicable",
                 "M.OPS.06": "non_compliant"}  # fmt: skip
PORTAL_OK = {"M.POL.01", "M.POL.03", "M.DEV.02", "M.DEV.03"}
PORTAL_BAD_EVIDENCE = {
    "M.ORG.02",
    "M.ORG.03",
    "M.HR.01",
    "M.HR.02",
    "M.HR.03",
    "M.DEV.01",
    "M.OPS.03",
    "M.OPS.04",
}
# cms: a stricter profile (attestation_max_months 6, evidence_max_bytes 10).
CMS = {
    "M.POL.01": ("2026-04-20", "2026-10-20", None),  # exactly 6 months, expiring on the day: valid
    "M.POL.02": ("2026-04-20", "2026-10-21", None),  # 6 months and a day: invalid
    "M.POL.03": ("2026-04-19", None, None),  # default expiry 6 months on: 2026-10-19, expired
    "M.ORG.01": ("2026-10-01", None, "ev/ten.txt"),  # 10 bytes: at the cap
    "M.ORG.02": ("2026-10-01", None, "ev/eleven.txt"),  # 11 bytes: over it
}
STRICT = """\
profile:
  id: strict-l3
  extends: level3
  title: {vi: "Cấp độ 3 chặt hơn", en: "Stricter level 3"}
parameters:
  attestation_max_months: 6
  evidence_max_bytes: 10
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("r2")
    keys = root / "keys"
    generate_keypair(AG, keys)
    (root / "strict.yaml").write_text(STRICT, encoding="utf-8")
    port = _closed_port()
    target = f"{{url: 'https://127.0.0.1:{port}'}}"
    inv = root / "inventory.yaml"
    inv.write_text(
        "province: Huế\nperiod: '2026'\nagencies:\n"
        f"  - id: {AG}\n    name: Báo R2\n    systems:\n"
        f"      - {{id: portal, name: Cổng, level: 3, targets: [{target}], http_port: {port}}}\n"
        f"      - {{id: cms, name: Toà soạn, level: 3, profile: '{root / 'strict.yaml'}',"
        f" targets: [{target}], http_port: {port}}}\n",
        encoding="utf-8",
    )
    folder = root / "att" / AG
    (folder / "ev").mkdir(parents=True)
    (root / "secret.txt").write_bytes(b"outside the folder")
    (folder / "ev" / "ten.txt").write_bytes(TEN)
    (folder / "ev" / "eleven.txt").write_bytes(TEN + b"!")
    (folder / "ev" / "link.txt").symlink_to(root / "secret.txt")
    (folder / "ev" / "zero").symlink_to("/dev/zero")
    os.mkfifo(folder / "ev" / "pipe.txt")
    for system, entries in (("portal", PORTAL), ("cms", CMS)):
        body = f"agency: {AG}\nsystem: {system}\nattestations:\n"
        for rid, (att, exp, ev) in entries.items():
            body += _entry(rid, att, exp, str(root / "secret.txt") if ev == "ABS" else ev)
        (folder / f"{system}.yaml").write_text(body, encoding="utf-8")
    out = root / "out"
    res = run(
        "assess", "--inventory", inv, "--attestations", root / "att", "--key", keys, "-o", out,
        "--assessed-at", ASSESSED_AT, "--probes", "tls,http", "--timeout", "2", "--no-progress",
    )  # fmt: skip
    assert res.exit_code == 1, res.output  # nothing meets level 3: exit 1, not 2 or a crash
    files = {s: out / f"{AG}.{s}.2026.json" for s in ("portal", "cms")}
    bundles = {s: json.loads(p.read_bytes()) for s, p in files.items()}
    summary = run(
        "summary", out, "--inventory", inv, "--keyring", keys, "--format", "json", "--today", ASSESSED,
        "--no-cache",
    )  # fmt: skip
    assert summary.exit_code == 0, summary.output
    return {"root": root, "keys": keys, "inv": inv, "out": out, "files": files, "bundles": bundles,
            "summary": json.loads(summary.stdout)}  # fmt: skip


def verdicts(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in bundle["assessment"]["requirements"]}


def code(v: dict[str, Any]) -> str:
    return v["reason"]["code"] if isinstance(v["reason"], dict) else ""


def evidence_of(bundle: dict[str, Any], rid: str) -> list[dict[str, Any]]:
    recs = bundle["assessment"]["attestations"]
    recs = recs.values() if isinstance(recs, dict) else recs
    return next(r["evidence"] for r in recs if r["requirement"] == rid)


def system_entry(summary: dict[str, Any], system: str) -> dict[str, Any]:
    return next(s for ag in summary["agencies"] for s in ag["systems"] if s["id"] == system)


# --------------------------------------------------------------------------- attestation dates


def test_attestation_dated_after_the_assessment_is_invalid(world: dict[str, Any]) -> None:
    v = verdicts(world["bundles"]["portal"])
    assert v["M.POL.01"]["status"] == "pass"  # attested on the assessment day
    assert (v["M.POL.02"]["status"], code(v["M.POL.02"])) == ("not_reviewed", "attestation_future")


def test_expiry_at_most_twelve_months_after_attested_at_by_default(world: dict[str, Any]) -> None:
    v = verdicts(world["bundles"]["portal"])
    assert v["M.POL.03"]["status"] == "pass"
    assert (v["M.ORG.01"]["status"], code(v["M.ORG.01"])) == ("not_reviewed", "attestation_too_long")


def test_attestation_max_months_is_the_profiles(world: dict[str, Any]) -> None:
    v = verdicts(world["bundles"]["cms"])
    assert v["M.POL.01"]["status"] == "pass"
    assert (v["M.POL.02"]["status"], code(v["M.POL.02"])) == ("not_reviewed", "attestation_too_long")
    assert (v["M.POL.03"]["status"], code(v["M.POL.03"])) == ("not_reviewed", "attestation_expired")


# --------------------------------------------------------------------------- evidence


def test_evidence_outside_or_not_a_regular_file_is_invalid_and_not_reviewed(world: dict[str, Any]) -> None:
    b = world["bundles"]["portal"]
    v = verdicts(b)
    for rid in PORTAL_BAD_EVIDENCE:
        assert (v[rid]["status"], code(v[rid])) == ("not_reviewed", "evidence_invalid"), rid
        (ev,) = evidence_of(b, rid)
        assert ev["state"] == "invalid" and ev["reason"] and ev["actual_sha256"] is None, (rid, ev)
    for rid in PORTAL_OK - {"M.POL.01", "M.POL.03"}:
        (ev,) = evidence_of(b, rid)
        assert ev["actual_sha256"] == hashlib.sha256(TEN).hexdigest() and v[rid]["status"] == "pass", rid
    assert str(world["root"]) not in world["files"]["portal"].read_text(encoding="utf-8")


def test_invalid_evidence_is_not_reviewed_whatever_the_answer(world: dict[str, Any]) -> None:
    v = verdicts(world["bundles"]["portal"])
    assert [v[r]["status"] for r in ("M.OPS.03", "M.OPS.04")] == ["not_reviewed", "not_reviewed"]
    assert [v[r]["status"] for r in ("M.OPS.05", "M.OPS.06")] == ["not_applicable", "fail"]  # valid evidence


def test_evidence_size_cap_is_the_profiles(world: dict[str, Any]) -> None:
    b = world["bundles"]["cms"]
    v = verdicts(b)
    assert v["M.ORG.01"]["status"] == "pass" and evidence_of(b, "M.ORG.01")[0]["state"] != "invalid"
    assert (v["M.ORG.02"]["status"], code(v["M.ORG.02"])) == ("not_reviewed", "evidence_invalid")
    assert evidence_of(b, "M.ORG.02")[0]["state"] == "invalid"


def test_summary_rejudges_the_same_verdicts_and_accepts_the_stricter_profile(world: dict[str, Any]) -> None:
    for system, entries in (("portal", PORTAL), ("cms", CMS)):
        s = system_entry(world["summary"], system)
        assert (s["status"], s["trust"], s["profile_problems"]) == ("verified", "consistent", []), s
        mine = set(entries)
        expected = {
            rid for rid, r in verdicts(world["bundles"][system]).items() if r["status"] == "not_reviewed"
        }
        assert set(s["not_reviewed"]) & mine == expected & mine
    assert set(system_entry(world["summary"], "portal")["not_reviewed"]) >= {"M.POL.02", "M.ORG.01"}


@pytest.mark.parametrize(
    "name,value,accepted",
    [
        ("attestation_max_months", 12, True),
        ("attestation_max_months", 13, False),
        ("evidence_max_bytes", 52428800, True),
        ("evidence_max_bytes", 52428801, False),
    ],
)
def test_attestation_parameters_only_as_strict_or_stricter(
    world: dict[str, Any], tmp_path: Path, name: str, value: int, accepted: bool
) -> None:
    from secaudit.config.catalog import load_profile
    from secaudit.province.summary import summarise

    p = tmp_path / "p.yaml"
    p.write_text(
        f"profile:\n  id: p\n  extends: level3\n  title: {{vi: P, en: P}}\nparameters:\n  {name}: {value}\n",
        encoding="utf-8",
    )
    bundles = tmp_path / "b"
    bundles.mkdir()
    rb.put(rb.assessment(AG, "portal", profiles=[load_profile(str(p))]), world["keys"], bundles)
    s = summarise(bundles, keyring=world["keys"])["agencies"][0]["systems"][0]
    assert (s["status"] == "verified") is accepted, s["reason"]
    if not accepted:
        assert s["status"] == "profile_not_accepted" and name in s["reason"]
        assert s["meets_target"] is False and s["meets_level"] is False


# --------------------------------------------------------------------------- never meeting


def test_not_accepted_and_inconsistent_never_say_they_meet(world: dict[str, Any], tmp_path: Path) -> None:
    """profile_not_accepted / inconsistent: `meets_level` is false in JSON and CSV, not just the count."""
    from secaudit.config.catalog import load_profile

    p = tmp_path / "soft.yaml"
    p.write_text(
        "profile:\n  id: soft\n  extends: level3\n  title: {vi: M, en: S}\nparameters:\n"
        "  hsts_min_max_age: 86400\n",
        encoding="utf-8",
    )
    bundles = tmp_path / "b"
    bundles.mkdir()
    soft = rb.assessment(AG, "portal", profiles=[load_profile(str(p))])
    assert soft["summary"]["meets_level"] is True  # its own (weaker) profile is met
    rb.put(soft, world["keys"], bundles)
    forged = rb.assessment(AG, "cms", statuses={rb.MANUAL: "fail"})
    forged["summary"]["meets_level"] = True
    rb.put(forged, world["keys"], bundles)
    res = run("summary", bundles, "--keyring", world["keys"], "--format", "json", "--today", ASSESSED)
    data = json.loads(res.stdout)
    by = {s["id"]: s for s in data["agencies"][0]["systems"]}
    assert by["portal"]["status"] == "profile_not_accepted" and by["cms"]["status"] == "inconsistent"
    for s in by.values():
        assert (s["meets_level"], s["meets_target"]) == (False, False), s["id"]
    assert data["totals"]["systems_meeting"] == 0 and data["totals"]["agencies_meeting"] == 0
    rows = list(csv.DictReader(io.StringIO(run("summary", bundles, "--keyring", world["keys"],
                                               "--format", "csv", "--today", ASSESSED).stdout)))  # fmt: skip
    flags = [v for r in rows for k, v in r.items() if k and "meets_level" in k and v]
    assert flags and all(v.lower() in ("false", "0", "không") for v in flags), rows


# --------------------------------------------------------------------------- strict JSON on bundle/2


def _compact_corpus(world: dict[str, Any]) -> dict[str, bytes]:
    raw = world["files"]["portal"].read_bytes()
    assert b"\n" not in raw.rstrip(b"\n") and b'": ' not in raw[:2000]  # bundle/2 is written compact
    assert b":null" in raw and b'"level":3' in raw

    def sub(old: bytes, new: bytes) -> bytes:
        assert old in raw
        return raw.replace(old, new, 1)

    return {
        "nan": sub(b":null", b":NaN"),
        "infinity": sub(b'"level":3', b'"level":Infinity'),
        "minus_infinity": sub(b'"level":3', b'"level":-Infinity'),
        "duplicate_key": sub(b'{"assessment":{', b'{"assessment":{"period":"2025",'),
        "duplicate_key_top": raw.rstrip(b"\n")[:-1] + b',"schema":"secaudit.bundle/2"}',
        "lone_surrogate": sub(b'"province":"', b'"province":"\\udc80'),
        "deep_65": sub(b":null", b":" + b"[" * 65 + b"]" * 65),
        "int_2_53_plus_1": sub(b'"level":3', b'"level":9007199254740993'),
        "int_minus_2_53_minus_1": sub(b'"level":3', b'"level":-9007199254740993'),
    }


def test_strict_reader_refuses_the_same_files_in_verify_summary_report_and_rejudge(
    world: dict[str, Any], tmp_path: Path
) -> None:
    for name, data in _compact_corpus(world).items():
        folder = tmp_path / name
        folder.mkdir()
        path = folder / world["files"]["portal"].name
        path.write_bytes(data)
        v = run("verify", path, "--keyring", world["keys"])
        assert v.exit_code == 1 and "malformed JSON" in v.output, (name, v.output)
        vr = run("verify", "--rejudge", path, "--keyring", world["keys"])
        assert vr.exit_code == 1, (name, vr.output)
        s = run("summary", folder, "--keyring", world["keys"], "--format", "json", "--today", ASSESSED)
        data_s = json.loads(s.stdout)
        assert [nb["file"] for nb in data_s["not_bundles"]] == [path.name], name
        assert "malformed JSON" in data_s["not_bundles"][0]["reason"], name
        assert data_s["totals"]["systems"] == 0, name
        r = run("report", path, "-o", tmp_path / f"{name}.html")
        assert r.exit_code == 2 and not (tmp_path / f"{name}.html").exists(), (name, r.output)
        j = run("assess", "--rejudge", path, "--profile", "level3", "-o", tmp_path / f"rj-{name}")
        assert j.exit_code == 2 and "malformed JSON" in j.output, (name, j.output)


@pytest.mark.parametrize(
    "extra,ok",
    [
        (lambda: [[]], True),  # a small nested value: fine
        # document depth: {bundle} 1, {assessment} 2, the extra value from 3: 62 arrays reach 64
        (lambda: _nest(62), True),
        (lambda: _nest(63), False),
        (lambda: 2**53, True),
        (lambda: -(2**53), True),
        (lambda: 2**53 + 1, False),
        (lambda: -(2**53) - 1, False),
    ],
    ids=[
        "small",
        "depth_64",
        "depth_65",
        "int_2_53",
        "int_minus_2_53",
        "int_2_53_plus_1",
        "int_minus_2_53_minus_1",
    ],
)
def test_boundaries_inside_a_signed_bundle(
    world: dict[str, Any], tmp_path: Path, extra: Any, ok: bool
) -> None:
    """Signed with the agency's valid key: at the boundary the bundle verifies and is summarised as
    verified; one step over it is malformed for verify and summary alike."""
    a = json.loads(world["files"]["portal"].read_bytes())["assessment"]
    a["extension"] = extra()
    folder = tmp_path / "b"
    try:
        path = write_bundle(make_bundle(a, world["keys"] / f"{AG}.key"), folder)
    except ValueError:  # the writer itself may refuse what is not strict JSON: as good
        assert not ok
        return
    v = run("verify", path, "--keyring", world["keys"])
    assert (v.exit_code == 0) is ok, v.output
    s = json.loads(run("summary", folder, "--keyring", world["keys"], "--format", "json").stdout)
    verified = [x["file"] for ag in s["agencies"] for x in ag["systems"] if x.get("verified")]
    assert (verified == [path.name]) is ok and (len(s["not_bundles"]) == 1) is (not ok), s["not_bundles"]


def _nest(n: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(n - 1):
        value = [value]
    return value


def test_store_is_refused_without_keyring_and_nothing_is_written(
    world: dict[str, Any], tmp_path: Path
) -> None:
    db = tmp_path / "history.db"
    res = run("summary", world["out"], "--inventory", world["inv"], "--store", db, "--format", "json")
    assert res.exit_code == 2 and "--keyring" in res.output and not db.exists()
    ok = run("summary", world["out"], "--inventory", world["inv"], "--keyring", world["keys"], "--store", db,
             "--format", "json", "--today", ASSESSED)  # fmt: skip
    assert ok.exit_code == 0 and db.exists()


# --------------------------------------------------------------------------- bundle/2, scores, checks_status


def test_bundle_v2_names_its_catalogue_by_id_version_and_sha256(world: dict[str, Any]) -> None:
    from secaudit.core.resources import data_dir

    b = world["bundles"]["portal"]
    assert b["schema"] == "secaudit.bundle/2"
    cat = b["assessment"]["catalog"]
    shipped = data_dir("checklists") / f"{cat['id']}.yaml"
    assert cat["id"] == "tcvn-11930-2017" and cat["version"]
    assert cat["sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert len(b["assessment"]["profile_digest"]) == 64
    assert all(
        isinstance(r["reason"], dict) and "code" in r["reason"] for r in b["assessment"]["requirements"]
    )


@pytest.fixture(scope="module")
def dual(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A dual-regime bundle of real observations (a recorded lab scan), signed and summarised."""
    from secaudit.config.catalog import load_profile

    folder = tmp_path_factory.mktemp("dual")
    # A stricter HSTS minimum than the recorded site sends: one failing check, profile still accepted.
    (folder / "hsts.yaml").write_text(
        "profile:\n  id: hsts-l3\n  extends: level3\n  title: {vi: H, en: H}\nparameters:\n"
        "  hsts_min_max_age: 1000000000\n",
        encoding="utf-8",
    )
    profiles = [load_profile(str(folder / "hsts.yaml")), load_profile("tcvn14423-level3")]
    a = rb.assessment(AG, "portal", profiles=profiles, broken_probes=("ports",))
    path = rb.put(a, world["keys"], folder)
    s = json.loads(run("summary", folder, "--keyring", world["keys"], "--format", "json").stdout)
    return {"bundle": json.loads(path.read_bytes()), "summary": s}


def _contract_score(checks: list[dict[str, Any]]) -> tuple[int, int, int]:
    from secaudit.checks import metadata

    meta = metadata()
    passed = judged = errored = 0
    for c in checks:
        w = SEVERITY_WEIGHTS[meta[c["id"]]["severity"]]
        if c["status"] in ("pass", "warn", "fail"):
            judged += w
            passed += w if c["status"] != "fail" else 0
        elif c["status"] == "error":
            errored += w
    return passed, judged, errored


def test_automated_score_is_the_severity_weighted_share(dual: dict[str, Any]) -> None:
    a = dual["bundle"]["assessment"]
    all_checks: list[dict[str, Any]] = []
    for t in a["targets"]:
        passed, judged, errored = _contract_score(t["checks"])
        assert errored > 0 and judged > passed  # the case has errors and failures to leave out
        assert t["automated_score"] == round(100 * passed / judged, 1)
        assert t["score_coverage"] == round(100 * judged / (judged + errored), 1)
        all_checks += t["checks"]
    passed, judged, errored = _contract_score(all_checks)
    assert a["summary"]["automated_score"] == round(100 * passed / judged, 1)
    s = dual["summary"]["agencies"][0]["systems"][0]
    assert (s["automated_score"], s["score_coverage"]) == (
        round(100 * passed / judged, 1),
        round(100 * judged / (judged + errored), 1),
    )


def test_every_verdict_carries_checks_status_beside_status(dual: dict[str, Any]) -> None:
    a = dual["bundle"]["assessment"]
    blocks = [a["requirements"]] + [x["requirements"] for x in a.get("additional") or []]
    assert len(blocks) == 2
    seen = set()
    for reqs in blocks:
        for r in reqs:
            assert r["checks_status"] in ("pass", "fail", "error", "none"), r["id"]
            seen.add((r["status"], r["checks_status"]))
            if r["kind"] == "manual":
                assert r["checks_status"] == "none", r["id"]
    assert ("error", "error") in seen and ("pass", "pass") in seen and ("pass", "none") in seen


NEW_IDS = [
    "dns.dnssec", "dns.caa", "dns.nameservers", "mail.spf", "mail.dmarc", "mail.starttls", "mail.dane",
    "web.ipv6", "http.mixed_content", "host.auth.password_policy", "host.logging.audit",
    "host.malware.protection",
]  # fmt: skip


def test_new_check_ids_exist_and_feed_requirements_of_both_catalogues() -> None:
    from secaudit.checks import metadata, registry
    from secaudit.config.catalog import load_catalog

    meta, reg = metadata(), registry()
    mapped: dict[str, set[str]] = {cid: set() for cid in NEW_IDS}
    for cat_id in ("tcvn-11930-2017", "tcvn-14423-2026"):
        for req in load_catalog(cat_id).requirements:
            for cid in req.checks:
                if cid in mapped:
                    mapped[cid].add(cat_id)
    for cid in NEW_IDS:
        assert cid in reg and meta[cid]["severity"] in SEVERITY_WEIGHTS, cid
        assert mapped[cid] == {"tcvn-11930-2017", "tcvn-14423-2026"}, (cid, mapped[cid])


TAILORED = rb.TAILORED_PROFILE


@pytest.mark.parametrize("forgery", ["none", "no_justification", "blank_justification", "tailoring_dropped",
                                     "another_not_applicable"])  # fmt: skip
def test_absent_only_as_justified_accepted_not_applicable(
    world: dict[str, Any], tmp_path: Path, forgery: str
) -> None:
    """The inventory accepts M.OPS.07: the bundle counts only while its recorded tailoring is justified
    and is the only requirement left out (each forgery signed with the agency's valid key)."""
    from secaudit.config.catalog import load_profile
    from secaudit.province.summary import summarise

    (tmp_path / "t.yaml").write_text(TAILORED, encoding="utf-8")
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        f"province: Huế\nperiod: 2026\nagencies:\n  - id: {AG}\n    name: B\n    systems:\n"
        "      - {id: portal, name: C, level: 3, targets: [https://127.0.0.1],"
        " accepted_tailoring: [M.OPS.07]}\n",
        encoding="utf-8",
    )
    a = rb.assessment(AG, "portal", profiles=[load_profile(str(tmp_path / "t.yaml"))])
    assert rb.requirement(a, "M.OPS.07")["status"] == "not_applicable" and a["summary"]["meets_level"]
    tailoring = a["profile_resolved"]["tailoring"]
    if forgery == "no_justification":
        del tailoring[0]["justification"]
    elif forgery == "blank_justification":
        tailoring[0]["justification"] = " "
    elif forgery == "tailoring_dropped":
        a["profile_resolved"]["tailoring"] = []
    elif forgery == "another_not_applicable":
        rb.requirement(a, "M.OPS.05")["status"] = "not_applicable"
        rb.resummarise(a)
    bundles = tmp_path / "b"
    bundles.mkdir()
    rb.put(a, world["keys"], bundles)
    s = summarise(bundles, inventory=inv, keyring=world["keys"])
    sy = s["agencies"][0]["systems"][0]
    assert (sy["status"] == "verified") is (forgery == "none"), sy["reason"]
    assert sy["meets_target"] is (forgery == "none") and s["totals"]["systems_meeting"] == (forgery == "none")
    if forgery != "none":
        assert sy["status"] in ("profile_not_accepted", "inconsistent") and sy["meets_level"] is False


# --------------------------------------------------------------------------- what changed


@pytest.mark.parametrize("unverified", ["none", "current", "previous"])
@pytest.mark.parametrize("via", ["compare", "store"])
def test_what_changed_never_rests_on_an_unverified_bundle(
    world: dict[str, Any], tmp_path: Path, unverified: str, via: str
) -> None:
    """2025: MANUAL fails; 2026: it passes. "fixed" is listed only when both bundles verify: one
    signed with a key not the agency's is never believed, before or after."""
    other = tmp_path / "other"
    generate_keypair("khac", other)
    bundles = tmp_path / "b"
    bundles.mkdir()
    for period, statuses, bad in (("2025", {rb.MANUAL: "fail"}, "previous"), ("2026", {}, "current")):
        a = rb.assessment(AG, "portal", period=period, statuses=statuses)
        keys, signer = (other, "khac") if unverified == bad else (world["keys"], None)
        rb.put(a, keys, bundles, signer=signer)
    common = [
        bundles,
        "--keyring",
        world["keys"],
        "--period",
        "2026",
        "--format",
        "json",
        "--today",
        "2026-12-02",
    ]
    if via == "compare":
        res = run("summary", *common, "--compare", "2025")
    else:
        db, old = tmp_path / "h.db", tmp_path / "old"
        old.mkdir()
        for p in bundles.glob("*.2025.json"):
            p.rename(old / p.name)
        assert (
            run("summary", old, "--keyring", world["keys"], "--store", db, "--format", "json").exit_code == 0
        )
        res = run("summary", *common, "--store", db)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    ch = data["changes"][AG]
    fixed = [(x["system"], x["requirement"]) for x in ch["fixed"]]
    assert fixed == ([("portal", rb.MANUAL)] if unverified == "none" else []), ch
    assert ch["newly_failing"] == []
    if via == "store":  # the trend's per-period changes (DESIGN §9) alike
        trend = {t["period"]: [c["fail_to_pass"] for c in t["changes"]] for t in data["trend"]}
        assert trend == {"2025": [], "2026": [[rb.MANUAL]] if unverified == "none" else []}, trend
