"""Host coverage in the province summary (issue 14): each system's declared servers and how many of
them carry imported engine results ("1/2 máy chủ có kết quả / 1 of 2 servers with imported results").

``host_targets`` runs in the digest workers on the bundle's ``host://`` targets only (a few dicts per
bundle); ``entry`` is the summary's per-system field, counted against the inventory's declaration.
The count is the per-system report's (render/hosts_view.py): a server "has results" when its host
observation lists at least one import.
"""

from __future__ import annotations

from typing import Any

_PREFIX = "host://"


def host_targets(targets: Any) -> tuple[list[str], list[str]]:
    """(every server the bundle carries, those with an imported result); bundles are untrusted."""
    carried: list[str] = []
    imported: list[str] = []
    for t in targets if isinstance(targets, list) else []:
        if not (isinstance(t, dict) and str(t.get("target", "")).startswith(_PREFIX)):
            continue
        name = str(t["target"])[len(_PREFIX) :]
        carried.append(name)
        obs = t.get("observations")
        host = obs.get("host") if isinstance(obs, dict) else None
        imports = host.get("imports") if isinstance(host, dict) else None
        if isinstance(imports, list) and any(isinstance(i, dict) for i in imports):
            imported.append(name)
    return carried, imported


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def entry(d: Any, system: dict[str, Any] | None) -> dict[str, Any]:
    """``{"hosts": {"declared", "imported", "without_results"}}`` for a system with a bundle, or {}
    when it declares no server. With an inventory its declaration counts (a server the bundle left
    out has no result); without one, the servers the bundle carries."""
    declared = list((system or {}).get("hosts") or []) if system is not None else list(d.hosts or [])
    if not declared:
        return {}
    have = {_norm(x) for x in getattr(d, "hosts_imported", None) or []}
    without = [x for x in declared if _norm(x) not in have]
    return {
        "hosts": {
            "declared": len(declared),
            "imported": len(declared) - len(without),
            "without_results": without,
        }
    }
