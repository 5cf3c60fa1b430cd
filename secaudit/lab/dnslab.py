"""Loopback authoritative DNS for tests and the demo: NSD serving zones signed with ldns-signzone.

A ``DnsLab`` holds one signed parent zone (default ``lab.``) and any number of child zones, each
delegated from the parent (with a DS record when the child is signed). NSD listens on one loopback
address (and ``::1``) on an ephemeral port; the parent's DS record is written to a trust-anchor
file, so a validator anchored there sees secure, insecure (unsigned child) and bogus (expired
signatures, or a DS that matches no key) zones exactly as it would on the Internet.

Needs the Debian packages ``nsd`` and ``ldnsutils`` (``scripts/setup.sh --dev`` installs them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ALGORITHM = "ECDSAP256SHA256"  # fast to generate and sign; what most zones use today
START_TIMEOUT = 10.0  # seconds NSD may take to answer its first query


class LabUnavailable(RuntimeError):
    """NSD or ldns-signzone is not installed (or NSD would not start)."""


def tools_missing() -> list[str]:
    return [cmd for cmd in ("nsd", "ldns-keygen", "ldns-signzone") if shutil.which(cmd) is None]


@dataclass
class ZoneSpec:
    """A child zone of the lab's parent. ``records`` are zone-file lines relative to the apex
    (``@``, ``www``, ``_dmarc`` …); the SOA and the NS set are added. ``bogus``: ``expired``
    (signatures expired a month ago) or ``wrong_ds`` (the parent's DS matches no key)."""

    name: str
    records: list[str] = field(default_factory=list)
    signed: bool = False
    bogus: str | None = None
    nsec3: bool = False
    nameservers: int = 2  # ns1…nsN.<zone>, each with the lab's A (and AAAA when IPv6 is on)
    broken: bool = False  # NSD lists the zone but cannot load it: it answers SERVFAIL
    ns_ipv6: int | None = None  # how many of the name servers get an AAAA (None: all)


@dataclass
class RunningDns:
    address: str
    port: int
    trust_anchor: Path  # DS of the parent zone (dnspython/BIND zone-file syntax)
    parent: str

    @property
    def server(self) -> str:
        """The ``--dns-server`` value."""
        return f"{self.address}:{self.port}"


def _free_port(address: str, ipv6: bool) -> int:
    """A port free for UDP and TCP on ``address`` (and ``::1``). NSD binds it right after; a lost
    race makes NSD fail to start, and ``DnsLab.start`` retries with another port."""
    for _ in range(50):
        socks: list[socket.socket] = []
        try:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(u)
            u.bind((address, 0))
            port = u.getsockname()[1]
            wanted = [(socket.AF_INET, socket.SOCK_STREAM, address)]
            if ipv6:
                wanted += [(socket.AF_INET6, k, "::1") for k in (socket.SOCK_DGRAM, socket.SOCK_STREAM)]
            for family, kind, addr in wanted:
                s = socket.socket(family, kind)
                socks.append(s)
                s.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise LabUnavailable(f"no free port on {address}")


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S")


class DnsLab:
    """Build zones, sign them, serve them with NSD; ``with DnsLab(...) as lab: lab.start()``."""

    def __init__(
        self, address: str = "127.0.0.240", parent: str = "lab", ipv6: bool = True, parent_nsec3: bool = False
    ) -> None:
        missing = tools_missing()
        if missing:
            raise LabUnavailable(
                "thiếu / missing: " + ", ".join(missing) + " (apt-get install nsd ldnsutils)"
            )
        self.address = address
        self.parent = parent.strip(".")
        self.ipv6 = ipv6
        self.parent_nsec3 = parent_nsec3  # the parent's denials (no DS for unsigned children) use NSEC3
        self.zones: list[ZoneSpec] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="secaudit-dns-")
        self.dir = Path(self._tmp.name)
        self._proc: subprocess.Popen[bytes] | None = None
        self.running: RunningDns | None = None

    def __enter__(self) -> DnsLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, spec: ZoneSpec) -> ZoneSpec:
        if not spec.name.endswith("." + self.parent):
            raise ValueError(f"{spec.name} is not under {self.parent}")
        self.zones.append(spec)
        return spec

    # -- zone files

    def _ns_records(self, zone: str, count: int, with_v6: int | None = None) -> list[str]:
        lines = []
        for i in range(1, count + 1):
            lines.append(f"{zone}. 300 IN NS ns{i}.{zone}.")
            lines.append(f"ns{i}.{zone}. 300 IN A {self.address}")
            if self.ipv6 and (with_v6 is None or i <= with_v6):
                lines.append(f"ns{i}.{zone}. 300 IN AAAA ::1")
        return lines

    def _zone_text(self, zone: str, body: list[str], ns_count: int, with_v6: int | None = None) -> str:
        head = [
            f"$ORIGIN {zone}.",
            "$TTL 300",
            f"@ 300 IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 900 604800 300",
        ]
        return "\n".join(head + self._ns_records(zone, ns_count, with_v6) + body) + "\n"

    def _keys(self, zone: str) -> tuple[str, str]:
        def gen(*flags: str) -> str:
            out = subprocess.run(
                ["ldns-keygen", "-a", ALGORITHM, *flags, zone],
                cwd=self.dir,
                capture_output=True,
                check=True,
                timeout=30,
            )
            return out.stdout.decode().strip()

        return gen("-k"), gen()  # KSK, ZSK base names

    def _sign(self, zone: str, text: str, spec: ZoneSpec | None) -> tuple[Path, str | None]:
        """Write and (when signed) sign the zone; returns the file NSD serves and the DS line."""
        plain = self.dir / f"{zone}.zone"
        plain.write_text(text)
        if spec is not None and not spec.signed:
            return plain, None
        ksk, zsk = self._keys(zone)
        now = dt.datetime.now(dt.timezone.utc)
        inception, expiration = now - dt.timedelta(days=1), now + dt.timedelta(days=30)
        if spec is not None and spec.bogus == "expired":
            inception, expiration = now - dt.timedelta(days=60), now - dt.timedelta(days=30)
        signed = self.dir / f"{zone}.zone.signed"
        cmd = ["ldns-signzone", "-i", _stamp(inception), "-e", _stamp(expiration), "-f", str(signed)]
        if spec.nsec3 if spec is not None else self.parent_nsec3:
            cmd += ["-n", "-t", "0"]  # RFC 9276: no extra iterations, no salt
        subprocess.run(
            [*cmd, "-o", zone, str(plain), ksk, zsk],
            cwd=self.dir,
            capture_output=True,
            check=True,
            timeout=60,
        )
        ds = (self.dir / f"{ksk}.ds").read_text().split(";")[0].strip()
        if spec is not None and spec.bogus == "wrong_ds":
            ds = _garble(ds)
        return signed, ds

    def _build(self) -> list[tuple[str, Path | None]]:
        files: list[tuple[str, Path | None]] = []
        delegations: list[str] = []
        for spec in self.zones:
            if spec.broken:
                files.append((spec.name, None))
                delegations += [
                    f"{spec.name}. 300 IN NS ns1.{spec.name}.",
                    f"ns1.{spec.name}. 300 IN A {self.address}",
                ]
                continue
            text = self._zone_text(spec.name, spec.records, spec.nameservers, spec.ns_ipv6)
            path, ds = self._sign(spec.name, text, spec)
            files.append((spec.name, path))
            delegations += self._ns_records(spec.name, spec.nameservers, spec.ns_ipv6)
            if ds:
                delegations.append(ds)
        path, ds = self._sign(self.parent, self._zone_text(self.parent, delegations, 1), None)
        assert ds is not None
        (self.dir / "trust-anchor.ds").write_text(ds + "\n")
        return [(self.parent, path), *files]

    def _config(self, port: int, zones: list[tuple[str, Path | None]]) -> Path:
        lines = [
            "server:",
            f"  ip-address: {self.address}@{port}",
            *([f"  ip-address: ::1@{port}"] if self.ipv6 else []),
            f"  port: {port}",
            '  username: ""',
            '  chroot: ""',
            f'  zonesdir: "{self.dir}"',
            '  database: ""',
            f'  pidfile: "{self.dir}/nsd.pid"',
            f'  zonelistfile: "{self.dir}/zone.list"',
            f'  xfrdfile: "{self.dir}/xfrd.state"',
            f'  logfile: "{self.dir}/nsd.log"',
            "  server-count: 1",
            "  hide-version: yes",
            "  verbosity: 1",
            "remote-control:",
            "  control-enable: no",
        ]
        for name, path in zones:
            # a zone whose file is missing is served as SERVFAIL: the lab's "broken server"
            lines += ["zone:", f"  name: {name}", f'  zonefile: "{path or self.dir / (name + ".missing")}"']
        conf = self.dir / "nsd.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    # -- running

    def start(self) -> RunningDns:
        zones = self._build()
        last = ""
        for _ in range(5):
            port = _free_port(self.address, self.ipv6)
            conf = self._config(port, zones)
            proc = subprocess.Popen(
                ["nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            if self._wait(port, proc):
                self._proc = proc
                self.running = RunningDns(self.address, port, self.dir / "trust-anchor.ds", self.parent)
                return self.running
            last = _stop(proc)
        raise LabUnavailable(f"NSD did not start: {last[-300:]}")

    def _wait(self, port: int, proc: subprocess.Popen[bytes]) -> bool:
        import dns.message
        import dns.query

        q = dns.message.make_query(self.parent + ".", "SOA")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            with contextlib.suppress(Exception):
                dns.query.udp(q, self.address, port=port, timeout=0.2)
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None
        self._tmp.cleanup()


def _stop(proc: subprocess.Popen[bytes]) -> str:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return err


def _garble(ds: str) -> str:
    """The same DS line with another digest: it then matches no DNSKEY of the child."""
    parts = ds.split()
    digest = parts[-1]
    parts[-1] = ("0" if digest[0] != "0" else "1") + digest[1:]
    return " ".join(parts)
