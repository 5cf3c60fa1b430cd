"""SARIF 2.1.0 output of a scan or of one system's assessment bundle.

SARIF is a findings format: only check results that are fail/warn/error (and, for a bundle,
requirement verdicts that are fail/not_reviewed/error) become ``results``; passes and
not-applicable items are counted in ``run.properties``. Rules carry the check's (or
requirement's) title, remediation and severity so a dashboard can explain each finding offline.

Per SARIF 2.1.0 §3.27.10, a result whose ``kind`` is not ``fail`` must have ``level: none``: a
``warn`` is ``kind: review`` and an ``error`` (could not be determined) is ``kind: open``, both
``level: none``; their severity stays in ``properties``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from secaudit.core.model import CHECK_STATUSES, ScanResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"

SEVERITY_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning's numeric "security-severity" (critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
CHECK_KIND = {"fail": "fail", "warn": "review", "error": "open"}
VERDICT_KIND = {"fail": "fail", "not_reviewed": "review", "error": "open"}
URI_SAFE = ":/?#[]@!$&'()*+,;=%~"  # RFC 3986 reserved + unreserved marks: kept as they are
LANG_TAGS = {"vi": "vi-VN", "en": "en-US"}

NOT_SIGNED: dict[str, str] = {
    "vi": "Tệp SARIF này không được ký; chữ ký thuộc về gói đánh giá (kiểm tra bằng `secaudit verify`).",
    "en": "This SARIF file is not signed; the signature belongs to the assessment bundle "
    "(check it with `secaudit verify`).",
}
REQ_FAIL_MSG: dict[str, str] = {
    "vi": "Yêu cầu {id} ({title}) — {status}: {reason}",
    "en": "Requirement {id} ({title}) — {status}: {reason}",
}
VERDICT_WORDS: dict[str, dict[str, str]] = {
    "fail": {"vi": "không đạt", "en": "fail"},
    "not_reviewed": {"vi": "chưa rà soát", "en": "not reviewed"},
    "error": {"vi": "chưa kiểm tra được", "en": "could not be determined"},
}


# --------------------------------------------------------------------------- public API


def render_scan_sarif(result: ScanResult, lang: str = "vi") -> str:
    """SARIF 2.1.0 JSON of a scan (one run; one result per fail/warn/error check)."""
    data = result.to_dict()
    doc = _Builder(lang)
    doc.add_targets(data["targets"])
    props: dict[str, Any] = {
        "profile": data.get("profile"),
        "check_counts": doc.check_counts(),
        "targets": [t.target.raw for t in result.targets],
        # DESIGN §10 "Scores and changes": overall and per target
        "automated_score": data.get("automated_score"),
        "score_coverage": data.get("score_coverage"),
        "target_scores": {t["target"]: t.get("automated_score") for t in data["targets"]},
    }
    invocation = _invocation(result.started_at, result.finished_at)
    return _dump(
        doc.document(result.tool_version or _version(), props, invocation, automation_id="secaudit/scan/")
    )


def render_bundle_sarif(bundle: dict[str, Any], lang: str = "vi", catalog: Any = None) -> str:
    """SARIF 2.1.0 JSON of one system's bundle: check findings of every target plus requirement
    verdicts that are fail / not_reviewed / error. ``catalog`` (model.Catalog, optional) supplies
    requirement descriptions the bundle does not carry."""
    a = bundle.get("assessment") if isinstance(bundle.get("assessment"), dict) else {}
    a, catalog = _readable(bundle, a, catalog)
    doc = _Builder(lang)
    doc.add_targets(_list(a.get("targets")))
    agency, system = _dict(a.get("agency")), _dict(a.get("system"))
    system_ref = f"{agency.get('id', '')}/{system.get('id', '')}"
    doc.add_requirements(_list(a.get("requirements")), catalog, system_ref)
    sig = _dict(bundle.get("signature"))
    summary = _dict(a.get("summary"))
    props: dict[str, Any] = {
        "schema": bundle.get("schema"),
        "province": a.get("province"),
        "agency": {"id": agency.get("id"), "name": agency.get("name")},
        "system": {"id": system.get("id"), "name": system.get("name")},
        "level": system.get("level"),
        "period": a.get("period"),
        "profile": a.get("profile"),
        "assessed_at": a.get("assessed_at"),
        "summary": {
            "counts": summary.get("counts"),
            "compliance_pct": summary.get("compliance_pct"),
            "meets_level": summary.get("meets_level"),
            "automated_score": _score(a)["automated_score"],
            "score_coverage": _score(a)["score_coverage"],
        },
        "meets_level": summary.get("meets_level"),
        "automated_score": _score(a)["automated_score"],
        "check_counts": doc.check_counts(),
        "additional": [
            {"profile": _dict(x).get("profile"), "summary": _dict(x).get("summary")}
            for x in _list(a.get("additional"))
        ],
        "signature": {
            "algorithm": sig.get("algorithm"),
            "key_id": sig.get("key_id"),
            "sarif_signed": False,
            "note": dict(NOT_SIGNED),
        },
    }
    tool = _dict(a.get("tool"))
    invocation = _invocation(None, a.get("assessed_at"))
    auto_id = f"secaudit/{agency.get('id', '')}.{system.get('id', '')}/{a.get('period', '')}"
    return _dump(doc.document(str(tool.get("version") or _version()), props, invocation, auto_id))


def _readable(bundle: dict[str, Any], a: dict[str, Any], catalog: Any) -> tuple[dict[str, Any], Any]:
    """(assessment in the /1 shape with reasons as {vi, en} texts, catalogue for descriptions): a
    bundle/2 names its catalogue version and carries reasons as codes (signing/bundle_view.py)."""
    from secaudit.signing.bundle_view import as_v1, version

    if version(bundle) == 2:
        from secaudit.config.catalog_archive import find_catalog

        entry = _dict(a.get("catalog"))
        catalog = find_catalog(entry.get("id"), entry.get("sha256"))[0] or catalog
    return as_v1(a, catalog=True, texts=True), catalog


# --------------------------------------------------------------------------- building


class _Builder:
    """Collects rules (in first-seen order, for ruleIndex) and results of one run."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rules: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}
        self.results: list[dict[str, Any]] = []
        self.statuses: Counter[str] = Counter()

    def _rule(self, rule: dict[str, Any]) -> int:
        rid = rule["id"]
        if rid not in self.index:
            self.index[rid] = len(self.rules)
            self.rules.append(rule)
        return self.index[rid]

    def check_counts(self) -> dict[str, int]:
        return {s: self.statuses.get(s, 0) for s in CHECK_STATUSES}

    # -- check results
    def add_targets(self, targets: list[Any]) -> None:
        for tgt in targets:
            if not isinstance(tgt, dict):
                continue
            raw = str(tgt.get("target", ""))
            uri = target_uri(raw, tgt.get("host"), tgt.get("port"))
            for c in _list(tgt.get("checks")):
                if isinstance(c, dict) and isinstance(c.get("id"), str):
                    self._add_check(c, raw, uri)

    def _add_check(self, c: dict[str, Any], raw: str, uri: str) -> None:
        status = str(c.get("status", ""))
        self.statuses[status] += 1
        severity = str(c.get("severity") or "medium")
        idx = self._rule(self._check_rule(c, severity))
        kind = CHECK_KIND.get(status)
        if kind is None:
            return  # pass / not_applicable: counted, not a finding
        cid = c["id"]
        self.results.append(
            {
                "ruleId": cid,
                "ruleIndex": idx,
                "kind": kind,
                "level": SEVERITY_LEVEL.get(severity, "warning") if kind == "fail" else "none",
                "message": {"text": _pick(c.get("summary"), self.lang) or cid},
                "locations": [_location(uri)],
                "fingerprints": {"secaudit/v1": _fingerprint(cid, raw)},
                "properties": {
                    "status": status,
                    "severity": severity,
                    "target": raw,
                    "summary": _langs(c.get("summary")),
                    "evidence": c.get("evidence"),
                },
            }
        )

    def _check_rule(self, c: dict[str, Any], severity: str) -> dict[str, Any]:
        from secaudit.checks import metadata

        meta = metadata().get(c["id"]) or {}
        title = _pick(c.get("title") or meta.get("title"), self.lang) or c["id"]
        remediation = _pick(c.get("remediation") or meta.get("remediation"), self.lang)
        full = _pick(meta.get("description"), self.lang) or title
        rule: dict[str, Any] = {
            "id": c["id"],
            "name": _rule_name(c["id"]),
            "shortDescription": {"text": title},
            "fullDescription": {"text": full},
            "defaultConfiguration": {"level": SEVERITY_LEVEL.get(severity, "warning")},
            "properties": {
                "severity": severity,
                "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
                "tags": ["security", str(meta.get("probe") or c["id"].split(".")[0])],
                "title": _langs(c.get("title") or meta.get("title")),
                "remediation": _langs(c.get("remediation") or meta.get("remediation")),
            },
        }
        if remediation:
            rule["help"] = {"text": remediation}  # no markdown: Windows paths' backslashes would vanish
        return rule

    # -- requirement verdicts
    def add_requirements(self, reqs: list[Any], catalog: Any, system_ref: str) -> None:
        for r in reqs:
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                self._add_requirement(r, catalog, system_ref)

    def _add_requirement(self, r: dict[str, Any], catalog: Any, system_ref: str) -> None:
        status = str(r.get("status", ""))
        creq = catalog.get(r["id"]) if catalog is not None else None
        idx = self._rule(self._requirement_rule(r, creq))
        kind = VERDICT_KIND.get(status)
        if kind is None:
            return  # pass / not_applicable: in run.properties.summary
        rid = r["id"]
        message = {
            lg: REQ_FAIL_MSG[lg].format(
                id=rid,
                title=_pick(r.get("title"), lg) or (_pick(creq.title, lg) if creq else ""),
                status=VERDICT_WORDS[status][lg],
                reason=_pick(r.get("reason"), lg),
            )
            for lg in ("vi", "en")
        }
        checks = [c for c in _list(r.get("checks")) if isinstance(c, dict)]
        bad = [c for c in checks if c.get("status") in ("fail", "error")] or checks
        # Where a requirement was judged from probes, point at the targets involved; a manual one
        # has only the system (logical location).
        uris = list(dict.fromkeys(str(c.get("target")) for c in bad if c.get("target")))
        result: dict[str, Any] = {
            "ruleId": rid,
            "ruleIndex": idx,
            "kind": kind,
            "level": "error" if kind == "fail" else "none",
            "message": {"text": message.get(self.lang) or message["vi"]},
            "locations": [_location(target_uri(u, None, None), system_ref) for u in uris]
            or [{"logicalLocations": [_logical(system_ref)]}],
            "fingerprints": {"secaudit/v1": _fingerprint(rid, system_ref)},
            "properties": {
                "status": status,
                "requirement_kind": r.get("kind"),
                "section": r.get("section"),
                "reason": _langs(r.get("reason")),
                "message": message,
                "checks": [{k: c.get(k) for k in ("id", "target", "status")} for c in checks],
                "attestation": _attestation(r.get("attestation")),
            },
        }
        self.results.append(result)

    def _requirement_rule(self, r: dict[str, Any], creq: Any) -> dict[str, Any]:
        title_map = _langs(r.get("title")) or (dict(creq.title) if creq else {})
        desc_map = _langs(r.get("description")) or (dict(creq.description) if creq else {})
        evidence = _langs(r.get("evidence")) or (dict(creq.evidence) if creq else {})
        title = _pick(title_map, self.lang) or r["id"]
        rule: dict[str, Any] = {
            "id": r["id"],
            "name": _rule_name(r["id"]),
            "shortDescription": {"text": title},
            "fullDescription": {"text": _pick(desc_map, self.lang) or title},
            "defaultConfiguration": {"level": "error"},  # a failing requirement stops the level
            "properties": {
                "section": r.get("section") or (creq.section() if creq else ""),
                "requirement_kind": r.get("kind"),
                "group": r.get("group") or (creq.group if creq else ""),
                "title": title_map,
                "tags": ["compliance", str(r.get("kind") or "")],
            },
        }
        if evidence:
            rule["help"] = {"text": _pick(evidence, self.lang)}
        return rule

    def document(
        self, version: str, props: dict[str, Any], invocation: dict[str, Any], automation_id: str
    ) -> dict[str, Any]:
        driver = {
            "name": "secaudit",
            "version": version,
            "semanticVersion": version,
            "language": LANG_TAGS.get(self.lang, "vi-VN"),
            "rules": self.rules,
        }
        run: dict[str, Any] = {
            "tool": {"driver": driver},
            "automationDetails": {"id": automation_id},
            "invocations": [invocation],
            "language": LANG_TAGS.get(self.lang, "vi-VN"),
            "results": self.results,
            "properties": props,
        }
        return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


