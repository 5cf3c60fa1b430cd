"""The summary's incremental cache: one bundle file's digest, keyed by the file's SHA-256.

A later ``summary`` over a folder where 1 % of the bundles changed digests only that 1 %; every
other file is still read and hashed, and its digest (what the worker would return: verified,
re-judged, accepted or not) comes from the cache. Trust (DESIGN §10) is kept:

- an entry is used only for a file whose SHA-256 is its key: a changed or tampered file is a miss,
  so it is parsed, verified and re-judged again (and fails if its signature does);
- the key also holds the *context*: the tool version, a digest of the tool's own code and data
  (checks, rules, catalogues, profiles: an edit without a version bump still invalidates), the
  shipped catalogue ids and SHA-256s, the keyring (every ``*.pub``, reviewers too) and the options
  that change a digest (the inventory's ``require_review``). Any change is a new context: every
  entry of the old one is a miss, and is dropped at the next write;
- every entry carries an HMAC-SHA256 under a random secret kept beside the database (``secret``,
  mode 0600): an entry edited or written by anything but secaudit is a miss; a payload that is not
  exactly the shape of a digest is a miss; a file that is not our SQLite database is set aside and
  the cache rebuilt. A cache can make a run faster, never change a figure.

Layout: ``DIR/digests.sqlite`` (table ``digests``: key, context, payload, mac) and ``DIR/secret``.
Digests that name requirement titles themselves (``secaudit.bundle/1`` bundles) are not cached:
their titles travel once per worker (digest.py), which a cached copy could not reproduce.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = "secaudit.summary-cache/1"
DB_NAME = "digests.sqlite"
SECRET_NAME = "secret"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (key TEXT PRIMARY KEY, context TEXT NOT NULL, payload BLOB NOT NULL,
  mac BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS info (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
MAX_PAYLOAD = 1 << 20  # a digest is a few KB: anything larger is not ours
FLUSH = 256  # new entries written per transaction


def default_dir() -> Path | None:
    """``$XDG_CACHE_HOME/secaudit/summary`` (``~/.cache/secaudit/summary``); None when there is no
    home to name it by (a container's uid without a passwd entry or HOME): the run is a cold one."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "secaudit" / "summary"


# --------------------------------------------------------------------------- the context


def _hash_tree(h: Any, root: Path, sub: str, patterns: tuple[str, ...]) -> None:
    for pat in patterns:
        for p in sorted((root / sub).rglob(pat)):
            if "__pycache__" in p.parts or not p.is_file():
                continue
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")


# What a digest is made by: the rules, readers, verifier and re-judging, their data, the catalogues and
# profiles (render/, web/, commands/, lab/, demo/ cannot change a digest, so their edits keep the cache).
DIGEST_MAKERS = (
    "core",
    "config",
    "checks",
    "assessment",
    "signing",
    "province",
    "data",
    "checklists",
    "profiles",
)


@lru_cache(maxsize=4)
def _code_digest(root: str, stamp: tuple[int, int]) -> str:
    from secaudit.core.resources import data_dir

    h = hashlib.sha256()
    for sub in DIGEST_MAKERS:
        if (Path(root) / sub).is_dir():
            _hash_tree(h, Path(root), sub, ("*.py", "*.yaml", "*.yml"))
    for name in ("checklists", "profiles"):  # shipped data, inside the wheel or beside the checkout
        folder = data_dir(name)
        if folder.is_dir():
            _hash_tree(h, folder.parent, folder.name, ("*.yaml", "*.yml"))
    return h.hexdigest()


def code_digest() -> str:
    """SHA-256 of the code and data a digest is made by (an edit without a version bump counts)."""
    import secaudit

    root = Path(secaudit.__file__).resolve().parent
    files = [
        p for sub in DIGEST_MAKERS for p in (root / sub).rglob("*") if p.suffix in (".py", ".yaml", ".yml")
    ]
    newest = max((p.stat().st_mtime_ns for p in files), default=0)
    return _code_digest(str(root), (newest, len(files)))


def catalog_digests() -> list[tuple[str, str]]:
    """(id, SHA-256) of every shipped catalogue, and of the archive of older versions."""
    from secaudit.config.catalog import catalog_ids, load_catalog
    from secaudit.config.catalog_archive import archive_index, catalog_sha256

    out = [(cid, catalog_sha256(load_catalog(cid))) for cid in catalog_ids()]
    out += [(f"archive:{e.get('id')}", str(e.get("sha256"))) for e in archive_index()]
    return out


def keyring_digest(keyring: Path | None) -> str:
    """SHA-256 over every key the verifier and the review check may read ("" without a keyring)."""
    if keyring is None:
        return ""
    h = hashlib.sha256()
    for folder in (keyring, keyring / "reviewers"):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.pub")):
            h.update(f"{p.relative_to(keyring).as_posix()}\0".encode())
            try:
                h.update(p.read_bytes()[: 1 << 16] if p.is_file() else b"<not a file>")
            except OSError as exc:
                h.update(f"<unreadable {exc.errno}>".encode())
            h.update(b"\0")
    return h.hexdigest()


def context(keyring: Path | None, options: dict[str, Any]) -> str:
    """The digest every entry of this run is keyed under."""
    from secaudit import __version__
    from secaudit.core.jsonio import stdlib_canonical

    parts = {
        "format": FORMAT,
        "tool": __version__,
        "code": code_digest(),
        "catalogs": catalog_digests(),
        "keyring": keyring_digest(keyring),
        "options": options,
    }
    return hashlib.sha256(stdlib_canonical(parts)).hexdigest()


def review_options(policy: dict[str, Any]) -> dict[str, Any]:
    """The inventory's require_review rule (digest.REVIEW_POLICY) as JSON for the context."""
    return {
        "all": bool(policy.get("all")),
        "systems": sorted(list(k) for k in policy.get("systems") or ()),
        "exempt": sorted(list(k) for k in policy.get("exempt") or ()),
    }


# --------------------------------------------------------------------------- entries


def entry_key(ctx: str, file_sha256: str) -> str:
    return hashlib.sha256(f"{ctx}:{file_sha256}".encode()).hexdigest()


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).digest()


