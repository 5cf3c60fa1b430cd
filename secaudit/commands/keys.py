"""``secaudit keys generate``: an Ed25519 key pair for an agency (signs bundles) or a reviewer (signs
reviews of attestations; the Department puts ID.pub in ``KEYRING/reviewers/``)."""

from __future__ import annotations

from pathlib import Path

import click

from secaudit.commands._common import LANG_OPTION
from secaudit.core.errors import InputError

NOTES = {
    "vi": {
        "private": "khoá bí mật, giữ kín; quyền 0600",
        "agency": "gửi cơ quan tiếp nhận báo cáo để đưa vào thư mục khoá",
        "reviewer": "cơ quan tiếp nhận đặt vào KEYRING/reviewers/",
    },
    "en": {
        "private": "private key, keep secret; mode 0600",
        "agency": "send to the receiving authority for its keyring",
        "reviewer": "the receiving authority puts it in KEYRING/reviewers/",
    },
}


@click.group("keys", help="Khóa ký Ed25519 của cơ quan và người thẩm định / Ed25519 signing keys.")
def keys_group() -> None:
    pass


@keys_group.command(
    "generate",
    help="Tạo cặp khóa DIR/ID.key (0600) và DIR/ID.pub / generate DIR/ID.key (mode 0600) and DIR/ID.pub, "
    "for an agency (--agency) or a reviewer (--reviewer): exactly one of the two.",
)
@click.option("--agency", help="Mã cơ quan / agency id (signs bundles).")
@click.option("--reviewer", help="Mã người thẩm định / reviewer id (signs reviews).")
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Thư mục / directory.",
)
@click.option("--force", is_flag=True, help="Ghi đè khóa cũ / replace an existing key.")
@LANG_OPTION
def generate(agency: str | None, reviewer: str | None, out_dir: str, force: bool, lang: str) -> None:
    from secaudit.signing.keys import generate_keypair, key_id, load_public_key

    if not out_dir.strip():  # "" (an unset shell variable) is not "the current folder"
        raise InputError("-o: tên thư mục rỗng / -o: empty folder name")

    if (agency is None) == (reviewer is None):
        raise InputError(
            "chọn một trong hai: --agency hoặc --reviewer / give exactly one of --agency ID or --reviewer ID"
        )
    ident, option = (agency, "--agency") if agency is not None else (reviewer, "--reviewer")
    assert ident is not None
    key_path, pub_path = generate_keypair(ident, Path(out_dir), force=force, option=option)
    kid = key_id(load_public_key(pub_path))
    words = NOTES[lang]
    click.echo(f"{key_path}  ({words['private']})")
    click.echo(f"{pub_path}  ({words['reviewer' if reviewer is not None else 'agency']})")
    click.echo(f"key_id {kid}")


COMMANDS = [keys_group]
