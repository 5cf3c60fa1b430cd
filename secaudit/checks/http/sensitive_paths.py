"""http.sensitive_paths: none of the profile's sensitive paths is served, judged by content
(metadata: sensitive_paths.yaml)."""

from __future__ import annotations

from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.http.observation import HttpObservation, clip
from secaudit.checks.observation import need


@check("http.sensitive_paths")
def sensitive_paths(obs: HttpObservation, ctx: CheckContext) -> Outcome:
    items = need(obs.paths).items
    probed = {i.path for i in items}
    wanted = [str(e.get("path")) for e in ctx.params.get("sensitive_paths") or [] if isinstance(e, dict)]
    exposed = [
        {"path": i.path, "what": i.what, "status": i.status, "content_type": i.content_type, "size": i.size}
        for i in items
        if i.matched
    ]
    # an item with neither a verdict nor an error (truncated observation) is unknown, not "absent"
    errors = [
        {"path": i.path, "error": clip(i.error or "incomplete observation", 200)}
        for i in items
        if i.error or i.matched is None
    ]
    not_probed = [p for p in wanted if p not in probed]
    ev: dict[str, Any] = {"checked": len(items) - len(errors), "exposed": exposed}
    if errors:
        ev["errors"] = errors
    if not_probed:
        ev["not_probed"] = not_probed
    # Served but not matching (e.g. a 200 HTML page for /.git/HEAD) is not an exposure: say so.
    soft = [i.path for i in items if not i.matched and 200 <= (i.status or 0) < 300]
    if soft:
        ev["served_without_match"] = soft
    if exposed:
        return Outcome("fail", "fail", {"paths": [f"{e['path']} ({e['what']})" for e in exposed]}, ev)
    if errors or not_probed:
        missing = [e["path"] for e in errors] + not_probed
        reason = f"không kiểm tra được / could not check: {', '.join(str(m) for m in missing)}"
        return Outcome.error(reason, ev)
    return Outcome("pass", "pass", {"count": len(items)}, ev)
