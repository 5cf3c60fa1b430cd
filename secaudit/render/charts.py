"""Chart geometry for the dashboard's inline SVG (no script, no external file): requirement status
per agency as stacked bars, the distribution of automated scores, agencies meeting per period.

Pure numbers for the templates. ``not_reviewed`` has its own colour (never the failure red): a
requirement awaiting an auditor is not a failure (DESIGN §10 "Scores and changes").
"""

from __future__ import annotations

from typing import Any

# Status order left to right, and their colours (the stylesheet's --ok / --bad / --warn).
STATUSES = ("pass", "fail", "error", "not_reviewed", "not_applicable")
COLOURS = {
    "pass": "#1a7f37",
    "fail": "#b42318",
    "error": "#b54708",
    "not_reviewed": "#4e5ba6",
    "not_applicable": "#98a2b3",
}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def status_bars(summary: dict[str, Any], width: int = 640, row: int = 22) -> dict[str, Any]:
    """One horizontal bar per agency: its systems' requirement counts by status, as shares."""
    label_w, bar_w = 230, width - 230 - 40
    rows = []
    for i, ag in enumerate(summary.get("agencies") or []):
        counts = dict.fromkeys(STATUSES, 0)
        for s in ag.get("systems") or []:
            for k, v in (s.get("counts") or {}).items():
                if k in counts and isinstance(v, int):
                    counts[k] += v
        total = sum(counts.values())
        x, segs = float(label_w), []
        for st in STATUSES:
            if not total or not counts[st]:
                continue
            w = bar_w * counts[st] / total
            seg = {"status": st, "x": round(x, 1), "w": round(w, 1), "n": counts[st], "fill": COLOURS[st]}
            segs.append(seg)
            x += w
        name = ag.get("name") or ag.get("id")
        rows.append({"name": name, "y": i * row + 4, "h": row - 6, "segs": segs, "total": total})
    return {
        "rows": rows,
        "width": width,
        "height": max(1, len(rows)) * row + 8,
        "label_w": label_w,
        "legend": [{"status": st, "fill": COLOURS[st]} for st in STATUSES],
    }


def score_histogram(summary: dict[str, Any], width: int = 480, height: int = 170) -> dict[str, Any]:
    """Systems per automated-score band (0–9, 10–19, …, 90–100); empty when no system has a score."""
    scores = [
        v
        for ag in summary.get("agencies") or []
        for s in ag.get("systems") or []
        if (v := _num(s.get("automated_score"))) is not None
    ]
    if not scores:
        return {"bars": [], "width": width, "height": height, "n": 0}
    bins = [0] * 10
    for v in scores:
        bins[min(9, max(0, int(v // 10)))] += 1
    top = max(bins)
    slot = width / 10
    bars = []
    for i, n in enumerate(bins):
        h = (height - 40) * n / top if top else 0
        bars.append(
            {
                "x": round(i * slot + slot * 0.1, 1),
                "w": round(slot * 0.8, 1),
                "y": round(height - 22 - h, 1),
                "h": round(h, 1),
                "n": n,
                "label": f"{i * 10}–{i * 10 + 9 if i < 9 else 100}",
                "cx": round(i * slot + slot / 2, 1),
                "fill": "#1a7f37" if i >= 9 else ("#b54708" if i >= 5 else "#b42318"),
            }
        )
    return {"bars": bars, "width": width, "height": height, "n": len(scores)}


def agency_score(agency: dict[str, Any]) -> float | None:
    """The agency's automated score as the summary gives it, else the mean over its systems."""
    own = _num(agency.get("automated_score"))
    if own is not None:
        return own
    vals = [v for s in agency.get("systems") or [] if (v := _num(s.get("automated_score"))) is not None]
    return round(sum(vals) / len(vals), 1) if vals else None
