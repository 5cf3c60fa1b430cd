"""Conformance of DESIGN §3–§7 (vocabulary, check ids, command line, scan JSON, files users write,
results), clause by clause through the installed command line, against real loopback servers.

Clauses other modules already prove at their boundary are not repeated (exit 3 on errors only and
the scan's table/HTML: test_scan_cli; warn-only exit 0 and the plain-HTTP variants:
test_contract_design_clarifications; the verdict rules: test_evaluate; checklist formats:
test_cli_checklist; attestation round trips: test_attest*; bundle/2 details: test_bundle_v2 and
test_contract_design_round2). This module adds what had no test: every §4 id on every target in
the vocabulary of §3, the §4 HTTP rules end to end, the target echo forms, the bundle fields of §7
with its Ed25519 signature checked independently, a warning carried into verdicts and reports,
§6 files refused in one line, user profiles whose values no check can use, and bilingual --help.

This module's own loopback addresses: 127.0.0.32-37 (ephemeral ports only). Attestation dates are
relative to the run (the lab's certificates are made now), so the verdicts are the same any day.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
from design_ids import SECTION4_IDS

from secaudit import __version__
from secaudit.cli import main
from secaudit.config.targets import parse_target
from secaudit.lab.sites import DEFAULT_PAGE, GOOD_HEADERS, Lab, SiteSpec
from secaudit.signing.bundle_view import as_v1

GOOD_ADDR, WARN_ADDR, BAD_ADDR, DOWN_ADDR = "127.0.0.32", "127.0.0.33", "127.0.0.34", "127.0.0.36"
GOOD_HOST, WARN_HOST = "good.core.test", "warn.core.test"
AGENCY = "dai-core"
ATTESTED = (date.today() - timedelta(days=19)).isoformat()  # before the run, on any day

CHECK_STATUSES = {"pass", "fail", "warn", "error", "not_applicable"}  # §3
VERDICT_STATUSES = {"pass", "fail", "not_reviewed", "not_applicable", "error"}  # §3
SEVERITIES = {"critical", "high", "medium", "low", "info"}  # §3
VI_LETTER = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)


def secaudit(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run(
        [exe, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd, check=False
    )


def by_id(target: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in target["checks"]}


# --------------------------------------------------------------------------- the lab


@pytest.fixture(scope="module")
def sites(lab: Lab) -> dict[str, Any]:
    good_headers = dict(GOOD_HEADERS, **{"Strict-Transport-Security": "max-age=15552000"})  # the minimum
    bad_headers = {
        "Strict-Transport-Security": "max-age=15551999",  # one second under the minimum
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "unsafe-url",
        "X-AspNet-Version": "4.0.30319",
        "X-Powered-By": "PHP",  # no version: not a disclosure
    }
    soft_404 = (200, "text/html; charset=utf-8", DEFAULT_PAGE)  # served, but not what the path names
    return {
        "good": lab.start(
            SiteSpec(
                name="core-good",
                address=GOOD_ADDR,
                hostname=GOOD_HOST,
                headers=good_headers,
                cookies=["sid=1; Secure; HttpOnly; SameSite=Lax", "lang=vi; Secure"],
            )
        ),
        "warn": lab.start(
            SiteSpec(name="core-warn", address=WARN_ADDR, hostname=WARN_HOST, tls_max=ssl.TLSVersion.TLSv1_2)
        ),
        "bad": lab.start(
            SiteSpec(
                name="core-bad",
                address=BAD_ADDR,
                hostname=BAD_ADDR,
                headers=bad_headers,
                cookies=["PHPSESSID=1; Secure", "theme=dark; Secure"],
                paths={"/.env": soft_404, "/.git/HEAD": soft_404},
            )
        ),
        "down": lab.closed_port(DOWN_ADDR),
    }


@pytest.fixture(scope="module")
def scanned(sites: dict[str, Any], lab: Lab) -> dict[str, Any]:
    good, bad = sites["good"], sites["bad"]
    targets = [
        f"https://{GOOD_HOST}:{good.https_port}/",  # echoed with its slash
        f"{BAD_ADDR}:{bad.https_port}",  # host:port form
        f"HTTPS://{BAD_ADDR}:{bad.https_port}",  # as given, even in capitals
        f"https://{DOWN_ADDR}:{sites['down']}",  # nothing listens
    ]
    proc = secaudit(
        "scan",
        *targets,
        "--resolve",
        f"{GOOD_HOST}:{good.https_port}:{GOOD_ADDR}",
        "--ca-file",
        lab.ca_file,
        "--http-port",
        good.http_port,
        "--probes",
        "tls,http,ports",
        "--ports",
        good.https_port,
        "--timeout",
        3,
        "--format",
        "json",
    )
    return {"proc": proc, "targets": targets, "data": json.loads(proc.stdout)}


# --------------------------------------------------------------------------- §5 scan JSON, §3, §4


def test_scan_json_is_alone_on_stdout_with_the_contract_header(scanned: dict[str, Any]) -> None:
    proc, data = scanned["proc"], scanned["data"]
    assert proc.returncode == 1, proc.stderr  # the bad site fails
    assert proc.stdout.lstrip().startswith("{") and "xong/done" in proc.stderr  # progress on stderr
    assert data["schema"] == "secaudit.scan/1"
    assert data["tool"] == {"name": "secaudit", "version": __version__}
    assert data["profile"] == "level3"
    started, finished = (
        datetime.fromisoformat(data[k].replace("Z", "+00:00")) for k in ("started_at", "finished_at")
    )
    assert started <= finished


def test_every_target_is_echoed_as_given_in_order(scanned: dict[str, Any], sites: dict[str, Any]) -> None:
    entries = scanned["data"]["targets"]
    assert [t["target"] for t in entries] == scanned["targets"]
    assert [(t["host"], t["port"]) for t in entries] == [
        (GOOD_HOST, sites["good"].https_port),
        (BAD_ADDR, sites["bad"].https_port),
        (BAD_ADDR, sites["bad"].https_port),
        (DOWN_ADDR, sites["down"]),
    ]
    for t in entries:
        assert isinstance(t["port"], int) and set(t["observations"]) == {"tls", "http", "ports"}


def test_every_section4_id_once_per_target_in_the_vocabulary(scanned: dict[str, Any]) -> None:
    for t in scanned["data"]["targets"]:
        ids = [c["id"] for c in t["checks"]]
        assert len(ids) == len(set(ids)), t["target"]
        for wanted in SECTION4_IDS.values():
            assert set(wanted) <= set(ids), (t["target"], set(wanted) - set(ids))
        for c in t["checks"]:
            assert c["status"] in CHECK_STATUSES and c["severity"] in SEVERITIES, c
            assert c["summary"]["vi"] and c["summary"]["en"] and isinstance(c["evidence"], dict)
            assert c["remediation"]["vi"] and c["remediation"]["en"]


def test_unreachable_target_is_an_entry_of_errors_never_a_pass(scanned: dict[str, Any]) -> None:
    down = by_id(scanned["data"]["targets"][3])
    for cid in SECTION4_IDS["tls"] + SECTION4_IDS["http"]:
        assert down[cid]["status"] == "error", cid
        assert down[cid]["evidence"].get("reason"), cid  # every verdict says why


def test_good_site_passes_every_tls_and_http_check(scanned: dict[str, Any]) -> None:
    good = by_id(scanned["data"]["targets"][0])
    not_pass = {cid: good[cid]["status"] for cid in SECTION4_IDS["tls"] + SECTION4_IDS["http"]}
    assert {k: v for k, v in not_pass.items() if v != "pass"} == {}  # HSTS at exactly 15552000 s passes


@pytest.mark.parametrize(
    ("cid", "status", "why"),
    [
        ("http.hsts", "fail", "15551999"),  # one second under the profile minimum
        ("http.csp", "warn", "unsafe-inline"),
        ("http.frame_options", "pass", None),  # CSP frame-ancestors stands in for X-Frame-Options
        ("http.content_type_options", "pass", None),
        ("http.referrer_policy", "fail", "unsafe-url"),
        ("http.cookies", "fail", "PHPSESSID"),  # session-like without HttpOnly; theme is not
        ("http.server_disclosure", "fail", "X-AspNet-Version"),  # X-Powered-By: PHP has no version
        ("http.sensitive_paths", "pass", None),  # a 200 page that is not a .env or a .git/HEAD
        ("http.https_redirect", "pass", None),  # no plain-HTTP service on port 80
    ],
)
def test_section4_http_rules_on_a_real_server(
    scanned: dict[str, Any], cid: str, status: str, why: str | None
) -> None:
    for entry in scanned["data"]["targets"][1:3]:  # the same site named two ways
        check = by_id(entry)[cid]
        assert check["status"] == status, (entry["target"], check["summary"]["en"])
        if why:
            assert why in check["summary"]["en"], check["summary"]["en"]
    cookies = by_id(scanned["data"]["targets"][1])["http.cookies"]["summary"]["en"]
    assert "theme" not in cookies


# --------------------------------------------------------------------------- §6 files, §7 results


def _write_world(root: Path, sites: dict[str, Any]) -> dict[str, Path]:
    warn = sites["warn"]
    (root / "profiles").mkdir()
    (root / "profiles" / "core.yaml").write_text(
        "profile:\n  id: core-l3\n  catalog: tcvn-11930-2017\n  extends: level3\n  level: 3\n"
        "  title: {vi: 'Cấp độ 3, không có mạng không dây', en: 'Level 3, no wireless'}\n"
        "parameters: {}\ntailoring:\n  - requirement: T.DES.17\n    status: not_applicable\n"
        "    justification: 'Không có mạng không dây / no wireless network'\n",
        encoding="utf-8",
    )
    inventory = root / "inventory.yaml"
    inventory.write_text(
        f"""\
