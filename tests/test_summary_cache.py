"""The summary's incremental cache (province/cache.py, issue 16 item 3): a cached run says exactly
what a cold one says; anything that could change a digest is a miss; a cache is never believed.

Bundles are real (tests/real_bundles.py: the assess service on recorded observations, real keys).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.province import cache as cache_mod
from secaudit.province import digest
from secaudit.province.summary import summarise
from secaudit.render.registry import RenderOptions, render

TODAY = date(2026, 12, 1)


@pytest.fixture()
def world(tmp_path: Path) -> dict[str, Path]:
    w = rb.build_province(tmp_path / "p")
    return w | {"cache": tmp_path / "cache"}


def summary(w: dict[str, Path], cache: bool = True, workers: int | None = 1) -> str:
    """What ``summary --format json`` prints (the bytes compared)."""
    result = summarise(
        w["bundles"], inventory=w["inventory"], keyring=w["keys"], today=TODAY, workers=workers,
        cache=w["cache"] if cache else None,
    )  # fmt: skip
    return render("summary", "json", result, RenderOptions())


def stats() -> dict[str, Any]:
    return dict(digest.CACHE_STATS)


def bundle_files(w: dict[str, Path]) -> list[Path]:
    return sorted(p for p in w["bundles"].glob("*.json") if p.name not in ("notes.json", "other.json"))


def system_entry(out: str, agency: str, system: str = "portal") -> dict[str, Any]:
    s = json.loads(out)
    ag = next(a for a in s["agencies"] if a["id"] == agency)
    return next(x for x in ag["systems"] if x["id"] == system)


# --------------------------------------------------------------------------- hits


def test_a_cached_run_is_byte_identical_to_a_cold_one(world: dict[str, Path]) -> None:
    cold = summary(world, cache=False)
    filling = summary(world)
    assert stats()["hits"] == 0 and stats()["stored"] == len(bundle_files(world)) + 2  # not-bundles too
    warm = summary(world)
    # the cache was really used: every file a hit, nothing new to store
    assert stats()["hits"] == len(bundle_files(world)) + 2 and stats()["stored"] == 0
    assert cold == filling == warm
    assert system_entry(warm, "a-tamper")["status"] == "unverified"  # still the verdicts of a cold run
    assert system_entry(warm, "a-ok")["status"] == "verified"


def test_worker_processes_use_the_cache_alike(world: dict[str, Path]) -> None:
    # 64 files and more go to a process pool: the workers read the cache themselves.
    src = world["bundles"] / "a-ok.portal.2026.json"
    for i in range(60):
        shutil.copy(src, world["bundles"] / f"z-copy-{i:02d}.json")
    cold = summary(world, cache=False, workers=2)
    assert summary(world, workers=2) == cold
    warm = summary(world, workers=2)
    assert warm == cold and stats()["hits"] == len(list(world["bundles"].glob("*.json")))


def test_cli_cache_options(world: dict[str, Path], tmp_path: Path) -> None:
    args = ["summary", str(world["bundles"]), "--keyring", str(world["keys"]), "--format", "json"]
    args += ["--inventory", str(world["inventory"]), "--today", "2026-12-01"]
    r1 = CliRunner().invoke(main, [*args, "--cache", str(tmp_path / "c")])
    r2 = CliRunner().invoke(main, [*args, "--cache", str(tmp_path / "c")])
    r3 = CliRunner().invoke(main, [*args, "--no-cache"])
    assert r1.exit_code == r2.exit_code == r3.exit_code == 0, r1.output
    assert r1.output == r2.output == r3.output
    assert (tmp_path / "c" / cache_mod.DB_NAME).is_file()
    both = CliRunner().invoke(main, [*args, "--no-cache", "--cache", str(tmp_path / "c")])
    assert both.exit_code == 2 and "--no-cache" in both.output


# --------------------------------------------------------------------------- what invalidates


def test_a_changed_bundle_is_digested_again(world: dict[str, Path]) -> None:
    summary(world)
    before = summary(world)
    a = rb.assessment("a-ok", "portal", statuses={rb.MANUAL: "fail"})  # assessed again: now failing
    rb.put(a, world["keys"], world["bundles"])
    after = summary(world)
    assert stats()["hits"] == len(bundle_files(world)) + 2 - 1
    assert after == summary(world, cache=False) != before
    assert rb.MANUAL in system_entry(after, "a-ok")["failing"]


def test_a_tampered_cached_file_is_verified_again_and_fails(world: dict[str, Path]) -> None:
    summary(world)
    assert system_entry(summary(world), "a-ok")["status"] == "verified"
    p = world["bundles"] / "a-ok.portal.2026.json"
    b = json.loads(p.read_text(encoding="utf-8"))
    rb.requirement(b["assessment"], rb.MANUAL)["status"] = "fail"  # any edit after signing
    p.write_text(json.dumps(b, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    out = summary(world)
    entry = system_entry(out, "a-ok")
    assert entry["status"] == "unverified" and not entry["meets_target"]
    assert out == summary(world, cache=False)


def test_a_changed_keyring_invalidates(world: dict[str, Path]) -> None:
    from secaudit.signing.keys import generate_keypair

    summary(world)
    generate_keypair("a-ok", world["keys"], force=True)  # a new key: a-ok's bundles no longer verify
    out = summary(world)
    assert stats()["hits"] == 0
    assert system_entry(out, "a-ok")["status"] == "unverified"
    assert out == summary(world, cache=False)


def test_a_new_tool_version_invalidates(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import secaudit

    summary(world)
    monkeypatch.setattr(secaudit, "__version__", "99.0.0")
    out = summary(world)
    assert stats()["hits"] == 0
    # under another version the same bundles are re-judged, not compared: a cached digest would lie
    assert system_entry(out, "a-ok")["trust"] == "rejudged"
    assert out == summary(world, cache=False)


@pytest.mark.parametrize("what", ["catalog_digests", "code_digest"])
def test_a_catalogue_or_rule_change_invalidates(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    summary(world)
    summary(world)
    assert stats()["hits"] > 0
    real = getattr(cache_mod, what)
    changed = {
        "catalog_digests": lambda: [*real(), ("tcvn-11930-2017", "0" * 64)],
        "code_digest": lambda: "f" * 64,
    }
    monkeypatch.setattr(cache_mod, what, changed[what])
    summary(world)
    assert stats()["hits"] == 0 and stats()["stored"] > 0


def test_require_review_in_the_inventory_invalidates(world: dict[str, Path]) -> None:
    assert system_entry(summary(world), "a-ok")["status"] == "verified"
    inv = world["inventory"]
    inv.write_text("require_review: true\n" + inv.read_text(encoding="utf-8"), encoding="utf-8")
    out = summary(world)
    assert stats()["hits"] == 0
    assert out == summary(world, cache=False)
    # its answers now need reviews it does not have: re-judged, they differ from what it says
    assert system_entry(out, "a-ok")["status"] == "inconsistent"


# --------------------------------------------------------------------------- a cache is never believed


def test_a_corrupt_cache_file_is_set_aside_and_rebuilt(world: dict[str, Path]) -> None:
    cold = summary(world, cache=False)
    world["cache"].mkdir()
    (world["cache"] / cache_mod.DB_NAME).write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    assert summary(world) == cold
    assert (world["cache"] / (cache_mod.DB_NAME + ".broken")).is_file()
    assert summary(world) == cold and stats()["hits"] > 0  # rebuilt


def test_another_programs_database_is_not_used(world: dict[str, Path]) -> None:
    world["cache"].mkdir()
    db = sqlite3.connect(world["cache"] / cache_mod.DB_NAME)
    db.execute("CREATE TABLE digests (key TEXT PRIMARY KEY, verdict TEXT)")
    db.commit()
    db.close()
    cold = summary(world, cache=False)
    assert summary(world) == cold
    assert summary(world) == cold and stats()["hits"] > 0


def _rows(w: dict[str, Path]) -> list[tuple[str, bytes]]:
    db = sqlite3.connect(w["cache"] / cache_mod.DB_NAME)
    rows = db.execute("SELECT key, payload FROM digests").fetchall()
    db.close()
    return rows


def _set(w: dict[str, Path], key: str, payload: bytes, mac: bytes | None = None) -> None:
    db = sqlite3.connect(w["cache"] / cache_mod.DB_NAME)
    if mac is None:
        db.execute("UPDATE digests SET payload = ? WHERE key = ?", (payload, key))
    else:
        db.execute("UPDATE digests SET payload = ?, mac = ? WHERE key = ?", (payload, mac, key))
    db.commit()
    db.close()


def test_an_edited_entry_cannot_raise_a_figure(world: dict[str, Path]) -> None:
    cold = summary(world, cache=False)
    summary(world)
    assert not system_entry(cold, "a-fail")["meets_target"]
    # Someone rewrites every cached digest to "verified, consistent, meets its level, all pass".
    for key, payload in _rows(world):
        body = json.loads(payload)
        if body.get("agency") == "a-fail":
            body.update(
                verified=True, meets_level=True, trust="consistent", differing=[], profile_problems=[]
            )
            body["statuses"] = dict.fromkeys(body["statuses"], "pass")
            body["by_status"] = {"fail": [], "error": [], "not_reviewed": []}
            _set(world, key, json.dumps(body).encode())
    out = summary(world)
    assert out == cold and not system_entry(out, "a-fail")["meets_target"]
    assert stats()["hits"] == len(bundle_files(world)) + 2 - 1  # that entry was refused, the rest used


MALFORMED = [b"not json", b"[]", b'{"x": 1}', b"{}", json.dumps({"verified": "yes"}).encode(), b"\x00" * 64]


def test_a_malformed_entry_with_a_good_mac_is_still_refused(world: dict[str, Path]) -> None:
    # As if secaudit itself had once written nonsense: the shape is checked, never trusted.
    cold = summary(world, cache=False)
    summary(world)
    secret = (world["cache"] / cache_mod.SECRET_NAME).read_bytes()
    for i, (key, _) in enumerate(_rows(world)):
        payload = MALFORMED[i % len(MALFORMED)]
        _set(world, key, payload, cache_mod._mac(secret, key, payload))
    assert summary(world) == cold and stats()["hits"] == 0


def test_a_wrongly_typed_field_is_refused(world: dict[str, Path]) -> None:
    cold = summary(world, cache=False)
    summary(world)
    secret = (world["cache"] / cache_mod.SECRET_NAME).read_bytes()
    for key, payload in _rows(world):
        body = json.loads(payload)
        body["counts"] = {"pass": "62"}  # a string where a count goes
        new = json.dumps(body).encode()
        _set(world, key, new, cache_mod._mac(secret, key, new))
    assert summary(world) == cold and stats()["hits"] == 0


def test_a_new_secret_voids_every_entry(world: dict[str, Path]) -> None:
    summary(world)
    (world["cache"] / cache_mod.SECRET_NAME).write_bytes(b"\x01" * 32)  # a cache copied from elsewhere
    cold = summary(world, cache=False)
    assert summary(world) == cold and stats()["hits"] == 0


def test_an_unusable_cache_folder_only_costs_time(world: dict[str, Path]) -> None:
    world["cache"].write_text("a file where the folder should be")
    cold = summary(world, cache=False)
    assert summary(world) == cold
    assert stats()["usable"] is False
