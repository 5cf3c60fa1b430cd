"""Where a system's attestation file is: ``<root>/<agency>/<system>.yaml`` (or ``.yml``)."""

from __future__ import annotations

import os
from pathlib import Path

from secaudit.core.errors import InputError


def attestation_path(root: Path, agency: str, system: str) -> Path:
    base = Path(root) / agency
    found = []
    for ext in (".yaml", ".yml"):
        try:
            os.stat(base / f"{system}{ext}")
        except FileNotFoundError:
            continue
        except NotADirectoryError:  # bao is a file: not "no answers"
            raise InputError(
                "không phải thư mục / not a folder (expected <agency>/<system>.yaml)", base
            ) from None
        except OSError as exc:  # an agency folder the user may not enter: not "no answers"
            raise InputError(f"không đọc được / cannot read: {exc.strerror or exc}", base) from None
        found.append(base / f"{system}{ext}")
    if len(found) > 1:  # one would be read, the other's answers silently never count
        raise InputError(
            f"hai tệp xác nhận cho một hệ thống: {found[0].name} và {found[1].name}, hãy gộp lại / "
            f"two attestation files for one system: {found[0].name} and {found[1].name}; merge them",
            base,
        )
    return found[0] if found else base / f"{system}.yaml"


def _key_line(p: Path, key: str) -> int | None:
    """The line of a top-level ``key:`` (the YAML loader records lines of mappings, not keys)."""
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((i for i, ln in enumerate(lines, 1) if ln.startswith(f"{key}:")), None)
