"""The terminal table: worst first (status, then severity), long summaries shortened, 80 columns."""

from __future__ import annotations

from secaudit.core.model import CheckResult, ScanResult, Target, TargetResult
from secaudit.render.scan_table import render_scan_table


def _c(cid: str, status: str, severity: str, summary: str = "x") -> CheckResult:
    return CheckResult(
        id=cid,
        status=status,
        severity=severity,
        summary={"vi": summary, "en": summary},
        evidence={},
        remediation={"vi": "sửa", "en": "fix"},
    )


def test_order_truncation_and_width() -> None:
    checks = [
        _c("a.low", "fail", "low"),
        _c("b.high", "fail", "high"),
        _c("c.warn", "warn", "medium"),
        _c("d.err", "error", "info"),
        _c("e.pass", "pass", "high"),
        _c("f.long", "fail", "medium", "chữ " * 400),
    ]
    result = ScanResult("level3", "t0", "t1", [TargetResult(Target("https://x.vn", "x.vn", 443), checks, {})])
    out = render_scan_table(result, "en")
    rows = [
        line.split()[1]
        for line in out.splitlines()
        if line.startswith("  ") and line.split()[0] in ("FAIL", "WARN", "ERROR")
    ]
    assert rows == ["b.high", "f.long", "a.low", "d.err", "c.warn"]
    assert "(full text: -v or --format json)" in " ".join(out.split()) and out.count("chữ") < 120
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "1 pass · 3 fail · 1 warn · 1 error" in out
    full = render_scan_table(result, "en", verbose=True)
    assert full.count("chữ") == 400 and "e.pass" in full