# --------------------------------------------------------------------------- helpers


def target_uri(raw: str, host: Any = None, port: Any = None) -> str:
    """An absolute URI for a target: the URL as given when it is one, else ``https://`` + what was
    given (``host:port`` typed on the command line is not a URI: it would parse as scheme ``host``).
    ``host``/``port`` stand in only when the target text is missing."""
    if not raw and isinstance(host, str) and host:
        hostpart = f"[{host}]" if ":" in host else host
        raw = f"{hostpart}:{port}" if isinstance(port, int) else hostpart
    if not raw.lower().startswith(("https://", "http://")):
        raw = "https://" + raw
    return quote(raw, safe=URI_SAFE)


def _invocation(start: Any, end: Any) -> dict[str, Any]:
    # Probe errors are findings (kind "open"), not a failed execution of the tool.
    inv: dict[str, Any] = {"executionSuccessful": True}
    for key, value in (("startTimeUtc", start), ("endTimeUtc", end)):
        utc = _utc(value)
        if utc:
            inv[key] = utc
    return inv


def _utc(value: Any) -> str | None:
    """SARIF times are UTC ("...Z"); a bundle may carry a local offset. Unparsable: left out."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _location(uri: str, system_ref: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
    if system_ref:
        loc["logicalLocations"] = [_logical(system_ref)]
    return loc


def _logical(system_ref: str) -> dict[str, Any]:
    return {"name": system_ref.rsplit("/", 1)[-1], "fullyQualifiedName": system_ref, "kind": "module"}


def _attestation(att: Any) -> dict[str, Any] | None:
    if not isinstance(att, dict):
        return None
    keep = ("status", "note", "attested_by", "attested_at", "expires_at", "file")
    return {k: att[k] for k in keep if k in att}


def _fingerprint(rule_id: str, where: str) -> str:
    return hashlib.sha256(f"{rule_id}|{where}".encode()).hexdigest()[:32]


def _rule_name(rule_id: str) -> str:
    # reportingDescriptor.name should be an identifier-like word (PascalCase by convention).
    return "".join(p[:1].upper() + p[1:] for p in rule_id.replace("-", "_").replace(".", "_").split("_") if p)


def _langs(v: Any) -> dict[str, str]:
    if isinstance(v, dict):
        return {k: str(s) for k, s in v.items() if k in ("vi", "en") and s is not None}
    return {"vi": v, "en": v} if isinstance(v, str) and v else {}


def _pick(v: Any, lang: str) -> str:
    m = _langs(v)
    return m.get(lang) or m.get("vi") or m.get("en") or ""


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _score(a: dict[str, Any]) -> dict[str, Any]:
    from secaudit.render.report_tiers import score_of_assessment

    return score_of_assessment(a)


def _version() -> str:
    from secaudit import __version__

    return __version__


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


__all__ = ["render_bundle_sarif", "render_scan_sarif", "target_uri"]
