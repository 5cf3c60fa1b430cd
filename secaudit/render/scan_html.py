"""HTML rendering of one scan: self-contained, autoescaped (server-sent text is never markup)."""

from __future__ import annotations

from pathlib import Path

from secaudit.core.i18n import moment, pct
from secaudit.core.model import ScanResult, TargetResult, text
from secaudit.render.fixes import parts
from secaudit.render.phrases import localise
from secaudit.render.report_tiers import evidence_rows

ORDER = ("fail", "error", "warn", "pass", "not_applicable")
LABELS = {
    "vi": {
        "title": "Kết quả quét an toàn thông tin",
        "profile": "Hồ sơ",
        "started": "Bắt đầu",
        "finished": "Kết thúc",
        "fix": "Cách khắc phục",
        "evidence": "Bằng chứng thu thập",
        "score": "Điểm kiểm tra tự động",
        "coverage": "mức bao phủ",
        "item": "Mục",
        "value": "Giá trị",
        "st_fail": "KHÔNG ĐẠT",
        "st_error": "LỖI KIỂM TRA",
        "st_warn": "CẢNH BÁO",
        "st_pass": "ĐẠT",
        "st_not_applicable": "KHÔNG ÁP DỤNG",
        "severity": "Mức độ",
        "sev_critical": "nghiêm trọng",
        "sev_high": "cao",
        "sev_medium": "trung bình",
        "sev_low": "thấp",
        "sev_info": "thông tin",
        "ok": "Không có kiểm tra nào không đạt.",
        "bad": "Có kiểm tra không đạt: xem cách khắc phục.",
        "incomplete": "Chưa kiểm tra được đầy đủ: xem lý do lỗi.",
        "footer": "Chỉ là kết quả kiểm tra từ bên ngoài; các yêu cầu quản lý cần bằng chứng riêng.",
    },
    "en": {
        "title": "Security scan results",
        "profile": "Profile",
        "started": "Started",
        "finished": "Finished",
        "fix": "How to fix",
        "evidence": "Evidence collected",
        "score": "Automated score",
        "coverage": "coverage",
        "item": "Item",
        "value": "Value",
        "st_fail": "FAIL",
        "st_error": "ERROR",
        "st_warn": "WARN",
        "st_pass": "PASS",
        "st_not_applicable": "N/A",
        "severity": "Severity",
        "sev_critical": "critical",
        "sev_high": "high",
        "sev_medium": "medium",
        "sev_low": "low",
        "sev_info": "info",
        "ok": "No check failed.",
        "bad": "Some checks failed: see how to fix them.",
        "incomplete": "Incomplete: see the error reasons.",
        "footer": "External checks only; management requirements need their own evidence.",
    },
}


def render_scan_html(result: ScanResult, lang: str = "vi", templates: Path | None = None) -> str:
    # The report pages' environment: a user's --templates copy is sandboxed and its faults are
    # InputErrors naming the file, the same as every other HTML page.
    from secaudit.render.html import _render, environment, load_css, template

    env = environment(templates)
    tmpl = template(env, "scan.html.j2", templates)
    L = LABELS[lang]
    scan = result.to_dict()
    totals = {st: 0 for st in ORDER}
    targets = []
    for tr in result.targets:
        checks = []
        for c in sorted(tr.checks, key=lambda c: (ORDER.index(c.status) if c.status in ORDER else 9, c.id)):
            totals[c.status] = totals.get(c.status, 0) + 1
            checks.append(
                {
                    "id": c.id,
                    "status": c.status,
                    "severity": c.severity,
                    "title": text(c.title, lang),
                    "summary": localise(text(c.summary, lang), lang),
                    "remediation": text(c.remediation, lang),
                    "fix_parts": parts(text(c.remediation, lang)),
                    "evidence": evidence_rows(c.evidence, lang),
                }
            )
        targets.append(
            {
                "target": tr.target.raw,
                "host": tr.target.host,
                "port": tr.target.port,
                "address": tr.target.address,
                "checks": checks,
                "unreachable": _unreachable_line(tr),
                "score": pct(tr.score()["automated_score"], lang),
                "coverage": pct(tr.score()["score_coverage"], lang),
            }
        )
    overall = result.score()
    verdict = L["bad"] if totals["fail"] else L["incomplete"] if totals["error"] else L["ok"]
    css = load_css(templates)
    return _render(
        tmpl,
        "scan.html.j2",
        templates,
        L=L,
        lang=lang,
        scan=scan,
        targets=targets,
        totals=totals,
        order=ORDER,
        verdict=verdict,
        css=css,
        score=pct(overall["automated_score"], lang),
        coverage=pct(overall["score_coverage"], lang),
        started=moment(scan["started_at"], lang),
        finished=moment(scan["finished_at"], lang),
    )


def _unreachable_line(tr: TargetResult) -> str | None:
    """The scan table's one line for a target that could not be reached (the checks follow)."""
    from secaudit.render.scan_table import UNREACHABLE, unreachable_reason

    reason = unreachable_reason(tr)
    if not reason:
        return None
    addr = tr.target.connect_address
    where = f"[{addr}]:{tr.target.port}" if ":" in addr else f"{addr}:{tr.target.port}"
    return UNREACHABLE.format(where=where, reason=reason)
