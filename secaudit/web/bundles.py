"""Signed bundles uploaded by an agency: verified on arrival with the same reader and verifier as
``secaudit verify`` and the summary (province/digest: strict JSON, bundle shape, signature against
``keyring/<agency>.pub``, re-judging), kept in ``bundles/`` only when they verify."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from secaudit.core.errors import InputError

_PERIOD = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}")


@dataclass
class Verdict:
    accepted: bool
    reason: str
    file: str = ""
    system: str = ""
    trust: str = ""


def too_large(max_bytes: int) -> InputError:
    """The refusal of a bundle over ``max_bytes``: here, and when the upload handler cut it off."""
    return InputError(f"gói quá lớn (tối đa {max_bytes} byte) / bundle too large (at most {max_bytes} bytes)")


def read_upload(upload: Any, max_bytes: int) -> bytes:
    chunks, size = [], 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def receive(raw: bytes, agency: str) -> Verdict:
    """Verify ``raw`` as ``agency``'s bundle; write it to the bundles folder when it verifies."""
    from secaudit.core.files import atomic_write
    from secaudit.province.digest import Verifier, digest_bytes
    from secaudit.web import data

    d = digest_bytes("upload.json", raw, Verifier(data.keyring_dir()))
    if d.error:
        return Verdict(False, d.error)
    if d.agency != agency:
        return Verdict(
            False, f"gói của cơ quan khác ({d.agency}) / the bundle is another agency's ({d.agency})"
        )
    if data.find_system(agency, d.system) is None:
        return Verdict(False, f"hệ thống {d.system!r} không có trong danh mục / system not in the inventory")
    if not _PERIOD.fullmatch(d.period):
        return Verdict(False, f"kỳ {d.period!r} không hợp lệ / invalid period")
    if not d.verified:
        return Verdict(False, f"chữ ký không hợp lệ / signature not valid: {d.verify_reason}")
    name = f"{d.agency}.{d.system}.{d.period}.json"
    atomic_write(data.bundles_dir() / name, raw)
    return Verdict(True, d.verify_reason, name, d.system, d.trust)
