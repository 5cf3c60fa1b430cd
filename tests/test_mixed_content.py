"""http.mixed_content against real loopback HTTPS sites (lab) whose main pages load subresources
over http:// (active: fail; passive: warn), and pages that do not (pass)."""

from __future__ import annotations

from typing import Any

import pytest

from secaudit.checks import CheckContext, run_check
from secaudit.checks.http.content import Reference
from secaudit.checks.http.mixed_content import kind
from secaudit.core.model import CheckResult, Target
from secaudit.lab.sites import Lab, SiteSpec
from secaudit.probes import http as probe
from secaudit.probes.base import ProbeContext

ADDR = "127.0.9.{}"  # this module: 127.0.9.50-59
HTML = "text/html; charset=utf-8"

PAGES: dict[str, bytes] = {
    "active": b"""<!doctype html><html><head>
        <link rel="stylesheet" href="http://cdn.lab.test/site.css">
        <script src="http://cdn.lab.test/app.js"></script></head>
        <body><img src="http://img.lab.test/logo.png">
        <form action="http://forms.lab.test/send" method="post"></form></body></html>""",
    "passive": b"""<!doctype html><html><body>
        <img src="http://img.lab.test/a.png"
             srcset="https://img.lab.test/a2.png 2x, http://img.lab.test/a3.png 3x">
        <video poster="http://img.lab.test/p.jpg"><source src="http://media.lab.test/v.mp4"></video>
        <a href="http://elsewhere.lab.test/">a link loads nothing</a>
        <link rel="canonical" href="http://www.lab.test/"></body></html>""",
    "clean": b"""<!doctype html><html><head><script src="/app.js"></script>
        <link rel="stylesheet" href="https://cdn.lab.test/site.css"></head>
        <body><img src="//img.lab.test/logo.png"><iframe src="https://maps.lab.test/"></iframe>
        <a href="http://elsewhere.lab.test/">links are not subresources</a></body></html>""",
    # a relative script under an http:// <base> is loaded over http
    "base": b"""<!doctype html><html><head><base href="http://static.lab.test/">
        <script src="js/app.js"></script></head><body></body></html>""",
}


@pytest.fixture(scope="module")
def judged(lab: Lab) -> dict[str, tuple[dict[str, Any], CheckResult]]:
    targets = {}
    for i, (name, body) in enumerate(PAGES.items()):
        addr = ADDR.format(50 + i)
        spec = SiteSpec(name=f"mixed-{name}", address=addr, hostname=addr, plain_http="none")
        spec.paths = {"/": (200, HTML, body)}
        site = lab.start(spec)
        targets[name] = Target(raw=site.url, host=addr, port=site.https_port, http_port=lab.closed_port(addr))
    addr = ADDR.format(58)  # a default lab page: no reference at all
    site = lab.start(SiteSpec(name="mixed-default", address=addr, hostname=addr, plain_http="none"))
    targets["default"] = Target(
        raw=site.url, host=addr, port=site.https_port, http_port=lab.closed_port(addr)
    )
    names = list(targets)
    ctx = ProbeContext(params={}, ca_file=lab.ca_file, timeout=2.0)
    out = {}
    for n, obs in zip(names, probe.collect([targets[n] for n in names], ctx), strict=True):
        t = targets[n]
        out[n] = (
            obs,
            run_check("http.mixed_content", obs, CheckContext(host=t.host, port=t.port, params={})),
        )
    return out


def test_active_mixed_content_fails(judged: dict[str, tuple[dict[str, Any], CheckResult]]) -> None:
    obs, r = judged["active"]
    assert r.status == "fail"
    active = {(a["tag"], a["url"]) for a in r.evidence["active"]}
    assert active == {
        ("link", "http://cdn.lab.test/site.css"),
        ("script", "http://cdn.lab.test/app.js"),
        ("form", "http://forms.lab.test/send"),
    }
    assert [p["url"] for p in r.evidence["passive"]] == ["http://img.lab.test/logo.png"]
    assert "http://cdn.lab.test/app.js" in r.summary["en"] and "chủ động" in r.summary["vi"]
    assert (
        "upgrade-insecure-requests" in r.remediation["vi"]
        and "upgrade-insecure-requests" in r.remediation["en"]
    )
    assert obs["https"]["content"]["truncated"] is False


def test_passive_mixed_content_warns(judged: dict[str, tuple[dict[str, Any], CheckResult]]) -> None:
    _, r = judged["passive"]
    assert r.status == "warn", r.summary["en"]
    urls = sorted(p["url"] for p in r.evidence["passive"])
    assert urls == [
        "http://img.lab.test/a.png",
        "http://img.lab.test/a3.png",
        "http://img.lab.test/p.jpg",
        "http://media.lab.test/v.mp4",
    ]
    assert r.evidence["active"] == [] and "thụ động" in r.summary["vi"]


@pytest.mark.parametrize("name", ["clean", "default"])
def test_pages_without_mixed_content_pass(
    judged: dict[str, tuple[dict[str, Any], CheckResult]], name: str
) -> None:
    _, r = judged[name]
    assert r.status == "pass", r.summary["en"]


def test_http_base_makes_relative_scripts_insecure(
    judged: dict[str, tuple[dict[str, Any], CheckResult]],
) -> None:
    _, r = judged["base"]
    assert r.status == "fail"
    assert [a["url"] for a in r.evidence["active"]] == ["http://static.lab.test/js/app.js"]


def test_no_content_on_record_is_not_applicable() -> None:
    obs = {
        "url": "https://x/",
        "scheme": "https",
        "https": {"hops": [], "status": 200, "headers": [], "cookies": []},
    }
    r = run_check("http.mixed_content", obs, CheckContext(host="x", port=443, params={}))
    assert r.status == "not_applicable"


@pytest.mark.parametrize(
    "tag,attr,rel,expected",
    [
        ("script", "src", "", "active"),
        ("link", "href", "stylesheet", "active"),
        ("link", "href", "canonical", None),
        ("link", "href", "icon", "passive"),
        ("object", "data", "", "active"),
        ("embed", "src", "", "active"),
        ("iframe", "src", "", "active"),
        ("audio", "src", "", "passive"),
        ("img", "srcset", "", "passive"),
    ],
)
def test_kinds(tag: str, attr: str, rel: str, expected: str | None) -> None:
    assert kind(Reference(tag, attr, "http://x/", rel)) == expected
