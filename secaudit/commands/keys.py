"""``secaudit keys generate``: an agency's Ed25519 signing key pair."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("keys", help="Khóa ký của cơ quan / agencies' signing keys (Ed25519).")
def keys_group() -> None:
    pass


@keys_group.command(
    "generate",
    help="Tạo cặp khóa DIR/ID.key (0600) và DIR/ID.pub / generate DIR/ID.key (mode 0600) and DIR/ID.pub.",
)
@click.option("--agency", required=True, help="Mã cơ quan / agency id.")
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục / directory.",
)
@click.option("--force", is_flag=True, help="Ghi đè khóa cũ / replace an existing key.")
def generate(agency: str, out_dir: Path, force: bool) -> None:
    from secaudit.signing.keys import generate_keypair, key_id, load_public_key

    key_path, pub_path = generate_keypair(agency, out_dir, force=force)
    kid = key_id(load_public_key(pub_path))
    click.echo(f"{key_path}  (khóa bí mật, giữ kín / private key, keep secret; mode 0600)")
    click.echo(f"{pub_path}  (gửi Sở TT&TT / send to the Department's keyring)")
    click.echo(f"key_id {kid}")


COMMANDS = [keys_group]
