"""The Department's management pages: the inventory (upload, validated by the CLI's own loader
before it replaces the file), the keyring (agency and reviewer public keys, checked as Ed25519 PEM),
and tailoring acceptance (``accepted_tailoring`` of a system in inventory.yaml, DESIGN §10 "Trust")."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from secaudit.core.errors import InputError
from secaudit.core.ids import ID_RE
from secaudit.web import audit, dashboard, data, permissions
from secaudit.web.views.common import login_required, page, web_message

MAX_INVENTORY = 4 * 1024 * 1024


def _replace_inventory(raw: bytes) -> Any:
    """Validate ``raw`` as an inventory (profiles resolved beside the current one), then replace it,
    keeping the previous file in ``inventory-history/``."""
    from secaudit.config.inventory import load_inventory
    from secaudit.core.files import atomic_write

    target = data.inventory_path()
    with tempfile.NamedTemporaryFile("wb", dir=target.parent, suffix=".yaml", delete=False) as fh:
        fh.write(raw)
        tmp = Path(fh.name)
    try:
        try:
            inv = load_inventory(tmp)
        except InputError as exc:
            raise InputError(exc.message, "inventory.yaml", exc.line, exc.entry) from None
        if target.is_file():  # the replaced version stays, for an undo by hand (comments included)
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            kept = target.parent / "inventory-history" / f"inventory-{stamp}.yaml"
            kept.parent.mkdir(exist_ok=True)
            kept.write_bytes(target.read_bytes())
        atomic_write(target, raw)
    finally:
        tmp.unlink(missing_ok=True)
    data.forget_inventory()
    dashboard.forget()
    return inv


@login_required
@require_http_methods(["GET", "POST"])
def inventory(request: HttpRequest) -> HttpResponse:
    permissions.require_area(request.user, "department")
    ctx: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        up = request.FILES.get("inventory")
        try:
            if up is None:
                raise InputError("chưa chọn tệp / no file chosen")
            if up.size > MAX_INVENTORY:
                raise InputError("tệp quá lớn / file too large")
            inv = _replace_inventory(up.read())
        except InputError as exc:
            ctx["error"], status = web_message(exc), 400
        else:
            n = sum(len(a.systems) for a in inv.agencies)
            audit.log(
                request.user, "inventory_upload", "inventory", {"agencies": len(inv.agencies), "systems": n}
            )
            ctx["ok"] = (len(inv.agencies), n)
    ctx["inv"] = data.inventory()
    return page(request, "department_inventory.html", status=status, **ctx)


def _keys() -> list[dict[str, str]]:
    from secaudit.signing.keys import key_id, load_public_key

    out = []
    kr = data.keyring_dir()
    for kind, folder in (("agency", kr), ("reviewer", kr / "reviewers")):
        for p in sorted(folder.glob("*.pub")):
            try:
                kid = key_id(load_public_key(p))[:16] + "…"
            except InputError as exc:
                kid = f"({exc.message})"
            out.append({"kind": kind, "name": p.stem, "key_id": kid})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def keyring(request: HttpRequest) -> HttpResponse:
    permissions.require_area(request.user, "department")
    ctx: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        kind = str(request.POST.get("kind", ""))
        name = str(request.POST.get("name", "")).strip()
        up = request.FILES.get("key")
        try:
            ctx["saved"] = _save_key(kind, name, up)
        except InputError as exc:
            ctx["error"], status = web_message(exc), 400
        else:
            audit.log(request.user, "key_upload", f"key:{kind}/{name}", {"key_id": ctx["saved"]})
            dashboard.forget()
    ctx["keys"] = _keys()
    return page(request, "department_keyring.html", status=status, **ctx)


def _save_key(kind: str, name: str, up: Any) -> str:
    from secaudit.core.files import atomic_write
    from secaudit.signing.keys import key_id, load_public_key

    if kind not in ("agency", "reviewer"):
        raise InputError("loại khoá phải là agency hoặc reviewer / kind must be agency or reviewer")
    if not ID_RE.match(name):
        raise InputError(f"tên {name!r}: chỉ chữ, số, '-', '_' / letters, digits, '-' or '_' only")
    if kind == "agency" and data.find_agency(name) is None:
        raise InputError("cơ quan không có trong danh mục / agency not in the inventory")
    if up is None or up.size > 64 * 1024:
        raise InputError("cần một tệp khoá công khai PEM / a PEM public key file is needed")
    raw = up.read()
    folder = data.keyring_dir() / ("reviewers" if kind == "reviewer" else "")
    with tempfile.NamedTemporaryFile("wb", dir=folder, suffix=".tmp", delete=False) as fh:
        fh.write(raw)
        tmp = Path(fh.name)
    try:
        try:
            kid = key_id(load_public_key(tmp))
        except InputError as exc:
            raise InputError(exc.message) from None
        atomic_write(folder / f"{name}.pub", raw)
    finally:
        tmp.unlink(missing_ok=True)
    return kid


def _pending() -> list[dict[str, Any]]:
    """Requirements tailored out by a verified bundle (or the system's profile), with whether the
    inventory accepts them."""
    summary, digests, _inv = dashboard.current(timezone.localdate())
    items: dict[tuple[str, str, str], dict[str, Any]] = {}
    for ag in data.agencies():
        for sy in ag.systems:
            ref = data.find_system(ag.id, sy.id)
            try:
                tailored = [r.id for r, t in data.requirements(ref) if t is not None]
            except InputError:
                tailored = []
            found = [
                d for d in digests if not d.error and d.verified and (d.agency, d.system) == (ag.id, sy.id)
            ]
            for rid in sorted(set(tailored) | {r for d in found for r in d.tailored}):
                items[(ag.id, sy.id, rid)] = {
                    "agency": ag.id,
                    "system": sy.id,
                    "system_name": sy.name,
                    "requirement": rid,
                    "accepted": rid in (sy.accepted_tailoring or []),
                }
    return list(items.values())


def _accept(agency: str, system: str, rid: str) -> None:
    """A text edit of inventory.yaml (config/inventory_edit): the officer's comments, order and blank
    lines stay; an id already accepted leaves the file untouched."""
    from secaudit.config.inventory_edit import accept_tailoring
    from secaudit.core.files import read_input
    from secaudit.core.yamlio import MAX_YAML_BYTES

    path = data.inventory_path()
    try:
        text = read_input(path, "a YAML file", max_bytes=MAX_YAML_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("không phải văn bản UTF-8 / not UTF-8 text", path) from None
    edited = accept_tailoring(text, agency, system, rid, path)
    if edited != text:
        _replace_inventory(edited.encode("utf-8"))


@login_required
@require_http_methods(["GET", "POST"])
def tailoring(request: HttpRequest) -> HttpResponse:
    permissions.require_area(request.user, "department")
    ctx: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        agency, system, rid = (
            str(request.POST.get(k, "")).strip() for k in ("agency", "system", "requirement")
        )
        try:
            if not any(
                (p["agency"], p["system"], p["requirement"]) == (agency, system, rid) for p in _pending()
            ):
                raise InputError("không có mục loại trừ này / no such tailoring to accept")
            _accept(agency, system, rid)
        except InputError as exc:
            ctx["error"], status = web_message(exc), 400
        else:
            audit.log(request.user, "tailoring_accept", f"system:{agency}/{system}", {"requirement": rid})
            ctx["done"] = f"{agency}/{system}/{rid}"
    ctx["items"] = _pending()
    return page(request, "department_tailoring.html", status=status, **ctx)
