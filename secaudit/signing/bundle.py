"""Assessment bundles: one JSON file per system, signed with the agency's Ed25519 key (DESIGN §7).

The signature covers the canonical JSON of ``assessment`` (sorted keys, UTF-8, separators (",", ":"),
no ASCII escaping). The file itself is written in one fixed layout per schema (/1: sorted keys, 2-space
indent; /2: sorted keys, compact) so that ``verify_file`` can also reject a byte changed outside the
signed content. ``assess`` writes /2 (bundle_v2.py); both are read (bundle_view.py).
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
from secaudit.core.jsonio import (
    MalformedJSON,
    canonical_candidates,
    fast_form,
    loads_strict,
    stdlib_canonical,
)
from secaudit.signing.bundle_view import SCHEMA_V1, SCHEMA_V2, SCHEMAS
from secaudit.signing.keys import key_id, keyring_public_key, load_private_key

SCHEMA = SCHEMA_V2  # what assess writes
MAX_BUNDLE_BYTES = 16 * 1024 * 1024  # a dual-regime /1 bundle is ~650 KB, /2 at most 200 KB


def canonical_json(obj: Any) -> bytes:
    """The bytes that are signed (the reference form; see fastjson for the verification fast path)."""
    return stdlib_canonical(obj)


def file_layout(bundle: dict[str, Any]) -> bytes:
    """The exact bytes a bundle file holds (its schema's layout; /1 as it always was)."""
    if bundle.get("schema") == SCHEMA_V1:
        text = json.dumps(bundle, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    else:
        text = json.dumps(bundle, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def sign_assessment(assessment: dict[str, Any], key_path: Path, schema: str = SCHEMA) -> dict[str, Any]:
    """The complete signed bundle ``{"schema", "assessment", "signature"}``."""
    private = load_private_key(Path(key_path))
    value = private.sign(canonical_json(assessment))
    return {
        "schema": schema,
        "assessment": assessment,
        "signature": {
            "algorithm": "ed25519",
            "key_id": key_id(private.public_key()),
            "value": base64.b64encode(value).decode("ascii"),
        },
    }


def unsigned_bundle(assessment: dict[str, Any], schema: str = SCHEMA) -> dict[str, Any]:
    return {"schema": schema, "assessment": assessment, "signature": None}


def make_bundle(assessment: dict[str, Any], key_path: Path | None, schema: str = SCHEMA) -> dict[str, Any]:
    """A bundle of ``schema`` for an assessment already in that schema's shape (build_assessment
    makes /2; tests make /1 ones with tests/bundle_factory.py)."""
    return sign_assessment(assessment, key_path, schema) if key_path else unsigned_bundle(assessment, schema)


def _agency_id(bundle: dict[str, Any]) -> str | None:
    agency = (bundle.get("assessment") or {}).get("agency")
    aid = agency.get("id") if isinstance(agency, dict) else None
    return aid if isinstance(aid, str) else None


def verify_bundle(bundle: dict[str, Any], keyring: Path) -> tuple[bool, str]:
    """Check the signature against ``keyring/<bundle's agency>.pub``; (ok, reason)."""
    if not isinstance(bundle, dict) or bundle.get("schema") not in SCHEMAS:
        return False, "không phải gói kết quả secaudit / not a secaudit bundle"
    assessment = bundle.get("assessment")
    if not isinstance(assessment, dict):
        return False, "gói kết quả không có phần đánh giá / no assessment in bundle"
    sig = bundle.get("signature")
    if sig is None:
        return False, "gói kết quả chưa ký / unsigned bundle"
    if not isinstance(sig, dict) or sig.get("algorithm") != "ed25519":
        return False, "chữ ký không hỗ trợ hoặc hỏng / unsupported or malformed signature (expected ed25519)"
    agency = _agency_id(bundle)
    if not agency or not ID_RE.match(agency):
        return False, "gói kết quả không nêu mã cơ quan hợp lệ / bundle names no valid agency id"
    public, why = keyring_public_key(Path(keyring), agency)
    if public is None:
        return False, why
    if sig.get("key_id") != key_id(public):
        return False, f"khóa ký không phải của {agency} / key_id does not match {agency}.pub"
    value = sig.get("value")
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        return False, "giá trị chữ ký không phải base64 / signature value is not base64"
    # Lenient base64 maps several strings to the same bytes: insist on the one canonical spelling.
    if base64.b64encode(raw).decode("ascii") != value:
        return False, "giá trị chữ ký không phải base64 chuẩn / signature value is not canonical base64"
    try:
        for data in canonical_candidates(assessment):
            try:
                public.verify(raw, data)
            except InvalidSignature:
                continue
            return True, f"do {agency} ký / signed by {agency} (key {sig['key_id'][:16]}…)"
    except ValueError as exc:
        return False, f"không chuẩn hóa được phần đánh giá / assessment cannot be canonicalised: {exc}"
    return False, "chữ ký không khớp nội dung / signature does not match the content"


def _parse(data: bytes, path: Path) -> dict[str, Any]:
    try:
        bundle = loads_strict(data, path)  # the one strict reader (DESIGN §10 "Trust")
    except MalformedJSON as exc:
        raise InputError(f"không phải gói kết quả / not a bundle: {exc.message}", path) from None
    if (
        not isinstance(bundle, dict)
        or bundle.get("schema") not in SCHEMAS
        or not isinstance(bundle.get("assessment"), dict)
    ):
        raise InputError(
            "không phải gói kết quả secaudit / "
            f"not a secaudit bundle (schema {' or '.join(SCHEMAS)} expected)",
            path,
        )
    return bundle


def load_bundle(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    return _parse(read_input(p, "a bundle (.json)", MAX_BUNDLE_BYTES), p)


def verify_file(path: str | Path, keyring: Path) -> tuple[bool, str]:
    """Like ``verify_bundle`` and also byte-exact: any change to the file fails.

    A missing file is an InputError (bad input); an unreadable or altered one is (False, reason).
    """
    p = Path(path)
    if not p.exists():
        raise InputError("không thấy tệp gói kết quả / bundle file not found", p)
    try:
        data = read_input(p, "a bundle (.json)", MAX_BUNDLE_BYTES)
        bundle = _parse(data, p)
    except InputError as exc:
        return False, exc.message
    return verify_bytes(data, bundle, keyring)


def verify_bytes(data: bytes, bundle: dict[str, Any], keyring: Path) -> tuple[bool, str]:
    """``verify_bundle`` of the parsed ``bundle`` plus the byte-exact check of the file ``data``
    it was parsed from: what ``verify`` and ``summary`` both use, so they agree on every file."""
    from secaudit.signing.shape import bundle_shape_problem

    why = bundle_shape_problem(bundle)
    if why:  # signed or not, summary would not count it: neither does verify
        return False, f"không phải gói kết quả đánh giá / not an assessment bundle: {why}"
    ok, reason = verify_bundle(bundle, keyring)
    if ok and not _layout_matches(data, bundle):
        return (
            False,
            "tệp đã bị sửa ngoài phần được ký / file altered outside the signed content (layout changed)",
        )
    return ok, reason


def _layout_matches(data: bytes, bundle: dict[str, Any]) -> bool:
    # orjson's rendering is the same bytes for every bundle secaudit writes (~20x faster); an
    # altered file differs from both, so the reference form is computed only for those.
    fast = fast_form(bundle, indent=bundle.get("schema") == SCHEMA_V1)
    return data == fast or data == file_layout(bundle)


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
    profiles: list[Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The /2 ``assessment``: DESIGN §7's content (extra keys are additions, e.g. additional, due,
    probes) made compact by bundle_v2.compact. ``profiles`` (model.Profile, primary first, then one
    per ``additional`` entry) name the catalogues and profile digests; without them the profiles are
    loaded again by the ids given."""
    from secaudit.signing.bundle_v2 import compact

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
    ids = [profile] + [x.get("profile") for x in out.get("additional") or [] if isinstance(x, dict)]
    return compact(
        out,
        [_block_ref(p, profiles[i] if profiles and i < len(profiles) else None) for i, p in enumerate(ids)],
    )


def _block_ref(profile_id: Any, prof: Any) -> dict[str, Any]:
    """{"catalog": {id, version, sha256}, "profile_digest"} of one verdict block."""
    from secaudit.config.catalog import applicable, load_profile, profile_catalog
    from secaudit.config.catalog_archive import catalog_ref, profile_digest

    if prof is None:
        prof = load_profile(str(profile_id))
    cat = profile_catalog(prof)
    return {"catalog": catalog_ref(cat), "profile_digest": profile_digest(prof, applicable(prof, cat))}