province: Thừa Thiên Huế
period: 2026
due: 2026-11-01
agencies:
  - id: {AGENCY}
    name: Đài Phát thanh Ví Dụ
    type: radio-tv
    contact: it@example.vn
    systems:
      - id: portal
        name: Cổng thông tin
        level: 3
        profile: profiles/core.yaml
        level_reason: "xử lý dữ liệu cá nhân"
        targets:
          - {{url: "https://{WARN_HOST}:{warn.https_port}", address: {WARN_ADDR}}}
        expected_ports: [{warn.https_port}, {warn.http_port}]
        http_port: {warn.http_port}
      - id: down
        name: Máy chủ cũ
        level: 1
        targets: ["https://{DOWN_ADDR}:{sites["down"]}"]
""",
        encoding="utf-8",
    )
    atts = root / "attestations"
    (atts / AGENCY).mkdir(parents=True)
    (atts / AGENCY / "portal.yaml").write_text(
        f"""\
agency: {AGENCY}
system: portal
attestations:
  - requirement: M.POL.01
    status: compliant
    note: "Quy chế ATTT ban hành theo Quyết định số 12/QĐ"
    attested_by: Nguyễn Văn A
    attested_at: {ATTESTED}
  - requirement: M.ORG.01
    status: non_compliant
    note: "Chưa có đơn vị chuyên trách"
    attested_by: Nguyễn Văn A
    attested_at: {ATTESTED}
  - requirement: M.POL.02
    status: compliant
    attested_by: Nguyễn Văn A
    attested_at: {ATTESTED}