def encode(d: Any) -> bytes:
    """A digest's payload (its fields but the file name and hash, which the lookup supplies)."""
    import orjson

    body = {f.name: getattr(d, f.name) for f in fields(d) if f.name not in _NOT_STORED}
    return orjson.dumps(body)  # insertion order kept: the summary renders dicts in their order


_NOT_STORED = ("file", "sha256", "meta", "cacheable")
# field -> the JSON types it may hold (None: any JSON value of the right top-level type is checked below)
_STR, _LIST, _DICT = (str,), (list,), (dict,)
_TYPES: dict[str, tuple[type, ...]] = {
    "error": _STR, "agency": _STR, "agency_name": _STR, "system": _STR, "system_name": _STR,
    "level": (int, type(None)), "period": _STR, "province": _STR, "assessed_at": _STR, "profile": _STR,
    "catalog": _STR, "verified": (bool,), "verify_reason": _STR, "counts": _DICT,
    "compliance_pct": (int, float, type(None)), "meets_level": (bool, type(None)), "statuses": _DICT,
    "by_status": _DICT, "additional": _LIST, "tool_version": _STR, "trust": _STR, "trust_reason": _STR,
    "differing": _LIST, "profile_problems": _LIST, "tailored": _LIST, "domains": _LIST,
    "stored_meets_level": (bool, type(None)), "reviews": _DICT, "score": _DICT, "expiries": _DICT,
    "meta_refs": _LIST, "warnings": _LIST,
}  # fmt: skip


def _str_map(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items())


def _int_map(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(x, int) and not isinstance(x, bool) for k, x in v.items()
    )


def _id_lists(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and _strs(x) for k, x in v.items())


def _strs(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _stored_fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls) if f.name not in _NOT_STORED)


def decode(payload: bytes, cls: type, file: str, sha256: str) -> Any:
    """The ``cls`` (province.digest.Digest) a payload stands for, or None when it is not exactly a
    digest's shape."""
    import orjson

    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or set(body) != _stored_fields(cls):
        return None
    for name, types in _TYPES.items():
        v = body.get(name)
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
            return None
    ok = (
        _int_map(body["counts"])
        and _str_map(body["statuses"])
        and _id_lists(body["by_status"])
        and _str_map(body["expiries"])
        and _int_map(body["reviews"])
        and all(map(_strs, (body["differing"], body["profile_problems"], body["tailored"], body["domains"])))
        and _strs(body["warnings"])
        and all(isinstance(e, dict) for e in body["additional"])
        and all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, (str, type(None))) for x in r)
                for r in body["meta_refs"])
    )  # fmt: skip
    if not ok:
        return None
    body["meta_refs"] = [tuple(r) for r in body["meta_refs"]]
    return cls(file=file, sha256=sha256, **body)


# --------------------------------------------------------------------------- the database


