"""Per-system report: the director's screen first, the to-do list, then failures, errors, manual
items, what passed (issue 11: reports in tiers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bundle_factory as bf
import pytest
from click.testing import CliRunner

from secaudit.cli import main


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from secaudit.signing.bundle import sign_assessment, write_bundle
    from secaudit.signing.keys import generate_keypair

    root = tmp_path_factory.mktemp("report")
    generate_keypair("bao", root / "k")
    key = root / "k" / "bao.key"
    bad = bf.assessment(
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
    bad["targets"][0]["checks"].append(bf._check("tls.protocol.modern_enabled", "warn", "", False))
    good = bf.assessment("bao", "cms")
    return {
        "bad": write_bundle(sign_assessment(bad, key), root),
        "good": write_bundle(sign_assessment(good, key), root),
        "root": root,
    }


def positions(doc: str, *marks: str) -> list[int]:
    pos = [doc.find(m) for m in marks]
    assert all(p >= 0 for p in pos), list(zip(marks, pos, strict=True))
    return pos


def test_html_order_and_content(bundles: dict[str, Path]) -> None:
    res = run("report", str(bundles["bad"]))
    assert res.exit_code == 0  # compliance lives in the content, not the exit code
    html = res.stdout
    verdict = (
        "Hệ thống «Cổng portal» của Báo bao CHƯA ĐẠT cấp độ 3: 1 yêu cầu không đạt; "
        "1 yêu cầu chưa có bằng chứng rà soát; 1 yêu cầu chưa kiểm tra được."
    )
    p = positions(
        html,
        'id="director"',
        verdict,
        'id="top-actions"',
        'id="todo"',
        "Sửa cấu hình cho tls.cert.validity",
        'id="failing"',
        'id="errors"',
        'id="review"',
        'id="passed"',
    )
    assert p == sorted(p)

    def section(name: str, end: str) -> str:
        return html[html.index(f'id="{name}"') : html.index(f'id="{end}"')]

    assert "Mã hoá kênh truyền" in section("failing", "errors")
    assert "Không mở dịch vụ nguy hiểm" in section("errors", "review")
    assert "Văn bản Quy chế an toàn thông tin" in section("review", "passed")
    assert "Tiêu đề bảo mật HTTP" in html[html.index('id="passed"') :]
    # the to-do list names what each fix clears; the first screen lists at most 5 things to do
    todo = section("todo", "failing")
    assert "Mã hoá kênh truyền" in todo and "Quy chế an toàn thông tin" in todo
    assert section("director", "todo").count("<tr><td>") <= 5
    # a passing requirement is not listed among failures; not-applicable is listed apart
    assert html.find("Tiêu đề bảo mật HTTP") > html.find('id="passed"')
    assert "Sao lưu dự phòng" in html[html.find('id="passed"') :]
    assert "<style>" in html and "<link" not in html and "<script" not in html


def test_hostile_evidence_escaped(bundles: dict[str, Path]) -> None:
    for fmt in ("html", "md"):
        out = run("report", str(bundles["bad"]), "--format", fmt).stdout
        assert "<script>alert" not in out
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out  # evidence server / certificate subject


def test_english_and_meets(bundles: dict[str, Path]) -> None:
    out = run("report", str(bundles["good"]), "--lang", "en", "--format", "md").stdout
    assert out.index("**Verdict:** The system “Cổng cms” of Báo bao MEETS security level 3") < out.index(
        "## 1. Failing requirements and what to fix"
    )
    assert "### 4. What passed" in out and "- Security policy (mgmt.policy)" in out
    assert "`" not in out and "\\" not in out  # no backticks or stray backslashes (issue 11)


def test_json_report(bundles: dict[str, Path]) -> None:
    data = json.loads(run("report", str(bundles["bad"]), "--format", "json").stdout)
    assert data["schema"] == "secaudit.report/1"
    assert data["verdict"]["meets_level"] is False and data["verdict"]["level"] == 3
    assert [r["id"] for r in data["failing"]] == ["net.tls"]
    assert [c["id"] for c in data["failing"][0]["checks"]] == [
        "tls.protocol.legacy_disabled",
        "tls.cert.validity",
    ]
    chk = data["failing"][0]["checks"][0]
    assert chk["remediation"] == "Sửa cấu hình cho tls.protocol.legacy_disabled"
    assert ["server", bf.HOSTILE] in chk["evidence"]
    assert [r["id"] for r in data["errors"]] == ["net.ports"]
    assert data["errors"][0]["checks"][0]["status"] == "error"
    assert [r["id"] for r in data["to_review"]] == ["mgmt.policy"]
    assert data["to_review"][0]["look_for"] == "Văn bản Quy chế an toàn thông tin"
    assert [r["id"] for r in data["not_applicable"]] == ["mgmt.backup"]
    assert {r["id"] for r in data["passed"]} == {"net.headers", "mgmt.training"}
    assert data["warnings"] == [
        {
            "id": "tls.protocol.modern_enabled",
            "target": "https://127.0.0.1:8443",
            "summary": "tls.protocol.modern_enabled: kết quả warn",
        }
    ]


def test_output_file(bundles: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run("report", str(bundles["good"]), "-o", str(out)).exit_code == 0
    assert "ĐẠT cấp độ 3" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("content", [None, "not json", '{"schema": "secaudit.scan/1"}'])
def test_bad_input_exits_2(content: str | None, tmp_path: Path) -> None:
    p = tmp_path / "b.json"
    if content is not None:
        p.write_text(content, encoding="utf-8")
    res = run("report", str(p))
    assert res.exit_code == 2 and "secaudit: error:" in res.output and "Traceback" not in res.output


def test_odd_shapes_in_a_bundle_render(tmp_path: Path) -> None:
    """A hand-written bundle with plain-string texts and stray non-mapping entries still renders in
    every format (a bundle is untrusted input: no traceback), and its failure stays a failure."""
    a = bf.assessment("bao", "portal", statuses={"net.tls": "fail"})
    a["requirements"][0]["reason"] = "chứng thư hết hạn"
    a["requirements"][0]["title"] = "Mã hoá"
    a["requirements"][0]["checks"].insert(0, "tls.cert.validity")
    a["targets"][0]["checks"][0]["summary"] = "TLS 1.0 accepted"
    a["targets"].append("https://stray.example")
    p = bf.write({"schema": "secaudit.bundle/1", "assessment": a}, tmp_path)
    for fmt in ("html", "md", "sarif"):
        res = run("report", str(p), "--format", fmt)
        assert res.exit_code == 0 and "chứng thư hết hạn" in res.stdout, res.output
    data = json.loads(run("report", str(p), "--format", "json").stdout)
    fail = data["failing"][0]
    assert (fail["id"], fail["title"], fail["reason"]) == ("net.tls", "Mã hoá", "chứng thư hết hạn")
    assert fail["checks"][0]["summary"] == "TLS 1.0 accepted"
    assert data["verdict"]["meets_level"] is False and data["targets"] == ["https://127.0.0.1:8443"]


@pytest.mark.parametrize(
    ("where", "value"),
    [("targets", True), ("summary.compliance_pct", 1e300), ("req.checks_status", ["x"]), ("due", 5)],
)
def test_tiers_survive_odd_values(where: str, value: Any) -> None:
    """The director's screen and to-do list read untrusted bundle values (found by the fuzz test)."""
    from secaudit.render.registry import RenderOptions, render

    a = bf.assessment("bao", "portal", statuses={"net.tls": "fail"})
    if where == "summary.compliance_pct":
        a["summary"]["compliance_pct"] = value
    elif where == "req.checks_status":
        a["requirements"][0]["checks_status"] = value
    else:
        a[where] = value
    for fmt in ("html", "md", "json", "sarif"):
        out = render(
            "report", fmt, {"schema": "secaudit.bundle/1", "assessment": a}, RenderOptions(lang="vi")
        )
        assert out
