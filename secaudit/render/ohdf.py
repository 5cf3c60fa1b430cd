"""OHDF (MITRE's Heimdall Data Format: the InSpec exec-json that Heimdall and ``saf`` read).

One bundle → one *execution* with one profile per regime (catalogue); a province summary → one
execution with one profile per system (``summary --format ohdf``). Controls are requirements with
their RE-JUDGED verdicts (render/interchange.py), results are the automated checks' results, and a
manual answer is written the way ``saf attest apply`` writes it: the manual test as a ``skipped``
result, then the attestation's own result segment (status, message in saf's words) and the
record in ``attestation_data``. Every control's status as Heimdall computes it (inspecjs:
error > failed > passed > skipped, waived → Not Applicable) equals our verdict; where the results
alone would say otherwise (passing checks of a requirement still awaiting its evidence) the passing
results are shown as ``skipped`` with the check's own status kept in ``secaudit_status``.
The bundle's SHA-256 is each profile's ``sha256`` and in ``passthrough.secaudit``. docs/interchange.md.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml
from secaudit.render.interchange import Judged, Regime, judge, name_of, pick, severity_of

OHDF_SCHEMA = "secaudit.ohdf/1"
IMPACT = {"critical": 0.9, "high": 0.7, "medium": 0.5, "low": 0.3, "info": 0.3}  # 0 would mean N/A
RESULT_STATUS = {"pass": "passed", "warn": "passed", "fail": "failed", "error": "error"}
WANTED = {"pass": "passed", "fail": "failed", "error": "error", "not_reviewed": "skipped"}
PRECEDENCE = ["error", "failed", "passed", "skipped"]  # inspecjs ExecControl.compute_status
ATTESTED = {"compliant": "passed", "non_compliant": "failed"}  # saf: attestation status passed|failed
SAF_APPLIED = "Manually verified Status provided through attestation"  # saf's code_desc, kept verbatim
SAF_EXPIRED = "Manual verification status via attestation has expired"
COUNTED = {"attested_compliant", "attested_non_compliant"}  # reason codes of an answer that counted
NOT_COUNTED = {
    "attestation_expired", "attestation_undated", "attestation_future", "attestation_too_long",
    "evidence_bad", "evidence_invalid", "attested_no_support", "awaiting_review",
    "review_changes_requested", "review_void",
}  # fmt: skip


@lru_cache(maxsize=1)
def strings() -> dict[str, Any]:
    return load_yaml(package_file("data/ohdf_strings.yaml"))


def _t(key: str, lang: str, **params: Any) -> str:
    return pick(strings()[key], lang).format(**params)


# --------------------------------------------------------------------------- public API


def render_report_ohdf(bundle: dict[str, Any], lang: str = "vi", source: Path | None = None) -> str:
    """One system's bundle as an OHDF execution (one profile per regime)."""
    j = judge(bundle, source)
    agency, system = j.part("agency"), j.part("system")
    profiles = [_profile(j, [r], lang, r.profile, _regime_title(r, lang)) for r in j.regimes]
    platform = {
        "name": "secaudit",
        "release": _tool_version(j),
        "target_id": f"{agency.get('id', '')}/{system.get('id', '')}",
    }
    return _dump(_execution(platform, profiles, {"schema": OHDF_SCHEMA, "lang": lang, **_bundle_facts(j)}))


CHANGED = (
    "tệp gói kết quả đã đổi sau khi bản tổng hợp đọc nó, hãy chạy lại / the bundle file changed after "
    "the summary read it: run the summary again"
)


def render_summary_ohdf(summary: dict[str, Any], lang: str = "vi", source: Path | None = None) -> str:
    """The province summary as an OHDF execution: one profile per system whose bundle the summary
    read (re-read from ``source``, the bundle folder, and re-judged), in the summary's order."""
    if source is None:
        raise InputError(
            "summary --format ohdf cần thư mục gói kết quả / summary --format ohdf needs the bundle folder"
        )
    from secaudit.core.files import inside_folder

    profiles, systems = [], []
    for ag in summary.get("agencies") or []:
        for s in ag.get("systems") or []:
            file = s.get("file")
            if not isinstance(file, str) or not file:
                continue  # missing, or only another period's bundle
            path = Path(source) / file
            if Path(file).name != file or not inside_folder(Path(source), path):
                raise InputError(
                    "tên tệp gói kết quả ra ngoài thư mục / bundle file name leaves the folder", path
                )
            name = f"{ag.get('id')}/{s.get('id')}"
            status = {k: s.get(k) for k in ("status", "verified", "trust", "meets_level", "reason")}
            try:
                bundle, sha = _read(path)
                if s.get("sha256") and sha != s["sha256"]:  # replaced since: its status is not this file's
                    raise InputError(CHANGED, path)
                j = judge(bundle, path, sha)
            except InputError as exc:  # one bundle that cannot be re-judged never stops the province
                profiles.append(_unjudged(path, name, f"{name_of(s)} — {name_of(ag)}", status, exc, lang))
                systems.append(
                    {"agency": ag.get("id"), "system": s.get("id"), **status, "error": exc.message}
                )
                continue
            title = f"{name_of(j.part('system'))} — {name_of(j.part('agency'))}"
            p = _profile(j, j.regimes, lang, name, title, prefix=f"{name}/")
            p["status_message"] = _t("system_status", lang, **_status_words(status, lang))
            profiles.append(p)
            systems.append({"agency": ag.get("id"), "system": s.get("id"), **status, **_bundle_facts(j)})
    platform = {"name": "secaudit", "release": _version(), "target_id": str(summary.get("province") or "")}
    extra = {
        "schema": OHDF_SCHEMA,
        "lang": lang,
        "province": summary.get("province"),
        "period": summary.get("period"),
        "verification": summary.get("verification"),
        "totals": summary.get("totals"),
        "systems": systems,
    }
    return _dump(_execution(platform, profiles, extra))