""",
        encoding="utf-8",
    )
    return {"inventory": inventory, "atts": atts}


@pytest.fixture(scope="module")
def assessed(sites: dict[str, Any], lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("core")
    files = _write_world(root, sites)
    keys = root / "keys"
    gen = secaudit("keys", "generate", "--agency", AGENCY, "-o", keys)
    assert gen.returncode == 0, gen.stderr
    out = root / "out"
    proc = secaudit(
        "assess",
        "--inventory",
        files["inventory"],
        "--attestations",
        files["atts"],
        "--agency",
        AGENCY,
        "--key",
        keys / f"{AGENCY}.key",
        "--ca-file",
        lab.ca_file,
        "--ports",
        sites["warn"].https_port,
        "--timeout",
        3,
        "--no-progress",
        "-o",
        out,
    )
    bundles = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))}
    return {"proc": proc, "root": root, "keys": keys, "out": out, "bundles": bundles, **files}


def _portal(assessed: dict[str, Any]) -> dict[str, Any]:
    return assessed["bundles"][f"{AGENCY}.portal.2026.json"]


def _verdicts(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in as_v1(bundle["assessment"], texts=True)["requirements"]}


def test_assess_writes_one_bundle_per_system_named_agency_system_period(assessed: dict[str, Any]) -> None:
    proc = assessed["proc"]
    assert proc.returncode == 1, proc.stderr  # neither system meets its level
    assert set(assessed["bundles"]) == {f"{AGENCY}.portal.2026.json", f"{AGENCY}.down.2026.json"}
    assert not list(assessed["out"].glob("*.tmp*"))  # atomic writes leave no temporary file


def test_bundle_fields_of_section7(assessed: dict[str, Any], sites: dict[str, Any]) -> None:
    bundle = _portal(assessed)
    assert bundle["schema"] in ("secaudit.bundle/1", "secaudit.bundle/2") and set(bundle) == {
        "schema",
        "assessment",
        "signature",
    }
    a = bundle["assessment"]
    assert a["province"] == "Thừa Thiên Huế" and a["period"] == "2026"  # periods are strings
    assert (a["agency"]["id"], a["agency"]["name"]) == (AGENCY, "Đài Phát thanh Ví Dụ")
    assert (a["system"]["id"], a["system"]["name"], a["system"]["level"]) == ("portal", "Cổng thông tin", 3)
    assert a["profile"] == "core-l3"  # the id the profile file declares, never its local path
    down = assessed["bundles"][f"{AGENCY}.down.2026.json"]["assessment"]
    assert (down["system"]["level"], down["profile"]) == (1, "level1")  # default: level<level>
    assert a["tool"] == {"name": "secaudit", "version": __version__}
    datetime.fromisoformat(a["assessed_at"].replace("Z", "+00:00"))
    [t] = a["targets"]  # as in scan JSON: the inventory's url, echoed
    assert (
        t["target"] == f"https://{WARN_HOST}:{sites['warn'].https_port}"
        and t["port"] == sites["warn"].https_port
    )
    assert {"target", "host", "port", "checks", "observations"} <= set(t)
    for r in a["requirements"]:
        assert {"id", "kind", "status", "reason"} <= set(r) and r["status"] in VERDICT_STATUSES, r
    s = a["summary"]
    assert set(s["counts"]) == VERDICT_STATUSES and sum(s["counts"].values()) == len(a["requirements"])
    applies = len(a["requirements"]) - s["counts"]["not_applicable"]
    assert s["compliance_pct"] == round(100 * s["counts"]["pass"] / applies, 1)
    assert s["meets_level"] is False


def test_signature_is_ed25519_over_the_canonical_assessment(assessed: dict[str, Any]) -> None:
    bundle = _portal(assessed)
    sig = bundle["signature"]
    assert sig["algorithm"] == "ed25519"
    key_file, pub_file = assessed["keys"] / f"{AGENCY}.key", assessed["keys"] / f"{AGENCY}.pub"
    assert key_file.stat().st_mode & 0o777 == 0o600 and pub_file.is_file()
    public = load_pem_public_key(pub_file.read_bytes())
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert sig["key_id"] == hashlib.sha256(raw).hexdigest()
    canonical = json.dumps(bundle["assessment"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    public.verify(base64.b64decode(sig["value"]), canonical.encode("utf-8"))  # raises when it does not


def test_verify_accepts_the_bundles_and_rejects_a_changed_one(
    assessed: dict[str, Any], tmp_path: Path
) -> None:
    ok = secaudit("verify", *sorted(assessed["out"].glob("*.json")), "--keyring", assessed["keys"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    changed = copy.deepcopy(_portal(assessed))
    changed["assessment"]["summary"]["meets_level"] = True
    forged = tmp_path / f"{AGENCY}.portal.2026.json"
    forged.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    bad = secaudit("verify", forged, "--keyring", assessed["keys"])
    assert bad.returncode == 1 and "FAILED" in bad.stdout


def test_requirement_verdicts_use_the_section3_vocabulary(assessed: dict[str, Any]) -> None:
    v = _verdicts(_portal(assessed))
    assert v["M.POL.01"]["status"] == "pass"  # compliant with a note
    assert v["M.ORG.01"]["status"] == "fail"  # non_compliant
    assert v["M.POL.02"]["status"] == "not_reviewed"  # compliant, but neither note nor evidence
    assert v["M.POL.03"]["status"] == "not_reviewed"  # not answered
    assert v["T.DES.17"]["status"] == "not_applicable"  # tailored out with a justification
    assert "wireless" in v["T.DES.17"]["reason"]["en"]
    down = _verdicts(assessed["bundles"][f"{AGENCY}.down.2026.json"])
    assert {r["status"] for r in down.values()} <= VERDICT_STATUSES
    errored = [r for r in down.values() if r.get("checks_status") == "error"]
    assert errored and all(r["status"] == "error" for r in errored)  # an error is never a pass


def test_meets_level_is_every_applicable_requirement_pass_or_not_applicable(assessed: dict[str, Any]) -> None:
    for name, bundle in assessed["bundles"].items():
        statuses = {r["status"] for r in bundle["assessment"]["requirements"]}
        assert bundle["assessment"]["summary"]["meets_level"] is (statuses <= {"pass", "not_applicable"}), (
            name
        )


def test_a_warning_passes_its_requirement_and_is_carried_into_reason_and_reports(
    assessed: dict[str, Any],
) -> None:
    [target] = _portal(assessed)["assessment"]["targets"]
    checks = by_id(target)
    assert checks["tls.protocol.modern_enabled"]["status"] == "warn"  # TLS 1.2 without TLS 1.3
    tls_app = _verdicts(_portal(assessed))["T.APP.04"]  # auto: every TLS check, all pass or warn
    assert tls_app["status"] == "pass", tls_app["reason"]["en"]
    assert "tls.protocol.modern_enabled" in tls_app["reason"]["en"]
    bundle_file = assessed["out"] / f"{AGENCY}.portal.2026.json"
    for fmt in ("html", "md", "json"):
        for lang in ("vi", "en"):
            out = secaudit("report", bundle_file, "--format", fmt, "--lang", lang)
            assert out.returncode == 0 and out.stdout, (fmt, lang, out.stderr)
            assert "TLS 1.3" in out.stdout, (fmt, lang)  # the warning's own words


def test_summary_formats_and_store(assessed: dict[str, Any], tmp_path: Path) -> None:
    for fmt in ("html", "json", "csv", "xlsx", "md"):
        dest = tmp_path / f"summary.{fmt}"
        proc = secaudit(
            "summary", assessed["out"], "--keyring", assessed["keys"], "--format", fmt, "-o", dest
        )
        assert proc.returncode == 0 and dest.stat().st_size > 0, (fmt, proc.stderr)
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert data["agencies"][0]["id"] == AGENCY
    # It answers first how many agencies meet level 3 against the 100 % goal, then per agency,
    # then the requirements that fail most often (M.ORG.01 here), then the trend.
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    headline = next(line for line in md.splitlines() if line.startswith("**"))
    assert "0/1" in headline and "3" in headline and "100" in headline, headline
    agency_at = md.index("Đài Phát thanh Ví Dụ")
    most_failing = md.index("M.ORG.01")
    assert md.index(headline) < agency_at < most_failing, md
    assert (tmp_path / "summary.xlsx").read_bytes()[:2] == b"PK"
    store = tmp_path / "history.db"
    proc = secaudit(
        "summary", assessed["out"], "--keyring", assessed["keys"], "--store", store, "--format", "json"
    )
    assert proc.returncode == 0 and store.is_file(), proc.stderr
    json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("raw", "host", "port"),
    [
        ("::1", "::1", 443),  # a bare IPv6 address is a host (it was "Port could not be cast")
        ("[::1]:8443", "::1", 8443),
        ("https://[::1]", "::1", 443),
        ("2001:db8::1:443", "2001:db8::1:443", 443),  # a valid address: brackets name a port
        ("portal.example.vn", "portal.example.vn", 443),
        ("portal.example.vn:8443", "portal.example.vn", 8443),
        ("HTTPS://Portal.Example.VN:8443/", "portal.example.vn", 8443),
    ],
)
def test_target_forms_host_and_port(raw: str, host: str, port: int) -> None:
    target = parse_target(raw)  # parsing only: nothing is contacted
    assert (target.raw, target.host, target.port) == (raw, host, port)


def test_a_bare_ipv6_target_is_scanned_and_echoed() -> None:
    proc = secaudit("scan", "::1", "--probes", "tls", "--timeout", 1, "--format", "json", "--quiet")
    assert proc.returncode != 2, proc.stderr
    [entry] = json.loads(proc.stdout)["targets"]
    assert (entry["target"], entry["host"], entry["port"]) == ("::1", "::1", 443)


# --------------------------------------------------------------------------- §5 other commands


def test_version_and_profiles() -> None:
    version = secaudit("--version")
    assert version.returncode == 0 and __version__ in version.stdout
    listed = secaudit("profile", "list")
    names = {line.split()[0] for line in listed.stdout.splitlines()[1:] if line.strip()}
    assert listed.returncode == 0
    assert {f"level{n}" for n in range(1, 6)} | {f"tcvn14423-level{n}" for n in range(1, 6)} <= names
    shown = secaudit("profile", "show", "level3", "--format", "json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["profile"]["id"] == "level3"


# --------------------------------------------------------------------------- bad input: exit 2, one line


def _refused(proc: subprocess.CompletedProcess[str], *named: str) -> None:
    err = proc.stderr.strip()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "\n" not in err and "Traceback" not in err and not proc.stdout, err
    for part in named:
        assert part in err, (part, err)


BAD_PROFILE_VALUES = {
    "min_rsa_bits: -1": "min_rsa_bits",  # would pass every key
    "cert_expiry_warn_days: -3": "cert_expiry_warn_days",
    "mozilla_config: bogus": "bogus",  # was an `error` on every target at scan time
    "risky_ports: {70000: x}": "70000",  # no such port
    "sensitive_paths: [{pth: /x}]": "pth",  # a misspelt field: the entry checked nothing
    "sensitive_paths: [{path: env}]": "path",
}


@pytest.mark.parametrize("line", sorted(BAD_PROFILE_VALUES))
def test_a_profile_value_no_check_can_use_is_refused_when_it_loads(tmp_path: Path, line: str) -> None:
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "profile:\n  id: mine\n  catalog: tcvn-11930-2017\n  extends: level3\n  level: 3\n"
        f"  title: {{vi: 'Của tôi', en: 'Mine'}}\nparameters:\n  {line}\n",
        encoding="utf-8",
    )
    _refused(secaudit("profile", "show", profile), "mine.yaml:", BAD_PROFILE_VALUES[line])
    _refused(secaudit("scan", f"{DOWN_ADDR}:1", "--profile", profile), "mine.yaml:")


def test_the_boundary_values_of_a_profile_still_load(tmp_path: Path) -> None:
    profile = tmp_path / "edge.yaml"
    profile.write_text(
        "profile:\n  id: edge\n  catalog: tcvn-11930-2017\n  extends: level3\n  level: 3\n"
        "  title: {vi: 'Biên', en: 'Edge'}\nparameters:\n  cert_expiry_warn_days: 0\n"
        "  mozilla_config: modern\n  risky_ports: {1: tcpmux, 65535: top}\n"
        "  sensitive_paths: [{path: /x.bak, match: 'secret', what: backup}]\n",
        encoding="utf-8",
    )
    shown = secaudit("profile", "show", profile, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    params = json.loads(shown.stdout)["parameters"]
    assert params["cert_expiry_warn_days"] == 0 and params["mozilla_config"] == "modern"


def _bad_inputs(root: Path) -> dict[str, tuple[list[Any], list[str]]]:
    (root / "keys").mkdir()
    (root / "atts").mkdir()
    catalog = (Path(__file__).parents[1] / "checklists" / "tcvn-11930-2017.yaml").read_text(encoding="utf-8")
    assert catalog.count("checks: [http.cookies]") == 1
    (root / "mycat.yaml").write_text(
        catalog.replace("id: tcvn-11930-2017", "id: mycat", 1).replace(
            "checks: [http.cookies]", "checks: [http.cookie_typo]"
        ),
        encoding="utf-8",
    )
    inv = "province: P\nperiod: 2026\nagencies:\n  - id: a1\n    name: A1\n    type: {type}\n    systems:\n"
    inv += f"      - id: s1\n        name: S1\n        level: 3\n        targets: ['https://{DOWN_ADDR}:1']\n"
    (root / "inv-type.yaml").write_text(inv.format(type="blog"), encoding="utf-8")
    (root / "inv-ok.yaml").write_text(inv.format(type="magazine"), encoding="utf-8")
    (root / "att-status" / "a1").mkdir(parents=True)
    (root / "att-status" / "a1" / "s1.yaml").write_text(
        f"agency: a1\nsystem: s1\nattestations:\n  - requirement: M.POL.01\n    status: done\n"
        f"    note: x\n    attested_by: A\n    attested_at: {ATTESTED}\n",
        encoding="utf-8",
    )
    out = root / "never"
    return {
        "unknown profile (scan)": (["scan", f"{DOWN_ADDR}:1", "--profile", "level9"], ["level9"]),
        "unknown profile (show)": (["profile", "show", "nope"], ["nope"]),
        "missing --ca-file": (["scan", f"{DOWN_ADDR}:1", "--ca-file", root / "no-ca.pem"], ["no-ca.pem"]),
        "missing inventory": (["assess", "--inventory", root / "no-inv.yaml", "-o", out], ["no-inv.yaml"]),
        "missing bundle (report)": (["report", root / "no-bundle.json"], ["no-bundle.json"]),
        "missing bundle (verify)": (
            ["verify", root / "no-b.json", "--keyring", root / "keys"],
            ["no-b.json"],
        ),
        "missing folder (summary)": (["summary", root / "no-dir"], ["no-dir"]),
        "missing workbook": (
            ["attest", "import", root / "no.xlsx", "--attestations", root / "atts"],
            ["no.xlsx"],
        ),
        "unknown check id": (
            ["checklist", "show", "--catalog", root / "mycat.yaml"],
            ["mycat.yaml:", "cookie_typo"],
        ),
        "unknown agency type": (
            ["assess", "--inventory", root / "inv-type.yaml", "-o", out],
            ["inv-type.yaml:", "blog"],
        ),
        "unknown attestation status": (
            ["assess", "--inventory", root / "inv-ok.yaml", "--attestations", root / "att-status", "-o", out],
            ["s1.yaml:", "M.POL.01", "done"],
        ),
        "unknown target form": (["scan", "ftp://x.test"], ["ftp"]),
        "unknown --agency": (
            ["assess", "--inventory", root / "inv-ok.yaml", "--agency", "a9", "-o", out],
            ["a9"],
        ),
        "missing --key": (
            ["assess", "--inventory", root / "inv-ok.yaml", "--key", root / "a1.key", "-o", out],
            ["a1.key"],
        ),
        "missing --attestations": (
            ["assess", "--inventory", root / "inv-ok.yaml", "--attestations", root / "no-atts", "-o", out],
            ["no-atts"],
        ),
    }


BAD_INPUT_CASES = [
    "unknown profile (scan)",
    "unknown profile (show)",
    "missing --ca-file",
    "missing inventory",
    "missing bundle (report)",
    "missing bundle (verify)",
    "missing folder (summary)",
    "missing workbook",
    "unknown check id",
    "unknown agency type",
    "unknown attestation status",
    "unknown target form",
    "unknown --agency",
    "missing --key",
    "missing --attestations",
]


@pytest.mark.parametrize("case", BAD_INPUT_CASES)
def test_bad_input_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    args, named = _bad_inputs(tmp_path)[case]
    _refused(secaudit(*args), *named)
    assert not (tmp_path / "never").exists()  # nothing written


# --------------------------------------------------------------------------- --help, bilingual

SECTION5_COMMANDS = [
    ["checklist", "show"],
    ["profile", "list"],
    ["profile", "show"],
    ["scan"],
    ["attest", "template"],
    ["attest", "export"],
    ["attest", "import"],
    ["assess"],
    ["verify"],
    ["summary"],
    ["demo"],
    ["keys", "generate"],
    ["report"],
]


def _command(path: list[str]) -> click.Command:
    cmd: click.Command = main
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
    return cmd


def _vietnamese_then_english(text: str) -> bool:
    first_vi = VI_LETTER.search(text)
    english = re.search(r"\b[A-Za-z]+ [a-z]+ [a-z]+", text[first_vi.end() :]) if first_vi else None
    return bool(first_vi and english)


@pytest.mark.parametrize("path", SECTION5_COMMANDS, ids=" ".join)
def test_help_exists_and_is_vietnamese_then_english(path: list[str]) -> None:
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0 and res.output.startswith("Cách dùng / usage"), res.output
    cmd = _command(path)
    assert _vietnamese_then_english(cmd.help or ""), cmd.help
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            text = param.help or ""
            vi, _, en = text.partition(" / ")
            assert VI_LETTER.search(vi) and en.strip(), (path, param.opts, text)
