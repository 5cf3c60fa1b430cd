"""Ports probe: which of the interesting TCP ports of each target's address are open (nmap).

One nmap TCP connect scan (``-sT -Pn -n``: unprivileged, no ping, no reverse DNS) covers every
distinct connect address at once (one run per address family: nmap cannot mix IPv4 and IPv6).
The ports are explicit: the profile's ``risky_ports``, the targets' ``expected_ports``, ``--ports``
and each target's own port -- never "top ports" (they miss Redis) and never a whole range.
``-sV`` (about 12 s of banner waiting) runs only when the profile asks, and only on open ports.

Each observation describes the ports scanned *for that target*; failures (nmap missing from PATH,
unresolvable name, host timed out) become ``{"error": reason}`` and never stop other targets.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import shutil
import socket
import subprocess
from typing import Any
from xml.etree import ElementTree

from secaudit.core.model import Target
from secaudit.probes.base import ProbeContext

XML_RESULT = dict[str, Any]  # python-nmap's parsed scan result


def ports_for(target: Target, params: dict[str, Any], extra_ports: list[int] | None) -> list[int]:
    """The ports scanned for one target, sorted."""
    ports = {int(p) for p in (params.get("risky_ports") or {})}
    ports.update(int(p) for p in (target.expected_ports or []))
    ports.update(int(p) for p in (extra_ports or []))
    ports.add(int(target.port))
    return sorted(p for p in ports if 0 < p < 65536)


def host_timeout(timeout: float, service_detection: bool) -> int:
    """nmap's --host-timeout in seconds: a few connection timeouts (filtered ports retry), plus the
    banner waits of -sV when enabled."""
    return int(max(10.0, timeout * 3) + (30 if service_detection else 0))


def collect(targets: list[Target], context: ProbeContext) -> list[dict[str, Any]]:
    """One observation per target, in order. Never raises for a scanning problem.

    On cancel (Ctrl-C) the running nmap process is killed at once."""
    if not targets:
        return []
    params, extra_ports, timeout = context.params, context.extra_ports, context.timeout
    try:
        import nmap  # imported here: `secaudit --help` must not pay for it
    except ImportError as exc:
        return [{"error": f"python-nmap is not installed ({exc})"} for _ in targets]
    exe = shutil.which("nmap")
    if exe is None:
        return [{"error": "không tìm thấy chương trình nmap / nmap not found in PATH"} for _ in targets]
    try:
        scanner = nmap.PortScanner(nmap_search_path=(exe,))
    except nmap.PortScannerError as exc:
        return [{"error": f"nmap unusable: {str(exc).strip()[:300]}"} for _ in targets]

    # Resolve names ourselves: nmap's results are keyed by IP, and a name that does not resolve
    # is that target's error only.
    addresses: list[str | None] = []
    errors: dict[int, str] = {}
    for i, t in enumerate(targets):
        try:
            addresses.append(_resolve(t.connect_address))
        except OSError as exc:
            addresses.append(None)
            errors[i] = f"cannot resolve {t.connect_address}: {exc}"

    wanted = [ports_for(t, params, extra_ports) for t in targets]
    sv = bool(params.get("service_detection"))
    htimeout = host_timeout(timeout, sv)
    version = ".".join(str(x) for x in scanner.nmap_version())

    runs: dict[int, tuple[XML_RESULT, str] | str] = {}  # address family -> (hosts result, cmd) | error
    for family in (4, 6):
        idx = [
            i for i, a in enumerate(addresses) if a is not None and ipaddress.ip_address(a).version == family
        ]
        if not idx:
            continue
        hosts = sorted({addresses[i] for i in idx})  # type: ignore[type-var]
        ports = sorted({p for i in idx for p in wanted[i]})
        runs[family] = _run(nmap, scanner, hosts, ports, family, htimeout, sv, context)

    out: list[dict[str, Any]] = []
    for i, t in enumerate(targets):
        addr = addresses[i]
        if addr is None:
            out.append({"error": errors[i]})
            continue
        run = runs[ipaddress.ip_address(addr).version]
        if isinstance(run, str):
            out.append({"error": run})
            continue
        hosts_result, command = run
        host = hosts_result.get(addr)
        if host is None:
            out.append(
                {"error": f"no nmap result for {addr}: host down or timed out (--host-timeout {htimeout}s)"}
            )
            continue
        tcp = host.get("tcp") or {}
        open_ports = [
            _port_info(p, tcp[p]) for p in sorted(tcp) if p in wanted[i] and tcp[p].get("state") == "open"
        ]
        obs: dict[str, Any] = {
            "address": addr,
            "scanned": wanted[i],
            "open": open_ports,
            "nmap_version": version,
            "command": command,
        }
        if addr != t.connect_address:
            obs["resolved_from"] = t.connect_address
        out.append(obs)
    return out


def _resolve(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    return str(infos[0][4][0])


def _run(
    nmap: Any,
    scanner: Any,
    hosts: list[str],
    ports: list[int],
    family: int,
    htimeout: int,
    service_detection: bool,
    context: ProbeContext,
) -> tuple[XML_RESULT, str] | str:
    """Connect-scan ``ports`` on ``hosts``; then -sV on what is open if asked. Error -> str."""
    base = f"-sT -Pn -n --host-timeout {htimeout}s" + (" -6" if family == 6 else "")

    def scan(hosts_arg: str, port_spec: str, arguments: str) -> XML_RESULT:
        return _nmap_scan(nmap, scanner, hosts_arg, port_spec, arguments, htimeout + 30, context)

    try:
        res = scan(" ".join(hosts), _port_spec(ports), base)
        command = scanner.command_line()
        hosts_result: XML_RESULT = dict(res.get("scan") or {})
        # A host nmap gave up on (--host-timeout) is listed "up" with no ports: dropped, so that it
        # becomes that target's error instead of reading as "every port closed" (a pass).
        for addr in _timed_out(scanner.get_nmap_last_output()):
            hosts_result.pop(addr, None)
        open_ports = sorted(
            {
                p
                for h in hosts_result.values()
                for p, info in (h.get("tcp") or {}).items()
                if info.get("state") == "open"
            }
        )
        if service_detection and open_ports:
            sv_hosts = [
                h
                for h in hosts
                if any(
                    info.get("state") == "open"
                    for info in (hosts_result.get(h, {}).get("tcp") or {}).values()
                )
            ]
            res_sv = scan(" ".join(sv_hosts), _port_spec(open_ports), base + " -sV")
            for h, info in (res_sv.get("scan") or {}).items():
                for p, pinfo in (info.get("tcp") or {}).items():
                    if p in (hosts_result.get(h, {}).get("tcp") or {}):
                        hosts_result[h]["tcp"][p] = pinfo
            command += " ; " + scanner.command_line()
        return hosts_result, command
    except nmap.PortScannerTimeout:
        return f"nmap did not finish within {htimeout + 30}s / nmap quá thời gian"
    except nmap.PortScannerError as exc:
        return f"nmap failed: {str(exc).strip()[:300]}"
    except (OSError, ValueError, KeyError) as exc:
        return f"nmap failed: {type(exc).__name__}: {exc}"


def _nmap_scan(
    nmap: Any, scanner: Any, hosts: str, ports: str, arguments: str, timeout: int, context: ProbeContext
) -> XML_RESULT:
    """python-nmap's ``PortScanner.scan`` with the process in our hands: killed on cancel (Ctrl-C)
    or after ``timeout`` seconds. The XML is parsed by python-nmap as usual."""
    args = [scanner._nmap_path, "-oX", "-", *shlex.split(hosts), "-p", ports, *shlex.split(arguments)]
    if context.cancelled():
        raise nmap.PortScannerError("cancelled")
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    unregister = context.on_cancel(proc.kill)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise nmap.PortScannerTimeout("Timeout from nmap process") from None
    finally:
        unregister()
    if context.cancelled():
        raise nmap.PortScannerError("cancelled")
    err_text = err.decode("utf-8", "replace")
    warnings = [ln + os.linesep for ln in err_text.splitlines() if ln.lower().startswith("warning: ")]
    errors = (
        [err_text]
        if any(ln and not ln.lower().startswith("warning: ") for ln in err_text.splitlines())
        else []
    )
    scanner._nmap_last_output = out
    return scanner.analyse_nmap_xml_scan(
        nmap_xml_output=out, nmap_err=err_text, nmap_err_keep_trace=errors, nmap_warn_keep_trace=warnings
    )


def _timed_out(xml: bytes | str) -> set[str]:
    """Addresses of the hosts nmap's XML marks ``timedout="true"`` (python-nmap drops the mark)."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ValueError(f"unreadable nmap XML: {exc}") from None
    return {
        str(a.get("addr"))
        for h in root.iter("host")
        if h.get("timedout") == "true"
        for a in h.iter("address")
        if a.get("addrtype") in ("ipv4", "ipv6")
    }


def _port_spec(ports: list[int]) -> str:
    """``80,443,8000-8010``: runs as ranges, so that ``--ports 1-65535`` stays one short argument
    (each port spelled out is ~380 KB, over the kernel's 128 KiB limit for one argument)."""
    runs: list[list[int]] = []
    for p in sorted(set(ports)):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in runs)


def _port_info(port: int, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "port": int(port),
        "service": info.get("name") or "",
        "product": info.get("product") or "",
        "version": info.get("version") or "",
    }