# --------------------------------------------------------------------------- document


def _execution(platform: dict[str, Any], profiles: list[dict[str, Any]], extra: dict[str, Any]) -> dict:
    return {
        "platform": platform,
        "version": _version(),
        "statistics": {},
        "profiles": profiles,
        "passthrough": {"secaudit": extra},
    }


def _profile(
    j: Judged, regimes: list[Regime], lang: str, name: str, title: str, prefix: str = ""
) -> dict[str, Any]:
    """One profile; ``prefix`` makes control ids unique across the systems of one file (Heimdall
    merges controls of the same id in different profiles as overlays of one another)."""
    controls: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    level = j.part("system").get("level")
    for r in regimes:
        for v in r.verdicts:
            if v.id in seen:
                continue  # two profiles of one catalogue: the first one's verdict
            seen.add(v.id)
            controls.append(_control(j, r, v, lang, level, prefix + v.id))
            gid = f"{r.catalog_id}:{v.group}" if len(regimes) > 1 else v.group
            g = groups.setdefault(gid, {"id": gid, "title": _group_title(r, v.group, lang), "controls": []})
            g["controls"].append(prefix + v.id)
    first = regimes[0] if regimes else None
    return {
        "name": name,
        "title": title,
        "version": str(first.catalog_entry.get("version") or "") if first else "",
        "maintainer": name_of(j.part("agency")),
        "summary": "; ".join(_headline(r, lang) for r in regimes),
        "license": None,
        "copyright": None,
        "sha256": j.sha256,
        "status": "loaded",
        "supports": [],
        "attributes": [],
        "depends": [],
        "groups": list(groups.values()),
        "controls": controls,
    }


def _control(j: Judged, r: Regime, v: Any, lang: str, level: Any, cid: str) -> dict[str, Any]:
    creq = r.catalog.get(v.id) if r.catalog is not None else None
    severity = severity_of(v, j)
    reason = j.reason(v, lang)
    results = [_check_result(j, row, lang) for row in v.checks if isinstance(row, dict)]
    att = v.attestation if isinstance(v.attestation, dict) else None
    control: dict[str, Any] = {
        "id": cid,
        "title": pick(v.title, lang) or (pick(creq.title, lang) if creq else v.id),
        "desc": pick(creq.description, lang) if creq else "",
        "descriptions": _descriptions(j, v, creq, lang),
        "impact": IMPACT.get(severity, 0.5),
        "refs": [],
        "tags": _tags(r, v, creq, severity, level),
        "code": None,
        "source_location": {"ref": f"checklists/{r.catalog_id}.yaml", "line": creq.line if creq else None},
        "results": results,
    }
    if v.kind in ("manual", "partial"):
        results.append(_result("skipped", _t("manual_test", lang), j.assessed_at, skip=reason))
        if att and att.get("status") in ATTESTED:
            control["attestation_data"] = _attestation_data(cid, att)
            seg = _attestation_segment(control["attestation_data"], _codes(v.reason), j.assessed_at, lang)
            results.append(seg)
    if v.status == "not_applicable":
        control["waiver_data"] = {"skipped_due_to_waiver": True, "run": False, "justification": reason}
        control["waiver_data"]["message"] = reason
    _reconcile(results, v.status, reason, j.assessed_at, lang)
    return control


def _check_result(j: Judged, row: dict[str, Any], lang: str) -> dict[str, Any]:
    from secaudit.render.phrases import localise

    cid, target, status = str(row.get("id")), str(row.get("target")), str(row.get("status"))
    c = j.checks.get((cid, target))
    title = pick(getattr(c, "title", None), lang) or cid
    summary = localise(pick(getattr(c, "summary", None), lang), lang)
    res = _result(RESULT_STATUS.get(status, "skipped"), f"{title} [{cid}] — {target}", j.assessed_at)
    res.update(message=summary, resource=target, resource_id=cid, secaudit_status=status)
    if status == "not_applicable":
        res["skip_message"] = summary
    return res


