"""The inventory as the province summary reads it (validated by config/inventory.load_inventory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_inventory_view(path: str | Path) -> dict[str, Any]:
    """The few inventory fields the summary needs (validated by inventory.load_inventory)."""
    from secaudit.config.inventory import load_inventory
    from secaudit.config.inventory_providers import system_record

    inv = load_inventory(path, check_profiles=False)  # profiles matter to assess, not to summarise
    goal = inv.goal_pct
    return {
        "province": inv.province,
        "period": str(inv.period),
        "due": inv.due,
        "target": {"level": inv.goal_level, "goal_pct": int(goal) if float(goal).is_integer() else goal},
        "reporting": dict(inv.reporting),
        "transition_deadline": inv.transition_deadline,
        "require_review": bool(getattr(inv, "require_review", False)),
        # shared infrastructure (issue 14): who provides, and (per system) what it inherits
        "providers": [{"id": p.id, "name": p.name, "contact": p.contact} for p in inv.providers],
        "agencies": [
            {
                "id": a.id,
                "name": a.name,
                "type": a.type,
                "contact": a.contact,
                "representative": a.representative,
                "address": a.address,
                "phone": a.phone,
                "email": a.email,
                "security_unit": dict(a.security_unit),
                "systems": [
                    {**_system_view(s, a.name), "inherits": system_record(inv, s)} for s in a.systems
                ],
            }
            for a in inv.agencies
        ],
    }


def _system_view(s: Any, agency_name: str) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "level": s.level,
        "profiles": list(s.profiles),
        "owner": s.owner or agency_name,
        "operator": s.operator,
        "approval_status": s.approval_status,
        "approval_decision": s.approval_decision,
        "quy_che_decision": s.quy_che_decision,
        "expected_approval_date": s.expected_approval_date,
        "deployment": s.deployment,
        "expected_deployment_date": s.expected_deployment_date,
        "check_type": s.check_type,
        "roadmap": dict(s.roadmap),
        "accepted_tailoring": list(getattr(s, "accepted_tailoring", []) or []),
        "domains": list(getattr(s, "domains", None) or []),
        "hosts": [h.name for h in getattr(s, "hosts", None) or []],  # declared servers (issue 14)
        "require_review": getattr(s, "require_review", None),
    }
