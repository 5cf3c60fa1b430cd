"""Ports probe (real nmap against real loopback listeners) and the pure ports.* checks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from secaudit.checks import CheckContext, Outcome, make_result, metadata, registry, run_check
from secaudit.core.model import Target
from secaudit.lab.sites import Lab
from secaudit.probes import ports as probe
from secaudit.probes.base import ProbeContext

ADDR = "127.0.0.70"
ADDR2 = "127.0.0.71"


def _collect(targets: list[Target], params: dict, extra: list[int] | None, timeout: float) -> list[dict]:
    return probe.collect(targets, ProbeContext(params=params, extra_ports=extra, timeout=timeout))


@pytest.fixture(scope="module")
def svc(lab: Lab) -> dict[str, int]:
    """Ports of our own: a 'redis' that answers, an 'ssh' with a real banner, a silent one, a closed one."""
    return {
        "redis": lab.tcp_listener(ADDR, banner=b"-ERR unknown command\r\n"),
        "ssh": lab.tcp_listener(ADDR2, banner=b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
        "silent": lab.silent_listener(ADDR),
        "closed": lab.closed_port(ADDR),
        "closed2": lab.closed_port(ADDR2),
    }


def _params(risky: dict[int, str], service_detection: bool = False) -> dict:
    return {"risky_ports": risky, "service_detection": service_detection}


def _ctx(target: Target, params: dict) -> CheckContext:
    return CheckContext(
        host=target.host,
        port=target.port,
        params=params,
        expected_ports=target.expected_ports,
        scheme=target.scheme,
    )


@pytest.fixture(scope="module")
def scanned(svc: dict[str, int]) -> tuple[list[Target], dict, list[dict]]:
    """ONE real nmap run over two addresses (the probe's normal mode)."""
    params = _params({svc["redis"]: "redis", svc["closed"]: "telnet"})
    targets = [
        Target(
            raw=f"https://portal.lab.test:{svc['closed']}",
            host="portal.lab.test",
            port=svc["closed"],
            address=ADDR,
            expected_ports=[svc["silent"]],
        ),
        Target(raw=f"{ADDR2}:{svc['closed2']}", host=ADDR2, port=svc["closed2"]),
        Target(
            raw=f"{ADDR}:{svc['silent']}",
            host=ADDR,
            port=svc["silent"],
            expected_ports=[svc["redis"], svc["silent"]],
        ),
    ]
    return targets, params, _collect(targets, params, [svc["ssh"]], 5)


def test_observation_shape_and_one_run(scanned, svc) -> None:
    targets, _, obs = scanned
    assert len(obs) == 3
    first = obs[0]
    assert first["address"] == ADDR  # --resolve: nmap scans the address, not the name
    assert first["scanned"] == sorted({svc["redis"], svc["closed"], svc["silent"], svc["ssh"]})
    assert [p["port"] for p in first["open"]] == sorted([svc["redis"], svc["silent"]])
    assert set(first["open"][0]) == {"port", "service", "product", "version"}
    assert first["nmap_version"].startswith("7.")
    assert "-sT" in first["command"] and "-Pn" in first["command"] and "-sV" not in first["command"]
    assert ADDR in first["command"] and ADDR2 in first["command"]
    assert obs[1]["address"] == ADDR2
    assert [p["port"] for p in obs[1]["open"]] == [svc["ssh"]]  # --ports extra port
    assert obs[0]["command"] == obs[1]["command"] == obs[2]["command"]


def test_risky_port_open_fails(scanned, svc) -> None:
    targets, params, obs = scanned
    res = run_check("ports.risky_services", obs[0], _ctx(targets[0], params))
    assert res.status == "fail" and res.severity == "high"
    assert [e["port"] for e in res.evidence["exposed"]] == [svc["redis"]]
    assert f"{svc['redis']}/redis" in res.summary["en"] and f"{svc['redis']}/redis" in res.summary["vi"]
    assert "nftables" in res.remediation["en"] and "iptables" in res.remediation["vi"]


def test_risky_port_closed_passes(scanned, svc) -> None:
    targets, params, obs = scanned
    res = run_check("ports.risky_services", obs[1], _ctx(targets[1], params))
    assert res.status == "pass"
    assert res.evidence["exposed"] == []
    assert res.evidence["risky_ports_checked"] == sorted([svc["redis"], svc["closed"]])


def test_unexpected_open_with_expected_ports(scanned, svc) -> None:
    targets, params, obs = scanned
    bad = run_check("ports.unexpected_open", obs[0], _ctx(targets[0], params))
    assert bad.status == "fail" and bad.severity == "medium"
    assert [u["port"] for u in bad.evidence["unexpected"]] == [svc["redis"]]
    assert str(svc["redis"]) in bad.summary["en"]
    good = run_check("ports.unexpected_open", obs[2], _ctx(targets[2], params))
    assert good.status == "pass", good.summary
    assert good.evidence["open"] == sorted([svc["redis"], svc["silent"]])


def test_unexpected_open_without_expected_ports_is_not_applicable(scanned) -> None:
    targets, params, obs = scanned
    res = run_check("ports.unexpected_open", obs[1], _ctx(targets[1], params))
    assert res.status == "not_applicable"


def test_service_detection_only_on_open_ports(svc) -> None:
    target = Target(raw=ADDR2, host=ADDR2, port=svc["closed2"])
    obs = _collect([target], _params({svc["ssh"]: "ssh-admin"}, service_detection=True), None, 5)[0]
    assert "-sV" in obs["command"]
    sv_part = obs["command"].split(";")[1]
    assert f"-p {svc['ssh']} " in sv_part  # the closed port is not version-probed
    (ssh,) = obs["open"]
    assert (ssh["service"], ssh["product"]) == ("ssh", "OpenSSH")
    assert ssh["version"].startswith("9.2")


def _empty_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", str(d))
    return d


def test_nmap_missing_is_error_for_every_target(tmp_path, monkeypatch, svc) -> None:
    _empty_path(tmp_path, monkeypatch)
    targets = [Target(raw=ADDR, host=ADDR, port=svc["redis"]), Target(raw=ADDR2, host=ADDR2, port=443)]
    params = _params({svc["redis"]: "redis"})
    obs = _collect(targets, params, None, 5)
    assert len(obs) == 2 and all("nmap not found" in o["error"] for o in obs)
    for cid in ("ports.risky_services", "ports.unexpected_open"):
        res = run_check(cid, obs[0], _ctx(targets[0], params))
        assert res.status == "error" and "nmap" in res.summary["en"]


def test_broken_nmap_is_error_not_crash(tmp_path, monkeypatch, svc) -> None:
    """An nmap that runs but fails (bad install, odd build): error observations, no exception."""
    bindir = _empty_path(tmp_path, monkeypatch)
    fake = bindir / "nmap"
    fake.write_text(
        "#!/bin/sh\nif [ \"$1\" = -V ]; then echo 'Nmap version 7.93 ( https://nmap.org )'; "
        "exit 0; fi\necho 'Segmentation fault' >&2\nexit 139\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}/bin")  # /bin for sh itself
    obs = _collect([Target(raw=ADDR, host=ADDR, port=svc["redis"])], _params({}), None, 5)
    assert obs[0]["error"].startswith("nmap failed")


# --------------------------------------------------------------------------- pure checks


RECORDED = {  # as recorded from a real run (trimmed)
    "address": "203.0.113.10",
    "scanned": [21, 22, 80, 443, 3306, 3389, 6379],
    "open": [
        {"port": 22, "service": "ssh", "product": "", "version": ""},
        {"port": 443, "service": "https", "product": "", "version": ""},
        {"port": 3389, "service": "ms-wbt-server", "product": "", "version": ""},
        {"port": 6379, "service": "redis", "product": "", "version": ""},
    ],
    "nmap_version": "7.93",
    "command": "nmap -oX - -p 21,22,80,443,3306,3389,6379 -sT -Pn -n ...",
}
PARAMS = {"risky_ports": {21: "ftp", 3306: "mysql", 3389: "rdp", 6379: "redis"}}


def _judge(cid: str, obs: dict, params: dict = PARAMS, expected: list[int] | None = None, port: int = 443):
    return run_check(
        cid, obs, CheckContext(host="portal.example.vn", port=port, params=params, expected_ports=expected)
    )


def test_recorded_risky_names_each_port() -> None:
    res = _judge("ports.risky_services", RECORDED)
    assert res.status == "fail"
    assert res.summary["en"] == "Risky ports open on 203.0.113.10: 3389/rdp, 6379/redis"
    assert [e["service"] for e in res.evidence["exposed"]] == ["rdp", "redis"]


def test_recorded_risky_pass_and_string_keys() -> None:
    obs = dict(RECORDED, open=[RECORDED["open"][1]])
    # Profiles that went through JSON have string port keys.
    res = _judge("ports.risky_services", obs, {"risky_ports": {"3389": "rdp", "6379": "redis"}})
    assert res.status == "pass"


def test_recorded_rejudge_with_unscanned_risky_port_is_error() -> None:
    obs = dict(RECORDED, open=[RECORDED["open"][1]])
    res = _judge("ports.risky_services", obs, {"risky_ports": {6379: "redis", 11211: "memcached"}})
    assert res.status == "error" and res.evidence["not_scanned"] == [11211]


def test_recorded_unexpected_open() -> None:
    res = _judge("ports.unexpected_open", RECORDED, expected=[80, 443])
    assert res.status == "fail"
    assert [u["port"] for u in res.evidence["unexpected"]] == [22, 3389, 6379]
    assert "22/ssh" in res.summary["vi"]
    ok = _judge("ports.unexpected_open", RECORDED, expected=[22, 3389, 6379])  # 443 = the target port
    assert ok.status == "pass" and ok.evidence["expected"] == [22, 443, 3389, 6379]
    assert _judge("ports.unexpected_open", RECORDED).status == "not_applicable"


def test_error_and_incomplete_observations_never_pass() -> None:
    for cid in ("ports.risky_services", "ports.unexpected_open"):
        assert _judge(cid, {"error": "host timed out"}, expected=[443]).status == "error"
        assert _judge(cid, {"address": "x"}, expected=[443]).status == "error"  # no open/scanned
        assert _judge(cid, None, expected=[443]).status == "error"


def test_metadata_complete() -> None:
    meta = metadata()
    for cid in ("ports.risky_services", "ports.unexpected_open"):
        assert cid in registry()
        assert meta[cid]["probe"] == "ports"
        for lang in ("vi", "en"):
            assert meta[cid]["title"][lang] and meta[cid]["remediation"][lang]
            assert meta[cid]["messages"]["pass"][lang] and meta[cid]["messages"]["fail"][lang]
    res = make_result("ports.unexpected_open", Outcome("not_applicable", "not_declared"))
    assert res.summary["vi"].startswith("Không áp dụng")


def test_ipv4_and_ipv6_targets_in_one_collect(lab: Lab) -> None:
    """nmap cannot mix families in one run: one run per family, each target gets its own result."""
    v6 = lab.tcp_listener("::1")
    v4 = lab.tcp_listener("127.0.0.72")
    obs = _collect(
        [
            Target(raw=f"[::1]:{v6}", host="::1", port=v6),
            Target(raw=f"127.0.0.72:{v4}", host="127.0.0.72", port=v4),
        ],
        {"risky_ports": {}},
        None,
        5,
    )
    assert obs[0]["address"] == "::1" and " -6 " in obs[0]["command"]
    assert [p["port"] for p in obs[0]["open"]] == [v6]
    assert obs[1]["address"] == "127.0.0.72" and "-6" not in obs[1]["command"]
    assert [p["port"] for p in obs[1]["open"]] == [v4]


def test_every_port_fits_one_nmap_run(svc) -> None:
    """``--ports 1-65535``: the port list goes to nmap as ranges, not 65 535 numbers (which exceed
    the kernel's limit for one argument and made every target an error)."""
    target = Target(raw=ADDR, host=ADDR, port=svc["closed"])
    obs = _collect([target], _params({svc["redis"]: "redis"}), list(range(1, 65536)), 5)[0]
    assert "error" not in obs, obs.get("error")
    assert "-p 1-65535 " in obs["command"]
    assert {svc["redis"], svc["silent"]} <= {p["port"] for p in obs["open"]}
    assert svc["closed"] not in {p["port"] for p in obs["open"]}
    assert probe._port_spec([443, 80, 8001, 8000, 8002, 22, 23]) == "22-23,80,443,8000-8002"


def test_host_timeout_is_error_not_closed_ports(monkeypatch, svc) -> None:
    """nmap reports a host it gave up on (--host-timeout) as "up" with no ports: that must not read
    as "every risky port closed". A real nmap run with a tiny host timeout over many ports."""
    monkeypatch.setattr(probe, "host_timeout", lambda timeout, sv: 0.001)
    target = Target(raw=ADDR, host=ADDR, port=svc["redis"])
    params = _params({svc["redis"]: "redis"})
    obs = _collect([target], params, list(range(1, 65536)), 5)[0]
    assert "error" in obs and "timed out" in obs["error"] and ADDR in obs["error"]
    res = run_check("ports.risky_services", obs, _ctx(target, params))
    assert res.status == "error"