def _result(status: str, code_desc: str, when: str, skip: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "code_desc": code_desc, "start_time": when, "run_time": 0.0}
    if skip is not None:
        out["skip_message"] = skip
    return out


def _attestation_data(rid: str, att: dict[str, Any]) -> dict[str, Any]:
    """The record as ``saf attest`` takes it: expiry = ``updated`` + ``frequency`` (days)."""
    updated = str(att.get("attested_at") or "")
    until = str(att.get("effective_expires_at") or att.get("expires_at") or "")
    try:
        days = (date.fromisoformat(until[:10]) - date.fromisoformat(updated[:10])).days
        frequency = f"{days}d"
    except ValueError:
        frequency = "annually"
    return {
        "control_id": rid,
        "explanation": str(att.get("note") or ""),
        "frequency": frequency,
        "status": ATTESTED[att["status"]],
        "updated": updated,
        "updated_by": str(att.get("attested_by") or ""),
        "expires": until,
    }


def _attestation_segment(data: dict[str, Any], codes: set[str], when: str, lang: str) -> dict[str, Any]:
    """The result ``saf attest apply`` appends (createAttestationMessage's words) when the re-judged
    verdict took the answer; saf's expired form when it had expired; else a skipped result saying
    it did not count (awaiting review, bad evidence...)."""
    counted = bool(codes & COUNTED) and not codes & NOT_COUNTED
    expired = "attestation_expired" in codes
    pre = "" if counted else "Expired "
    message = (
        f"{pre}Attestation:\n{pre}Status: {data['status']}\n{pre}Explanation: {data['explanation']}\n\n"
        f"Update: {data['updated']}\nUpdated By: {data['updated_by']}\nFrequency: {data['frequency']}"
    )
    if counted:
        out = _result(data["status"], SAF_APPLIED, when)
    elif expired:
        out = _result("skipped", SAF_EXPIRED, when)
    else:
        out = _result("skipped", _t("attestation_not_counted", lang), when)
        message = message.replace("Expired ", "")
    out["message"] = message
    return out


