"""Every permission decision of the application, in one place (views call only these).

Roles (models.ROLES): ``agency`` sees and changes its own agency's systems only; ``inspector``
reviews every agency's submitted answers; ``department`` reads everything and manages the
inventory, keyring and tailoring acceptance. A refusal for an object outside the user's reach is a
404 (``Http404``) with the same page as an unknown id, so a guessed id never reveals that the object
exists; a refusal of a whole area the role has no business in is a 403.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

ROLES = ("department", "inspector", "agency")
AREAS = {
    "agency": ("agency",),
    "inspector": ("inspector",),
    "department": ("department",),
    "evidence": ("agency", "inspector", "department"),
    "report": ("agency", "inspector", "department"),
}


def role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    account = getattr(user, "account", None)
    return getattr(account, "role", None)


def agency_of(user: Any) -> str:
    account = getattr(user, "account", None)
    return getattr(account, "agency", "") or ""


def can_enter(user: Any, area: str) -> bool:
    return role_of(user) in AREAS.get(area, ())


def require_area(user: Any, area: str) -> str:
    """The user's role, or 403 when the role has no business in ``area``."""
    role = role_of(user)
    if role not in AREAS.get(area, ()):
        raise PermissionDenied
    return role  # type: ignore[return-value]


def _broken_for_test() -> bool:
    """The deliberately broken check the attack tests must catch (docs/web.md "Tests"): only when
    both variables are set, which ``serve`` never does."""
    return (
        os.environ.get("SECAUDIT_WEB_TESTING") == "1"
        and os.environ.get("SECAUDIT_WEB_BROKEN_PERMISSIONS") == "1"
    )


def can_see_system(user: Any, agency: str) -> bool:
    """Read a system's answers, evidence, reports: its own agency, every inspector, the department."""
    role = role_of(user)
    if _broken_for_test():
        return role is not None
    if role in ("inspector", "department"):
        return True
    return role == "agency" and agency == agency_of(user) and agency != ""


def can_edit_system(user: Any, agency: str) -> bool:
    """Change answers, upload evidence and bundles, submit: only the agency itself."""
    if _broken_for_test():
        return role_of(user) == "agency"
    return role_of(user) == "agency" and agency == agency_of(user) and agency != ""


def can_review(user: Any) -> bool:
    return role_of(user) == "inspector"


def can_manage_province(user: Any) -> bool:
    return role_of(user) == "department"


def visible_agencies(user: Any, all_ids: list[str]) -> list[str]:
    """The queryset filter for lists: the agencies whose objects this user may list."""
    role = role_of(user)
    if role in ("inspector", "department"):
        return list(all_ids)
    if role == "agency":
        return [a for a in all_ids if a == agency_of(user)]
    return []


def get_system_or_404(user: Any, agency: str, system: str, *, edit: bool = False) -> Any:
    """The inventory's system entry if this user may see (``edit``: change) it; else 404, the same
    404 as for an id that does not exist."""
    from secaudit.web.data import find_system

    allowed = can_edit_system(user, agency) if edit else can_see_system(user, agency)
    if not allowed:
        raise Http404
    found = find_system(agency, system)
    if found is None:
        raise Http404
    return found
