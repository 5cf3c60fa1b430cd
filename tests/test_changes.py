"""Scores and changes end to end (DESIGN §10, issue 11): a fix on a loopback lab site raises the
automated score in the next period, and the summary lists what changed per agency.

Real TLS and HTTP against the lab (127.0.0.175, this module's own), real signing and re-judging."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.lab.sites import GOOD_HEADERS, Lab, SiteSpec

ADDR = "127.0.0.175"  # this module's own loopback address
HOST = "portal.changes.lab.test"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def _inventory(path: Path, period: str, site: Any) -> None:
    path.write_text(
        f"""\
province: Thừa Thiên Huế
period: {period}
authority: Sở Khoa học và Công nghệ tỉnh Thử Nghiệm
agencies:
  - id: bao-sua
    name: Báo Sửa
    systems:
      - id: portal
        name: Cổng báo
        level: 3
        targets:
          - {{url: "https://{HOST}:{site.https_port}", address: {ADDR}}}
        http_port: {site.http_port}
""",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def periods(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("changes")
    site = lab.start(SiteSpec(name="changes", address=ADDR, hostname=HOST, headers={}))
    assert run("keys", "generate", "--agency", "bao-sua", "-o", root / "keys").exit_code == 0
    keyring = root / "keyring"
    keyring.mkdir()
    (keyring / "bao-sua.pub").write_bytes((root / "keys" / "bao-sua.pub").read_bytes())
    bundles = root / "bundles"
    out: dict[str, Any] = {"root": root, "keyring": keyring, "bundles": bundles, "store": root / "h.db"}
    for period, headers in (("2026", {}), ("2027", dict(GOOD_HEADERS))):
        site.spec.headers.clear()
        site.spec.headers.update(headers)  # the fix: the web server now sends the security headers
        inv = root / f"inventory-{period}.yaml"
        _inventory(inv, period, site)
        res = run(
            "assess", "--inventory", inv, "--key", root / "keys", "--ca-file", lab.ca_file,
            "--probes", "tls,http", "--timeout", "3", "--no-progress", "-o", bundles,
        )  # fmt: skip
        assert res.exit_code in (0, 1, 3), res.output
        out[period] = json.loads(
            run(
                "summary", bundles, "--inventory", inv, "--keyring", keyring, "--store", out["store"],
                "--period", period, "--today", "2027-11-20", "--format", "json",
            ).stdout
        )  # fmt: skip
        out[f"bundle-{period}"] = next(bundles.glob(f"*{period}*.json"))
    return out


def test_a_fix_raises_the_score_in_the_next_period(periods: dict[str, Any]) -> None:
    before = periods["2026"]["agencies"][0]
    after = periods["2027"]["agencies"][0]
    s_before, s_after = before["systems"][0]["automated_score"], after["systems"][0]["automated_score"]
    assert isinstance(s_before, float) and isinstance(s_after, float)
    assert s_after > s_before
    assert after["automated_score"] == s_after  # one system: the agency's figure is the system's
    ch = periods["2027"]["changes"]["bao-sua"]
    assert ch["previous_period"] == "2026"
    assert ch["score_before"] == s_before and ch["score_after"] == s_after
    assert ch["score_change"] == round(s_after - s_before, 1) > 0
    fixed = {f["requirement"] for f in ch["fixed"]}
    assert fixed, ch  # the security-header requirement no longer fails
    assert not ({f["requirement"] for f in ch["newly_failing"]} & fixed)
    # the first period has nothing to compare with: no previous period, no score before
    first = periods["2026"]["changes"]["bao-sua"]
    assert first["previous_period"] is None and first["score_before"] is None


def test_scores_are_rejudged_never_the_bundles_own(periods: dict[str, Any], tmp_path: Path) -> None:
    """Without a keyring nothing is verified: no score is shown (the bundle's own is not believed)."""
    res = run("summary", periods["bundles"], "--period", "2027", "--format", "json")
    data = json.loads(res.stdout)
    assert data["agencies"][0]["systems"][0]["automated_score"] is None
    assert "changes" not in data  # no store, no --compare: nothing to compare against


def test_compare_without_a_store_reads_the_folder(periods: dict[str, Any]) -> None:
    res = run(
        "summary", periods["bundles"], "--keyring", periods["keyring"], "--period", "2027",
        "--compare", "2026", "--format", "json", "--today", "2027-11-20",
    )  # fmt: skip
    ch = json.loads(res.stdout)["changes"]["bao-sua"]
    assert ch["previous_period"] == "2026" and ch["score_change"] > 0


def test_changes_in_md_and_csv(periods: dict[str, Any]) -> None:
    common = ["--keyring", periods["keyring"], "--period", "2027", "--compare", "2026"]
    md = run("summary", periods["bundles"], *common, "--format", "md").stdout
    assert "Thay đổi so với kỳ trước" in md and "Báo Sửa" in md
    csv_text = run("summary", periods["bundles"], *common, "--format", "csv").stdout
    assert "automated_score" in csv_text.splitlines()[0]


def test_the_bundle_and_report_carry_the_score(periods: dict[str, Any]) -> None:
    b = json.loads(periods["bundle-2027"].read_text(encoding="utf-8"))
    a = b["assessment"]
    assert isinstance(a["summary"]["automated_score"], float)
    assert all("automated_score" in t for t in a["targets"])
    assert a["authority"] == "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm"
    assert all(r.get("checks_status") in ("pass", "fail", "error", "none") for r in a["requirements"])
    html = run("report", periods["bundle-2027"]).stdout
    assert "Sở Khoa học và Công nghệ tỉnh Thử Nghiệm" in html
    assert 'id="automated-score"' in html


# Words that must not reach a reader of a Vietnamese page (visible text, code blocks aside).
ENGLISH = [
    "Pass", "Fail", "Error", "Warning", "not_reviewed", "not_applicable", "Not reviewed", "Awaiting",
    "MEETS", "Evidence", "What to fix", "How to fix", "Severity", "should be rejected", "design_build",
    "True", "False", "None", "null", "Usage", "Aborted", "awaiting evidence", "checks pass",
]  # fmt: skip


def _visible(html: str) -> str:
    import html as h
    import re

    body = re.sub(r"<(style|pre|code)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return h.unescape(re.sub(r"<[^>]+>", " ", body))


def test_vietnamese_report_has_no_english_words(periods: dict[str, Any]) -> None:
    import re

    for bundle in (periods["bundle-2026"], periods["bundle-2027"]):
        page = _visible(run("report", bundle).stdout)
        words = set(re.findall(r"[\w'-]+", page))
        assert not [w for w in ENGLISH if (w in words if " " not in w else w in page)], page[:2000]
        assert "`" not in page and "\\" not in page
        assert "điểm" in page.lower() and "chờ bằng chứng" in page
        md = run("report", bundle, "--format", "md").stdout
        assert "`" not in md.replace("```", "") or "``" in md  # fences only, never a stray backtick
        assert "\\" not in md
    en = _visible(run("report", periods["bundle-2026"], "--lang", "en").stdout)
    assert "Awaiting evidence" in en and "chờ bằng chứng" not in en


def test_report_todo_is_deduplicated_with_copyable_lines(periods: dict[str, Any]) -> None:
    data = json.loads(run("report", periods["bundle-2026"], "--format", "json").stdout)
    fixes = [e for e in data["todo"] if e["kind"] == "fix"]
    assert fixes and len({(e["check"], e["remediation"]) for e in fixes}) == len(fixes)
    assert data["director"]["items"] == data["todo"][:5]
    hsts = next(e for e in fixes if e["check"] == "http.hsts")
    blocks = [s for kind, s in hsts["parts"] if kind == "block"]
    assert 'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;' in blocks
    html = run("report", periods["bundle-2026"]).stdout
    assert '<pre class="copy"><code>add_header Strict-Transport-Security' in html
    sev = [e["severity"] for e in fixes]
    order = ["critical", "high", "medium", "low", "info"]
    assert sev == sorted(sev, key=order.index)  # severity first


def test_trend_carries_the_provinces_score_per_period(periods: dict[str, Any]) -> None:
    trend = {p["period"]: p for p in periods["2027"]["trend"]}
    sys26 = periods["2026"]["agencies"][0]["systems"][0]["automated_score"]
    sys27 = periods["2027"]["agencies"][0]["systems"][0]["automated_score"]
    assert trend["2026"]["automated_score"] == sys26 and trend["2027"]["automated_score"] == sys27
