"""CSV rendering of the province summary: one row per declared system."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = [
    "period",
    "agency_id",
    "agency_name",
    "agency_meets_target",
    "system_id",
    "system_name",
    "level",
    "status",
    "verified",
    "meets_level",
    "meets_target",
    "compliance_pct",
    "pass",
    "fail",
    "not_reviewed",
    "not_applicable",
    "error",
    "failing",
    "not_reviewed_ids",
    "file",
    # the successor regime (empty when no bundle carries an assessment under it)
    "new_regime_profile",
    "new_regime_meets_level",
    "new_regime_compliance_pct",
    "new_regime_failing",
    "new_regime_not_reviewed",
    # DESIGN §10 "Trust": what re-judging the verified bundle found
    "trust",
    "differing",
    "profile_problems",
    "rejudged_under",
    "reason",
    # DESIGN §10 "Scores and changes" (re-judged figures; changes since the compared period)
    "automated_score",
    "score_coverage",
    "agency_automated_score",
    "previous_period",
    "newly_failing",
    "fixed",
    "evidence_expired",
    "evidence_expiring",
    "agency_score_before",
    "agency_score_after",
    # issue 14: declared servers and those with imported results; attested vs reviewed answers
    # (re-judged; the agency's totals beside); requirements inherited from shared infrastructure,
    # each "provider:REQ=status" with the provider's verdict over every system that inherits it
    "hosts_declared",
    "hosts_imported",
    "hosts_without_results",
    "attested",
    "reviewed",
    "agency_attested",
    "agency_reviewed",
    "inherited",
    "warnings",  # DESIGN §3: a warn check's warning is carried into every report ("check (target)")
]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(v: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with ' (CSV injection)."""
    if isinstance(v, str) and v.startswith(_FORMULA):
        return "'" + v
    return v


def rows(summary: dict[str, Any]) -> list[list[Any]]:
    out = []
    new = {
        (a["id"], s["id"]): s
        for a in (summary.get("regimes") or {}).get("agencies", [])
        for s in a["systems"]
        if s["assessed"]
    }
    for a in summary["agencies"]:
        for s in a["systems"]:
            c = s.get("counts") or {}
            n = new.get((a["id"], s["id"]))
            out.append(
                [
                    summary["period"],
                    a["id"],
                    a["name"],
                    a["meets_target"],
                    s["id"],
                    s["name"],
                    s["level"],
                    s["status"],
                    s["verified"],
                    s["meets_level"],
                    s["meets_target"],
                    s["compliance_pct"],
                    *(c.get(k) for k in ("pass", "fail", "not_reviewed", "not_applicable", "error")),
                    ";".join(s["failing"]),
                    ";".join(s["not_reviewed"]),
                    s.get("file"),
                    *(
                        (
                            n["profile"],
                            n["meets_level"],
                            n["compliance_pct"],
                            ";".join(n["failing"]),
                            ";".join(n["not_reviewed"]),
                        )
                        if n
                        else (None,) * 5
                    ),
                    s.get("trust"),
                    ";".join(s.get("differing") or []),
                    "; ".join(s.get("profile_problems") or []),
                    s.get("rejudged_under"),
                    s.get("reason") or None,
                    *_scores(summary, a, s),
                    *_issue14(summary, a, s),
                    ";".join(s.get("warnings") or []),
                ]
            )
    return out


def _scores(summary: dict[str, Any], a: dict[str, Any], s: dict[str, Any]) -> list[Any]:
    ch = (summary.get("changes") or {}).get(a["id"]) or {}

    def ids(key: str) -> str:
        return ";".join(x["requirement"] for x in ch.get(key) or [] if x.get("system") == s["id"])

    return [
        s.get("automated_score"),
        s.get("score_coverage"),
        a.get("automated_score"),
        ch.get("previous_period"),
        *(ids(k) for k in ("newly_failing", "fixed", "evidence_expired", "evidence_expiring")),
        ch.get("score_before"),
        ch.get("score_after"),
    ]


def _issue14(summary: dict[str, Any], a: dict[str, Any], s: dict[str, Any]) -> list[Any]:
    h = s.get("hosts") if isinstance(s.get("hosts"), dict) else {}
    rv, arv = s.get("reviews") or {}, a.get("reviews") or {}
    inherited = []
    for p in summary.get("providers") or []:
        for r in p.get("requirements") or []:
            if f"{a['id']}/{s['id']}" in (r.get("systems") or []):
                inherited.append(f"{p['id']}:{r['id']}={r.get('status') or 'unknown'}")
    return [
        h.get("declared"),
        h.get("imported"),
        ";".join(h.get("without_results") or []),
        rv.get("attested") if s.get("reviews") is not None else None,
        rv.get("reviewed") if s.get("reviews") is not None else None,
        arv.get("attested"),
        arv.get("reviewed"),
        ";".join(inherited),
    ]


def render_summary(summary: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows(summary):
        w.writerow(["" if v is None else cell(v) for v in r])
    return buf.getvalue()
