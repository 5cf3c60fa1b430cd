"""A hostile server, end to end: its Server header and certificate subject carry <script>, and
nothing it sent may run in the Department's browser (DESIGN §8)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from secaudit.lab.sites import SiteSpec

ADDR = "127.0.0.210"  # this module's own loopback address


def secaudit(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("secaudit", path=os.path.dirname(sys.executable)) or "secaudit"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300)


def test_hostile_server_content_is_escaped_in_every_html(lab: Any, tmp_path: Path) -> None:
    # The certificate does not name the address, so the host-name check fails and shows its names.
    cert = lab.ca.issue(["<script>alert(1)</script>.lab.test"])
    site = lab.start(
        SiteSpec(
            name="hostile",
            address=ADDR,
            hostname=ADDR,
            cert=cert,
            server_header="<script>alert(2)</script>/1.0",
            plain_http="none",
        )
    )
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "province: Thử nghiệm\nperiod: '2026'\nagencies:\n"
        "  - id: bao-doc-hai\n    name: 'Báo <img src=x onerror=alert(3)>'\n    systems:\n"
        f"      - id: portal\n        name: Cổng\n        level: 3\n        targets: ['{site.url}']\n",
        encoding="utf-8",
    )
    keys, out = tmp_path / "keys", tmp_path / "bundles"
    assert secaudit("keys", "generate", "--agency", "bao-doc-hai", "-o", str(keys)).returncode == 0
    proc = secaudit(
        "assess",
        "--inventory",
        str(inventory),
        "--key",
        str(keys / "bao-doc-hai.key"),
        "--ca-file",
        str(lab.ca_file),
        "--probes",
        "tls,http",
        "--timeout",
        "3",
        "-o",
        str(out),
    )
    assert proc.returncode in (1, 3), proc.stderr
    bundle = out / "bao-doc-hai.portal.2026.json"
    raw = bundle.read_text(encoding="utf-8")
    assert "<script>alert(1)" in raw and "<script>alert(2)" in raw  # recorded faithfully as data

    report = tmp_path / "report.html"
    assert secaudit("report", str(bundle), "--format", "html", "-o", str(report)).returncode == 0
    summary = tmp_path / "index.html"
    assert (
        secaudit(
            "summary",
            str(out),
            "--inventory",
            str(inventory),
            "--keyring",
            str(keys),
            "--format",
            "html",
            "-o",
            str(summary),
        ).returncode
        == 0
    )
    for page in (report, summary):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html, page.name
    html = report.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html  # the Server header, shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the certificate's name, shown as text
