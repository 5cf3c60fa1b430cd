"""`secaudit assess`: a system that lists `domains:` gets the dns and mail probes (on by default
there), a system without them does not; the DNS options reach the probes; bad domains are bad input."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.lab.certs import LabCA
from secaudit.lab.posture import PostureLab
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1

DNS, MX, SITE = "127.0.0.236", ("127.0.0.237",), "127.0.0.238"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("dnsassess")
    lab = PostureLab(LabCA(), root / "lab", parent="asx.test", dns_address=DNS, mx_addresses=MX)
    lab.add("good.asx.test", "good")
    lab.start()
    closed = socket.socket()
    closed.bind((SITE, 0))  # bound, not listening: the web probes fail fast
    port = closed.getsockname()[1]
    inv = root / "inventory.yaml"
    inv.write_text(
        f"""\
province: Tỉnh Thử
period: 2026
agencies:
  - id: bao-a
    name: Báo A
    systems:
      - id: portal
        name: Cổng
        level: 3
        targets: ["https://{SITE}:{port}"]
        domains: [good.asx.test]
      - id: noi-bo
        name: Nội bộ
        level: 3
        targets: ["https://{SITE}:{port}"]
""",
        encoding="utf-8",
    )
    yield {"lab": lab, "inv": inv, "root": root}
    closed.close()
    lab.close()


def _bundle(out: Path, system: str) -> dict[str, Any]:
    path = next(out.glob(f"bao-a.{system}.*.json"))
    return as_v1(load_bundle(path)["assessment"], texts=True)


def test_domains_turn_on_dns_and_mail(world: Any) -> None:
    out = world["root"] / "out"
    r = CliRunner().invoke(
        main,
        [
            "assess",
            "--inventory",
            str(world["inv"]),
            "-o",
            str(out),
            "--timeout",
            "2",
            "--no-progress",
            *world["lab"].cli_args(),
        ],
    )
    assert r.exit_code in (1, 3), r.output
    portal = _bundle(out, "portal")
    obs = portal["targets"][0]["observations"]
    assert "dns" in obs and "mail" in obs
    checks = {c["id"]: c["status"] for c in portal["targets"][0]["checks"]}
    assert checks["dns.dnssec"] == "pass" and checks["mail.spf"] == "pass" and checks["mail.dane"] == "pass"
    other = _bundle(out, "noi-bo")
    assert "dns" not in other["targets"][0]["observations"]
    assert not any(c["id"].startswith(("dns.", "mail.")) for c in other["targets"][0]["checks"])


def test_bad_domains_in_inventory_are_bad_input(world: Any, tmp_path: Path) -> None:
    bad = tmp_path / "inv.yaml"
    bad.write_text(
        world["inv"].read_text(encoding="utf-8").replace("[good.asx.test]", "[not a domain]"),
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        main, ["assess", "--inventory", str(bad), "-o", str(tmp_path / "o"), "--no-progress"]
    )
    assert r.exit_code == 2 and "domains" in r.output, r.output
