"""SARIF 2.1.0 output: `scan --format sarif` of real loopback sites and `report --format sarif` of
real demo bundles, validated against the SARIF 2.1.0 constraints checkable offline (the schema's
required keys, enums and closed object shapes; ruleId/ruleIndex consistency; kind/level rule)."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import bundle_factory as bf
import pytest

from secaudit.lab.sites import SiteSpec
from secaudit.render.sarif import render_bundle_sarif, target_uri
from secaudit.signing.bundle_view import as_v1

ADDR, DEAD = "127.0.0.230", "127.0.0.231"  # this module's own loopback addresses: 127.0.0.230-239
HOSTILE_SERVER = "<script>alert(1)</script> Apache/2.4.41"

VERDICT_KIND = {"fail": "fail", "not_reviewed": "review", "error": "open"}
LEVELS = {"none", "note", "warning", "error"}
KINDS = {"pass", "open", "informational", "notApplicable", "review", "fail"}
# Allowed keys of the SARIF 2.1.0 schema objects we emit (the schema sets additionalProperties: false).
ALLOWED: dict[str, set[str]] = {
    "log": {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
    "run": {
        "tool",
        "invocations",
        "conversion",
        "language",
        "versionControlProvenance",
        "originalUriBaseIds",
        "artifacts",
        "logicalLocations",
        "graphs",
        "results",
        "automationDetails",
        "runAggregates",
        "baselineGuid",
        "redactionTokens",
        "defaultEncoding",
        "defaultSourceLanguage",
        "newlineSequences",
        "columnKind",
        "externalPropertyFileReferences",
        "threadFlowLocations",
        "taxonomies",
        "addresses",
        "translations",
        "policies",
        "webRequests",
        "webResponses",
        "specialLocations",
        "properties",
    },
    "driver": {
        "guid",
        "name",
        "organization",
        "product",
        "productSuite",
        "shortDescription",
        "fullDescription",
        "fullName",
        "version",
        "semanticVersion",
        "dottedQuadFileVersion",
        "releaseDateUtc",
        "downloadUri",
        "informationUri",
        "globalMessageStrings",
        "notifications",
        "rules",
        "taxa",
        "locations",
        "language",
        "contents",
        "isComprehensive",
        "localizedDataSemanticVersion",
        "minimumRequiredLocalizedDataSemanticVersion",
        "associatedComponent",
        "translationMetadata",
        "supportedTaxonomies",
        "properties",
    },
    "rule": {
        "id",
        "deprecatedIds",
        "guid",
        "deprecatedGuids",
        "name",
        "deprecatedNames",
        "shortDescription",
        "fullDescription",
        "messageStrings",
        "defaultConfiguration",
        "helpUri",
        "help",
        "relationships",
        "properties",
    },
    "mms": {"text", "markdown", "properties"},  # multiformatMessageString
    "config": {"enabled", "level", "rank", "parameters", "properties"},
    "result": {
        "guid",
        "correlationGuid",
        "ruleId",
        "ruleIndex",
        "rule",
        "taxa",
        "kind",
        "level",
        "message",
        "analysisTarget",
        "locations",
        "webRequest",
        "webResponse",
        "fingerprints",
        "partialFingerprints",
        "codeFlows",
        "graphs",
        "graphTraversals",
        "stacks",
        "relatedLocations",
        "suppressions",
        "baselineState",
        "rank",
        "attachments",
        "hostedViewerUri",
        "workItemUris",
        "provenance",
        "fixes",
        "occurrenceCount",
        "properties",
    },
    "message": {"text", "markdown", "id", "arguments", "properties"},
    "location": {
        "id",
        "physicalLocation",
        "logicalLocations",
        "message",
        "annotations",
        "relationships",
        "properties",
    },
    "physical": {"address", "artifactLocation", "region", "contextRegion", "properties"},
    "artifact": {"uri", "uriBaseId", "index", "description", "properties"},
    "logical": {"name", "index", "fullyQualifiedName", "decoratedName", "parentIndex", "kind", "properties"},
    "automation": {"description", "id", "guid", "correlationGuid", "properties"},
}


def _keys(obj: Any, what: str) -> None:
    assert isinstance(obj, dict), what
    extra = set(obj) - ALLOWED[what]
    assert not extra, f"{what} has keys the SARIF schema does not allow: {extra}"


def _bag(obj: dict[str, Any]) -> None:
    """A property bag: an object; its optional "tags" a list of unique strings."""
    props = obj.get("properties", {})
    assert isinstance(props, dict)
    tags = props.get("tags", [])
    assert isinstance(tags, list) and all(isinstance(t, str) for t in tags) and len(set(tags)) == len(tags)


def _utc(value: Any) -> None:
    assert isinstance(value, str) and value.endswith("Z"), value


def validate_sarif(doc: dict[str, Any]) -> dict[str, Any]:
    """Check the essential SARIF 2.1.0 constraints; return the single run."""
    _keys(doc, "log")
    assert doc["$schema"].startswith("https://") and "sarif" in doc["$schema"]
    assert doc["version"] == "2.1.0"
    assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
    run = doc["runs"][0]
    _keys(run, "run")
    _bag(run)
    driver = run["tool"]["driver"]
    _keys(driver, "driver")
    assert set(run["tool"]) == {"driver"}
    assert driver["name"] == "secaudit" and driver["version"] and "informationUri" not in driver
    _keys(run["automationDetails"], "automation")
    for inv in run["invocations"]:
        assert isinstance(inv["executionSuccessful"], bool)  # required by the schema
        for key in ("startTimeUtc", "endTimeUtc"):
            if key in inv:
                _utc(inv[key])
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for rule in rules:
        _keys(rule, "rule")
        _bag(rule)
        assert isinstance(rule["id"], str) and rule["id"]
        for key in ("shortDescription", "fullDescription", "help"):
            if key in rule:
                _keys(rule[key], "mms")
                assert isinstance(rule[key]["text"], str) and rule[key]["text"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        _keys(rule["defaultConfiguration"], "config")
        assert rule["defaultConfiguration"]["level"] in LEVELS
    for res in run["results"]:
        _keys(res, "result")
        _bag(res)
        _keys(res["message"], "message")
        assert isinstance(res["message"]["text"], str) and res["message"]["text"]
        assert res["ruleId"] in ids and ids[res["ruleIndex"]] == res["ruleId"]
        assert res["kind"] in KINDS and res["level"] in LEVELS
        if res["kind"] != "fail":  # SARIF 2.1.0 §3.27.10
            assert res["level"] == "none", res
        assert res["fingerprints"] and all(isinstance(v, str) for v in res["fingerprints"].values())
        assert res["locations"], res["ruleId"]
        for loc in res["locations"]:
            _keys(loc, "location")
            assert "physicalLocation" in loc or "logicalLocations" in loc
            if "physicalLocation" in loc:
                _keys(loc["physicalLocation"], "physical")
                _keys(loc["physicalLocation"]["artifactLocation"], "artifact")
                parts = urlsplit(loc["physicalLocation"]["artifactLocation"]["uri"])
                assert parts.scheme in ("https", "http") and parts.hostname, loc
            for logical in loc.get("logicalLocations", []):
                _keys(logical, "logical")
    return run


def secaudit(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300)


# --------------------------------------------------------------------------- scan of real loopback sites


@pytest.fixture(scope="module")
def scanned(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    bare = lab.start(
        SiteSpec(
            name="sarif-bare",
            address=ADDR,
            hostname="bare.sarif.test",
            headers={},
            server_header=HOSTILE_SERVER,
            plain_http="no_redirect",
            tls_min=ssl.TLSVersion.TLSv1,
            ciphers="ALL:@SECLEVEL=0",
        )
    )
    refused = lab.closed_port(DEAD)
    targets = [f"https://bare.sarif.test:{bare.https_port}", f"{DEAD}:{refused}"]
    common = [
        *targets,
        "--resolve",
        f"bare.sarif.test:{bare.https_port}:{ADDR}",
        "--http-port",
        str(bare.http_port),
        "--ca-file",
        str(lab.ca_file),
        "--probes",
        "tls,http",
        "--timeout",
        "3",
        "--no-progress",
    ]
    out = tmp_path_factory.mktemp("sarif") / "scan.sarif"
    sarif = secaudit("scan", *common, "--format", "sarif", "-o", str(out))
    plain = secaudit("scan", *common, "--format", "json")
    return {"sarif": sarif, "json": plain, "out": out, "targets": targets, "refused": refused}


def test_scan_sarif_is_valid_and_exit_code_unchanged(scanned: dict[str, Any]) -> None:
    proc = scanned["sarif"]
    assert proc.returncode == 1, proc.stderr  # a fail: exit 1, as with every other format
    assert proc.stdout == ""  # -o FILE: nothing on stdout
    run = validate_sarif(json.loads(scanned["out"].read_text(encoding="utf-8")))
    assert run["language"] == "vi-VN" and run["properties"]["targets"] == scanned["targets"]
    assert run["invocations"][0]["startTimeUtc"] <= run["invocations"][0]["endTimeUtc"]


def test_scan_results_are_exactly_the_non_passing_checks(scanned: dict[str, Any]) -> None:
    data = json.loads(scanned["json"].stdout)
    run = validate_sarif(json.loads(scanned["out"].read_text(encoding="utf-8")))
    want = {
        (c["id"], t["target"], c["status"])
        for t in data["targets"]
        for c in t["checks"]
        if c["status"] in ("fail", "warn", "error")
    }
    got = {(r["ruleId"], r["properties"]["target"], r["properties"]["status"]) for r in run["results"]}
    assert got == want and len(run["results"]) == len(want)
    counts = run["properties"]["check_counts"]
    for status in ("pass", "fail", "warn", "error", "not_applicable"):
        assert counts[status] == sum(c["status"] == status for t in data["targets"] for c in t["checks"])
    assert counts["pass"] > 0 and counts["fail"] > 0 and counts["error"] > 0
    # Every evaluated check has a rule; passes are counted, never results.
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {
        c["id"] for t in data["targets"] for c in t["checks"]
    }


def _result(run: dict[str, Any], rule_id: str, target: str) -> dict[str, Any]:
    found = [r for r in run["results"] if r["ruleId"] == rule_id and r["properties"]["target"] == target]
    assert len(found) == 1, (rule_id, target, found)
    return found[0]


def test_failing_checks_carry_rule_level_and_target_uri(scanned: dict[str, Any]) -> None:
    run = validate_sarif(json.loads(scanned["out"].read_text(encoding="utf-8")))
    bare, dead = scanned["targets"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}

    legacy = _result(run, "tls.protocol.legacy_disabled", bare)  # severity high -> error
    assert (legacy["kind"], legacy["level"]) == ("fail", "error")
    assert legacy["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == bare  # as given
    assert "TLS 1.0" in legacy["message"]["text"] and "TLS 1.0" in legacy["properties"]["summary"]["en"]
    assert "TLS 1.0" in legacy["properties"]["evidence"]["legacy_accepted"]
    rule = rules["tls.protocol.legacy_disabled"]
    assert rule["defaultConfiguration"]["level"] == "error" and rule["properties"]["severity"] == "high"
    assert "TLSv1.2" in rule["help"]["text"] and rule["shortDescription"]["text"].startswith("Tắt")

    hsts = _result(run, "http.hsts", bare)  # severity medium -> warning
    assert (hsts["kind"], hsts["level"]) == ("fail", "warning")
    assert rules["http.hsts"]["defaultConfiguration"]["level"] == "warning"

    # The unreachable target was given as host:port: its location is still an absolute URI.
    err = _result(run, "tls.cert.trusted", dead)
    assert (err["kind"], err["level"]) == ("open", "none") and err["properties"]["status"] == "error"
    assert (
        err["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == f"https://{DEAD}:{scanned['refused']}"
    )


def test_warn_is_review(scanned: dict[str, Any]) -> None:
    run = validate_sarif(json.loads(scanned["out"].read_text(encoding="utf-8")))
    warns = [r for r in run["results"] if r["properties"]["status"] == "warn"]
    assert warns and all((r["kind"], r["level"]) == ("review", "none") for r in warns)


def test_hostile_server_text_stays_plain_json_text(scanned: dict[str, Any]) -> None:
    raw = scanned["out"].read_text(encoding="utf-8")
    run = validate_sarif(json.loads(raw))
    disclosure = _result(run, "http.server_disclosure", scanned["targets"][0])
    assert HOSTILE_SERVER in disclosure["message"]["text"]  # the exact text, not escaped or run
    assert HOSTILE_SERVER in json.dumps(disclosure["properties"]["evidence"], ensure_ascii=False)
    # In the file it is an ordinary JSON string: quotes escaped, nothing breaks out of it.
    assert json.dumps(HOSTILE_SERVER, ensure_ascii=False)[1:-1] in raw


def test_scan_sarif_english(lab: Any, scanned: dict[str, Any]) -> None:
    proc = secaudit(
        "scan",
        scanned["targets"][1],
        "--probes",
        "http",
        "--timeout",
        "2",
        "--no-progress",
        "--format",
        "sarif",
        "--lang",
        "en",
    )
    assert proc.returncode == 3, proc.stderr  # only errors: incomplete
    run = validate_sarif(json.loads(proc.stdout))  # SARIF only on stdout
    assert run["language"] == "en-US" and run["results"]
    assert all(r["message"]["text"].startswith("Could not be checked") for r in run["results"])


# --------------------------------------------------------------------------- bundles


@pytest.fixture(scope="module")
def demo_bundles(demo_run: dict[str, Any]) -> list[Path]:
    proc, out = demo_run["proc"], demo_run["out"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    return sorted((out / "bundles").glob("*.json"))


def test_demo_bundles_give_results_for_failing_requirements(demo_bundles: list[Path]) -> None:
    assert len(demo_bundles) >= 5
    seen: set[str] = set()
    for path in demo_bundles:
        proc = secaudit("report", str(path), "--format", "sarif")
        assert proc.returncode == 0, proc.stderr
        run = validate_sarif(json.loads(proc.stdout))
        bundle = json.loads(path.read_text(encoding="utf-8"))
        a = bundle["assessment"]
        req_ids = {r["id"] for r in a["requirements"]}
        want = {
            (r["id"], r["status"])
            for r in a["requirements"]
            if r["status"] in ("fail", "not_reviewed", "error")
        }
        got = {(r["ruleId"], r["properties"]["status"]) for r in run["results"] if r["ruleId"] in req_ids}
        assert got == want, path.name
        seen |= {s for _, s in got}
        for res in run["results"]:
            if res["ruleId"] in req_ids:
                kind = VERDICT_KIND[res["properties"]["status"]]
                assert res["kind"] == kind and res["level"] == ("error" if kind == "fail" else "none")
                assert res["ruleId"] in res["message"]["text"]
        # check findings of the bundle's targets are there too
        want_checks = {
            (c["id"], t["target"])
            for t in a["targets"]
            for c in t["checks"]
            if c["status"] in ("fail", "warn", "error")
        }
        assert {
            (r["ruleId"], r["properties"]["target"]) for r in run["results"] if r["ruleId"] not in req_ids
        } == want_checks
        props = run["properties"]
        assert props["agency"]["id"] == a["agency"]["id"] and props["system"]["id"] == a["system"]["id"]
        assert props["level"] == a["system"]["level"] and props["period"] == a["period"]
        assert props["profile"] == a["profile"] and props["meets_level"] == a["summary"]["meets_level"]
        assert props["summary"]["counts"] == a["summary"]["counts"]
        assert props["signature"]["key_id"] == bundle["signature"]["key_id"]
        sig = props["signature"]
        assert sig["sarif_signed"] is False and "not signed" in sig["note"]["en"]
        ref = f"{a['agency']['id']}.{a['system']['id']}"
        assert run["automationDetails"]["id"] == f"secaudit/{ref}/{a['period']}"
    assert {"fail", "not_reviewed"} <= seen  # the demo province shows both


def test_demo_requirement_rule_and_locations(demo_bundles: list[Path]) -> None:
    path = next(
        p
        for p in demo_bundles
        if json.loads(p.read_text(encoding="utf-8"))["assessment"]["summary"]["counts"]["fail"]
    )
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle["schema"] == "secaudit.bundle/2"
    a = as_v1(bundle["assessment"], texts=True)  # catalogue texts and rendered reasons, as /1 had them
    proc = secaudit("report", str(path), "--format", "sarif", "--lang", "en")
    run = validate_sarif(json.loads(proc.stdout))
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    failing = next(r for r in a["requirements"] if r["status"] == "fail" and r["checks"])
    rule = rules[failing["id"]]
    assert rule["shortDescription"]["text"] == failing["title"]["en"]
    assert rule["properties"]["section"] == failing["section"]
    assert rule["properties"]["requirement_kind"] == failing["kind"]
    assert rule["fullDescription"]["text"]  # the catalogue's description (or the title)
    res = next(r for r in run["results"] if r["ruleId"] == failing["id"])
    bad_targets = {c["target"] for c in failing["checks"] if c["status"] in ("fail", "error")}
    assert {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in res["locations"]} == bad_targets
    ref = f"{a['agency']['id']}/{a['system']['id']}"
    assert all(loc["logicalLocations"][0]["fullyQualifiedName"] == ref for loc in res["locations"])
    assert res["message"]["text"].startswith(f"Requirement {failing['id']}")
    assert failing["reason"]["vi"] == res["properties"]["reason"]["vi"]


def test_factory_bundle_error_and_hostile(tmp_path: Path) -> None:
    """Verdict error -> kind open; manual not_reviewed -> logical location only; hostile evidence
    from a bundle stays text."""
    a = bf.assessment(
        "bao",
        "portal",
        hostile=True,
        statuses={
            "net.tls": "fail",
            "net.ports": "error",
            "mgmt.policy": "not_reviewed",
            "mgmt.backup": "not_applicable",
        },
    )
    a["assessed_at"] = "2026-10-15T08:00:00+07:00"
    bundle = bf.sign(a, bf.keypair("bao", tmp_path))
    raw = render_bundle_sarif(bundle, "vi")
    run = validate_sarif(json.loads(raw))
    req_ids = {row[0] for row in bf.REQUIREMENTS}
    by_rule = {r["ruleId"]: r for r in run["results"] if r["ruleId"] in req_ids}
    assert by_rule["net.tls"]["kind"] == "fail" and by_rule["net.ports"]["kind"] == "open"
    assert by_rule["mgmt.policy"]["kind"] == "review"
    assert by_rule["mgmt.policy"]["locations"] == [
        {"logicalLocations": [{"name": "portal", "fullyQualifiedName": "bao/portal", "kind": "module"}]}
    ]
    assert "mgmt.backup" not in by_rule and "net.headers" not in by_rule  # n/a and pass: counted only
    assert run["invocations"][0]["endTimeUtc"] == "2026-10-15T01:00:00Z"  # local time made UTC
    hostile = [r for r in run["results"] if r["properties"].get("evidence", {}).get("server") == bf.HOSTILE]
    assert hostile and bf.HOSTILE in raw


def test_malformed_bundle_fields_do_not_crash() -> None:
    """A bundle is untrusted input: odd shapes are skipped, never a traceback."""
    bundle = {
        "schema": "secaudit.bundle/1",
        "signature": "x",
        "assessment": {
            "agency": "bao",
            "system": None,
            "targets": [
                1,
                {
                    "target": "h:1",
                    "checks": [{"id": "http.hsts", "status": "fail", "summary": "plain text"}, "junk"],
                },
            ],
            "requirements": [{"id": "R1", "status": "error", "title": "Tiêu đề"}, 7],
        },
    }
    run = validate_sarif(json.loads(render_bundle_sarif(bundle)))
    assert {(r["ruleId"], r["kind"]) for r in run["results"]} == {("http.hsts", "fail"), ("R1", "open")}


@pytest.mark.parametrize(
    ("raw", "host", "port", "uri"),
    [
        ("https://a.example.vn", "a.example.vn", 443, "https://a.example.vn"),
        ("HTTP://a.example.vn:8080/x", "a.example.vn", 8080, "HTTP://a.example.vn:8080/x"),
        ("a.example.vn:8443", "a.example.vn", 8443, "https://a.example.vn:8443"),
        ("", "::1", 8443, "https://[::1]:8443"),
        ("a.example.vn", "a.example.vn", 443, "https://a.example.vn"),
        ("[::1]:8443", "::1", 8443, "https://[::1]:8443"),
        ("https://báo.vn/a b", "báo.vn", 443, "https://b%C3%A1o.vn/a%20b"),
    ],
)
def test_target_uri(raw: str, host: str, port: int, uri: str) -> None:
    assert target_uri(raw, host, port) == uri
