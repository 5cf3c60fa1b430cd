"""Accounts (``secaudit users``): a Django user plus its role and agency (models.Account)."""

from __future__ import annotations

from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.ids import ID_RE
from secaudit.web.permissions import ROLES


def add_user(
    username: str, role: str, password: str, agency: str | None = None, reviewer: str | None = None
) -> Any:
    """Create (or reset the password and role of) one account; InputError on bad input. An inspector
    signs with ``keys/<reviewer>.key`` (default: the username), made on first use."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from secaudit.web import audit, data
    from secaudit.web.models import Account

    if not ID_RE.match(username):
        raise InputError(
            f"tên người dùng {username!r} không hợp lệ: chỉ dùng chữ, số, '-' hoặc '_' / "
            f"username {username!r}: letters, digits, '-' or '_' only"
        )
    if role not in ROLES:
        raise InputError(
            f"--role phải là một trong {', '.join(ROLES)} / --role must be one of {', '.join(ROLES)}"
        )
    if role == "agency":
        if not agency:
            raise InputError("--role agency cần mã cơ quan --agency / --role agency needs --agency ID")
        if not ID_RE.match(agency):
            raise InputError(
                f"--agency {agency!r}: chỉ dùng chữ, số, '-' hoặc '_' / letters, digits, '-' or '_' only"
            )
        inv = data.inventory()
        if inv is not None and data.find_agency(agency) is None:
            raise InputError(
                f"cơ quan {agency!r} không có trong danh sách hệ thống / "
                f"agency {agency!r} is not in the inventory",
                data.inventory_path(),
            )
    elif agency:
        raise InputError("--agency chỉ dùng cho vai trò cơ quan / --agency is only for --role agency")
    if not password:
        raise InputError("mật khẩu trống / empty password on stdin")
    User = get_user_model()  # noqa: N806
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        raise InputError("mật khẩu không đạt / password refused: " + " ".join(exc.messages)) from None
    reviewer = (reviewer or username) if role == "inspector" else ""
    if reviewer:
        data.ensure_reviewer_key(reviewer)
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_active = True
        user.save()
        Account.objects.update_or_create(
            user=user, defaults={"role": role, "agency": agency or "", "reviewer_id": reviewer}
        )
    audit.log(
        "cli",
        "user_add" if created else "user_update",
        f"user:{username}",
        {"role": role, "agency": agency or ""},
    )
    return user


def list_users() -> list[dict[str, str]]:
    from secaudit.web.models import Account

    return [
        {
            "username": a.user.username,
            "role": a.role,
            "agency": a.agency,
            "active": str(a.user.is_active).lower(),
        }
        for a in Account.objects.select_related("user").order_by("user__username")
    ]
