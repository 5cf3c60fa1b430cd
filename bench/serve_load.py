"""Load run: 50 concurrent users browsing `secaudit serve --demo` for 60 s, loopback only (issue 15 item 6).

    python bench/serve_load.py [--users 50] [--duration 60] [--think 0] [--url URL --data DIR]

Why a small threaded script and not locust: it needs nothing beyond requests (already a dependency),
it logs in through the real form (CSRF token, session cookie) exactly as a browser does, and on a
2-core machine the fewer moving parts beside the server the better; locust would bring gevent and
its web UI for a 60-second run.

Without ``--url`` it starts ``secaudit serve --demo`` itself (a fresh data folder, 127.0.0.1, an
ephemeral port) and adds its accounts with ``secaudit users add --password-stdin``. Each virtual user
is a thread with its own session: it logs in (timed apart), then loops over its role's pages
(Department: dashboard, late list, changes, agency, system, requirement, Mẫu 08; inspector: queue,
review page, report; agency: home, system, requirement, bundles, report) for ``--duration``
seconds, waiting ``--think`` seconds between pages (0: each user asks again as soon as answered,
the worst case). Every answer must be 200 with the page's marker in it, else it is an error.
Prints requests, errors, median and 95th-percentile page time (overall and per page) and
requests per second. Never asserts a time.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # web_fixtures: start_serve, the same helper the tests use

PASSWORD = "load-test-password-42"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pages(role: str, agency: str, system: str, req: str) -> list[tuple[str, str]]:
    """(path, a fragment the answer must contain) for one role."""
    sysp = f"{agency}/{system}"
    if role == "department":
        return [
            ("/department/", "/department/agency/"),
            ("/department/late/", 'id="late"'),
            ("/department/changes/", 'id="changes"'),
            (f"/department/agency/{agency}/", f"/department/system/{agency}/"),  # the shared agency page
            (f"/department/system/{sysp}/", 'id="requirements"'),
            (f"/department/system/{sysp}/req/{req}/", 'id="evidence-list"'),
            ("/department/mau08.html", "08"),
        ]
    if role == "inspector":
        return [
            ("/inspector/", 'id="queue"'),
            (f"/inspector/review/{sysp}/", 'id="entries"'),
            (f"/system/{sysp}/report/", system),
        ]
    return [
        ("/agency/", 'id="systems"'),
        (f"/agency/system/{sysp}/", 'id="requirements"'),
        (f"/agency/system/{sysp}/req/{req}/", 'id="attest-form"'),
        ("/agency/bundles/", 'id="bundle-form"'),
        (f"/system/{sysp}/report/", system),
    ]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.logins: list[float] = []
        self.errors: list[str] = []

    def add(self, key: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[key].append(seconds)
            if error:
                self.errors.append(error)


def login(s: requests.Session, base: str, user: str, password: str) -> None:
    r = s.get(base + "login/", timeout=30)
    m = CSRF.search(r.text)
    if r.status_code != 200 or not m:
        raise RuntimeError(f"login page: {r.status_code}")
    r = s.post(
        base + "login/",
        data={"username": user, "password": password, "csrfmiddlewaretoken": m.group(1)},
        headers={"Referer": base + "login/"},
        timeout=30,
    )
    if r.status_code != 200 or urlsplit(r.url).path.startswith("/login"):
        raise RuntimeError(f"login {user}: {r.status_code} {r.url}")


def user_loop(
    n: int,
    base: str,
    account: tuple[str, str],
    todo: list[tuple[str, str]],
    args: argparse.Namespace,
    stats: Stats,
    start: threading.Barrier,
    stop_at: list[float],
) -> None:
    rnd = random.Random(n)
    s = requests.Session()
    t0 = time.perf_counter()
    try:
        login(s, base, account[0], PASSWORD if args.password is None else args.password)
    except Exception as exc:  # noqa: BLE001 - every failure is counted and shown, never raised
        stats.add("login", time.perf_counter() - t0, f"user {n}: {exc}")
        start.wait()
        return
    with stats.lock:
        stats.logins.append(time.perf_counter() - t0)
    start.wait()
    i = rnd.randrange(len(todo))
    while time.monotonic() < stop_at[0]:
        path, marker = todo[i % len(todo)]
        i += 1
        t = time.perf_counter()
        error = None
        try:
            r = s.get(base + path.lstrip("/"), timeout=60, allow_redirects=False)
            if r.status_code != 200 or marker not in r.text:
                error = f"{path}: {r.status_code}" + ("" if r.status_code != 200 else " (marker missing)")
        except requests.RequestException as exc:
            error = f"{path}: {type(exc).__name__}"
        stats.add(f"{account[1]} {path}", time.perf_counter() - t, error)
        if args.think:
            time.sleep(rnd.uniform(0.5, 1.5) * args.think)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--think", type=float, default=0.0, help="mean seconds between a user's pages")
    ap.add_argument("--url", help="an already running serve (loopback only); needs --data")
    ap.add_argument("--data", type=Path, help="its data folder (accounts are added there)")
    ap.add_argument("--password", help="with --url: the accounts' password (default: added here)")
    args = ap.parse_args()

    from web_fixtures import start_serve

    tmp = tempfile.TemporaryDirectory(prefix="secaudit-load-")
    served = None
    errors = 0
    if args.url:
        base, data = args.url.rstrip("/") + "/", args.data
        if data is None:
            ap.error("--url needs --data")
    else:
        t0 = time.perf_counter()
        served = start_serve(Path(tmp.name) / "data", "--demo")
        base, data = served.base, served.data
        print(f"serve --demo ready in {time.perf_counter() - t0:.1f} s at {base}")
    host = urlsplit(base).hostname or ""
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        sys.exit(f"refusing a non-loopback server: {base}")
    try:
        errors = run(args, base, data)
    finally:
        if served is not None:
            served.stop()
            if errors:  # the server's own account of them (tracebacks go to its stderr)
                print("--- server stderr (tail) ---")
                print(served.stderr_path.read_text(encoding="utf-8", errors="replace")[-6000:])
        tmp.cleanup()


def run(args: argparse.Namespace, base: str, data: Path) -> int:
    import yaml
    from web_fixtures import add_user

    inv = yaml.safe_load((data / "inventory.yaml").read_text(encoding="utf-8"))
    agencies = [(a["id"], a["systems"][0]["id"]) for a in inv["agencies"]]
    accounts: list[tuple[str, str, str, str]] = [("load-dept", "department", *agencies[0])]
    accounts.append(("load-insp", "inspector", *agencies[0]))
    accounts += [(f"load-{a}", "agency", a, s) for a, s in agencies]
    if args.password is None:
        for name, role, agency, _ in accounts:
            add_user(data, name, role, PASSWORD, agency if role == "agency" else None)
    req = "M.POL.03"
    stats = Stats()
    # A third of the users are Department staff, a sixth inspectors, the rest agencies (spread).
    plan = []
    for n in range(args.users):
        if n % 6 in (0, 1):
            acc = accounts[0]
        elif n % 6 == 2:
            acc = accounts[1]
        else:
            acc = accounts[2 + n % (len(accounts) - 2)]
        plan.append((n, (acc[0], acc[1]), pages(acc[1], acc[2], acc[3], req)))
    start = threading.Barrier(args.users + 1)
    stop_at = [float("inf")]
    threads = [
        threading.Thread(
            target=user_loop, args=(n, base, acc, todo, args, stats, start, stop_at), daemon=True
        )
        for n, acc, todo in plan
    ]
    load0 = os.getloadavg()[0]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    stop_at[0] = time.monotonic() + args.duration
    for t in threads:
        t.join(args.duration + 120)
    wall = time.perf_counter() - t0
    report(stats, wall, args, load0)
    return len(stats.errors)


def report(stats: Stats, wall: float, args: argparse.Namespace, load0: float) -> None:
    every = [x for k, xs in stats.times.items() if k != "login" for x in xs]
    print(
        f"users: {args.users} · duration: {wall:.1f} s · think: {args.think} s · cpus: {os.cpu_count()} "
        f"(server and load generator share them) · load average before: {load0:.1f}"
    )
    if stats.logins:
        print(f"logins: {len(stats.logins)} · median {statistics.median(stats.logins) * 1000:.0f} ms")
    print(f"requests: {len(every)} ({len(every) / wall:.1f}/s) · errors: {len(stats.errors)}")
    if every:
        print(
            f"page time: median {statistics.median(every) * 1000:.0f} ms · 95th percentile "
            f"{pct(every, 95) * 1000:.0f} ms · max {max(every) * 1000:.0f} ms"
        )
    for key in sorted(stats.times):
        xs = stats.times[key]
        print(
            f"  {key:60s} n={len(xs):5d} median {statistics.median(xs) * 1000:6.0f} ms "
            f"p95 {pct(xs, 95) * 1000:6.0f} ms"
        )
    for e in stats.errors[:20]:
        print(f"  error: {e}")


if __name__ == "__main__":
    main()
