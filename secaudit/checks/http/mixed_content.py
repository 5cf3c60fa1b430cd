"""http.mixed_content: subresources of the HTTPS main page loaded over http:// (metadata:
mixed_content.yaml). Active content (scripts, frames, style sheets, plugins, form targets) can
rewrite the page: fail. Passive content (images, audio, video) can only be seen or swapped: warn,
as browsers treat it (W3C Mixed Content: "optionally-blockable", now auto-upgraded).
"""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check, shown
from secaudit.checks.http.content import Reference
from secaudit.checks.http.observation import HttpObservation
from secaudit.checks.observation import need

ACTIVE = {("script", "src"), ("iframe", "src"), ("frame", "src"), ("object", "data"), ("embed", "src")}
ACTIVE |= {("form", "action")}
PASSIVE_TAGS = {"img", "audio", "video", "source", "track", "input"}
ACTIVE_LINK_RELS = {"stylesheet", "import", "modulepreload", "preload", "prefetch", "manifest"}


def kind(ref: Reference) -> str | None:
    """ "active", "passive" or None (a reference that loads nothing, e.g. <link rel=canonical>)."""
    if (ref.tag, ref.attr) in ACTIVE:
        return "active"
    if ref.tag == "link":
        rels = set(ref.rel.split())
        if rels & ACTIVE_LINK_RELS:
            return "active"
        return "passive" if "icon" in rels else None
    return "passive" if ref.tag in PASSIVE_TAGS else None


@check("http.mixed_content")
def mixed_content(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    sec = need(obs.https)
    ev = obs.base_evidence(sec)
    if obs.content is None:
        return Outcome("not_applicable", "not_applicable", {"reason": "no HTTPS page content on record"}, ev)
    content = need(obs.content)
    if content.skipped:
        return Outcome(
            "not_applicable", "not_applicable", {"reason": content.skipped}, ev | {"reason": content.skipped}
        )
    found: dict[str, list[dict[str, Any]]] = {"active": [], "passive": []}
    for ref in content.insecure:
        k = kind(ref)
        if k:
            found[k].append(
                {"tag": ref.tag, "attr": ref.attr, "url": ref.url} | ({"rel": ref.rel} if ref.rel else {})
            )
    ev |= {
        "active": found["active"],
        "passive": found["passive"],
        "references": content.references,
        "insecure_total": content.insecure_total,
        "truncated": content.truncated,
    }
    listed = {k: shown([f"<{r['tag']} {r['attr']}> {r['url']}" for r in v]) for k, v in found.items()}
    if found["active"]:
        return Outcome("fail", "fail", {"count": len(found["active"]), "items": listed["active"]}, ev)
    if found["passive"]:
        return Outcome("warn", "warn", {"count": len(found["passive"]), "items": listed["passive"]}, ev)
    return Outcome("pass", "pass", {"count": content.references}, ev)
