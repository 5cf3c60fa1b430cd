"""Every catalogue version the package has shipped, so a report can render any old bundle.

A ``secaudit.bundle/2`` names its catalogue by id, version and SHA-256 of the catalogue file, and
carries no catalogue text. The texts come back from:

1. the shipped catalogue ``checklists/<id>.yaml`` when its SHA-256 matches;
2. else the archived copy ``checklists/archive/<id>/<version>-<sha12>/<id>.yaml`` listed in
   ``checklists/archive/index.yaml`` (id, version, sha256, file) — the file keeps its id as its stem;
3. else the shipped catalogue of that id, with a note that the texts are of another version.

Releasing a changed catalogue: run ``python -m secaudit.config.catalog_archive`` to copy it into the
archive (tests/test_bundle_v2.py fails while a shipped catalogue is not archived).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from secaudit.core.model import Catalog, Profile
from secaudit.core.reasons import Reason
from secaudit.core.resources import data_dir
from secaudit.core.yamlio import load_yaml

ARCHIVE = "archive"
INDEX = "index.yaml"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=32)
def _sha_cached(path: str, mtime_ns: int, size: int) -> str:
    return file_sha256(Path(path))


def catalog_sha256(catalog: Catalog) -> str:
    """SHA-256 of the catalogue's file ("" for a catalogue built in memory)."""
    if catalog.path is None:
        return ""
    p = Path(catalog.path).resolve()
    st = p.stat()
    return _sha_cached(str(p), st.st_mtime_ns, st.st_size)


def catalog_ref(catalog: Catalog) -> dict[str, str]:
    """How a /2 bundle names a catalogue."""
    return {"id": catalog.id, "version": catalog.version, "sha256": catalog_sha256(catalog)}


def resolved_profile(profile: Profile, rows: list[tuple[Any, Any]]) -> dict[str, Any]:
    """What a profile decides once resolved: catalogue, level, the applicable requirement ids, the
    tailored-out ones with their justification, and the parameters."""
    return {
        "catalog": profile.catalog,
        "level": profile.level,
        "requirements": [r.id for r, t in rows if t is None],
        "not_applicable": {r.id: t.justification for r, t in rows if t is not None},
        "parameters": profile.parameters,
    }


def profile_digest(profile: Profile, rows: list[tuple[Any, Any]]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, compact, UTF-8) of ``resolved_profile``."""
    data = json.dumps(
        resolved_profile(profile, rows),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- archive


def archive_dir() -> Path:
    return data_dir("checklists") / ARCHIVE


@lru_cache(maxsize=1)
def _index_cached(path: str, mtime_ns: int) -> tuple[dict[str, Any], ...]:
    data = load_yaml(Path(path))
    entries = data.get("catalogs") if isinstance(data, dict) else None
    return tuple(e for e in entries or [] if isinstance(e, dict))


def archive_index() -> list[dict[str, Any]]:
    """Entries ``{"id", "version", "sha256", "file"}`` (file relative to the archive folder)."""
    p = archive_dir() / INDEX
    if not p.is_file():
        return []
    return list(_index_cached(str(p), p.stat().st_mtime_ns))


def _load(path: Path) -> Catalog | None:
    from secaudit.config.catalog import load_catalog
    from secaudit.core.errors import InputError

    try:
        return load_catalog(str(path))
    except InputError:
        return None


def find_catalog(catalog_id: Any, sha256: Any = None) -> tuple[Catalog | None, Reason | None]:
    """(catalogue, note) for a bundle's catalogue entry. The note says when the texts are not the
    exact version the bundle was made with. Only shipped and archived files are read: a bundle is
    untrusted input and must not make us open any path."""
    from secaudit.config.catalog import catalog_ids, load_catalog

    if not isinstance(catalog_id, str) or not catalog_id:
        return None, None
    shipped = catalog_id in catalog_ids()
    current = load_catalog(catalog_id) if shipped else None
    if current is not None and (not sha256 or catalog_sha256(current) == sha256):
        return current, None
    if isinstance(sha256, str) and sha256:
        for e in archive_index():
            if e.get("id") == catalog_id and e.get("sha256") == sha256 and isinstance(e.get("file"), str):
                path = (archive_dir() / e["file"]).resolve()
                if archive_dir().resolve() in path.parents and path.is_file():
                    old = _load(path)
                    if old is not None and old.id == catalog_id:
                        return old, None
    if current is not None:
        return current, Reason("catalog_other_version", {"catalog": catalog_id, "version": current.version})
    return None, Reason("catalog_unknown", {"catalog": catalog_id})


def archive_current(out: Any = None) -> list[str]:
    """Copy every shipped catalogue that is not archived yet into the archive; the new entries."""
    from secaudit.config.catalog import catalog_ids, load_catalog

    root = archive_dir()
    index = archive_index()
    known = {(e.get("id"), e.get("sha256")) for e in index}
    added = []
    for cid in catalog_ids():
        cat = load_catalog(cid)
        sha = catalog_sha256(cat)
        if (cid, sha) in known:
            continue
        rel = f"{cid}/{cat.version}-{sha[:12]}/{cid}.yaml"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cat.path, root / rel)
        index.append({"id": cid, "version": cat.version, "sha256": sha, "file": rel})
        added.append(rel)
    if added:
        lines = [
            "# Every catalogue version secaudit has shipped (python -m secaudit.config.catalog_archive).",
            "catalogs:",
        ]
        for e in sorted(index, key=lambda e: (str(e.get("id")), str(e.get("file")))):
            lines += [
                f"  - id: {e['id']}",
                f'    version: "{e["version"]}"',
                f"    sha256: {e['sha256']}",
                f"    file: {e['file']}",
            ]
        (root / INDEX).write_text("\n".join(lines) + "\n", encoding="utf-8")
        _index_cached.cache_clear()
    return added


if __name__ == "__main__":  # pragma: no cover - release helper
    for rel in archive_current():
        print(f"archived {rel}", file=sys.stderr)
