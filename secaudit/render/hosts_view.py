"""The report's "servers" block (issue 14): the hosts a system declares, which have imported engine
results (engine, content, when it ran) and which have none (their host checks are errors)."""

from __future__ import annotations

from typing import Any

from secaudit.core import i18n

WORDS = {
    "vi": {
        "heading": "Máy chủ và kết quả rà soát được nhập",
        "intro": "Kết quả OpenSCAP/Lynis chỉ là bằng chứng cho máy chủ đã nhập; yêu cầu vẫn cần xác nhận "
        "cho mọi máy chủ trong phạm vi (docs/host-evidence.md).",
        "host": "Máy chủ",
        "results": "Kết quả đã nhập",
        "none": "chưa nhập kết quả (các kiểm tra máy chủ: lỗi)",
        "ran": "chạy lúc",
        "count": "{imported}/{declared} máy chủ đã nhập kết quả",
    },
    "en": {
        "heading": "Servers and imported audit results",
        "intro": "OpenSCAP/Lynis results are evidence for the imported servers only; the requirement still "
        "needs an attestation for every server in scope (docs/host-evidence.md).",
        "host": "Server",
        "results": "Imported results",
        "none": "no result imported (host checks: error)",
        "ran": "ran",
        "count": "{imported}/{declared} servers with imported results",
    },
}


def host_view(a: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """None when the system declares no host; bundles are untrusted input: read defensively."""
    system = a.get("system") if isinstance(a.get("system"), dict) else {}
    declared = [
        h for h in _list(system.get("hosts")) if isinstance(h, dict) and isinstance(h.get("name"), str)
    ]
    if not declared:
        return None
    obs_by_host: dict[str, Any] = {}
    for t in _list(a.get("targets")):
        if isinstance(t, dict) and str(t.get("target", "")).startswith("host://"):
            obs = (
                (t.get("observations") or {}).get("host") if isinstance(t.get("observations"), dict) else None
            )
            obs_by_host[str(t["target"])[len("host://") :]] = obs if isinstance(obs, dict) else {}
    w = WORDS.get(lang, WORDS["en"])
    rows = []
    for h in declared:
        imports = [i for i in _list((obs_by_host.get(h["name"]) or {}).get("imports")) if isinstance(i, dict)]
        results = [
            f"{i.get('engine', '?')} {i.get('engine_version', '')} · {_content(i)} "
            f"{i.get('content_version', '')} · {w['ran']} {i18n.moment(i.get('ran_at'), lang)} · "
            f"SHA-256 {str(i.get('sha256', ''))[:12]}…"
            for i in imports
        ]
        label = " · ".join(x for x in (h.get("os"), h.get("role")) if isinstance(x, str) and x)
        rows.append({"name": h["name"], "label": label, "results": results, "imported": bool(results)})
    n = sum(1 for r in rows if r["imported"])
    count = w["count"].replace("{imported}", str(n)).replace("{declared}", str(len(rows)))
    return {"T": w, "rows": rows, "count": count}


def _list(v: Any) -> list[Any]:
    """A signed field that should be a list (true, -1 or a string there must not end the report)."""
    return v if isinstance(v, list) else []


def _content(i: dict[str, Any]) -> str:
    return str(i.get("benchmark", "")).rsplit("_", 1)[-1]


def summary_count(s: dict[str, Any], lang: str) -> str:
    """A summary row's "1/2 servers with imported results" ("" when the system declares no server):
    ``s["hosts"]`` is province/host_coverage.py's field."""
    h = s.get("hosts") if isinstance(s.get("hosts"), dict) else None
    if not h or not isinstance(h.get("declared"), int) or not h["declared"]:
        return ""
    w = WORDS.get(lang, WORDS["en"])
    return (
        w["count"].replace("{imported}", str(h.get("imported", 0))).replace("{declared}", str(h["declared"]))
    )
