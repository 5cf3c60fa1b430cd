"""Heimdall Lite itself (MITRE's viewer, npm ``@mitre/heimdall-lite`` static build, .dev/npm) loads a
real ``report --format ohdf`` file in Debian's Chromium (Playwright, never a downloaded browser),
served from loopback; every request elsewhere (Heimdall asks GitHub for its latest version) is
refused. The status cards Heimdall draws must count our re-judged verdicts."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import real_bundles as rb
from test_ohdf import cli
from web_fixtures import CHROMIUM, launched_chromium

from secaudit.signing.keys import generate_keypair

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / ".dev" / "npm" / "node_modules" / "@mitre" / "heimdall-lite" / "dist"
CARDS = {
    "pass": "Passed",
    "fail": "Failed",
    "not_applicable": "Not Applicable",
    "not_reviewed": "Not Reviewed",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def heimdall() -> Iterator[str]:
    if not (DIST / "index.html").is_file() or not Path(CHROMIUM).exists():
        why = "needs Heimdall Lite in .dev/npm and chromium (bash scripts/setup.sh --dev)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(DIST))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


HOSTILE = "<img src=/x onerror=alert(1)> Apache/2.4.41"  # a scanned server's Server header


def test_heimdall_lite_shows_our_verdicts(
    heimdall: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = json.loads(json.dumps(rb.GOOD))
    hostile["observations"]["http"]["https"]["headers"][0] = ["Server", HOSTILE]
    monkeypatch.setattr(rb, "GOOD", hostile)
    keys, bundles = tmp_path / "keys", tmp_path / "bundles"
    bundles.mkdir()
    generate_keypair("so-h", keys)
    statuses = {rb.MANUAL: "fail", rb.OTHER_MANUAL: "not_reviewed"}
    a = rb.assessment("so-h", "portal", statuses=statuses, broken_probes=("ports",), name="Cổng thông tin")
    ohdf = tmp_path / "portal.ohdf.json"
    proc = cli("report", str(rb.put(a, keys, bundles)), "--format", "ohdf", "-o", str(ohdf))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(ohdf.read_text(encoding="utf-8"))
    want = Counter(c["tags"]["secaudit_status"] for p in doc["profiles"] for c in p["controls"])
    foreign: list[str] = []
    asked: list[str] = []
    dialogs: list[str] = []

    def route(r: Any) -> None:
        asked.append(r.request.url)
        if r.request.url.startswith(heimdall) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    def loaded(browser: Any, file: Path) -> Any:
        """A fresh page of Heimdall Lite (every request routed) once it shows ``file``'s results."""
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.route("**/*", route)
        page.goto(heimdall, wait_until="networkidle")
        page.set_input_files("input[type=file]", str(file))
        page.wait_for_url("**/results/**", timeout=30_000)
        page.get_by_text("Passed:").first.wait_for(timeout=30_000)
        return page

    with launched_chromium() as browser:
        page = loaded(browser, ohdf)
        body = page.inner_text("body")
        search = page.locator("input[type=text]").first  # Heimdall's search box
        search.fill(rb.MANUAL)
        search.press("Enter")
        page.get_by_text("0/1 Controls Viewed").wait_for(timeout=15_000)
        page.mouse.wheel(0, 3000)  # the results table draws its rows once scrolled into view
        page.get_by_text(rb.MANUAL, exact=True).first.wait_for(timeout=15_000)
        row = page.inner_text("body").split("0/1 Controls Viewed", 1)[1]
        # The scanned server's hostile header, shown in a result message: text, never markup.
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        search.fill("M.OPS.02")
        search.press("Enter")
        page.get_by_text("M.OPS.02", exact=True).first.wait_for(timeout=15_000)
        # Heimdall re-draws the filtered list after a moment: an "Expand All" clicked before that
        # expands the old rows, so click until the new row's results show (15 s at most).
        header = page.get_by_text("Apache/2.4.41", exact=False).first
        for _ in range(10):
            page.get_by_text("Expand All").first.click()
            try:
                header.wait_for(timeout=1_500)
                break
            except Exception:
                continue
        header.wait_for(timeout=1_000)
        page.wait_for_timeout(500)
        # The province summary: one profile per system, every system's controls counted.
        prov = rb.build_province(tmp_path / "prov")
        summary = tmp_path / "summary.ohdf.json"
        args = ["summary", str(prov["bundles"]), "--keyring", str(prov["keys"]), "--format", "ohdf"]
        assert cli(*args, "-o", str(summary)).returncode == 0
        body_summary = loaded(browser, summary).inner_text("body")
    assert "Filename: portal.ohdf.json" in body
    for status, card in CARDS.items():
        m = re.search(rf"{card}: (\d+)", body)
        assert m and int(m.group(1)) == want.get(status, 0), (card, want)
    assert want["fail"] >= 1 and want["not_reviewed"] >= 1 and want["error"] >= 1
    # The one requirement searched for: Heimdall's status, our id, the Vietnamese title intact.
    assert row.split()[:1] == ["Failed"] and rb.MANUAL in row and "Chính sách an toàn thông tin" in row
    sdoc = json.loads(summary.read_text(encoding="utf-8"))
    swant = Counter(c["tags"]["secaudit_status"] for p in sdoc["profiles"] for c in p["controls"])
    assert len(sdoc["profiles"]) >= 5 and swant["fail"] >= 1
    for status, card in CARDS.items():
        m = re.search(rf"{card}: (\d+)", body_summary)
        assert m and int(m.group(1)) == swant.get(status, 0), (card, swant)
    assert dialogs == [] and not [u for u in asked if u.endswith("/x")]  # the header ran nothing
    assert all("127.0.0.1" not in u for u in foreign)  # only outside requests were refused
