"""What the interchange formats (OHDF, OSCAL) draw from one bundle: its RE-JUDGED verdicts.

Like the province summary (DESIGN §10 "Trust"), an interchange file never repeats a bundle's own
verdicts: ``judge`` re-makes them from the stored observations and attestations with the shipped
rules, as of the bundle's ``assessed_at`` (assessment/rejudge.py), and keeps beside them the check
results they rest on, the catalogue texts of the version the bundle names, and the bundle's SHA-256
(of the file's bytes when the file is known, else of its exact file layout).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.model import text
from secaudit.core.reasons import render_reason
from secaudit.render.phrases import localise

CANT_REJUDGE = "không đánh giá lại được / cannot be re-judged"


@dataclass
class Regime:
    """One profile of the bundle (primary first, then ``additional``), re-judged."""

    catalog_id: str
    catalog_entry: dict[str, Any]  # {"id", "version", "sha256"} as the bundle names it (/2)
    catalog: Any  # model.Catalog of that version (or the shipped one), None if unknown
    profile: str
    verdicts: list[Any]  # assessment.verdicts.Verdict
    summary: dict[str, Any]


@dataclass
class Judged:
    bundle: dict[str, Any]
    assessment: dict[str, Any]  # the /1 shape (bundle_view.as_v1)
    sha256: str
    sha256_of: str  # "file" | "layout"
    regimes: list[Regime]
    checks: dict[tuple[str, str], Any] = field(default_factory=dict)  # (check id, target) -> CheckResult
    summaries: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def assessed_at(self) -> str:
        return str(self.assessment.get("assessed_at") or "")

    def part(self, key: str) -> dict[str, Any]:
        v = self.assessment.get(key)
        return v if isinstance(v, dict) else {}

    def reason(self, verdict: Any, lang: str) -> str:
        return localise(render_reason(verdict.reason, lang, self.summaries), lang)


def bundle_sha256(bundle: dict[str, Any], source: Path | None) -> tuple[str, str]:
    """(hex SHA-256, what was hashed): the file's bytes when ``source`` is given, else the exact
    layout ``secaudit assess`` writes (equal to the file's hash for an unaltered bundle)."""
    if source is not None:
        from secaudit.core.files import read_input
        from secaudit.signing.bundle import MAX_BUNDLE_BYTES

        return hashlib.sha256(read_input(source, "a bundle (.json)", MAX_BUNDLE_BYTES)).hexdigest(), "file"
    from secaudit.signing.bundle import file_layout

    return hashlib.sha256(file_layout(bundle)).hexdigest(), "layout"


def judge(bundle: dict[str, Any], source: Path | None = None, sha256: str | None = None) -> Judged:
    """Re-judge ``bundle``; InputError (naming ``source``) if its content cannot be re-judged."""
    from secaudit.assessment.rejudge import rejudge
    from secaudit.config.catalog_archive import find_catalog
    from secaudit.signing.bundle_view import as_v1

    raw = bundle.get("assessment") if isinstance(bundle.get("assessment"), dict) else {}
    system = raw.get("system") if isinstance(raw.get("system"), dict) else {}
    try:
        result = rejudge(raw, require_review=system.get("require_review") is True, where=source)
        a = as_v1(raw, catalog=False)
    except InputError as exc:
        raise InputError(f"{CANT_REJUDGE}: {exc.message}", source) from None
    except Exception as exc:  # noqa: BLE001 - untrusted content must end in a one-line reason
        raise InputError(f"{CANT_REJUDGE}: {type(exc).__name__}: {exc}", source) from None
    if sha256:
        digest, of = sha256, "file"
    else:
        digest, of = bundle_sha256(bundle, source)
    entries = [raw] + [e for e in (raw.get("additional") or []) if isinstance(e, dict)]
    regimes = []
    for entry, j in zip(entries, [result.primary, *result.additional], strict=False):
        cat = entry.get("catalog") if isinstance(entry.get("catalog"), dict) else {}
        cat_id = str(cat.get("id") or j.profile.catalog)
        found, _ = find_catalog(cat_id, cat.get("sha256"))
        regimes.append(Regime(cat_id, dict(cat), found, j.profile.id, j.verdicts, j.summary))
    out = Judged(bundle, a, digest, of, regimes)
    for t in result.targets:
        for c in t.checks:
            out.checks[(c.id, t.target.raw)] = c
            out.summaries[(c.id, t.target.raw)] = c.summary
    return out


def pick(v: Any, lang: str) -> str:
    """A {vi, en} text in ``lang`` (the other language when missing); a plain string as it is."""
    if isinstance(v, str):
        return v
    return str(text(v, lang)) if isinstance(v, dict) and v else ""


def name_of(obj: dict[str, Any]) -> str:
    name = obj.get("name") or obj.get("id") or ""
    return pick(name, "vi") if isinstance(name, dict) else str(name)


def severity_of(verdict: Any, judged: Judged) -> str:
    """The highest severity among the checks a verdict rests on; "medium" for a manual requirement
    (the catalogue gives requirements no severity of their own)."""
    order = ["info", "low", "medium", "high", "critical"]
    found = [
        str(getattr(judged.checks.get((row.get("id"), row.get("target"))), "severity", "") or "")
        for row in verdict.checks
        if isinstance(row, dict)
    ]
    ranked = [s for s in found if s in order]
    return max(ranked, key=order.index) if ranked else "medium"


__all__ = ["Judged", "Regime", "bundle_sha256", "judge", "pick", "severity_of"]