def _codes(reason: Any) -> set[str]:
    """Every reason code in a (possibly combined or carried) verdict reason."""
    found: set[str] = set()
    stack = [reason]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("code"), str):
                found.add(node["code"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _reconcile(results: list[dict[str, Any]], verdict: str, reason: str, when: str, lang: str) -> None:
    """Make Heimdall's status of the control equal the verdict (see the module docstring)."""
    # Heimdall's precedence (error > failed > passed > skipped) must land on the verdict: a result that
    # outranks it is shown as skipped (its own status stays in secaudit_status), e.g. passing checks
    # of a requirement still awaiting its evidence, or a probe error beside a failure that decides.
    want = WANTED.get(verdict, "skipped")  # not_applicable: waived, so nothing may outrank skipped
    for res in results:
        if res["status"] in PRECEDENCE and PRECEDENCE.index(res["status"]) < PRECEDENCE.index(want):
            key = "awaiting_evidence" if res["status"] == "passed" else "not_deciding"
            res["skip_message"] = _t(key, lang, status=res["status"], message=res.get("message") or "")
            res["status"] = "skipped"
    if verdict not in WANTED:
        return
    if _heimdall(results) != want:  # nothing carries the verdict's status: say it once
        res = _result(want, _t("verdict", lang), when)
        res["message"] = reason
        if want == "skipped":
            res["skip_message"] = reason
        results.append(res)


def _heimdall(results: list[dict[str, Any]]) -> str:
    found = {r["status"] for r in results}
    return next((s for s in PRECEDENCE if s in found), "")


# --------------------------------------------------------------------------- texts and facts


def _descriptions(j: Judged, v: Any, creq: Any, lang: str) -> list[dict[str, str]]:
    out = [{"label": "default", "data": pick(creq.description, lang) if creq else ""}]
    look_for = pick(v.evidence, lang) or (pick(creq.evidence, lang) if creq else "")
    if look_for:
        out.append({"label": "check", "data": look_for})
    fixes = []
    for row in v.checks:
        c = j.checks.get((row.get("id"), row.get("target"))) if isinstance(row, dict) else None
        if c is not None and c.status in ("fail", "warn", "error"):
            fix = pick(getattr(c, "remediation", None), lang)
            if fix and fix not in fixes:
                fixes.append(fix)
    if fixes:
        out.append({"label": "fix", "data": "\n\n".join(fixes)})
    return out


def _tags(r: Regime, v: Any, creq: Any, severity: str, level: Any) -> dict[str, Any]:
    # The catalogues give no NIST SP 800-53 references: "UM-1" is Heimdall's and saf's "unmapped";
    # the requirement's own clause and source travel instead (a `nist:` list would be used as is).
    nist = list(getattr(creq, "nist", None) or []) or ["UM-1"]
    return {
        "nist": nist,
        "requirement": v.id,
        "severity": "low" if severity == "info" else severity,
        "secaudit_status": v.status,
        "kind": v.kind,
        "section": v.section or (creq.section(level) if creq and isinstance(level, int) else ""),
        "source": creq.source if creq else "",
        "confidence": creq.confidence if creq else "",
        "group": v.group,
        "catalog": r.catalog_id,
        "profile": r.profile,
        "checks": sorted({str(c.get("id")) for c in v.checks if isinstance(c, dict)}),
        "title_vi": pick(v.title, "vi") if v.title else (creq.title.get("vi", "") if creq else ""),
        "title_en": pick(v.title, "en") if v.title else (creq.title.get("en", "") if creq else ""),
    }


def _group_title(r: Regime, group: str, lang: str) -> str:
    titles = getattr(r.catalog, "groups", None) or {}
    return pick(titles.get(group), lang) or group


def _regime_title(r: Regime, lang: str) -> str:
    return pick(getattr(r.catalog, "title", None), lang) or r.catalog_id


def _headline(r: Regime, lang: str) -> str:
    s = r.summary
    words = "meets" if s.get("meets_level") else "does_not_meet"
    return _t(words, lang, profile=r.profile, pct=s.get("compliance_pct"))


def _unjudged(
    path: Path, name: str, title: str, status: dict[str, Any], exc: InputError, lang: str
) -> dict[str, Any]:
    """A system the summary listed whose bundle cannot be re-judged: a profile without controls
    that failed to load (InSpec's profile status), saying why, with the file's SHA-256 if readable."""
    import hashlib

    from secaudit.core.files import read_input
    from secaudit.signing.bundle import MAX_BUNDLE_BYTES

    try:
        sha = hashlib.sha256(read_input(path, "a bundle (.json)", MAX_BUNDLE_BYTES)).hexdigest()
    except InputError:
        sha = ""
    why = f"{_t('system_status', lang, **_status_words(status, lang))}; {exc.message}"
    empty: dict[str, Any] = {"license": None, "copyright": None, "supports": [], "attributes": []}
    return {"name": name, "title": title, "version": "", "maintainer": "", "summary": "", **empty,
            "sha256": sha, "status": "failed", "status_message": why, "depends": [], "groups": [],
            "controls": []}  # fmt: skip


def _status_words(status: dict[str, Any], lang: str) -> dict[str, str]:
    return {k: "" if status.get(k) is None else str(status.get(k)) for k in ("status", "trust", "reason")}


def _bundle_facts(j: Judged) -> dict[str, Any]:
    sig = j.bundle.get("signature") if isinstance(j.bundle.get("signature"), dict) else {}
    return {
        "bundle": {
            "schema": j.bundle.get("schema"),
            "sha256": j.sha256,
            "sha256_of": j.sha256_of,
            "signature": {"algorithm": sig.get("algorithm"), "key_id": sig.get("key_id")},
        },
        "province": j.assessment.get("province"),
        "agency": j.part("agency").get("id"),
        "system": j.part("system").get("id"),
        "level": j.part("system").get("level"),
        "period": j.assessment.get("period"),
        "assessed_at": j.assessed_at,
        "assessed_with": _tool_version(j),
        "rejudged_under": _version(),
        "regimes": [
            {
                "catalog": r.catalog_entry or {"id": r.catalog_id},
                "profile": r.profile,
                "meets_level": r.summary.get("meets_level"),
                "compliance_pct": r.summary.get("compliance_pct"),
                "counts": r.summary.get("counts"),
            }
            for r in j.regimes
        ],
    }


def _read(path: Path) -> tuple[dict[str, Any], str]:
    import hashlib

    from secaudit.core.files import read_input
    from secaudit.core.jsonio import loads_strict
    from secaudit.province.digest import check_bundle_shape
    from secaudit.signing.bundle import MAX_BUNDLE_BYTES

    raw = read_input(path, "a bundle (.json)", MAX_BUNDLE_BYTES)
    data = loads_strict(raw, path)
    why = check_bundle_shape(data)
    if why:
        raise InputError(f"không phải gói kết quả đánh giá / not an assessment bundle: {why}", path)
    return data, hashlib.sha256(raw).hexdigest()


def _tool_version(j: Judged) -> str:
    return str(j.part("tool").get("version") or "")


def _version() -> str:
    from secaudit import __version__

    return __version__


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


__all__ = ["render_report_ohdf", "render_summary_ohdf"]
