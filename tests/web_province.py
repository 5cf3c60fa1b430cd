"""A small province for the web application's tests (docs/web.md "Tests"), and the one Django set-up
per test process (Django is configured once per process: every test module shares this one).

Agencies ``so-a`` and ``so-b``, one system ``portal`` each (level 3, shipped profile), real signed
bundles (tests/real_bundles: the assess service's own output), so-b's answers with one evidence
file. Users: ``dept`` (department), ``insp`` (inspector), ``agency-a`` / ``agency-b`` (agencies).
The database is SQLite in the data folder unless SECAUDIT_WEB_DB_URL names another (PostgreSQL).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-battery"
USERS = {"dept": ("department", None), "insp": ("inspector", None), "agency-a": ("agency", "so-a"),
         "agency-b": ("agency", "so-b")}  # fmt: skip
INVENTORY = """\
province: Thừa Thiên Huế
period: 2026
due: 2026-11-01
target: {level: 3, goal_pct: 100}
agencies:
  - id: so-a
    name: Sở A <b>đậm</b>
    systems:
      - {id: portal, name: Cổng A, level: 3, targets: ["https://127.0.0.1:8443"]}
  - id: so-b
    name: Sở B Bí Mật
    systems:
      - {id: portal, name: Cổng B Bí Mật, level: 3, targets: ["https://127.0.0.1:8443"]}
"""
B_EVIDENCE = b"Bien ban kiem tra so B (bi mat)\n"
B_SHA = hashlib.sha256(B_EVIDENCE).hexdigest()
MANUAL = "M.POL.01"

_STATE: dict[str, Any] = {}


def build(root: Path) -> Path:
    """The data folder (``root/data``) with its pristine copy at ``root/pristine``."""
    import real_bundles as rb

    from secaudit.signing.keys import generate_keypair

    data = root / "data"
    keys, bundles, ring = root / "agency-keys", data / "bundles", data / "keyring"
    for d in (bundles, ring / "reviewers", keys):
        d.mkdir(parents=True, exist_ok=True)
    (data / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    for ag in ("so-a", "so-b"):
        generate_keypair(ag, keys)
        shutil.copy(keys / f"{ag}.pub", ring / f"{ag}.pub")
        rb.put(rb.assessment(ag, "portal"), keys, bundles)
    ev = data / "attestations" / "so-b" / "evidence" / "portal"
    ev.mkdir(parents=True)
    (ev / f"{B_SHA}.txt").write_bytes(B_EVIDENCE)
    (data / "attestations" / "so-b" / "portal.yaml").write_text(
        "agency: so-b\nsystem: portal\nattestations:\n"
        f"  - requirement: {MANUAL}\n    status: compliant\n    note: Quy chế số 9 (bí mật)\n"
        f"    evidence:\n      - path: evidence/portal/{B_SHA}.txt\n        sha256: {B_SHA}\n"
        "    attested_by: Cán bộ B\n    attested_at: 2026-11-02\n    expires_at: 2027-11-01\n",
        encoding="utf-8",
    )
    shutil.copytree(data, root / "pristine")
    return data


def setup_once(tmp_root: Path) -> dict[str, Any]:
    """Configure Django over a fresh province (first call in the process) and create the users."""
    if _STATE:
        return _STATE
    os.environ["SECAUDIT_ALLOWED_HOSTS"] = "testserver"
    data = build(tmp_root)
    from secaudit.web.config import WebOptions, setup

    db_url = os.environ.get("SECAUDIT_WEB_DB_URL") or None
    setup(WebOptions(data=data, db_url=db_url, evidence_max_bytes=64 * 1024))
    from secaudit.web.accounts import add_user

    for name, (role, agency) in USERS.items():
        add_user(name, role, PASSWORD, agency=agency)
    _STATE.update(data=data, root=tmp_root, db_url=db_url, agency_keys=tmp_root / "agency-keys")
    return _STATE


def reset() -> None:
    """Back to the pristine files and an empty history (audit log and accounts are kept)."""
    from secaudit.web import dashboard, data
    from secaudit.web.models import BundleUpload, EvidenceFile, LoginFailure, Revision, Submission

    root, live = _STATE["root"], _STATE["data"]
    for name in ("attestations", "bundles", "keyring"):
        shutil.rmtree(live / name, ignore_errors=True)
        shutil.copytree(root / "pristine" / name, live / name)
    shutil.copy(root / "pristine" / "inventory.yaml", live / "inventory.yaml")
    for model in (BundleUpload, EvidenceFile, LoginFailure, Revision, Submission):
        model.objects.all().delete()
    data.forget_inventory()
    dashboard.forget()
    data.ensure_reviewer_key("insp")  # its public key is back in the pristine keyring's copy


@pytest.fixture(scope="session")
def web_db_url() -> str | None:
    """The database the web suite runs on: SECAUDIT_WEB_DB_URL (PostgreSQL run) or None (SQLite)."""
    return os.environ.get("SECAUDIT_WEB_DB_URL") or None


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory, web_db_url: str | None) -> dict[str, Any]:
    return setup_once(tmp_path_factory.mktemp("web"))


@pytest.fixture()
def web(web_app: dict[str, Any]) -> dict[str, Any]:
    reset()
    return web_app


def client(user: str | None = None, csrf: bool = False, real_login: bool = False) -> Any:
    """A test client for ``user``: logged in through the real login form (``real_login``: one
    Argon2 verification, ~0.1-0.5 s) or with Django's force_login (the session a login makes)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    c = Client(enforce_csrf_checks=csrf)
    if user is not None and real_login:
        resp = c.post("/login/", {"username": user, "password": PASSWORD})
        assert resp.status_code == 302, resp.content[:500]
    elif user is not None:
        c.force_login(get_user_model().objects.get(username=user))
    return c


def body(resp: Any) -> str:
    """The response text (streamed responses too)."""
    if getattr(resp, "streaming", False):
        return b"".join(resp.streaming_content).decode("utf-8", "replace")
    return resp.content.decode("utf-8", "replace")


def tailored_portal(web: dict[str, Any]) -> tuple[Path, str]:
    """so-a/portal under a profile tailoring out one manual requirement (with a justification):
    (the inventory file, its text after the change)."""
    import real_bundles as rb

    prof = web["root"] / "tailored.yaml"
    prof.write_text(
        "profile: {id: tailored, extends: level3, title: {vi: Cấp độ 3 rút gọn, en: Level 3 tailored}}\n"
        "tailoring:\n"
        f"  - {{requirement: {rb.OTHER_MANUAL}, status: not_applicable, justification: Không có / none}}\n",
        encoding="utf-8",
    )
    inv: Path = web["data"] / "inventory.yaml"
    text = inv.read_text(encoding="utf-8").replace(
        "name: Cổng A, level: 3,", f'name: Cổng A, level: 3, profiles: ["{prof}"],'
    )
    inv.write_text(text, encoding="utf-8")
    return inv, text
