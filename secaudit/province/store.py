"""History of summarised bundles in SQLite (stdlib), for the trend over periods.

A bundle is ingested once, keyed by the SHA-256 of its file; re-running a summary over the same
folder changes nothing. Headline figures are recorded per period (the latest run wins).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from secaudit.core.errors import InputError
from secaudit.province.digest import Digest, period_key

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bundles (
  hash TEXT PRIMARY KEY, file TEXT, agency TEXT NOT NULL, system TEXT NOT NULL, period TEXT NOT NULL,
  level INTEGER, verified INTEGER NOT NULL, meets_level INTEGER, compliance_pct REAL,
  assessed_at TEXT, ingested_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bundles_sys ON bundles (agency, system, period);
CREATE TABLE IF NOT EXISTS requirement_status (
  hash TEXT NOT NULL REFERENCES bundles(hash), requirement TEXT NOT NULL, status TEXT NOT NULL,
  PRIMARY KEY (hash, requirement)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS headlines (
  period TEXT PRIMARY KEY, agencies INTEGER, agencies_meeting INTEGER, pct REAL, systems INTEGER,
  systems_meeting INTEGER, missing INTEGER, unverified INTEGER, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bundle_scores (
  hash TEXT PRIMARY KEY REFERENCES bundles(hash), passed INTEGER, judged INTEGER, error INTEGER,
  expiries TEXT) WITHOUT ROWID;
"""

_COLUMNS = {
    "bundles": [
        "hash",
        "file",
        "agency",
        "system",
        "period",
        "level",
        "verified",
        "meets_level",
        "compliance_pct",
        "assessed_at",
        "ingested_at",
    ],
    "requirement_status": ["hash", "requirement", "status"],
    # re-judged automated score weights and attestation validity (issue 11 "what changed")
    "bundle_scores": ["hash", "passed", "judged", "error", "expiries"],
    "headlines": [
        "period",
        "agencies",
        "agencies_meeting",
        "pct",
        "systems",
        "systems_meeting",
        "missing",
        "unverified",
        "recorded_at",
    ],
}

