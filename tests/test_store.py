"""History store: idempotent ingest, headline per period, pass→fail / fail→pass between periods."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.province.digest import digest_dir
from secaudit.province.store import Store
from secaudit.province.summary import summarise


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from secaudit.signing.keys import generate_keypair

    root = tmp_path_factory.mktemp("store")
    keys, bdir = root / "k", root / "b"
    bdir.mkdir()
    for ag in ("bao-a", "bao-b"):
        generate_keypair(ag, keys)
    specs = [
        ("bao-a", "2025", {rb.MANUAL: "fail"}),
        ("bao-a", "2026", {rb.OTHER_MANUAL: "fail"}),
        ("bao-b", "2025", {}),
        ("bao-b", "2026", {}),
    ]
    for ag, period, statuses in specs:
        rb.put(rb.assessment(ag, "portal", period=period, statuses=statuses), keys, bdir)
    return {"keys": keys, "bundles": bdir, "db": root / "history.sqlite"}


def test_ingest_is_idempotent(two_periods: dict[str, Path], tmp_path: Path) -> None:
    digests = digest_dir(two_periods["bundles"], two_periods["keys"], workers=1)
    with Store(tmp_path / "h.sqlite") as st:
        assert st.ingest(digests) == 4
        assert st.ingest(digests) == 0
        assert st.count() == 4
    with Store(tmp_path / "h.sqlite") as st:  # and across runs
        assert st.ingest(digest_dir(two_periods["bundles"], two_periods["keys"], workers=1)) == 0
        rows = st.db.execute("SELECT COUNT(*) FROM requirement_status").fetchone()[0]
    assert rows == 4 * 62  # level 3 of TCVN 11930:2017


def test_trend_after_two_periods(two_periods: dict[str, Path]) -> None:
    db = str(two_periods["db"])
    common = [
        str(two_periods["bundles"]),
        "--keyring",
        str(two_periods["keys"]),
        "--store",
        db,
        "--format",
        "json",
    ]
    first = run("summary", *common, "--period", "2025")
    assert first.exit_code == 0, first.output
    again = run("summary", *common, "--period", "2025")
    data = json.loads(run("summary", *common).stdout)
    assert json.loads(again.stdout)["trend"][0]["agencies_meeting"] == 1
    trend = {p["period"]: p for p in data["trend"]}
    assert list(trend) == ["2025", "2026"]
    t25 = trend["2025"]
    assert (t25["agencies"], t25["agencies_meeting"], t25["pct"]) == (2, 1, 50.0)
    assert (trend["2026"]["agencies_meeting"], trend["2026"]["systems_meeting"]) == (1, 1)
    assert trend["2025"]["changes"] == []
    assert trend["2026"]["changes"] == [
        {
            "agency": "bao-a",
            "system": "portal",
            "previous_period": "2025",
            "pass_to_fail": [rb.OTHER_MANUAL],
            "fail_to_pass": [rb.MANUAL],
        }
    ]
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM bundles").fetchone()[0] == 4
        assert con.execute("SELECT COUNT(*) FROM headlines").fetchone()[0] == 2
    html = run("summary", *common[:-2], "--format", "html").stdout
    assert "<svg" in html and "50,0\u00a0%" in html and rb.OTHER_MANUAL in html


def test_store_only_when_asked(two_periods: dict[str, Path], tmp_path: Path) -> None:
    s = summarise(two_periods["bundles"], keyring=two_periods["keys"])
    assert s["trend"] == [] and "no_store" in s["notes"]
    assert not list(tmp_path.iterdir())


def test_not_a_database(two_periods: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "x.sqlite"
    bad.write_text("definitely not sqlite " * 100, encoding="utf-8")
    res = run("summary", str(two_periods["bundles"]), "--store", str(bad))
    assert res.exit_code == 2 and "x.sqlite" in res.output and "Traceback" not in res.output


def test_a_foreign_sqlite_file_is_bad_input_not_a_traceback(tmp_path: Path) -> None:
    import sqlite3

    from secaudit.core.errors import InputError
    from secaudit.province.store import Store

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE bundles (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="secaudit store"):
        Store(other)
    text = tmp_path / "notes.db"
    text.write_text("not a database at all", encoding="utf-8")
    with pytest.raises(InputError):
        Store(text)


def test_store_without_keyring_is_refused_and_history_unchanged(
    two_periods: dict[str, Path], tmp_path: Path
) -> None:
    """DESIGN §10: --store records only figures computed with --keyring; a run without one would
    rewrite the period's headline to 0 (every bundle unverified)."""
    db = tmp_path / "h.sqlite"
    common = [str(two_periods["bundles"]), "--store", str(db), "--format", "json", "--period", "2025"]
    assert run("summary", *common, "--keyring", str(two_periods["keys"])).exit_code == 0

    def history() -> list[Any]:
        with sqlite3.connect(db) as con:
            return (
                con.execute("SELECT * FROM headlines").fetchall()
                + con.execute("SELECT hash, verified, meets_level FROM bundles ORDER BY hash").fetchall()
            )

    before = history()
    assert before[0][2] == 1  # 2025: one agency meeting
    res = run("summary", *common)
    assert res.exit_code == 2 and "--keyring" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert history() == before
    res = run(
        "summary",
        *common[:-2],
        "--format",
        "mau08",
        "--inventory",
        str(tmp_path / "x.yaml"),
        "-o",
        str(tmp_path / "m.xlsx"),
    )
    assert res.exit_code == 2 and not (tmp_path / "m.xlsx").exists()
