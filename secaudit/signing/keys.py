"""Ed25519 key pairs of agencies: DIR/<agency>.key (PKCS#8 PEM, mode 0600) and DIR/<agency>.pub.

Key files are read as regular files of at most ``MAX_KEY_BYTES`` (a FIFO or /dev/zero named
AGENCY.pub must not hang ``verify``); a keyring entry that is a symlink leaving the keyring is refused.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, inside_folder, read_input
from secaudit.core.ids import ID_RE

MAX_KEY_BYTES = 64 * 1024  # a PEM Ed25519 key is ~120 bytes


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw 32-byte public key (DESIGN §9)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_keypair(
    agency: str, out_dir: Path, force: bool = False, option: str = "--agency"
) -> tuple[Path, Path]:
    """DIR/ID.key and DIR/ID.pub for an agency or (``option="--reviewer"``) a reviewer."""
    if not ID_RE.match(agency):
        raise InputError(
            f"{option} {agency!r}: chỉ dùng chữ, số, '-' hoặc '_' / letters, digits, '-' or '_' only"
        )
    key_path, pub_path = out_dir / f"{agency}.key", out_dir / f"{agency}.pub"
    existing = [p for p in (key_path, pub_path) if p.exists() or p.is_symlink()]
    if not force and existing:
        # Overwriting a private key would orphan every bundle already signed with it.
        raise InputError(
            "khóa đã tồn tại (dùng --force để thay) / key already exists (use --force to replace it)",
            existing[0],
        )
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pub = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kept = key_path.read_bytes() if key_path.is_file() and not key_path.is_symlink() else None
    atomic_write(key_path, pem, mode=0o600)
    key_path.chmod(0o600)
    try:
        atomic_write(pub_path, pub)
    except BaseException:
        # Half a pair is worse than none: a new private key without its .pub signs what no one can
        # verify, and --force had already replaced the old one. The old key goes back (or none).
        try:
            if kept is None:
                key_path.unlink()
            else:
                atomic_write(key_path, kept, mode=0o600)
        except (OSError, InputError):
            pass
        raise
    return key_path, pub_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(read_input(path, "a key file", MAX_KEY_BYTES), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(
            f"không phải khóa bí mật PEM không mã hóa / not an unencrypted PEM private key ({exc})", path
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("không phải khóa bí mật Ed25519 / not an Ed25519 private key", path)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(read_input(path, "a key file", MAX_KEY_BYTES))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(f"không phải khóa công khai PEM / not a PEM public key ({exc})", path) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("không phải khóa công khai Ed25519 / not an Ed25519 public key", path)
    return key


def keyring_public_key(keyring: Path, agency: str) -> tuple[Ed25519PublicKey | None, str]:
    """(key, "") from ``keyring/<agency>.pub``, or (None, why not): missing, a symlink out of the
    keyring, not a regular file, too big, not an Ed25519 PEM key. Never raises, never blocks."""
    pub_path = Path(keyring) / f"{agency}.pub"
    if not pub_path.exists() and not pub_path.is_symlink():
        return None, (
            f"không có khóa công khai của cơ quan {agency!r} trong thư mục khóa / "
            f"no public key for agency {agency!r} in keyring ({pub_path})"
        )
    if not inside_folder(Path(keyring), pub_path):
        return (
            None,
            f"{pub_path}: liên kết ra ngoài thư mục khóa, không đọc / symlink leaves the keyring, not read",
        )
    try:
        return load_public_key(pub_path), ""
    except InputError as exc:
        return None, exc.format()
