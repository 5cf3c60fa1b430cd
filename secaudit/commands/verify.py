"""``secaudit verify BUNDLE... --keyring DIR [--rejudge]``: one line per bundle, OK or FAILED with the
reason. ``--rejudge`` also re-makes each verified bundle's verdicts from its observations (DESIGN §10
"Trust", province/trust.py): a bundle whose signed verdicts differ from them fails."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from secaudit.commands._common import LANG_OPTION
from secaudit.core.errors import InputError, one_line
from secaudit.core.ids import ID_RE


@click.command(
    "verify",
    help="Kiểm tra chữ ký gói kết quả / verify assessment bundles against "
    "DIR/<agency>.pub. Exit 0 all verify, 1 any does not, 2 bad input.",
)
@click.argument("bundles", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@click.option(
    "--keyring",
    "keyring_name",
    required=True,
    type=click.Path(readable=False),  # a str: "" is an unset variable, not the current folder
    help="Thư mục khóa công khai / folder of agencies' public keys (<agency>.pub).",
)
@click.option(
    "--rejudge",
    is_flag=True,
    help="Đánh giá lại từ dữ liệu quan sát / also re-judge each verified bundle from its observations.",
)
@LANG_OPTION
def verify(bundles: tuple[Path, ...], keyring_name: str, rejudge: bool, lang: str) -> None:
    from secaudit.signing.bundle import verify_file

    if not keyring_name.strip():
        raise InputError("--keyring: tên thư mục rỗng / --keyring: empty folder name")
    keyring = Path(keyring_name)
    if not keyring.is_dir():
        raise InputError("không thấy thư mục khóa / keyring folder not found", keyring)
    if not os.access(keyring, os.R_OK | os.X_OK):
        raise InputError("không đọc được thư mục khóa / cannot read the keyring folder", keyring)
    for b in bundles:  # fail on bad input before printing any verdict
        if not b.exists():
            raise InputError("không thấy tệp gói kết quả / bundle file not found", b)
        if not b.is_file():  # a folder, FIFO or device: bad input, never read
            raise InputError("không phải tệp thông thường / not a regular file", b)
        if not os.access(b, os.R_OK):
            raise InputError("không đọc được / cannot read: Permission denied", b)
    failed = 0
    for b in bundles:
        ok, reason = verify_file(b, keyring)
        if ok and rejudge:
            ok, reason = _rejudged(b, keyring, reason)
        failed += not ok
        # one line per bundle whatever its name ("x.json\nOK  forged.json" must not forge a line)
        click.echo(one_line(f"{'OK' if ok else 'FAILED'}  {b}: {reason}"))
    if failed:
        line = "gói không hợp lệ" if lang == "vi" else "bundle(s) failed verification"
        click.echo(f"{failed}/{len(bundles)} {line}", err=True)
        sys.exit(1)


def _rejudged(path: Path, keyring: Path, reason: str) -> tuple[bool, str]:
    """(still OK, reason) after re-judging a verified bundle as the summary does."""
    from secaudit.province.digest import Verifier
    from secaudit.province.trust import examine
    from secaudit.signing.bundle import load_bundle

    a = load_bundle(path)["assessment"]
    system = a.get("system") if isinstance(a.get("system"), dict) else {}
    keys = Verifier(keyring).reviewer_keys
    t = examine(a, system.get("require_review") is True, keys)
    problems = t.primary.problems if t.primary else []
    if t.state == "inconsistent":
        return False, t.reason + _reviewer_keys_note(a, keys)
    note = "đánh giá lại: khớp / re-judged: consistent" if t.state == "consistent" else t.reason
    if problems:
        note += "; hồ sơ không được chấp nhận / profile not accepted: " + "; ".join(problems)
    return True, f"{reason}; {note}"


def _names(ids: list[str], shown: int = 12) -> str:
    return ", ".join(ids[:shown]) + (f" (+{len(ids) - shown})" if len(ids) > shown else "")


def _reviewer_keys_note(a: dict[str, Any], keys: Any) -> str:
    """Why the bundle's reviews could not count, when the cause is this keyring (a reviewer's .pub
    missing or unusable), so a Department's broken keyring is not read as the agency's forgery."""
    records = a.get("reviews") if isinstance(a.get("reviews"), list) else []  # signed, maybe hostile
    named = {r.get("reviewer") for r in records if isinstance(r, dict)}
    named = sorted(r for r in named if isinstance(r, str) and ID_RE.match(r) and r not in keys.reviewers)
    broken = [f"{r} ({keys.broken[r]})" for r in named if r in keys.broken]
    absent = [r for r in named if r not in keys.broken]
    note = ""
    if broken:
        note += "; khóa người thẩm định không dùng được / reviewer key not usable: " + ", ".join(broken)
    if absent:
        note += (
            "; không có khóa trong KEYRING/reviewers cho người thẩm định / "
            "no key in KEYRING/reviewers for reviewer(s): " + _names(absent)  # named by the bundle: capped
        )
    return note


COMMANDS = [verify]
