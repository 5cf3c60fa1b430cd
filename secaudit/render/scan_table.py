"""Terminal table of a scan: grouped by target, worst first, readable in 80 columns."""

from __future__ import annotations

import textwrap

import click

from secaudit.core.model import ScanResult, TargetResult, text
from secaudit.render.phrases import localise

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
        "score": "Điểm tự động",
        "fix": "Cách khắc phục",
        "verdict_ok": "Không có kiểm tra nào KHÔNG ĐẠT.",
        "verdict_fail": "Có kiểm tra KHÔNG ĐẠT: xem mục FAIL và cách khắc phục.",
        "verdict_err": "Chưa kiểm tra được đầy đủ (ERROR): xem lý do.",
    },
    "en": {
        "total": "Total",
        "score": "Automated score",
        "fix": "How to fix",
        "verdict_ok": "No check failed.",
        "verdict_fail": "Some checks FAILED: see the FAIL rows and how to fix them.",
        "verdict_err": "Incomplete (ERROR): see the reasons.",
    },
}


WORDS = {
    "vi": {
        "pass": "đạt",
        "fail": "không đạt",
        "warn": "cảnh báo",
        "error": "lỗi",
        "not_applicable": "không áp dụng",
    },
    "en": {"pass": "pass", "fail": "fail", "warn": "warn", "error": "error", "not_applicable": "n/a"},
}


CONNECTING_PROBES = ("tls", "http")  # probes that talk to the service itself (ports only knocks)
UNREACHABLE = "không kết nối được {where} / cannot reach {where}: {reason}"


def unreachable_reason(tr: TargetResult) -> str | None:
    """Why the target could not be reached at all: every connecting probe that ran failed to talk
    to it (refused, silent, stalled, DNS, not TLS...). None when any of them got an answer."""
    reasons = []
    for name in CONNECTING_PROBES:
        obs = tr.observations.get(name)
        if obs is None:
            continue
        err = obs.get("error") if isinstance(obs, dict) else None
        if not err or str(err).startswith(f"{name} probe failed"):
            return None  # it answered (or our own bug, which the per-check errors show)
        reasons.append(str(err))
    return reasons[0] if reasons else None


def _folded_probes(tr: TargetResult) -> set[str]:
    """Probes whose errors the unreachable line stands for: the connecting ones, and ports when
    its error has the same cause (the name does not resolve)."""
    folded = set(CONNECTING_PROBES) | {""}
    ports = tr.observations.get("ports")
    if isinstance(ports, dict) and str(ports.get("error", "")).startswith("cannot resolve"):
        folded.add("ports")
    return folded


def render_scan_table(
    result: ScanResult, lang: str = "vi", color: bool = False, width: int = 80, verbose: bool = False
) -> str:
    h = HEAD[lang]
    out: list[str] = []

    def style(s: str, **kw: object) -> str:
        return click.style(s, **kw) if color else s  # type: ignore[arg-type]

    # Words are never split at hyphens or inside (a flag such as -all+TLSv1.2 stays whole).
    wrap = textwrap.TextWrapper(
        width=width,
        initial_indent=" " * 9,
        subsequent_indent=" " * 9,
        break_on_hyphens=False,
        break_long_words=False,
    )
    totals: dict[str, int] = {}
    for tr in result.targets:
        addr = tr.target.connect_address
        where = f"[{addr}]:{tr.target.port}" if ":" in addr else f"{addr}:{tr.target.port}"
        out.append(style(f"{tr.target.raw}", bold=True) + f"  ({where})")
        # Unreachable: one line for the target, not one ERROR per check (the JSON keeps them all).
        reason = unreachable_reason(tr)
        folded = _folded_probes(tr) if reason else set()
        if reason:
            label = style(f"{LABELS['error']:<6}", fg=COLORS["error"], bold=True)
            # one physical line, never wrapped: scripts grep for "cannot reach HOST:PORT"
            out.append(f"  {label} " + UNREACHABLE.format(where=where, reason=_one_line(reason, verbose)))
        for c in sorted(
            tr.checks, key=lambda c: (STATUS_ORDER.get(c.status, 9), SEVERITY_ORDER.get(c.severity, 9), c.id)
        ):
            totals[c.status] = totals.get(c.status, 0) + 1
            if c.status in ("pass", "not_applicable") and not verbose:
                continue
            if reason and c.status == "error" and c.probe in folded:
                continue  # said once above
            label = style(f"{LABELS.get(c.status, c.status):<6}", fg=COLORS.get(c.status), bold=True)
            out.append(f"  {label} {c.id}  [{c.severity}]")
            summary = localise(text(c.summary, lang), lang)
            if len(summary) > MAX_SUMMARY and not verbose:  # the JSON/HTML keep every detail
                summary = summary[:MAX_SUMMARY].rstrip() + " … " + MORE[lang]
            out.extend(wrap.wrap(summary))
            if c.status in ("fail", "warn"):
                out.extend(fix_lines(text(c.remediation, lang), f"→ {h['fix']}: ", wrap))
        passed = sum(1 for c in tr.checks if c.status == "pass")
        if passed and not verbose:
            label = "kiểm tra đạt" if lang == "vi" else "checks passed"
            out.append(style(f"  PASS   {passed} ", fg="green") + label)
        out.append(f"  {h['score']}: {score_text(tr.score(), lang)}")
        out.append("")
    summary = " · ".join(f"{totals.get(s, 0)} {WORDS[lang].get(s, s)}" for s in ORDER)
    out.append(f"{h['total']}: {summary}")
    out.append(style(f"{h['score']}: {score_text(result.score(), lang)}", bold=True))
    if totals.get("fail"):
        out.append(style(h["verdict_fail"], fg="red", bold=True))
    elif totals.get("error"):
        out.append(style(h["verdict_err"], fg="magenta", bold=True))
    else:
        out.append(style(h["verdict_ok"], fg="green", bold=True))
    return "\n".join(out) + "\n"


def score_text(score: dict[str, object], lang: str) -> str:
    """ "85,0 % (bao phủ 100,0 %)": the automated score and the share of the weight that was judged."""
    from secaudit.core.i18n import pct

    cov = "bao phủ" if lang == "vi" else "coverage"
    return f"{pct(score.get('automated_score'), lang)} ({cov} {pct(score.get('score_coverage'), lang)})"


def fix_lines(remediation: str, lead: str, wrap: textwrap.TextWrapper) -> list[str]:
    """The remediation: prose wrapped, each configuration line on a line of its own, never wrapped
    (a terminal copy must paste the exact line)."""
    from secaudit.render.fixes import parts

    out: list[str] = []
    prose = lead
    for kind, s in parts(" ".join(remediation.split())):
        if kind == "block":
            if prose.strip():
                out.extend(wrap.wrap(prose))
            out.append(" " * 13 + s)
            prose = ""
        else:
            prose += s
    if prose.strip() and prose.strip() != lead.strip():
        out.extend(wrap.wrap(prose))
    return out


def _one_line(reason: str, verbose: bool) -> str:
    reason = " ".join(reason.split())
    return reason if verbose or len(reason) <= MAX_SUMMARY else reason[:MAX_SUMMARY].rstrip() + " …"
