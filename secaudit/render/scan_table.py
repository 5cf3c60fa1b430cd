"""Terminal table of a scan: grouped by target, worst first, readable in 80 columns."""

from __future__ import annotations

import textwrap

import click

from secaudit.core.model import ScanResult, TargetResult, text

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

    wrap = textwrap.TextWrapper(width=width, initial_indent=" " * 9, subsequent_indent=" " * 9)
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


def _one_line(reason: str, verbose: bool) -> str:
    reason = " ".join(reason.split())
    return reason if verbose or len(reason) <= MAX_SUMMARY else reason[:MAX_SUMMARY].rstrip() + " …"
