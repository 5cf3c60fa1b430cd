"""Vietnamese first (issue 11 point 4) and the terminal (point 6): formats, Click's own texts, no
recipient named in code or data, copyable lines never wrapped, "what changed" boundaries."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.core import i18n

ROOT = Path(__file__).resolve().parent.parent


def run(*args: Any, **kw: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


# --------------------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (20, "20,0\u00a0%", "20.0%"),
        (6.66, "6,7\u00a0%", "6.7%"),
        (100, "100,0\u00a0%", "100.0%"),
        (None, "—", "—"),
    ],
)
def test_percentages(value: Any, vi: str, en: str) -> None:
    assert i18n.pct(value, "vi") == vi and i18n.pct(value, "en") == en


def test_numbers_and_dates() -> None:
    assert i18n.number(1234567, "vi") == "1.234.567" and i18n.number(1234567, "en") == "1,234,567"
    assert i18n.day("2026-11-15") == "15/11/2026"
    # 17:30 UTC is already the next day in Vietnam (UTC+7)
    assert i18n.day("2026-11-15T17:30:00+00:00") == "16/11/2026"
    assert i18n.moment("2026-11-15T07:05:00Z", "vi") == "15/11/2026 14:05 (giờ Việt Nam, UTC+7)"
    assert i18n.moment("2026-11-15T07:05:00Z", "en").endswith("(Vietnam time, UTC+7)")
    words = {"pass": "đạt", "fail": "không đạt"}
    assert i18n.count_line({"pass": 17, "fail": 7, "error": 0}, "vi", words, ("pass", "fail", "error")) == (
        "17 đạt · 7 không đạt"
    )


# --------------------------------------------------------------------------- Click's own texts


def test_a_usage_error_is_one_bilingual_line_exit_2() -> None:
    res = run("scan", "--nosuch", prog_name="secaudit")
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines == [
        "secaudit scan: lỗi cú pháp / usage error: Không có tùy chọn / no such option '--nosuch'. "
        "(xem / see: secaudit scan --help)"
    ]
    res = run("nosuch")
    assert res.exit_code == 2 and "Không có lệnh / no such command 'nosuch'" in res.output
    assert "Usage:" not in res.output and "Error:" not in res.output


def test_help_is_vietnamese_first() -> None:
    out = run("report", "--help").output
    assert out.startswith("Cách dùng / usage: ")
    assert "Tùy chọn / options:" in out and "Hiện trợ giúp này rồi thoát" in out
    assert "Show this message and exit." not in out.replace("show this message and exit.", "")
    assert "[mặc định / default: html]" in out


def test_a_prompt_answered_with_end_of_input_is_not_aborted_in_english(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "province: P\nperiod: 2026\nagencies:\n  - id: a\n    name: A\n    systems:\n"
        "      - {id: s, name: S, level: 1, targets: ['https://127.0.0.1:9']}\n",
        encoding="utf-8",
    )
    res = run("attest", "wizard", "--inventory", inv, "--agency", "a", "--system", "s",
              "--attestations", tmp_path / "att", input="")  # fmt: skip
    assert "Aborted!" not in res.output and "Đã huỷ / aborted" in res.output
    assert res.exit_code == 1


def test_assess_help_points_at_a_minimal_inventory() -> None:
    out = run("assess", "--help").output
    assert "docs/inventory.md" in out and "province: Thừa Thiên Huế" in out and "agencies:" in out


def test_assess_warns_about_a_missing_key_before_scanning(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "province: P\nperiod: 2026\nagencies:\n  - id: a\n    name: A\n    systems:\n"
        "      - {id: s, name: S, level: 1, targets: ['https://127.0.0.177:9']}\n",
        encoding="utf-8",
    )
    res = run("assess", "--inventory", inv, "--probes", "http", "--timeout", "1", "--no-progress",
              "-o", tmp_path / "out")  # fmt: skip
    err = res.stderr.splitlines()
    warn = next(i for i, ln in enumerate(err) if "không có --key" in ln)
    scan = next(i for i, ln in enumerate(err) if "hệ thống/systems" in ln)
    assert warn < scan  # said before the scan starts
    en = run("assess", "--inventory", inv, "--probes", "http", "--timeout", "1", "--no-progress",
             "--lang", "en", "-o", tmp_path / "out2")  # fmt: skip
    assert "warning: no --key, the bundles will NOT be signed" in en.stderr
    assert "automated score" in en.stdout and "điểm tự động" in res.stdout


# --------------------------------------------------------------------------- the receiving authority


def test_no_text_names_the_former_department() -> None:
    """Since 01/03/2025 the provincial Sở TT&TT no longer exists: the recipient is data."""
    hits = []
    for folder in ("secaudit", "reports", "checklists", "profiles", "docs"):
        for p in (ROOT / folder).rglob("*"):
            if p.is_file() and p.suffix in (".py", ".yaml", ".j2", ".md", ".html", ".css", ".js"):
                text = p.read_text(encoding="utf-8", errors="replace")
                if re.search(r"Sở\s+TT\s*&\s*TT|Sở\s+TT&amp;TT|Sở Thông tin và Truyền thông", text):
                    hits.append(str(p.relative_to(ROOT)))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not hits and "Sở TT&TT" not in readme, hits


def test_inventory_authority_default_is_neutral(tmp_path: Path) -> None:
    from secaudit.config.inventory import DEFAULT_AUTHORITY, load_inventory

    inv = tmp_path / "inventory.yaml"
    base = "province: P\nperiod: 2026\nagencies:\n  - id: a\n    name: A\n    systems:\n"
    base += "      - {id: s, name: S, level: 1, targets: ['https://127.0.0.1:9']}\n"
    inv.write_text(base, encoding="utf-8")
    assert (
        load_inventory(inv).authority
        == DEFAULT_AUTHORITY
        == "cơ quan tiếp nhận báo cáo / receiving authority"
    )
    inv.write_text("authority: Công an tỉnh\n" + base, encoding="utf-8")
    assert load_inventory(inv).authority == "Công an tỉnh"
    inv.write_text("authority: [x]\n" + base, encoding="utf-8")
    res = run("assess", "--inventory", inv, "-o", tmp_path / "o")
    assert res.exit_code == 2 and "authority" in res.output


# --------------------------------------------------------------------------- the terminal


NGINX = 'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;'


def test_copyable_lines_are_never_wrapped() -> None:
    from secaudit.render.scan_table import fix_lines

    text = (
        "Gửi HSTS trên mọi phản hồi HTTPS (tối thiểu 180 ngày; khuyến nghị 2 năm rất dài dòng để xuống "
        f"dòng). nginx: `{NGINX}`. Apache: `SSLProtocol -all +TLSv1.2 +TLSv1.3`."
    )
    wrap = textwrap.TextWrapper(width=60, initial_indent=" " * 9, subsequent_indent=" " * 9)
    lines = fix_lines(text, "→ Cách khắc phục: ", wrap)
    assert " " * 13 + NGINX in lines  # whole, on its own line, wider than the 60 columns
    assert " " * 13 + "SSLProtocol -all +TLSv1.2 +TLSv1.3" in lines
    assert not any("`" in ln for ln in lines)
    prose = [ln for ln in lines if NGINX not in ln and "SSLProtocol" not in ln]
    assert all(len(ln) <= 60 for ln in prose)


def test_scan_table_shows_the_score() -> None:
    from secaudit.core.model import CheckResult, ScanResult, Target, TargetResult
    from secaudit.render.scan_table import render_scan_table

    checks = [
        CheckResult("a", "pass", "high", {"vi": "x", "en": "x"}, {}, {"vi": "", "en": ""}),
        CheckResult("b", "fail", "medium", {"vi": "y", "en": "y"}, {}, {"vi": f"nginx: `{NGINX}`", "en": ""}),
    ]
    result = ScanResult("level3", "t0", "t1", [TargetResult(Target("https://x.vn", "x.vn", 443), checks, {})])
    out = render_scan_table(result, "vi", width=60)
    assert "Điểm tự động: 62,5\u00a0% (bao phủ 100,0\u00a0%)" in out  # 5 of 8
    assert NGINX in out
    assert "1 đạt · 1 không đạt" in out
    assert "Automated score: 62.5% (coverage 100.0%)" in render_scan_table(result, "en")


# --------------------------------------------------------------------------- what changed: boundaries


@dataclass
class FakeDigest:
    statuses: dict[str, str]
    expiries: dict[str, str] = field(default_factory=dict)
    verified: bool = True
    score: dict[str, Any] = field(default_factory=dict)
    period: str = "2027"


def test_expiring_within_30_days_of_today_boundaries() -> None:
    from secaudit.province.changes import changes

    today = date(2027, 3, 1)
    d = FakeDigest(
        {"A": "pass", "B": "pass", "C": "pass", "D": "pass"},
        {"A": "2027-02-28", "B": "2027-03-01", "C": "2027-03-31", "D": "2027-04-01"},
    )
    agencies = [{"id": "ag", "systems": [{"id": "s"}]}]
    ch = changes(agencies, {("ag", "s"): d}, {}, today)["ag"]
    assert [x["requirement"] for x in ch["evidence_expired"]] == ["A"]  # the day before today
    assert [x["requirement"] for x in ch["evidence_expiring"]] == ["B", "C"]  # today .. today + 30
    later = changes(agencies, {("ag", "s"): d}, {}, date(2027, 4, 2))["ag"]
    assert [x["requirement"] for x in later["evidence_expired"]] == ["A", "B", "C", "D"]


def test_newly_failing_and_fixed() -> None:
    from secaudit.province.changes import changes

    w = {"passed": 5, "judged": 10, "error": 0}
    now = FakeDigest(
        {"A": "fail", "B": "pass", "C": "not_reviewed", "D": "fail"},
        score={"automated_score": 80.0, "score_weights": {"passed": 8, "judged": 10, "error": 0}},
    )
    prev = {("ag", "s"): {"period": "2026", "statuses": {"A": "pass", "B": "fail", "C": "fail", "D": "fail"},
                          "score_weights": w}}  # fmt: skip
    ch = changes([{"id": "ag", "systems": [{"id": "s"}]}], {("ag", "s"): now}, prev, date(2027, 1, 1))["ag"]
    assert ch["newly_failing"] == [{"system": "s", "requirement": "A", "before": "pass"}]
    assert ch["fixed"] == [
        {"system": "s", "requirement": "B", "now": "pass"},
        {"system": "s", "requirement": "C", "now": "not_reviewed"},
    ]
    assert (ch["score_before"], ch["score_after"], ch["score_change"]) == (50.0, 80.0, 30.0)


def test_probe_messages_in_our_own_words_on_vietnamese_pages() -> None:
    from secaudit.core.model import CheckResult, ScanResult, Target, TargetResult
    from secaudit.render.phrases import localise
    from secaudit.render.scan_html import render_scan_html

    en = "target not reachable over HTTP(S): TCP connection to 127.0.0.9:443 timed out after 2s"
    assert localise(en, "vi") == (
        "không truy cập được qua HTTP(S): kết nối TCP tới 127.0.0.9:443 quá thời gian chờ 2 giây"
    )
    assert localise(en, "en") == en  # the English page keeps the probe's words
    c = CheckResult("http.hsts", "error", "medium", {"vi": f"Không kiểm tra được: {en}", "en": en}, {}, {})
    result = ScanResult("level3", "t0", "t1", [TargetResult(Target("https://a.vn", "a.vn", 443), [c], {})])
    page = render_scan_html(result, "vi")
    assert "quá thời gian chờ 2 giây" in page and "timed out" not in page


@pytest.mark.parametrize(
    "command",
    [
        ["assess"], ["report"], ["scan"], ["summary"], ["verify"], ["keys", "generate"], ["review"],
        ["attest", "wizard"], ["attest", "export"], ["attest", "migrate"], ["checklist", "show"],
    ],
)  # fmt: skip
def test_every_command_that_prints_prose_takes_lang(command: list[str]) -> None:
    out = run(*command, "--help").output
    assert "--lang [vi|en]" in out, out


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ('add_header X-Frame-Options "SAMEORIGIN" always;', "block"),
        ("SSLProtocol -all +TLSv1.2 +TLSv1.3", "block"),
        ('<add name="X-Frame-Options" value="SAMEORIGIN" />', "block"),
        ("ssl_protocols TLSv1.2 TLSv1.3;", "block"),
        ("default-src 'self'", "inline"),
        ("Enabled=0", "inline"),
        ("stub_status", "inline"),
    ],
)
def test_which_code_is_a_line_to_copy(code: str, kind: str) -> None:
    from secaudit.render.fixes import parts

    assert parts(f"nginx: `{code}`. Then reload.")[1] == (kind, code)