class Cache:
    """Read side (``lookup``, in every worker) and write side (``store``, the main process)."""

    def __init__(self, folder: Path, ctx: str, cls: type) -> None:
        self.folder, self.ctx, self.cls = Path(folder), ctx, cls
        self.db_path = self.folder / DB_NAME
        self.secret = b""
        self.hits = self.misses = self.rejected = 0  # lookups in this process
        self.arrived_hits = self.stored = 0  # the run's, counted by the main process
        self._pending: list[tuple[str, bytes, bytes]] = []
        self._db: sqlite3.Connection | None = None  # read (each worker its own)
        self._wdb: sqlite3.Connection | None = None  # write (the main process)

    # main process, before the workers start
    def prepare(self) -> bool:
        """Create or check the folder, secret and database; False: run without a cache."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.secret = self._secret()
            self._open_checked()
        except (OSError, sqlite3.Error):
            return False
        return True

    def _secret(self) -> bytes:
        p = self.folder / SECRET_NAME
        try:
            raw = p.read_bytes() if p.is_file() and not p.is_symlink() else b""
        except OSError:
            raw = b""
        if len(raw) == 32:
            return raw
        raw = secrets.token_bytes(32)  # a new secret voids every entry: a rebuilt cache
        tmp = p.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)  # a link planted there must not be followed (it would be overwritten)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(tmp, flags, 0o600), "wb") as f:
            f.write(raw)
        os.replace(tmp, p)
        return raw

    def _open_checked(self) -> None:
        for attempt in (1, 2):
            try:
                if self.db_path.is_symlink():  # SQLite would write through it into another database
                    raise sqlite3.DatabaseError("a symlink, not a secaudit summary cache")
                db = sqlite3.connect(self.db_path, timeout=10)
                db.execute("PRAGMA journal_mode=WAL")  # the workers read while the main process writes
                db.executescript(_SCHEMA)
                cols = [r[1] for r in db.execute("PRAGMA table_info(digests)")]
                if cols != ["key", "context", "payload", "mac"]:
                    raise sqlite3.DatabaseError("not a secaudit summary cache")
                db.execute("INSERT OR REPLACE INTO info VALUES ('format', ?)", (FORMAT,))
                db.commit()
                db.close()
                return
            except sqlite3.DatabaseError:
                if attempt == 2:
                    raise
                # Not our database (corrupt, another program's): set it aside and start again.
                self.db_path.replace(self.db_path.with_name(DB_NAME + ".broken"))
                for extra in ("-wal", "-shm"):  # its journal is not the new database's
                    self.db_path.with_name(DB_NAME + extra).unlink(missing_ok=True)

    # worker processes (and the main one for small folders)
    def lookup(self, file: str, sha256: str) -> Any:
        """The cached Digest of the file with this SHA-256, or None."""
        key = entry_key(self.ctx, sha256)
        try:
            if self._db is None:
                # as_uri escapes "?", "#" and "%" of the folder's name (else SQLite opens another file)
                uri = self.db_path.absolute().as_uri() + "?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=10)
            row = self._db.execute("SELECT payload, mac FROM digests WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            row = None
        if row is None:
            self.misses += 1
            return None
        payload, mac = row
        good = isinstance(payload, bytes) and isinstance(mac, bytes) and len(payload) <= MAX_PAYLOAD
        good = good and hmac.compare_digest(mac, _mac(self.secret, key, payload))
        d = decode(payload, self.cls, file, sha256) if good else None
        if d is None:
            self.rejected += 1
        else:
            self.hits += 1
            d.cached = True  # an attribute, not a field (digest_dir counts and removes it)
        return d

    def entry(self, d: Any) -> tuple[str, bytes, bytes] | None:
        """(key, payload, mac) to store for a freshly made digest, or None when it is not cacheable."""
        if d.meta or not d.cacheable or not d.sha256:
            return None
        try:
            key, payload = entry_key(self.ctx, d.sha256), encode(d)
        except (TypeError, ValueError):  # a value JSON cannot hold (orjson's errors are both): no copy
            return None
        if len(payload) > MAX_PAYLOAD or decode(payload, self.cls, d.file, d.sha256) != d:
            return None  # kept only what reads back as the very same digest
        return key, payload, _mac(self.secret, key, payload)

    # main process, as each digest arrives from a worker (province/digest.py)
    def took(self, d: Any) -> Any:
        """Count a hit, or queue the new digest's entry (written every FLUSH, not held to the end)."""
        if d.__dict__.pop("cached", False):
            self.arrived_hits += 1
        entry = d.__dict__.pop("cache_entry", None)
        if entry is not None:
            self._pending.append(entry)
        if len(self._pending) >= FLUSH:
            self._flush()
        return d

    def _flush(self) -> None:
        # best effort: a cache that cannot be written only costs time
        self.stored += len(self._pending) if self.store(self._pending) else 0
        self._pending.clear()

    def finish(self) -> dict[str, int]:
        """Write what is left, close; the run's {"hits", "stored"}."""
        self._flush()
        self.close()
        return {"hits": self.arrived_hits, "stored": self.stored}

    def close(self) -> None:
        for db in (self._db, self._wdb):
            if db is not None:
                db.close()
        self._db = self._wdb = None

    # main process, after every digest is in
    def store(self, entries: list[tuple[str, bytes, bytes]]) -> bool:
        """Write new entries (the main process, while the workers read); the first write of a run
        drops the entries of other contexts. False if the write failed."""
        try:
            if self._wdb is None:
                self._wdb = sqlite3.connect(self.db_path, timeout=10)
                with self._wdb:
                    self._wdb.execute("DELETE FROM digests WHERE context != ?", (self.ctx,))
            with self._wdb:
                self._wdb.executemany(
                    "INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?)",
                    [(k, self.ctx, p, m) for k, p, m in entries],
                )
        except sqlite3.Error:
            return False
        return True
