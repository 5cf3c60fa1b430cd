"""``secaudit review``: an inspector co-signs attestation entries with their own Ed25519 key.

The records go to ``<attestations>/<agency>/<system>.reviews.json``; ``assess`` carries them into
the bundle, and with ``require_review: true`` in the inventory an attested requirement needs a valid
approving review to pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secaudit.commands._common import (
    AGENCY_OPTION,
    ATTESTATIONS_DIR_OPTION,
    LANG_OPTION,
    PROVIDER_OPTION,
    SYSTEM_OPTION,
    one_subject,
)
from secaudit.core.errors import InputError

WORDS = {
    "vi": {"approved": "phê duyệt", "changes": "yêu cầu sửa", "by": "bởi", "skipped": "bỏ qua",
           "nothing": "không có mục nào để thẩm định"},
    "en": {"approved": "approved", "changes": "changes requested", "by": "by", "skipped": "skipped",
           "nothing": "nothing to review"},
}  # fmt: skip


def _ids(values: tuple[str, ...]) -> list[str]:
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


@click.command(
    "review",
    help="Thẩm định (ký xác nhận) các mục xác nhận / review attestation entries and sign the "
    "decision with the reviewer's key: --approve REQ… | --all-attested | "
    "--request-changes REQ --note TEXT.\n\n"
    "Exit: 0 done · 1 some entries (--all-attested) could not be approved · 2 bad input.",
)
@ATTESTATIONS_DIR_OPTION
@AGENCY_OPTION
@SYSTEM_OPTION
@PROVIDER_OPTION
@click.option(
    "--key",
    required=True,
    type=click.Path(readable=False, path_type=Path),  # a folder or unreadable: load_private_key says
    help="Khóa của người thẩm định / the reviewer's private key (ID.key from keys generate --reviewer).",
)
@click.option("--reviewer", help="Mã người thẩm định / reviewer id (default: the key file's name).")
@click.option("--approve", multiple=True, help="Phê duyệt / approve REQ (repeat, or REQ,REQ).")
@click.option(
    "--all-attested", is_flag=True, help="Phê duyệt mọi mục đã xác nhận / approve every attested entry."
)
@click.option("--request-changes", help="Yêu cầu sửa mục REQ / request changes to REQ (needs --note).")
@click.option("--note", default="", help="Ghi chú của người thẩm định / the reviewer's note.")
@LANG_OPTION
@click.argument("more", nargs=-1, metavar="[REQ…]")
def review(
    attestations: Path,
    agency: str | None,
    system_id: str | None,
    provider: str | None,
    key: Path,
    reviewer: str | None,
    approve: tuple[str, ...],
    all_attested: bool,
    request_changes: str | None,
    note: str,
    lang: str,
    more: tuple[str, ...],
) -> None:
    from secaudit.assessment.review_store import review_system
    from secaudit.core.ids import ID_RE

    agency, system_id = one_subject(agency, system_id, provider)  # --provider ID: _providers/ID
    approve_ids = _ids(approve)
    if more:  # `--approve A B C`: the ids after the first arrive as arguments
        if not approve_ids:
            raise InputError(
                f"tham số thừa {' '.join(more)!r}: mã yêu cầu đi kèm --approve / "
                f"unexpected argument(s) {' '.join(more)!r}: requirement ids go with --approve"
            )
        approve_ids += _ids(more)
    chosen = [bool(approve_ids), all_attested, request_changes is not None]
    if sum(chosen) != 1:
        raise InputError(
            "chọn đúng một thao tác / "
            "give exactly one of --approve REQ…, --all-attested, --request-changes REQ"
        )
    note = note.strip()
    if request_changes is not None and (not request_changes.strip() or not note):
        raise InputError(
            "--request-changes REQ cần --note ghi rõ điều cần sửa / "
            "--request-changes REQ needs a --note saying what to change"
        )
    for what, val in (("--agency", agency), ("--system", system_id)):
        if not ID_RE.match(val) and not (what == "--agency" and provider is not None):
            raise InputError(
                f"{what} {val!r}: chỉ dùng chữ, số, '-' hoặc '_' / letters, digits, '-' or '_' only"
            )
    reviewer = reviewer if reviewer is not None else key.stem
    if not ID_RE.match(reviewer):
        raise InputError(
            f"mã người thẩm định {reviewer!r} (lấy từ tên tệp khóa) không hợp lệ: hãy cho --reviewer ID / "
            f"reviewer id {reviewer!r} (from the key's file name): give --reviewer ID"
        )
    if request_changes is not None:
        decision, reqs = "changes_requested", [request_changes.strip()]
    else:
        decision, reqs = "approved", (None if all_attested else approve_ids)
    new, skipped, path = review_system(
        attestations, agency, system_id, key, reviewer, decision, reqs, note=note
    )
    w = WORDS[lang]
    for r in new:
        word = w["approved"] if r["decision"] == "approved" else w["changes"]
        click.echo(
            f"{agency}/{system_id} {r['requirement']}: {word} {w['by']} {reviewer} "
            f"(digest {r['digest'][:16]}…)"
        )
    for s in skipped:
        click.echo(f"secaudit: {w['skipped']} {s}", err=True)
    if new:
        click.echo(f"→ {path}")
    elif not skipped:
        click.echo(f"secaudit: {w['nothing']}", err=True)
    sys.exit(1 if any("already approved" not in s and "changes requested" not in s for s in skipped) else 0)


COMMANDS = [review]
