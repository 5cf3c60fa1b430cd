"""Terminal table of a scan: grouped by target, worst first, readable in 80 columns."""

from __future__ import annotations

import textwrap

import click

from secaudit.core.model import ScanResult, text

STATUS_ORDER = {"fail": 0, "error": 1, "warn": 2, "pass": 3, "not_applicable": 4}
LABELS = {"fail": "FAIL", "error": "ERROR", "warn": "WARN", "pass": "PASS", "not_applicable": "N/A"}
COLORS = {
    "fail": "red",
    "error": "magenta",
    "warn": "yellow",
    "pass": "green",
    "not_applicable": "bright_black",
}
ORDER = ("pass", "fail", "warn", "error", "not_applicable")
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
MAX_SUMMARY = 400
MORE = {"vi": "(xem đầy đủ: -v hoặc --format json)", "en": "(full text: -v or --format json)"}
HEAD = {
    "vi": {
        "total": "Tổng",
        "fix": "Cách khắc phục",
        "verdict_ok": "Không có kiểm tra nào KHÔNG ĐẠT.",
        "verdict_fail": "Có kiểm tra KHÔNG ĐẠT: xem mục FAIL và cách khắc phục.",
        "verdict_err": "Chưa kiểm tra được đầy đủ (ERROR): xem lý do.",
    },
    "en": {
        "total": "Total",
        "fix": "How to fix",
        "verdict_ok": "No check failed.",
        "verdict_fail": "Some checks FAILED: see the FAIL rows and how to fix them.",
        "verdict_err": "Incomplete (ERROR): see the reasons.",
    },
}


def render_scan_table(
    result: ScanResult, lang: str = "vi", color: bool = False, width: int = 80, verbose: bool = False
) -> str:
    h = HEAD[lang]
    out: list[str] = []

    def style(s: str, **kw: object) -> str:
        return click.style(s, **kw) if color else s  # type: ignore[arg-type]

    wrap = textwrap.TextWrapper(width=width, initial_indent=" " * 9, subsequent_indent=" " * 9)
    totals: dict[str, int] = {}
    for tr in result.targets:
        addr = tr.target.connect_address
        where = f"[{addr}]:{tr.target.port}" if ":" in addr else f"{addr}:{tr.target.port}"
        out.append(style(f"{tr.target.raw}", bold=True) + f"  ({where})")
        for c in sorted(
            tr.checks, key=lambda c: (STATUS_ORDER.get(c.status, 9), SEVERITY_ORDER.get(c.severity, 9), c.id)
        ):
            totals[c.status] = totals.get(c.status, 0) + 1
            if c.status in ("pass", "not_applicable") and not verbose:
                continue
            label = style(f"{LABELS.get(c.status, c.status):<6}", fg=COLORS.get(c.status), bold=True)
            out.append(f"  {label} {c.id}  [{c.severity}]")
            summary = text(c.summary, lang)
            if len(summary) > MAX_SUMMARY and not verbose:  # the JSON/HTML keep every detail
                summary = summary[:MAX_SUMMARY].rstrip() + " … " + MORE[lang]
            out.extend(wrap.wrap(summary))
            if c.status in ("fail", "warn"):
                fix = text(c.remediation, lang).strip().splitlines()
                if fix:
                    out.extend(wrap.wrap(f"→ {h['fix']}: {fix[0]}"))
        passed = sum(1 for c in tr.checks if c.status == "pass")
        if passed and not verbose:
            label = "kiểm tra đạt" if lang == "vi" else "checks passed"
            out.append(style(f"  PASS   {passed} ", fg="green") + label)
        out.append("")
    summary = " · ".join(f"{totals.get(s, 0)} {s}" for s in ORDER)
    out.append(f"{h['total']}: {summary}")
    if totals.get("fail"):
        out.append(style(h["verdict_fail"], fg="red", bold=True))
    elif totals.get("error"):
        out.append(style(h["verdict_err"], fg="magenta", bold=True))
    else:
        out.append(style(h["verdict_ok"], fg="green", bold=True))
    return "\n".join(out) + "\n"
