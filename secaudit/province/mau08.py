"""Mẫu 08 (NĐ 331/2026, Appendix): the owner's annual cybersecurity report, as data.

Part 1 totals, Part 3's 12-column table per owner (from the inventory, with what the bundles show),
the per-requirement annex (research/tcvn14423.md §9.3 [I]) and the consistency checks of §9.3.
Pure: built from the summary JSON, its digests and the inventory view; renderers only lay it out.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from secaudit.config.inventory import APPROVAL_STATUSES, CHECK_TYPES, DEPLOYMENTS
from secaudit.core.reasons import MEETS_LEVEL_WORDS
from secaudit.province.digest import Digest, requirement_texts, shipped_catalog
from secaudit.province.summary import new_regime_entry

# Part 3 columns (1)-(12), in the form's order and wording (vi, en).
COLUMNS = [
    ("STT", "No."),
    ("Tên hệ thống thông tin", "System"),
    ("Chủ quản", "Owner"),
    ("Đơn vị vận hành", "Operator"),
    ("Cấp độ đề xuất", "Proposed level"),
    ("Tình trạng phê duyệt hồ sơ đề xuất cấp độ", "Approval status"),
    ("Quyết định phê duyệt (số, ngày, người phê duyệt)", "Approval decision (number, date, approver)"),
    ("Quyết định ban hành Quy chế (số, ngày, người ban hành)", "Quy chế decision (number, date, issuer)"),
    ("Thời gian dự kiến được phê duyệt", "Expected approval date"),
    ("Tình trạng triển khai phương án", "Plan deployment"),
    ("Thời gian dự kiến triển khai đầy đủ", "Expected full-deployment date"),
    ("Kiểm tra, đánh giá", "Checked / assessed"),
]
ANNEX_COLUMNS = [
    ("STT", "No."),
    ("Hệ thống", "System"),
    ("Điều khoản", "Clause"),
    ("Yêu cầu", "Requirement"),
    ("Đáp ứng", "Met / not met"),
    ("Thời gian dự kiến hoàn thành", "Planned date"),
    ("Chủ quản", "Owner"),
]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MET = "Đáp ứng đầy đủ"
NOT_MET = {
    "fail": "Chưa đáp ứng đầy đủ (không đạt)",
    "not_reviewed": "Chưa đáp ứng đầy đủ (chưa có bằng chứng)",
    "error": "Chưa đáp ứng đầy đủ (chưa kiểm tra được)",
}


def vn_date(iso: str | None) -> str:
    """YYYY-MM-DD -> DD/MM/YYYY ("" for none; other text, e.g. a bundle's odd assessed_at, as is)."""
    if not iso:
        return ""
    if not _ISO_DATE.match(iso):
        return iso
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _decision(dec: dict[str, str] | None, who: str) -> str:
    if not dec:
        return ""
    parts = []
    if dec.get("number"):
        parts.append(f"Số {dec['number']}")
    if dec.get("date"):
        parts.append(f"ngày {vn_date(dec['date'])}")
    if dec.get(who):
        parts.append(dec[who])
    return ", ".join(parts)


def _dates(period: str, reporting: dict[str, Any]) -> dict[str, str]:
    """The reporting period and deadlines with years when the period is a year (15/12/2025-14/12/2026)."""
    year = int(period) if period.isdigit() else None

    def with_year(dm: str, y: int | None) -> str:
        d, m = dm.split("/")
        return f"{int(d):02d}/{int(m):02d}" + (f"/{y}" if y else "")

    def key(dm: str) -> tuple[int, int]:
        d, m = dm.split("/")
        return int(m), int(d)

    # 15/12-14/12: the period starts in the previous year when its start comes later in the year.
    start_y = year - 1 if year and key(reporting["period_start"]) > key(reporting["period_end"]) else year
    return {
        "period_from": with_year(reporting["period_start"], start_y),
        "period_to": with_year(reporting["period_end"], year),
        "internal_deadline": with_year(reporting["internal_deadline"], year),
        "national_deadline": with_year(reporting["national_deadline"], year),
    }


def _problem(code: str, row: dict[str, Any] | None, **params: Any) -> dict[str, Any]:
    """One consistency problem; its text is data (report_strings.yaml, mau08.checks)."""
    from secaudit.core.resources import package_file
    from secaudit.core.yamlio import load_yaml
    from secaudit.render.views import t

    label = (load_yaml(package_file("data/mau08_check_titles.yaml")) or {}).get(code) or {}
    return {
        "code": code,
        "label": {"vi": label.get("vi") or code, "en": label.get("en") or code},  # never the bare id
        "owner": row["owner"] if row else "",
        "system": row["system"] if row else "",
        "row": row["no"] if row else None,
        "vi": t(f"mau08.checks.{code}", "vi", **_in_lang(params, "vi")),
        "en": t(f"mau08.checks.{code}", "en", **_in_lang(params, "en")),
    }


def _in_lang(params: dict[str, Any], lang: str) -> dict[str, Any]:
    ids = params.get("ids")
    if isinstance(ids, str) and "meets_level" in ids:
        return params | {"ids": ids.replace("meets_level", MEETS_LEVEL_WORDS[lang])}
    return params


def build(summary: dict[str, Any], digests: list[Digest], inventory: dict[str, Any]) -> dict[str, Any]:
    """The Mẫu 08 view: header, part1, owners (Part 2 + Part 3 rows), annex, problems."""
    by_file = {d.file: d for d in digests if not d.error}
    # the first digest naming a requirement with a title (its own or its catalogue's)
    meta = {rid: title for rid, (title, _group) in requirement_texts(digests, titled=True).items()}
    chosen = {(a["id"], s["id"]): s for a in summary["agencies"] for s in a["systems"]}
    reporting = inventory["reporting"]
    owners: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    annex: list[dict[str, Any]] = []
    for ag in inventory["agencies"]:
        for sy in ag["systems"]:
            owner = sy["owner"]
            block = owners.setdefault(owner, {"owner": owner, "agency": _part2(ag), "rows": []})
            got = chosen.get((ag["id"], sy["id"])) or {}
            d = by_file.get(got.get("file") or "")
            entry = _assessed(d)
            check = CHECK_TYPES.get(sy["check_type"] or "", "")
            if not check and d is not None and d.verified:
                # No declared check type, but a signed assessment of this period exists: it is a check.
                check = f"Định kỳ (secaudit {vn_date(d.assessed_at[:10]) if d.assessed_at else ''})".strip()
            row = {
                "no": len(rows) + 1,
                "agency_id": ag["id"],
                "system_id": sy["id"],
                "system": sy["name"],
                "owner": owner,
                "operator": sy["operator"],
                "level": sy["level"],
                "approval_status": APPROVAL_STATUSES.get(sy["approval_status"] or "", ""),
                "approval_decision": _decision(sy["approval_decision"], "approver"),
                "quy_che_decision": _decision(sy["quy_che_decision"], "issuer"),
                "expected_approval_date": vn_date(sy["expected_approval_date"]),
                "deployment": DEPLOYMENTS.get(sy["deployment"] or "", ""),
                "expected_deployment_date": vn_date(sy["expected_deployment_date"]),
                "check_type": check,
                "assessment": {
                    "file": d.file if d else None,
                    "verified": bool(d and d.verified),
                    "profile": entry["profile"] if entry else None,
                    "meets_level": entry["meets_level"] if entry else None,
                    # DESIGN §10 "Trust": what re-judging the bundle found (summary system entry)
                    "status": got.get("status"),
                    "trust": got.get("trust"),
                    "differing": list(got.get("differing") or []),
                    "profile_problems": list(got.get("profile_problems") or []),
                    "tool_version": got.get("tool_version"),
                },
                "_sys": sy,
            }
            rows.append(row)
            block["rows"].append(row)
            if d is not None and entry is not None:
                annex.extend(_annex_rows(row, sy, d, entry, meta))
    problems = _checks(rows, inventory, summary)
    part1 = _part1(rows, inventory)
    for r in rows:
        r.pop("_sys")
    for i, a in enumerate(annex, 1):
        a["no"] = i
    return {
        "province": inventory["province"],
        "period": inventory["period"],
        "recipient": reporting["recipient"],
        **_dates(str(inventory["period"]), reporting),
        "part1": part1,
        "owners": list(owners.values()),
        "annex": annex,
        "problems": problems,
    }


def _part2(ag: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": ag["name"],
        "representative": ag["representative"],
        "address": ag["address"],
        "phone": ag["phone"],
        "email": ag["email"] or ag["contact"],
        "security_unit": ag["security_unit"],
    }


def _assessed(d: Digest | None) -> dict[str, Any] | None:
    """The assessment the annex reports: under the successor regime when the bundle has it."""
    if d is None:
        return None
    return new_regime_entry(d) or {
        "profile": d.profile,
        "catalog": d.catalog,
        "meets_level": d.meets_level,
        "statuses": d.statuses,
    }


def _annex_rows(
    row: dict[str, Any], sy: dict[str, Any], d: Digest, entry: dict[str, Any], meta: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    from secaudit.province.providers import inherited_label  # issue 14
    from secaudit.province.summary import catalog_of

    cat = shipped_catalog(catalog_of(entry["profile"], entry.get("catalog") or ""))
    level = d.level if d.level is not None else sy["level"]
    order = {r.id: i for i, r in enumerate(cat.requirements)} if cat else {}
    out = []
    for rid in sorted(entry["statuses"], key=lambda r: (order.get(r, len(order)), r)):
        status = entry["statuses"][rid]
        if status == "not_applicable":
            continue
        req = cat.get(rid) if cat else None
        title = meta.get(rid) or (dict(req.title) if req else {})
        met = status == "pass"
        planned = "" if met else vn_date(sy["roadmap"].get(rid) or sy["expected_deployment_date"])
        out.append(
            {
                "system": row["system"],
                "system_id": sy["id"],
                "agency_id": row["agency_id"],
                "clause": req.section(level) if req else "",
                "requirement_id": rid,
                "requirement": (title.get("vi") or title.get("en") or rid) + inherited_label(d, rid),
                "status": status,
                "met": met,
                "met_text": MET if met else NOT_MET.get(status, NOT_MET["fail"]),
                "planned_date": planned,
                "owner": row["owner"],
            }
        )
    return out


def _part1(rows: list[dict[str, Any]], inventory: dict[str, Any]) -> dict[str, Any]:
    sys = [r["_sys"] for r in rows]
    st = Counter(s["approval_status"] for s in sys)
    approved = [s for s in sys if s["approval_status"] == "approved"]
    pending = [s["expected_approval_date"] for s in sys if s["approval_status"] != "approved"]
    expected = inventory["reporting"].get("expected_all_approved")
    if not expected and pending and all(pending):
        expected = max(pending)
    return {
        "systems_in_scope": len(rows),
        "declared_in_scope": inventory["reporting"].get("systems_in_scope"),
        "by_level": {str(k): v for k, v in sorted(Counter(s["level"] for s in sys).items())},
        "with_dossier": sum(v for k, v in st.items() if k),
        "appraised": st["appraised"] + st["approved"],
        "approved": len(approved),
        "approved_checked": sum(1 for s in approved if s["check_type"] in ("periodic", "both")),
        "expected_all_approved": vn_date(expected) if pending else "",
        "all_approved": not pending,
    }


def _checks(
    rows: list[dict[str, Any]], inventory: dict[str, Any], summary: dict[str, Any]
) -> list[dict[str, Any]]:
    """Consistency checks of research §9.3 (the kit's list) plus what the bundles contradict."""
    out = []
    declared = inventory["reporting"].get("systems_in_scope")
    if declared is not None and declared != len(rows):
        out.append(_problem("row_count", None, declared=declared, rows=len(rows)))
    for u in summary.get("unexpected") or []:
        out.append(_problem("unlisted_system", None, agency=u["agency"], system=u["system"], file=u["file"]))
    for r in rows:
        s = r["_sys"]
        if not s["approval_status"]:
            out.append(_problem("missing_approval_status", r))
        if s["approval_status"] == "approved":
            dec = s["approval_decision"] or {}
            if not (dec.get("number") and dec.get("date")):
                out.append(_problem("approved_without_decision", r))
            if not s["quy_che_decision"]:
                out.append(_problem("approved_without_quy_che", r))
        elif not s["expected_approval_date"]:
            out.append(_problem("not_approved_without_date", r))
        if not s["deployment"]:
            out.append(_problem("missing_deployment", r))
        if s["deployment"] != "full" and not s["expected_deployment_date"]:
            out.append(_problem("not_deployed_without_date", r))
        a = r["assessment"]
        if a["file"] is None:
            out.append(_problem("no_assessment", r))
        if s["deployment"] == "full" and a["meets_level"] is False:
            out.append(_problem("full_but_not_meeting", r, profile=a["profile"]))
        out.extend(_trust_problems(r, a))
    return out


def _trust_problems(r: dict[str, Any], a: dict[str, Any]) -> list[dict[str, Any]]:
    """What re-judging the row's bundle found: inconsistent, profile not accepted, re-judged."""
    from secaudit import __version__

    if a["status"] == "inconsistent":
        return [_problem("inconsistent_bundle", r, ids=", ".join(a["differing"][:12]) or "?")]
    out = []
    if a["status"] == "profile_not_accepted":
        out.append(_problem("profile_not_accepted", r, why="; ".join(a["profile_problems"])))
    if a["trust"] == "rejudged":
        out.append(_problem("rejudged", r, old=a["tool_version"] or "?", version=__version__))
    return out
