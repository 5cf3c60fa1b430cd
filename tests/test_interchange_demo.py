"""OHDF and OSCAL of every bundle the demo province writes (real scans of the loopback lab, hostile
server headers included; the shared ``demo_run``), read by their real consumers: inspecjs (Heimdall's
parser, under Node) and compliance-trestle (NIST's OSCAL models). See test_ohdf.py / test_oscal.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_ohdf import HEIMDALL, consume
from test_oscal import validate

from secaudit.render.ohdf import render_report_ohdf, render_summary_ohdf
from secaudit.render.oscal import render_assessment_results
from secaudit.signing.bundle import load_bundle


def _bundles(demo_run: dict[str, Any]) -> list[Path]:
    assert demo_run["proc"].returncode == 0, demo_run["proc"].stderr[-2000:]
    found = sorted((Path(demo_run["out"]) / "bundles").glob("*.json"))
    assert len(found) >= 5
    return found


def test_demo_bundles_as_ohdf_read_by_inspecjs(demo_run: dict[str, Any], tmp_path: Path) -> None:
    for bundle in _bundles(demo_run):
        dest = tmp_path / f"{bundle.stem}.ohdf.json"
        dest.write_text(render_report_ohdf(load_bundle(bundle), "vi", bundle), encoding="utf-8")
        rc, seen = consume(dest)
        assert rc == 0 and seen["ok"], (bundle.name, seen)
        doc = json.loads(dest.read_text(encoding="utf-8"))
        ours = {c["id"]: c["tags"]["secaudit_status"] for p in doc["profiles"] for c in p["controls"]}
        got = {c["id"]: c["status"] for p in seen["profiles"] for c in p["controls"]}
        assert got == {k: HEIMDALL[v] for k, v in ours.items()}, bundle.name


def test_demo_summary_as_ohdf(demo_run: dict[str, Any], tmp_path: Path) -> None:
    from secaudit.province.summary import summarise

    out = Path(demo_run["out"])
    bundles = out / "bundles"
    _bundles(demo_run)
    summary = summarise(bundles, inventory=out / "inventory.yaml", keyring=out / "keyring")
    dest = tmp_path / "summary.ohdf.json"
    dest.write_text(render_summary_ohdf(summary, "en", bundles), encoding="utf-8")
    rc, seen = consume(dest)
    assert rc == 0 and seen["ok"], seen
    files = [s for ag in summary["agencies"] for s in ag["systems"] if s.get("file")]
    assert len(seen["profiles"]) == len(files)
    assert all(c["root"] for p in seen["profiles"] for c in p["controls"])  # Heimdall lists them all


def test_demo_bundles_as_oscal_pass_trestle(demo_run: dict[str, Any], tmp_path: Path) -> None:
    paths = []
    for bundle in _bundles(demo_run):
        dest = tmp_path / f"{bundle.stem}.oscal.json"
        dest.write_text(render_assessment_results(load_bundle(bundle), "vi", bundle), encoding="utf-8")
        paths.append(dest)
    rows = validate(*paths)
    for p in paths:
        assert rows[p.name]["ok"], (p.name, rows[p.name]["errors"])
