"""Inventory rules of DESIGN §10 "Trust": a system's profile is not below its approved level, and the
requirements its profile may tailor out are the ones the Department accepts (``accepted_tailoring``)."""

from __future__ import annotations

import re
from typing import Any

from secaudit.core.errors import InputError

_REQ_ID = re.compile(r"^[A-Z][A-Z0-9]*(\.[A-Z0-9]+)+$")


def check_profile(c: Any, inv: Any, agency: Any, system: Any, name: str, load: bool) -> None:
    """A system's profile loads (``load``) and is not below the system's approved level: a profile of
    a lower level leaves out requirements the level needs (DESIGN §10 "Trust")."""
    from secaudit.config.catalog import profile_names

    entry = f"{agency.id}/{system.id}"
    profile = None
    if load:
        try:
            profile = inv.profile(name)
        except InputError as exc:
            c.fail(
                "hồ sơ không tồn tại hoặc không hợp lệ / "
                f"unknown or invalid profile {name!r} ({exc.format()})",
                line=system.line,
                entry=entry,
            )
    elif name in profile_names():  # without loading user files, the shipped ones are cheap to know
        profile = inv.profile(name)  # once per inventory: 1 000 systems parsed level3.yaml 1 000 times
    if profile is not None and profile.level < system.level:
        c.fail(
            f"hồ sơ dưới cấp độ được phê duyệt / profile below the approved level: {name!r} is level "
            f"{profile.level}, the system is approved at level {system.level}",
            line=system.line,
            entry=entry,
        )


def accepted_tailoring(c: Any, node: dict, entry: str) -> list[str]:
    """``accepted_tailoring: [REQ, ...]``: requirement ids the system's profile may tailor out."""
    val = node.get("accepted_tailoring")
    if val is None:
        return []
    if not isinstance(val, list) or not all(isinstance(x, str) and _REQ_ID.match(x) for x in val):
        c.fail(
            "accepted_tailoring phải là danh sách mã yêu cầu / "
            "accepted_tailoring must be a list of requirement ids such as M.OPS.07",
            node,
            entry,
        )
    return sorted(set(val))