HEADLINE_KEYS = ("agencies", "agencies_meeting", "pct", "systems", "systems_meeting", "missing", "unverified")


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path)
        except sqlite3.Error as exc:
            raise InputError(
                f"không dùng được làm kho dữ liệu secaudit / not a usable secaudit store (SQLite): {exc}",
                path,
            ) from None
        try:
            self.db.executescript(_SCHEMA)
            # Another application's database may already have tables with these names.
            for table, columns in _COLUMNS.items():
                found = [row[1] for row in self.db.execute(f"PRAGMA table_info({table})")]
                if found != columns:
                    raise InputError(
                        "không phải kho dữ liệu secaudit / "
                        f"not a secaudit store: table {table!r} has columns {found}",
                        path,
                    )
        except (sqlite3.Error, InputError) as exc:
            self.db.close()
            if isinstance(exc, InputError):
                raise
            raise InputError(
                f"không dùng được làm kho dữ liệu secaudit / not a usable secaudit store (SQLite): {exc}",
                path,
            ) from None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is None:
            self.db.commit()
        self.db.close()

    def ingest(self, digests: list[Digest]) -> int:
        """Add bundles not seen before; returns how many were new."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        known = {h for (h,) in self.db.execute("SELECT hash FROM bundles")}
        new = 0
        rows, statuses, scores = [], [], []
        for d in digests:
            if d.error or not d.sha256 or d.sha256 in known:
                continue
            known.add(d.sha256)
            new += 1
            rows.append(
                (
                    d.sha256,
                    d.file,
                    d.agency,
                    d.system,
                    d.period,
                    d.level,
                    int(d.verified),
                    None if d.meets_level is None else int(d.meets_level),
                    d.compliance_pct,
                    d.assessed_at,
                    now,
                )
            )
            statuses.extend((d.sha256, rid, st) for rid, st in d.statuses.items())
            w = (d.score or {}).get("score_weights") if d.verified else None
            if isinstance(w, dict):
                expiries = json.dumps(d.expiries or {}, sort_keys=True)
                scores.append((d.sha256, w.get("passed"), w.get("judged"), w.get("error"), expiries))
        with self.db:
            self.db.executemany("INSERT INTO bundles VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            self.db.executemany("INSERT OR IGNORE INTO requirement_status VALUES (?,?,?)", statuses)
            self.db.executemany("INSERT OR IGNORE INTO bundle_scores VALUES (?,?,?,?,?)", scores)
        return new

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM bundles").fetchone()[0])

    def record_headline(self, period: str, totals: dict[str, Any]) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO headlines VALUES (?,?,?,?,?,?,?,?,?)",
                (period, *(totals.get(k) for k in HEADLINE_KEYS), now),
            )

    def trend(self) -> list[dict[str, Any]]:
        """Per period: headline figures, and per system the requirements that changed since the
        system's previous period in the store (pass→fail, fail→pass)."""
        heads = {
            r[0]: dict(zip(HEADLINE_KEYS, r[1:], strict=True))
            for r in self.db.execute(f"SELECT period, {', '.join(HEADLINE_KEYS)} FROM headlines")
        }
        # One bundle per system and period: a verified one, then the latest assessment.
        best: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        sql = "SELECT agency, system, period, verified, assessed_at, file, hash FROM bundles"
        for row in self.db.execute(sql):
            k = row[:3]
            if k not in best or row[3:6] > best[k][3:6]:
                best[k] = row
        per_sys: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for (agency, system, period), row in best.items():
            if row[3]:  # an unverified bundle's verdicts are never believed (DESIGN §10 "Trust")
                per_sys[(agency, system)].append((period, row[6]))
        periods = sorted(set(heads) | {p for (_, _, p) in best}, key=period_key)
        changes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (agency, system), items in sorted(per_sys.items()):
            items.sort(key=lambda x: period_key(x[0]))
            for (prev_p, prev_h), (cur_p, cur_h) in zip(items, items[1:], strict=False):
                before, after = self._statuses(prev_h), self._statuses(cur_h)
                p2f = sorted(r for r, s in after.items() if s == "fail" and before.get(r) == "pass")
                f2p = sorted(r for r, s in after.items() if s == "pass" and before.get(r) == "fail")
                if p2f or f2p:
                    changes[cur_p].append(
                        {
                            "agency": agency,
                            "system": system,
                            "previous_period": prev_p,
                            "pass_to_fail": p2f,
                            "fail_to_pass": f2p,
                        }
                    )
        # The province's automated score per period: weights of each system's chosen bundle add up.
        weights: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (_, _, period), row in best.items():
            sc = self.db.execute(
                "SELECT passed, judged FROM bundle_scores WHERE hash = ?", (row[6],)
            ).fetchone()
            if sc and row[3] and sc[1]:
                weights[period][0] += int(sc[0] or 0)
                weights[period][1] += int(sc[1] or 0)
        out = []
        for p in periods:
            entry: dict[str, Any] = {"period": p}
            entry.update(heads.get(p) or dict.fromkeys(HEADLINE_KEYS))
            entry["changes"] = changes.get(p, [])
            passed, judged = weights.get(p, (0, 0))
            entry["automated_score"] = round(100.0 * passed / judged, 1) if judged else None
            out.append(entry)
        return out

    def previous(self, period: str, compare: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
        """Per (agency, system): the snapshot of its latest period before ``period`` in the store
        (or of ``compare``): {"period", "statuses", "score_weights"} (verified bundles only)."""
        best: dict[tuple[str, str], tuple[Any, ...]] = {}
        sql = "SELECT agency, system, period, verified, assessed_at, file, hash FROM bundles"
        now_key = period_key(period)
        for row in self.db.execute(sql):
            p = row[2]
            if not row[3]:  # an unverified bundle's verdicts are never believed (DESIGN §10 "Trust")
                continue
            if (compare is not None and p != compare) or (compare is None and period_key(p) >= now_key):
                continue
            k = (row[0], row[1])
            if k not in best or (period_key(p), row[3:6]) > (period_key(best[k][2]), best[k][3:6]):
                best[k] = row
        out = {}
        for k, row in best.items():
            sc = self.db.execute(
                "SELECT passed, judged, error FROM bundle_scores WHERE hash = ?", (row[6],)
            ).fetchone()
            weights = {"passed": sc[0], "judged": sc[1], "error": sc[2]} if sc and row[3] else None
            out[k] = {"period": row[2], "statuses": self._statuses(row[6]), "score_weights": weights}
        return out

    def _statuses(self, bundle_hash: str) -> dict[str, str]:
        return dict(
            self.db.execute(
                "SELECT requirement, status FROM requirement_status WHERE hash = ?", (bundle_hash,)
            )
        )
