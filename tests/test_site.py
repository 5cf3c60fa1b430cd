"""The demo's offline dashboard site: linked pages, relative links only, nothing from the network,
script in a file of its own, charts as inline SVG, what changed per agency (issue 11, point 3)."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from secaudit.render.site import _page_name, write_site


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.inline_scripts = 0
        self.style_attrs = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(str(a[key]))
        if "style" in a:
            self.style_attrs += 1
        if tag == "script":
            self._in_script = not a.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def _parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _site_pages(out: Path) -> list[Path]:
    return [
        out / "index.html",
        *sorted((out / "agencies").glob("*.html")),
        *sorted((out / "reports").glob("*.html")),
    ]


@pytest.fixture(scope="module")
def site(demo_run: dict[str, Any]) -> Path:
    assert demo_run["proc"].returncode == 0, demo_run["proc"].stderr[-2000:]
    return demo_run["out"]  # type: ignore[return-value]


def test_every_link_is_relative_and_reaches_a_file(site: Path) -> None:
    seen: set[Path] = set()
    for page in _site_pages(site) + [site / "mau08.html"]:
        for link in _parse(page).links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{page.name}: {link} is not a relative link"
            if not parts.path:  # "#section"
                continue
            target = (page.parent / parts.path).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to a missing {link}"
            assert site.resolve() in target.parents, f"{link} leaves the site"
            seen.add(target)
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    for ag in summary["agencies"]:
        assert (site / "agencies" / f"{ag['id']}.html").resolve() in seen
        for sy in ag["systems"]:
            assert (site / "reports" / f"{Path(sy['file']).stem}.html").resolve() in seen
    for name in ("summary.json", "summary.csv", "summary.xlsx", "mau08.html", "mau08.xlsx", "assets/site.js"):
        assert (site / name).resolve() in seen, name


def test_pages_keep_a_strict_csp_possible(site: Path) -> None:
    """No inline script anywhere; the site's own pages carry no style= attribute either."""
    for page in _site_pages(site):
        p = _parse(page)
        assert p.inline_scripts == 0, page.name
        if page.parent.name != "reports":  # the per-system report inlines its stylesheet (one file)
            assert p.style_attrs == 0, page.name
            assert "<style" not in page.read_text(encoding="utf-8"), page.name
    js = (site / "assets" / "site.js").read_text(encoding="utf-8")
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "http" not in js.replace("https", "")


def test_index_charts_and_tables(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "1/7 cơ quan đạt cấp độ 3" in html
    assert html.count('<table class="sortable"') >= 2 and "<thead>" in html
    assert "Trạng thái các yêu cầu theo cơ quan" in html and "Tỷ lệ cơ quan đạt mục tiêu qua các kỳ" in html
    # Not reviewed has its own colour, never the failure red.
    import re

    nr = set(re.findall(r'fill="(#[0-9a-f]{6})" class="seg-not_reviewed"', html))
    fail = set(re.findall(r'fill="(#[0-9a-f]{6})" class="seg-fail"', html))
    assert nr and fail and not nr & fail and "#b42318" not in nr
    # Tap chi Van Lau: no failure, many awaiting evidence - its bar shows that, not red.
    assert 'href="agencies/tap-chi-van-lau.html"' in html


def test_report_pages_lead_back(site: Path) -> None:
    page = (site / "reports" / "dai-co-do.phat-truc-tuyen.2026.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in page and 'href="../agencies/dai-co-do.html"' in page
    agency = (site / "agencies" / "dai-co-do.html").read_text(encoding="utf-8")
    assert 'href="../reports/dai-co-do.phat-truc-tuyen.2026.html"' in agency
    assert 'href="../bundles/dai-co-do.phat-truc-tuyen.2026.json"' in agency


def test_demo_lists_every_file_it_wrote(site: Path, demo_run: dict[str, Any]) -> None:
    stdout = demo_run["proc"].stdout
    lines = stdout.splitlines()
    files = [p for p in site.rglob("*") if p.is_file()]
    assert f"wrote {len(files)} files" in stdout
    for p in files:
        rel = p.relative_to(site).as_posix()
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        assert any(
            line.strip() == rel or (folder and line.strip().startswith(folder) and p.name in line)
            for line in lines
        ), rel


def test_agency_page_shows_what_changed(site: Path, tmp_path: Path) -> None:
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    s = copy.deepcopy(summary)
    s["changes"] = {
        "bao-song-huong": {
            "previous_period": "2025",
            "newly_failing": [{"system": "cong-bao", "requirement": "T.NET.09", "before": "pass"}],
            "fixed": [{"system": "cong-bao", "requirement": "T.APP.04", "now": "pass"}],
            "evidence_expired": [],
            "evidence_expiring": [{"system": "cong-bao", "requirement": "M.POL.01", "until": "2026-12-20"}],
            "score_before": 85.0,
            "score_after": 100.0,
            "score_change": 15.0,
        }
    }
    s["agencies"][0]["name"] = "<script>alert(1)</script> Báo"
    written = write_site(tmp_path, s, site / "bundles")
    assert written[0] == tmp_path / "index.html"
    page = (tmp_path / "agencies" / "bao-song-huong.html").read_text(encoding="utf-8")
    assert "Thay đổi so với kỳ trước" in page and "So với kỳ 2025" in page
    assert "Mới không đạt (1)" in page and "T.NET.09" in page and "Đã khắc phục (1)" in page
    assert "Bằng chứng hết hạn trong 30 ngày (1)" in page and "20/12/2026" in page
    assert "85,0\u00a0% → 100,0\u00a0% (+15,0)" in page
    for html in (page, (tmp_path / "index.html").read_text(encoding="utf-8")):
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Báo" in html
    other = (tmp_path / "agencies" / "dai-co-do.html").read_text(encoding="utf-8")
    assert "Chưa có kỳ trước để so sánh." in other


def test_page_names_never_leave_the_folder() -> None:
    assert _page_name("dai-co-do") == "dai-co-do"
    for bad in ("../../etc/passwd", "a/b", "..", "x" * 300, "Báo"):
        name = _page_name(bad)
        assert "/" not in name and ".." not in name and name.startswith("id-")


def test_one_page_summary_stays_self_contained(site: Path, tmp_path: Path) -> None:
    from secaudit.render.html import render_summary

    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    html = render_summary(summary, "vi")
    assert "<style>" in html and "<script" not in html and 'rel="stylesheet"' not in html
    assert "agencies/" not in html  # no links to pages that a single file does not have
    assert "<svg" in html
