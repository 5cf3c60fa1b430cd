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


def _probe_check(cid: str, status: str, probe: str, summary: str = "x") -> CheckResult:
    c = _c(cid, status, "high", summary)
    c.probe = probe
    return c


def _unreachable(http_error: str | None, ports_error: str | None = None) -> TargetResult:
    target = Target("https://a.vn:8443", "a.vn", 8443, address="127.0.0.9")
    checks = [
        _probe_check("tls.cert.trusted", "error", "tls", "Không kiểm tra được: refused"),
        _probe_check("tls.protocol.legacy_disabled", "error", "tls", "Không kiểm tra được: refused"),
        _probe_check("http.hsts", "error" if http_error else "fail", "http", "no HSTS"),
        _probe_check("ports.risky_services", "error" if ports_error else "pass", "ports", "nmap: y"),
    ]
    http = {"error": http_error} if http_error else {"https": {"status": 200}}
    ports = {"error": ports_error} if ports_error else {"open": []}
    observations = {"tls": {"error": "connection refused by 127.0.0.9:8443"}, "http": http, "ports": ports}
    return TargetResult(target, checks, observations)


def test_unreachable_target_is_one_line_not_one_error_per_check() -> None:
    result = ScanResult("level3", "t0", "t1", [_unreachable("target not reachable over HTTP(S): refused")])
    out = render_scan_table(result, "vi")
    errors = [line for line in out.splitlines() if "ERROR" in line.split()[:1]]
    assert errors == [
        "  ERROR  không kết nối được 127.0.0.9:8443 / cannot reach 127.0.0.9:8443: "
        "connection refused by 127.0.0.9:8443"
    ]
    assert "tls.cert.trusted" not in out and "http.hsts" not in out
    assert "3 lỗi" in out  # the totals still count every check (the JSON lists them all)
    assert (
        ScanResult("level3", "t0", "t1", result.targets).to_dict()["targets"][0]["checks"][0]["status"]
        == "error"
    )


def test_a_target_that_answered_over_http_keeps_its_check_lines() -> None:
    """The boundary: TLS refused but HTTP got an answer -> reachable, every error is shown."""
    result = ScanResult("level3", "t0", "t1", [_unreachable(None)])
    out = render_scan_table(result, "en")
    assert "cannot reach" not in out
    assert "tls.cert.trusted" in out and "tls.protocol.legacy_disabled" in out and "http.hsts" in out


def test_a_ports_error_of_another_cause_is_still_shown() -> None:
    tr = _unreachable("target not reachable over HTTP(S): refused", ports_error="nmap not found in PATH")
    out = render_scan_table(ScanResult("level3", "t0", "t1", [tr]), "en")
    assert out.count("cannot reach") == 1 and "ports.risky_services" in out
    tr = _unreachable("refused", ports_error="cannot resolve a.vn: no such name")
    out = render_scan_table(ScanResult("level3", "t0", "t1", [tr]), "en")
    assert "ports.risky_services" not in out  # the same cause: said once


def test_html_names_an_unreachable_target_once_and_keeps_its_checks() -> None:
    from secaudit.render.scan_html import render_scan_html

    down = render_scan_html(ScanResult("level3", "t0", "t1", [_unreachable("refused")]), "en")
    assert down.count("cannot reach 127.0.0.9:8443: connection refused by 127.0.0.9:8443") == 1
    assert "tls.cert.trusted" in down  # the page keeps every check's detail
    up = render_scan_html(ScanResult("level3", "t0", "t1", [_unreachable(None)]), "en")
    assert "cannot reach" not in up
