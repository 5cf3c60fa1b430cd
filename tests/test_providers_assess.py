"""Providers through the real commands (issue 14): `review --provider`, `assess` of two agencies'
systems that inherit from the data centre (one loopback port that refuses connections: only the
attestations matter), `verify`, and `summary` showing the provider's failure as one cause."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.lab.sites import Lab
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1

ADDR = "127.0.0.193"  # this module's own
# Days before the run, so that nothing depends on today's date.
ATTESTED = (date.today() - timedelta(days=5)).isoformat()
PROVIDER = "tt-du-lieu-tinh"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def provider_file(status_07: str = "non_compliant", req_08: str = "T.DES.08") -> str:
    return f"""\
agency: _providers
system: {PROVIDER}
attestations:
  - requirement: {req_08}
    status: compliant
    note: WAF trước mọi cổng
    evidence: [evidence/waf.pdf]
    attested_by: Trần B
    attested_at: {ATTESTED}
  - requirement: T.DES.07
    status: {status_07}
    note: chưa có hợp đồng chống DDoS
    attested_by: Trần B
    attested_at: {ATTESTED}
"""


@pytest.fixture(scope="module")
def world(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("providers")
    keys, keyring, atts = root / "keys", root / "keyring", root / "attestations"
    for flag, ident in (("--reviewer", "insp"), ("--agency", "bao"), ("--agency", "dai")):
        assert run("keys", "generate", flag, ident, "-o", keys).exit_code == 0
    (keyring / "reviewers").mkdir(parents=True)
    (keyring / "reviewers" / "insp.pub").write_bytes((keys / "insp.pub").read_bytes())
    for a in ("bao", "dai"):
        (keyring / f"{a}.pub").write_bytes((keys / f"{a}.pub").read_bytes())
    port = lab.closed_port(ADDR)
    agencies = "".join(
        f"""\
  - id: {a}
    name: Cơ quan {a}
    systems:
      - id: portal
        name: Cổng {a}
        level: 3
        targets: ["https://{ADDR}:{port}"]
        inherits: {{{PROVIDER}: [T.DES.07, T.DES.08]}}
"""
        for a in ("bao", "dai")
    )
    inventory = root / "inventory.yaml"
    inventory.write_text(
        f"province: Huế\nperiod: 2026\nrequire_review: true\nproviders:\n  - id: {PROVIDER}\n"
        f"    name: Trung tâm Dữ liệu tỉnh\nagencies:\n{agencies}",
        encoding="utf-8",
    )
    folder = atts / "_providers"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "waf.pdf").write_bytes(b"Bien ban nghiem thu WAF")
    (folder / f"{PROVIDER}.yaml").write_text(provider_file(), encoding="utf-8")
    res = run(
        "review",
        "--attestations",
        atts,
        "--provider",
        PROVIDER,
        "--approve",
        "T.DES.08",
        "--key",
        keys / "insp.key",
    )
    assert res.exit_code == 0, res.output
    out = root / "out"
    res = run(
        "assess", "--inventory", inventory, "--attestations", atts, "--key", keys, "--keyring", keyring,
        "--probes", "http", "--timeout", "2", "--no-progress", "-o", out,
    )  # fmt: skip
    assert res.exit_code in (1, 3), res.output
    return {"root": root, "atts": atts, "inventory": inventory, "keyring": keyring, "out": out, "keys": keys}


def verdict(world: dict[str, Any], agency: str, rid: str) -> dict[str, Any]:
    a = as_v1(load_bundle(world["out"] / f"{agency}.portal.2026.json")["assessment"], catalog=False)
    return next(r for r in a["requirements"] if r["id"] == rid)


def test_assess_gives_both_systems_the_providers_verdicts(world: dict[str, Any]) -> None:
    for agency in ("bao", "dai"):
        waf = verdict(world, agency, "T.DES.08")
        # require_review is province-wide and the provider sets none: its answers need the review.
        assert waf["status"] == "pass" and waf["attestation"]["review"]["state"] == "approved"
        ev = waf["attestation"]["evidence"][0]  # hashed from the provider's folder at assessment
        assert (
            ev["state"] == "unrecorded"
            and ev["path"] == "evidence/waf.pdf"
            and len(ev["actual_sha256"]) == 64
        )
        ddos = verdict(world, agency, "T.DES.07")
        assert ddos["status"] == "fail"
        assert ddos["inherited_from"] == {
            "provider": PROVIDER,
            "name": "Trung tâm Dữ liệu tỉnh",
            "status": "fail",
            "cause": "attested_non_compliant",
        }
    res = run("verify", *sorted(world["out"].glob("*.json")), "--keyring", world["keyring"])
    assert res.exit_code == 0, res.output


def test_summary_shows_the_provider_failure_once(world: dict[str, Any]) -> None:
    out = world["root"] / "summary.json"
    res = run("summary", world["out"], "--inventory", world["inventory"], "--keyring", world["keyring"],
              "--format", "json", "-o", out)  # fmt: skip
    assert res.exit_code == 0, res.output
    s = json.loads(out.read_text(encoding="utf-8"))
    assert all(x["status"] == "verified" for a in s["agencies"] for x in a["systems"])
    (cause,) = s["provider_causes"]
    assert (cause["requirement"], cause["cause"], cause["n"]) == ("T.DES.07", "attested_non_compliant", 2)
    md = world["root"] / "summary.md"
    res = run("summary", world["out"], "--inventory", world["inventory"], "--keyring", world["keyring"],
              "--format", "md", "--lang", "en", "-o", md)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Trung tâm Dữ liệu tỉnh: T.DES.07 non-compliant → affects 2 system(s)" in md.read_text(
        encoding="utf-8"
    )


def test_a_bad_provider_file_stops_assess_before_scanning(world: dict[str, Any], tmp_path: Path) -> None:
    atts = tmp_path / "attestations"
    (atts / "_providers").mkdir(parents=True)
    (atts / "_providers" / f"{PROVIDER}.yaml").write_text(provider_file(req_08="T.DES.99"), encoding="utf-8")
    out = tmp_path / "out"
    res = run("assess", "--inventory", world["inventory"], "--attestations", atts, "--probes", "http",
              "--timeout", "2", "--no-progress", "-o", out)  # fmt: skip
    assert res.exit_code == 2
    assert f"_providers/{PROVIDER}.yaml:4" in res.output and "T.DES.99" in res.output
    assert not out.exists() or not list(out.glob("*.json"))
