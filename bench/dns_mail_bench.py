"""Benchmark: the scan time the dns and mail probes add per domain, on the loopback posture lab.

Starts the posture lab (NSD with a signed parent; aiosmtpd MX servers), then runs the dns and the
mail probe over 1, 2 and 4 domains (half "good": signed zone, STARTTLS + DANE; half "poor":
unsigned, weak TLS) --repeat times each and prints the best wall time per probe, per domain, the
DNS queries sent and the STARTTLS scan's share. On loopback the DNS part is CPU-bound and tiny;
on real networks it is round trips (about 10-25 queries per domain, cached per scan), and each
MX's STARTTLS scan (sslyze: 15 commands, one SMTP dialogue per connection) dominates.
It prints figures; it asserts nothing.

    .venv/bin/python bench/dns_mail_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from secaudit.core.model import Target
from secaudit.lab.certs import LabCA
from secaudit.lab.posture import PostureLab
from secaudit.probes import dns as dns_probe
from secaudit.probes import mail as mail_probe
from secaudit.probes.dnssec import Server
from secaudit.probes.domains import DomainOptions

ADDRS = ("127.0.1.201", "127.0.1.202", "127.0.1.203", "127.0.1.204")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        PostureLab(
            LabCA(), Path(tmp), parent="bench.test", dns_address="127.0.1.200", mx_addresses=ADDRS
        ) as lab,
    ):
        domains = [f"d{i}.bench.test" for i in range(4)]
        for i, d in enumerate(domains):
            lab.add(d, "good" if i % 2 == 0 else "poor")
        t0 = time.monotonic()
        running = lab.start()
        print(f"lab start (keygen, ldns-signzone x5, NSD, 4 MX): {time.monotonic() - t0:.2f} s")
        opts = DomainOptions(
            dns_servers=[Server(running.address, running.port)],
            trust_anchor=running.trust_anchor,
            smtp_port=lab.smtp.port or 25,
            timeout=3.0,
        )
        for n in (1, 2, 4):
            targets = [Target(raw=d, host=d, port=443) for d in domains[:n]]
            for name, probe in (("dns", dns_probe), ("mail", mail_probe)):
                best, queries = float("inf"), 0
                for _ in range(args.repeat):
                    t = time.monotonic()
                    obs = probe.collect(targets, opts)
                    best = min(best, time.monotonic() - t)
                    queries = sum(d["queries"] for o in obs for d in o["domains"])
                print(
                    f"{name:4} {n} domain(s): best {best:.3f} s  ({best / n:.3f} s/domain, {queries} queries)"
                )


if __name__ == "__main__":
    main()
