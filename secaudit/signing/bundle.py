"""Assessment bundles: one JSON file per system, signed with the agency's Ed25519 key (DESIGN §7).

The signature covers the canonical JSON of ``assessment`` (sorted keys, UTF-8, separators (",", ":"),
no ASCII escaping). The file itself is written in one fixed layout (sorted keys, 2-space indent) so
that ``verify_file`` can also reject a byte changed outside the signed content.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, read_input
from secaudit.core.ids import ID_RE
from secaudit.core.jsonio import canonical_candidates, stdlib_canonical
from secaudit.core.jsonio import loads as json_loads
from secaudit.signing.keys import key_id, load_private_key, load_public_key

SCHEMA = "secaudit.bundle/1"


def canonical_json(obj: Any) -> bytes:
    """The bytes that are signed (the reference form; see fastjson for the verification fast path)."""
    return stdlib_canonical(obj)


def file_layout(bundle: dict[str, Any]) -> bytes:
    """The exact bytes a bundle file holds."""
    return (json.dumps(bundle, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode(
        "utf-8"
    )


def sign_assessment(assessment: dict[str, Any], key_path: Path) -> dict[str, Any]:
    """The complete signed bundle ``{"schema", "assessment", "signature"}``."""
    private = load_private_key(Path(key_path))
    value = private.sign(canonical_json(assessment))
    return {
        "schema": SCHEMA,
        "assessment": assessment,
        "signature": {
            "algorithm": "ed25519",
            "key_id": key_id(private.public_key()),
            "value": base64.b64encode(value).decode("ascii"),
        },
    }


def unsigned_bundle(assessment: dict[str, Any]) -> dict[str, Any]:
    return {"schema": SCHEMA, "assessment": assessment, "signature": None}


def make_bundle(assessment: dict[str, Any], key_path: Path | None) -> dict[str, Any]:
    return sign_assessment(assessment, key_path) if key_path else unsigned_bundle(assessment)


def _agency_id(bundle: dict[str, Any]) -> str | None:
    agency = (bundle.get("assessment") or {}).get("agency")
    aid = agency.get("id") if isinstance(agency, dict) else None
    return aid if isinstance(aid, str) else None


def verify_bundle(bundle: dict[str, Any], keyring: Path) -> tuple[bool, str]:
    """Check the signature against ``keyring/<bundle's agency>.pub``; (ok, reason)."""
    if not isinstance(bundle, dict) or bundle.get("schema") != SCHEMA:
        return False, "not a secaudit bundle / không phải gói kết quả"
    assessment = bundle.get("assessment")
    if not isinstance(assessment, dict):
        return False, "no assessment in bundle"
    sig = bundle.get("signature")
    if sig is None:
        return False, "unsigned bundle / gói chưa ký"
    if not isinstance(sig, dict) or sig.get("algorithm") != "ed25519":
        return False, "unsupported or malformed signature (expected ed25519)"
    agency = _agency_id(bundle)
    if not agency or not ID_RE.match(agency):
        return False, "bundle names no valid agency id"
    pub_path = Path(keyring) / f"{agency}.pub"
    if not pub_path.exists():
        return False, f"no public key for agency {agency!r} in keyring ({pub_path})"
    try:
        public = load_public_key(pub_path)
    except InputError as exc:
        return False, exc.format()
    if sig.get("key_id") != key_id(public):
        return False, f"key_id does not match {pub_path.name} / khóa ký không phải của {agency}"
    value = sig.get("value")
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        return False, "signature value is not base64"
    # Lenient base64 maps several strings to the same bytes: insist on the one canonical spelling.
    if base64.b64encode(raw).decode("ascii") != value:
        return False, "signature value is not canonical base64"
    try:
        for data in canonical_candidates(assessment):
            try:
                public.verify(raw, data)
            except InvalidSignature:
                continue
            return True, f"signed by {agency} (key {sig['key_id'][:16]}…)"
    except ValueError as exc:
        return False, f"assessment cannot be canonicalised: {exc}"
    return False, "signature does not match the content / chữ ký không khớp nội dung"


def _parse(data: bytes, path: Path) -> dict[str, Any]:
    try:
        bundle = json_loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a JSON bundle ({exc})", path) from None
    if (
        not isinstance(bundle, dict)
        or bundle.get("schema") != SCHEMA
        or not isinstance(bundle.get("assessment"), dict)
    ):
        raise InputError(f"not a secaudit bundle (schema {SCHEMA} expected)", path)
    return bundle


def load_bundle(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    return _parse(read_input(p, "a bundle (.json)"), p)


def verify_file(path: str | Path, keyring: Path) -> tuple[bool, str]:
    """Like ``verify_bundle`` and also byte-exact: any change to the file fails.

    A missing file is an InputError (bad input); an unreadable or altered one is (False, reason).
    """
    p = Path(path)
    data = read_input(p, "a bundle (.json)")
    try:
        bundle = _parse(data, p)
    except InputError as exc:
        return False, exc.message
    ok, reason = verify_bundle(bundle, keyring)
    if ok and data != file_layout(bundle):
        return False, "file altered outside the signed content (layout changed) / tệp đã bị sửa"
    return ok, reason


def bundle_filename(bundle: dict[str, Any]) -> str:
    a = bundle["assessment"]
    return f"{a['agency']['id']}.{a['system']['id']}.{a['period']}.json"


def write_bundle(bundle: dict[str, Any], out_dir: str | Path) -> Path:
    path = Path(out_dir) / bundle_filename(bundle)
    atomic_write(path, file_layout(bundle))
    return path


def build_assessment(
    *,
    province: str,
    agency: dict[str, Any],
    system: dict[str, Any],
    profile: str,
    period: str,
    assessed_at: str,
    tool_version: str,
    targets: list[dict[str, Any]],
    requirements: list[dict[str, Any]],
    summary: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    """The ``assessment`` object of DESIGN §7 (extra keys are additions, e.g. additional, catalog)."""
    out: dict[str, Any] = {
        "province": province,
        "agency": agency,
        "system": system,
        "profile": profile,
        "period": str(period),
        "assessed_at": assessed_at,
        "tool": {"name": "secaudit", "version": tool_version},
        "targets": targets,
        "requirements": requirements,
        "summary": summary,
    }
    out.update({k: v for k, v in extra.items() if v is not None})
    return out
