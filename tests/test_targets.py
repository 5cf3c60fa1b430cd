"""TARGET, --resolve and --ports parsing (pure)."""

from __future__ import annotations

import pytest

from secaudit.config.targets import parse_ports, parse_resolve, parse_target
from secaudit.core.errors import InputError


@pytest.mark.parametrize(
    ("raw", "host", "port", "path", "http_port"),
    [
        ("https://portal.example.vn", "portal.example.vn", 443, "/", 80),
        ("https://Portal.Example.VN:8443/tin-tuc", "portal.example.vn", 8443, "/tin-tuc", 80),
        ("portal.example.vn", "portal.example.vn", 443, "/", 80),
        ("127.0.0.1:9443", "127.0.0.1", 9443, "/", 80),
        ("https://[::1]:8443", "::1", 8443, "/", 80),
        ("http://portal.example.vn:8080", "portal.example.vn", 443, "/", 8080),
    ],
)
def test_parse_target(raw: str, host: str, port: int, path: str, http_port: int) -> None:
    t = parse_target(raw)
    assert (t.raw, t.host, t.port, t.path, t.http_port) == (raw, host, port, path, http_port)
    assert t.address is None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ftp://x.vn",
        "https://",
        "https://bad host",
        "https://x.vn:99999",
        "https://user:pw@x.vn",
        "https://-x.vn",
        "https://x.vn:0",
        "x.vn:0",
        "http://x.vn:0",
    ],
)
def test_bad_targets_are_input_errors(raw: str) -> None:
    with pytest.raises(InputError):
        parse_target(raw)


def test_resolve_applies_to_matching_host_and_port_only() -> None:
    resolve = ["portal.lab.test:9443:127.0.0.60", "other.lab.test:443:[::1]"]
    t = parse_target("https://portal.lab.test:9443", resolve)
    assert t.host == "portal.lab.test" and t.address == "127.0.0.60" and t.connect_address == "127.0.0.60"
    assert parse_target("https://portal.lab.test:8443", resolve).address is None
    assert parse_target("https://other.lab.test", resolve).address == "::1"


@pytest.mark.parametrize(
    "entry", ["portal:443", "portal:x:127.0.0.1", "portal:443:not-an-ip", ":443:127.0.0.1"]
)
def test_bad_resolve(entry: str) -> None:
    with pytest.raises(InputError):
        parse_resolve(entry)


def test_parse_ports() -> None:
    assert parse_ports("443,80,8000-8002,80") == [80, 443, 8000, 8001, 8002]
    assert parse_ports(None) == []
    for bad in ("0", "70000", "a", "90-80"):
        with pytest.raises(InputError):
            parse_ports(bad)


def test_text_accepts_maps_strings_and_junk() -> None:
    from secaudit.core.model import text

    assert text({"vi": "Đạt", "en": "Pass"}, "en") == "Pass"
    assert text({"en": "Pass"}, "vi") == "Pass"
    assert text("chuỗi", "en") == "chuỗi"
    assert text(None) == "" and text(["x"]) == "" and text(42) == ""  # type: ignore[arg-type]


def test_run_check_never_passes_a_missing_or_malformed_observation() -> None:
    from secaudit.checks import CheckContext, run_check

    ctx = CheckContext(host="x.vn", port=443, params={})
    for obs in (None, ["not", "a", "mapping"], "text", {"error": "connection refused"}):
        result = run_check("http.hsts", obs, ctx)  # type: ignore[arg-type]
        assert result.status == "error" and result.evidence["reason"]


def test_resolve_with_an_ipv6_host_and_empty_probe_lists() -> None:
    from secaudit.assessment.scan import parse_probes

    assert parse_resolve("[::1]:8443:127.0.0.1") == ("::1", 8443, "127.0.0.1")
    assert parse_target("https://[::1]:8443", ["[::1]:8443:127.0.0.1"]).address == "127.0.0.1"
    assert parse_probes("tls, http") == {"tls", "http"}
    for bad in (",", " , ", "tls,nosuch"):
        with pytest.raises(InputError):
            parse_probes(bad)
