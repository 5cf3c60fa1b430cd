"""Remediation texts as prose and copyable code, and the de-duplicated to-do list of a report.

Remediation texts (secaudit/checks/**/*.yaml) mark configuration lines with backticks. Renderers must
not show the backticks: HTML draws a code line as a copyable ``<pre><code>`` block, Markdown as a
fenced block, the terminal on a line of its own that is never wrapped.
"""

from __future__ import annotations

import re
from typing import Any

_CODE = re.compile(r"`([^`]+)`")
BLOCK_MIN = 28  # shorter spans (a file name, ``Enabled=0``, ``default-src 'self'``) stay inline
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4, "": 5}


def parts(text: str) -> list[tuple[str, str]]:
    """[("text", …), ("inline", …), ("block", …)…] in reading order; ``block`` = a line to copy."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _CODE.finditer(text or ""):
        if m.start() > pos:
            out.append(("text", text[pos : m.start()]))
        code = m.group(1).strip()
        out.append(("block" if _is_line(code) else "inline", code))
        pos = m.end()
    if pos < len(text or ""):
        out.append(("text", text[pos:]))
    # A sentence's full stop after a line to copy would stand alone under its block: drop it.
    for i in range(1, len(out)):
        if out[i][0] == "text" and out[i - 1][0] == "block":
            out[i] = ("text", out[i][1].lstrip(" .,;"))
    return [(k, v) for k, v in out if v.strip() or k != "text"]


def _is_line(code: str) -> bool:
    """A configuration line to copy: a directive (``…;``), a markup element, or a long command."""
    return code.endswith(";") or code.startswith("<") or (len(code) >= BLOCK_MIN and " " in code)


def plain(text: str) -> str:
    """The text without its backticks (for a one-line cell)."""
    return _CODE.sub(lambda m: m.group(1), text or "")


def todo(failing: list[dict[str, Any]], to_review: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One entry per distinct fix: a failing (or warning) check's remediation, with every target and
    requirement it clears; then one entry per requirement awaiting evidence. Severity first."""
    by_fix: dict[tuple[str, str], dict[str, Any]] = {}
    for q in failing:
        for c in q.get("checks") or []:
            if c.get("status") not in ("fail", "warn") or not c.get("remediation"):
                continue
            key = (str(c.get("id")), c["remediation"])
            e = by_fix.setdefault(
                key,
                {
                    "kind": "fix",
                    "check": c.get("id"),
                    "title": c.get("title") or c.get("id"),
                    "severity": c.get("severity") or "",
                    "status": c.get("status"),
                    "remediation": c["remediation"],
                    "parts": parts(c["remediation"]),
                    "targets": [],
                    "requirements": [],
                },
            )
            if c.get("status") == "fail":
                e["status"] = "fail"
            if c.get("target") not in e["targets"]:
                e["targets"].append(c.get("target"))
            label = {"id": q.get("id"), "title": q.get("title"), "section": q.get("section")}
            if label not in e["requirements"]:
                e["requirements"].append(label)
    fixes = sorted(
        by_fix.values(),
        key=lambda e: (
            e["status"] != "fail",
            SEVERITY_RANK.get(e["severity"], 5),
            -len(e["targets"]),
            e["check"],
        ),
    )
    manual = []
    providers: dict[str, dict[str, Any]] = {}
    for q in failing + to_review:
        if q.get("checks") and q.get("status") == "fail":
            continue  # its checks' fixes are listed above
        src = q.get("inherited_from") or {}
        if src.get("provider") and src.get("status") not in (None, "pass", "not_applicable"):
            _provider_item(providers, src, q)  # the provider's answer: one item per provider
            continue
        manual.append(
            {
                "kind": "evidence" if q.get("status") == "not_reviewed" else "attested_fail",
                "check": None,
                "title": q.get("title"),
                "severity": "",
                "status": q.get("status"),
                "remediation": q.get("look_for") or "",
                "parts": parts(q.get("look_for") or ""),
                "targets": [],
                "requirements": [{"id": q.get("id"), "title": q.get("title"), "section": q.get("section")}],
                "checks_status": q.get("checks_status"),
            }
        )
    manual.sort(key=lambda e: (e["kind"] != "attested_fail", str(e["requirements"][0]["id"])))
    return fixes + manual + list(providers.values())


def _provider_item(items: dict[str, dict[str, Any]], src: dict[str, Any], q: dict[str, Any]) -> None:
    """Requirements inherited from a provider whose answer does not pass (issue 14): the agency asks
    the provider, once for all of them, rather than answering each itself."""
    name = str(src.get("name") or src.get("provider"))
    e = items.setdefault(
        str(src["provider"]),
        {
            "kind": "provider",
            "check": None,
            "title": name,
            "severity": "",
            "status": "not_reviewed",
            "remediation": "",
            "parts": [],
            "targets": [],
            "requirements": [],
            "who": name,
        },
    )
    if src.get("status") == "fail":
        e["status"] = "fail"
    e["requirements"].append({"id": q.get("id"), "title": q.get("title"), "section": q.get("section")})
