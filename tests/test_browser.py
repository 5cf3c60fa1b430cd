"""The demo's dashboard in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser). Served by a stdlib HTTP server on a loopback ephemeral port with a strict
Content-Security-Policy; any request that is not to that server fails the test.

Needs the `playwright` Python package (test extras) and Debian's chromium (scripts/setup.sh --dev).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from web_fixtures import launched_chromium

CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
# Words that must not show on a Vietnamese page (vocabulary, ids, Python and JSON spellings).
ENGLISH = [
    "pass",
    "fail",
    "not_reviewed",
    "not_applicable",
    "design_build",
    "Aborted",
    "meets_level",
    "meets_target",
    "None",
    "null",
    "True",
    "False",
    "inconsistent",
    "profile_not_accepted",
    "full_but_not_meeting",
]


class _Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args: Any) -> None:  # quiet test output
        pass


@pytest.fixture(scope="module")
def served(demo_run: dict[str, Any]) -> Iterator[str]:
    assert demo_run["proc"].returncode == 0, demo_run["proc"].stderr[-2000:]
    handler = functools.partial(_Handler, directory=str(demo_run["out"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(served: str) -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def _guarded_page(browser: Any, base: str, js: bool = True) -> tuple[Any, list[str], list[str]]:
    """A page whose every request to anything but our loopback server is refused and recorded."""
    ctx = browser.new_context(java_script_enabled=js, viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    foreign: list[str] = []
    problems: list[str] = []
    origin = urlsplit(base).netloc

    def route(r: Any) -> None:
        parts = urlsplit(r.request.url)
        if (parts.scheme in ("http", "https") and parts.netloc == origin) or parts.scheme == "data":
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, foreign, problems


def test_every_link_opens_and_nothing_leaves_the_machine(browser: Any, served: str) -> None:
    page, foreign, problems = _guarded_page(browser, served)
    todo, seen, pages = [urljoin(served, "index.html")], set(), 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = page.request.get(url) if not url.endswith(".html") else page.goto(url)
        assert resp is not None and resp.status == 200, f"{url}: {resp.status if resp else 'no response'}"
        if not url.endswith(".html"):
            continue
        pages += 1
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"{url}: absolute link {href}"
            if parts.path:
                todo.append(urljoin(url, parts.path))
    assert pages >= 1 + 7 + 8 + 1  # index, 7 agencies, 8 reports, Mẫu 08
    assert not foreign, foreign
    assert not problems, problems  # no CSP violation, no script error


def test_sorting_a_table_changes_its_order(browser: Any, served: str, tmp_path: Path) -> None:
    page, foreign, problems = _guarded_page(browser, served)
    page.goto(urljoin(served, "index.html"))
    table = page.locator("#systems table")
    first_col = "els => els.map(r => r.cells[5].getAttribute('data-sort'))"
    before = table.locator("tbody tr").evaluate_all(first_col)
    header = table.locator("thead th").nth(5)
    header.locator("button").click()
    asc = table.locator("tbody tr").evaluate_all(first_col)
    assert header.get_attribute("aria-sort") == "ascending"
    assert [float(x) for x in asc] == sorted(float(x) for x in before)
    header.locator("button").click()
    desc = table.locator("tbody tr").evaluate_all(first_col)
    assert desc == list(reversed(asc)) and desc != asc
    # The filter hides the rows that do not match.
    page.locator("#systems input[type=search]").fill("Ngự Bình")
    visible = table.locator("tbody tr:visible")
    assert visible.count() == 1 and "Ngự Bình" in visible.first.inner_text()
    page.locator("#systems input[type=search]").fill("")
    page.screenshot(path=str(tmp_path / "index.png"), full_page=False)
    assert (tmp_path / "index.png").stat().st_size > 10_000
    assert not foreign and not problems, (foreign, problems)


def test_tables_are_complete_without_javascript(browser: Any, served: str) -> None:
    page, foreign, _ = _guarded_page(browser, served, js=False)
    page.goto(urljoin(served, "index.html"))
    assert page.locator("#systems tbody tr").count() == 8
    assert page.locator("#agencies tbody tr").count() == 7
    assert page.locator("button.sort").count() == 0 and page.locator("input[type=search]").count() == 0
    assert not foreign
    page.context.close()


def _visible_words(page: Any) -> list[str]:
    text = page.evaluate("() => document.body.innerText")
    return re.findall(r"[A-Za-z_]+", text)


def test_vietnamese_pages_show_no_english_tokens(browser: Any, served: str) -> None:
    page, _, _ = _guarded_page(browser, served)
    page.goto(urljoin(served, "index.html"))
    urls = [urljoin(served, "index.html")]
    hrefs = page.eval_on_selector_all("a[href^='agencies/']", "e => e.map(x => x.getAttribute('href'))")
    urls += [urljoin(served, h) for h in hrefs]
    for agency in list(urls[1:]):  # every system report the agency pages link to, and Mẫu 08
        page.goto(agency)
        links = page.eval_on_selector_all("a[href*='reports/']", "e => e.map(x => x.getAttribute('href'))")
        urls += [urljoin(agency, h) for h in links if h.endswith(".html")]
    urls.append(urljoin(served, "mau08.html"))
    assert sum("/reports/" in u for u in urls) >= 8, urls  # every demo system's report is read
    found: dict[str, set[str]] = {}
    for url in dict.fromkeys(urls):
        page.goto(url)
        bad = set(_visible_words(page)) & set(ENGLISH)
        if bad:
            found[url.rsplit("/", 1)[-1]] = bad
    assert not found, found


def test_a_fix_on_a_loopback_site_raises_the_score_on_the_dashboard(browser: Any, served: str) -> None:
    """The demo's Báo Sông Hương fixed its site between 2025 and 2026 (real loopback servers, scanned
    both periods): its agency page shows the fix and the automated score going up."""
    page, foreign, _ = _guarded_page(browser, served)
    page.goto(urljoin(served, "index.html"))
    page.locator("#agencies a[href='agencies/bao-song-huong.html']").click()
    changes = page.locator("#changes").inner_text()
    assert "So với kỳ 2025" in changes and "Đã khắc phục" in changes and "T.APP.04" in changes
    m = re.search(r"Điểm tự động: ([\d.,]+)\s*% → ([\d.,]+)\s*%", changes)
    assert m, changes
    before, after = (float(x.replace(".", "").replace(",", ".")) for x in m.groups())
    assert after > before
    assert not foreign
    page.context.close()
