"""What ``secaudit serve`` and ``secaudit users`` call: set up, load the demo, serve, verify the log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.web.config import WebOptions, setup

DEMO_PASSWORD = "demo-password-123"  # printed by serve --demo; the demo is never real data
DEMO_INSPECTOR = ("thanh-tra", "thanh-tra-so")  # username, the demo's reviewer key id
DEMO_DEPARTMENT = "so-tttt"


def open_data(data: Path, db_url: str | None, https: bool = False, host: str = "127.0.0.1") -> WebOptions:
    opts = WebOptions(data=Path(data), db_url=db_url, https=https, host=host)
    setup(opts)
    return opts


def load_demo(data: Path, say: Callable[[str], None]) -> list[tuple[str, str, str]]:
    """Run the demo province into ``data`` (absent or empty). Returns (username, role, agency) of the
    demo accounts. Call before ``open_data`` (the demo writes the folder; setup only reads it)."""
    from secaudit.demo.run import run_demo

    if data.exists() and (not data.is_dir() or any(data.iterdir())):
        raise InputError(
            "--demo cần thư mục --data trống hoặc mới / --demo needs an empty or new --data folder", data
        )
    data.mkdir(parents=True, exist_ok=True)
    run_demo(data, say)
    return []


def demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo's three accounts (department, inspector, the first agency)."""
    from secaudit.web import data
    from secaudit.web.accounts import add_user

    first = data.agencies()[0].id
    add_user(DEMO_DEPARTMENT, "department", DEMO_PASSWORD)
    add_user(DEMO_INSPECTOR[0], "inspector", DEMO_PASSWORD, reviewer=DEMO_INSPECTOR[1])
    add_user(first, "agency", DEMO_PASSWORD, agency=first)
    _demo_submissions()
    return [
        (DEMO_DEPARTMENT, "department", ""),
        (DEMO_INSPECTOR[0], "inspector", ""),
        (first, "agency", first),
    ]


def _demo_submissions() -> None:
    """Every demo system with answers waits in the inspectors' queue (the demo's own reviews stay)."""
    from django.utils import timezone

    from secaudit.web import audit, data
    from secaudit.web.models import Submission

    for ag in data.agencies():
        for sy in ag.systems:
            if data.attestation_file(ag.id, sy.id).is_file():
                Submission.objects.update_or_create(
                    agency=ag.id,
                    system=sy.id,
                    defaults={"state": "submitted", "submitted_at": timezone.now(), "submitted_by": "demo"},
                )
                audit.log("demo", "submit", f"system:{ag.id}/{sy.id}")


def wsgi_app() -> Any:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def serve(host: str, port: int, cert: Path | None, key: Path | None, announce: Callable[[str], None]) -> None:
    import ipaddress
    import sys

    from secaudit.web.server import run

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if cert is None and not loopback:  # passwords and session cookies would cross the network in clear
        sys.stderr.write(
            "secaudit serve: cảnh báo: HTTP không mã hoá trên địa chỉ mạng, hãy dùng --cert/--key / "
            "warning: plain HTTP on a network address, give --cert/--key\n"
        )
    run(wsgi_app(), host, port, cert, key, announce)


def verify_log() -> tuple[bool, str]:
    from secaudit.web.audit import verify

    verdict = verify()
    return verdict.ok, verdict.line()
