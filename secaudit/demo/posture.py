"""The demo's DNS and e-mail posture: agencies whose systems declare ``domain_posture`` in
demo_data.yaml get a domain ``<agency>.demo.test`` served by the posture lab (secaudit/lab/posture.py:
NSD with zones signed at start, aiosmtpd MXs), all on the demo's own loopback addresses
(127.0.0.95 DNS, 127.0.0.96-99 MX) and ephemeral ports.

A ``good`` domain also gets an AAAA (::1) for its web host, and the web host's port is opened on
[::1] too, so web.ipv6 sees it reachable. Without NSD/ldnsutils/aiosmtpd (a plain install) the demo
runs without domains and says so.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any


def domain_of(agency_id: str) -> str:
    return f"{agency_id}.demo.test"


def wanted(systems: list[Any]) -> dict[str, tuple[str, list[Any]]]:
    """Domain -> (posture, the systems of that agency that declare it)."""
    out: dict[str, tuple[str, list[Any]]] = {}
    for s in systems:
        posture = s.system.get("domain_posture")
        if posture:
            out.setdefault(domain_of(s.agency["id"]), (posture, []))[1].append(s)
    return out


class _V6Twin:
    """Accept-and-close on [::1]:port: the web host's IPv6 address answers on the target's port."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        self.sock.bind(("::1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self.stopped = threading.Event()
        threading.Thread(target=self._loop, daemon=True, name=f"demo-v6-{port}").start()

    def _loop(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


class DemoPosture:
    """Start the posture lab for the demo's domains; ``cli_args()`` for assess; ``close()``."""

    def __init__(self, ca: Any, workdir: Path, say: Any) -> None:
        self.ca, self.workdir, self.say = ca, workdir, say
        self.lab: Any = None
        self.twins: list[_V6Twin] = []

    def start(self, systems: list[Any], copies: list[Any]) -> dict[str, str]:
        """``copies``: every running site copy (both periods). Returns system key -> domain."""
        from secaudit.lab.posture import PostureLab, tools_missing

        domains = wanted(systems)
        if not domains:
            return {}
        from secaudit.core.errors import InputError
        from secaudit.lab.posture import POSTURES

        for domain, (posture, _) in domains.items():
            if posture not in POSTURES:
                raise InputError(
                    f"demo data: {domain}: domain_posture không hợp lệ / "
                    f"unknown domain_posture {posture!r} ({', '.join(POSTURES)})"
                )
        missing = tools_missing()
        if missing:
            self.say(
                "Bỏ qua tư thế DNS/thư điện tử (thiếu / missing: "
                f"{', '.join(missing)}) / DNS and e-mail posture skipped"
            )
            return {}
        self.lab = PostureLab(self.ca, self.workdir)
        for domain, (posture, members) in domains.items():
            extra = []
            for s in members:
                label = s.hostname.removesuffix("." + domain)
                extra.append(f"{label} IN A {s.address}")
                if posture == "good":
                    extra.append(f"{label} IN AAAA ::1")
            self.lab.add(domain, posture, extra)
        try:
            self.lab.start()
        except Exception as exc:  # noqa: BLE001 - optional part of the demo (no IPv6, NSD refused…)
            self.say(f"Bỏ qua tư thế DNS/thư điện tử / DNS and e-mail posture skipped: {exc}")
            self.lab.close()
            self.lab = None
            return {}
        good = {s.hostname for posture, members in domains.values() if posture == "good" for s in members}
        for c in copies:
            if c.hostname in good and c.expected_ports:
                try:
                    self.twins.append(_V6Twin(c.expected_ports[0]))  # the HTTPS port (the target's)
                except OSError as exc:  # port taken on ::1: web.ipv6 then says unreachable
                    self.say(f"[::1]:{c.expected_ports[0]}: {exc}")
        return {f"{s.agency['id']}/{s.system['id']}": d for d, (_, ms) in domains.items() for s in ms}

    def cli_args(self) -> list[str]:
        return self.lab.cli_args() if self.lab is not None else []

    def close(self) -> None:
        for t in self.twins:
            t.close()
        if self.lab is not None:
            self.lab.close()
