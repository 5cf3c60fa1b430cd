"""``secaudit demo``: a simulated province on loopback, scanned and assessed for real.

It starts lab sites of differing posture (secaudit/demo_data.yaml), writes an inventory, keys and
pre-filled attestations, then runs the real commands — keys generate, assess (sslyze, requests,
nmap), verify, summary and report — exactly as an agency and the Department would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import ssl
from collections.abc import Callable
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.core.resources import package_file
from secaudit.core.yamlio import dump_yaml, load_yaml
from secaudit.demo import hosts as demo_hosts
from secaudit.demo import providers as demo_providers
from secaudit.demo.posture import DemoPosture

# Loopback addresses of the demo (127.0.0.60-99): never the machine's well-known ports.
FIRST_ADDRESS = 60


@dataclass
class DemoSystem:
    agency: dict[str, Any]
    system: dict[str, Any]
    address: str
    hostname: str
    url: str = ""
    http_port: int | None = None
    expected_ports: list[int] | None = None


def _site_spec(kind: str, name: str, address: str, hostname: str) -> Any:
    from secaudit.lab.sites import SiteSpec

    good_cookie = ["phien=demo; Path=/; Secure; HttpOnly; SameSite=Lax"]
    if kind == "good":
        return SiteSpec(name=name, address=address, hostname=hostname, cookies=good_cookie)
    if kind == "weak_tls":
        return SiteSpec(
            name=name,
            address=address,
            hostname=hostname,
            tls_min=ssl.TLSVersion.TLSv1,
            ciphers="ALL:@SECLEVEL=0",
            cookies=good_cookie,
        )
    if kind == "missing_headers":
        return SiteSpec(
            name=name,
            address=address,
            hostname=hostname,
            headers={"X-Powered-By": "PHP/7.4.3"},
            server_header="Apache/2.4.41 (Ubuntu)",
            cookies=["PHPSESSID=demo; Path=/"],
            plain_http="no_redirect",
            paths={"/.git/HEAD": (200, "text/plain", b"ref: refs/heads/main\n")},
        )
    if kind == "risky_port":  # a good site; the risky service beside it is started by run_demo
        return SiteSpec(name=name, address=address, hostname=hostname, cookies=good_cookie)
    raise InputError(f"demo data: loại trang không hợp lệ / unknown site kind {kind!r}")


def _attestations(
    profile_name: str, agency: str, system: str, mode: str, evidence_dir: Path, att_file: Path, today: dt.date
) -> dict[str, Any]:
    """Filled attestation file content for every manual/partial requirement of the profile."""
    from secaudit.config.catalog import applicable, load_profile

    profile = load_profile(profile_name)
    evidence_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    reqs = [r for r, tailored in applicable(profile) if r.kind != "auto" and tailored is None]
    for i, req in enumerate(reqs):
        attested = today - dt.timedelta(days=40)
        expires = attested + dt.timedelta(days=365)
        if mode == "partial_expired":
            if i % 3 == 0:
                continue  # never answered: not_reviewed
            if i % 3 == 1:
                attested = today - dt.timedelta(days=500)
                expires = attested + dt.timedelta(days=365)  # expired
        doc = evidence_dir / f"{req.id}.txt"
        doc.write_text(
            f"Bằng chứng mô phỏng cho {req.id} — {req.title.get('vi', '')}\n"
            f"Simulated evidence for {req.id}.\n",
            encoding="utf-8",
        )
        entries.append(
            {
                "requirement": req.id,
                "status": "compliant",
                "note": f"Đã kiểm tra hồ sơ (mô phỏng): {req.title.get('vi', '')}",
                # Evidence paths are relative to the attestation file's folder.
                "evidence": [
                    {
                        "path": os.path.relpath(doc, att_file.parent),
                        "sha256": hashlib.sha256(doc.read_bytes()).hexdigest(),
                    }
                ],
                "attested_by": "Nguyễn Văn A (cán bộ đánh giá mô phỏng)",
                "attested_at": attested.isoformat(),
                "expires_at": expires.isoformat(),
            }
        )
    return {"agency": agency, "system": system, "attestations": entries}


def run_demo(out_dir: Path, say: Callable[[str], None], quiet_commands: bool = True) -> dict[str, Any]:
    """Run the whole demo; returns the summary JSON. Raises InputError on bad demo data."""
    from secaudit.cli import main
    from secaudit.lab.sites import Lab

    data = load_yaml(package_file("demo/demo_data.yaml"))
    out_dir.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()
    systems: list[DemoSystem] = []
    n = FIRST_ADDRESS
    for agency in data["agencies"]:
        for system in agency["systems"]:
            systems.append(
                DemoSystem(agency, system, f"127.0.0.{n}", f"{system['id']}.{agency['id']}.demo.test")
            )
            n += 1

    def cli(*args: str) -> int:
        buf = io.StringIO()
        try:
            if quiet_commands:
                with redirect_stderr(buf), redirect_stdout(io.StringIO()):
                    code = main.main(list(args), prog_name="secaudit", standalone_mode=False)
            else:
                code = main.main(list(args), prog_name="secaudit", standalone_mode=False)
        except SystemExit as exc:  # some commands end with sys.exit(code)
            code = exc.code
        if code == 2 and quiet_commands:
            say(buf.getvalue().strip().splitlines()[-1] if buf.getvalue().strip() else "exit 2")
        return int(code or 0)

    keys_dir, keyring = out_dir / "keys", out_dir / "keyring"
    bundles, history = out_dir / "bundles", out_dir / "history"
    keyring.mkdir(parents=True, exist_ok=True)
    for agency in data["agencies"]:
        aid = agency["id"]
        _check(cli("keys", "generate", "--agency", aid, "-o", str(keys_dir), "--force"), "keys generate")
        (keyring / f"{aid}.pub").write_bytes((keys_dir / f"{aid}.pub").read_bytes())

    with Lab() as lab, closing(DemoPosture(lab.ca, out_dir / "posture", say)) as posture:
        ca_file = out_dir / "lab-ca.pem"
        ca_file.write_bytes(lab.ca.cert_pem)
        risky: dict[int, str] = {}
        sites: dict[tuple[str, str], DemoSystem] = {}  # (period key, system) -> running copy
        n_prev = FIRST_ADDRESS + 20
        for s in systems:
            variants = [("current", s.system["site"], s)]
            if s.system.get("site_previous", s.system["site"]) != s.system["site"]:
                prev = DemoSystem(s.agency, s.system, f"127.0.0.{n_prev}", s.hostname)
                n_prev += 1
                variants.append(("previous", s.system["site_previous"], prev))
            else:
                sites[("previous", f"{s.agency['id']}/{s.system['id']}")] = s
            for key, kind, copy in variants:
                site = lab.start(
                    _site_spec(kind, f"{key}-{s.agency['id']}-{s.system['id']}", copy.address, copy.hostname)
                )
                copy.url, copy.http_port = site.url, site.http_port
                copy.expected_ports = [p for p in (site.https_port, site.http_port) if p]
                if kind == "risky_port":
                    port = lab.tcp_listener(copy.address, banner=b"-ERR unknown command (redis mo phong)\r\n")
                    risky[port] = "redis (mô phỏng / simulated)"
                sites[(key, f"{s.agency['id']}/{s.system['id']}")] = copy
        say(
            f"Đã khởi động {len(systems)} hệ thống mô phỏng trên loopback / "
            f"started {len(systems)} simulated systems on loopback"
        )
        # Signed zone and good mail for one agency, unsigned and weak for another (demo_data.yaml).
        domains = posture.start(systems, list({id(c): c for c in sites.values()}.values()))

        # A tailored profile: level 3 plus the simulated risky service's ephemeral port.
        profile_path = out_dir / "profiles" / "demo-level3.yaml"
        profile_path.parent.mkdir(parents=True, exist_ok=True)
        profile_path.write_text(
            dump_yaml(
                {
                    "profile": {
                        "id": "demo-level3",
                        "catalog": "tcvn-11930-2017",
                        "extends": "level3",
                        "level": 3,
                        "title": {
                            "vi": "Cấp độ 3 (demo: thêm cổng dịch vụ rủi ro mô phỏng)",
                            "en": "Level 3 (demo: plus the simulated risky service port)",
                        },
                    },
                    "parameters": {"risky_ports": risky},
                    "tailoring": [],
                }
            ),
            encoding="utf-8",
        )

        loosened_path = profile_path.parent / "demo-level3-loosened.yaml"
        loosened_path.write_text(dump_yaml(LOOSENED), encoding="utf-8")
        own = {"loosened": loosened_path}

        att_dir = out_dir / "attestations"
        for s in systems:
            path = att_dir / s.agency["id"] / f"{s.system['id']}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            content = _attestations(
                str(profile_path),
                s.agency["id"],
                s.system["id"],
                s.system["attest"],
                att_dir / s.agency["id"] / "evidence" / s.system["id"],  # inside the folder (DESIGN §10)
                path,
                today,
            )
            path.write_text(dump_yaml(content), encoding="utf-8")
        # The Department's inspector co-signs the answers of the systems marked `review: all`.
        reviewer = "thanh-tra-so"
        _check(
            cli("keys", "generate", "--reviewer", reviewer, "-o", str(keys_dir), "--force"), "keys generate"
        )
        (keyring / "reviewers").mkdir(exist_ok=True)
        (keyring / "reviewers" / f"{reviewer}.pub").write_bytes((keys_dir / f"{reviewer}.pub").read_bytes())
        for s in (x for x in systems if x.system.get("review") == "all"):
            (att_dir / s.agency["id"] / f"{s.system['id']}.reviews.json").unlink(missing_ok=True)
            args = ["--agency", s.agency["id"], "--system", s.system["id"], "--all-attested"]
            code = cli(
                "review", "--attestations", str(att_dir), *args, "--key", str(keys_dir / f"{reviewer}.key")
            )
            _check(code, "review")
        # The provincial data centre's own answers, approved by the same inspector (issue 14).
        demo_providers.prepare(data, att_dir, today, cli, keys_dir / f"{reviewer}.key")

        periods = [
            ("previous", str(data["previous_period"]), history / "inventory.yaml", history / "bundles"),
            ("current", str(data["period"]), out_dir / "inventory.yaml", bundles),
        ]
        for key, period, inv_path, out_bundles in periods:
            # Domains are declared from this period on (the dns/mail checks are new): the history
            # stays as it was, and the mail probe's STARTTLS scans (~3.5 s) run once, not twice.
            declared = domains if key == "current" else None
            _write_inventory(data, period, systems, sites, key, profile_path, inv_path, own, declared)
            if key == "current":  # imported host results (demo/hosts.py)
                demo_hosts.import_results(data, inv_path, att_dir, out_dir / "host-results", today, cli)
            n_sys = len(systems)
            say(f"Kỳ / period {period}: đánh giá {n_sys} hệ thống / assessing {n_sys} systems …")
            # One assess over every agency (one concurrent scan); --key names the folder of keys, so
            # each bundle is still signed with its own agency's key.
            code = cli(
                "assess",
                "--inventory",
                str(inv_path),
                "--attestations",
                str(att_dir),
                "--key",
                str(keys_dir),
                "--ca-file",
                str(ca_file),
                "--timeout",
                "5",
                *posture.cli_args(),  # --dns-server/--trust-anchor/--smtp-port of the posture lab
                "-o",
                str(out_bundles),
            )
            if code == 2:
                raise InputError(f"demo: đánh giá kỳ {period} thất bại / assess failed for period {period}")
        for s in systems:  # an agency rewriting its own signed verdicts (demo_data.yaml: forge)
            if s.system.get("forge"):
                bundle = bundles / f"{s.agency['id']}.{s.system['id']}.{data['period']}.json"
                _forge(bundle, keys_dir / f"{s.agency['id']}.key")
    # The Department's first step: check every signature against the agencies' public keys.
    signed = sorted(str(p) for p in bundles.glob("*.json"))
    if cli("verify", *signed, "--keyring", str(keyring)) != 0:
        raise InputError(
            "demo: một gói kết quả không qua kiểm tra chữ ký / a bundle failed signature verification"
        )
    say(f"Đã xác thực chữ ký {len(signed)} gói kết quả / verified {len(signed)} signed bundles")
    inv_path = out_dir / "inventory.yaml"
    store = out_dir / "secaudit.db"
    if store.exists():
        store.unlink()  # a re-run starts the simulated history afresh
    # The previous period goes into the history store first, then the current one.
    _check(
        cli(
            "summary",
            str(history / "bundles"),
            "--inventory",
            str(history / "inventory.yaml"),
            "--keyring",
            str(keyring),
            "--store",
            str(store),
            "--format",
            "json",
            "-o",
            str(history / "summary.json"),
        ),
        "summary (previous period)",
    )
    # Servers are stopped; the rest works from the signed bundles only.
    summary_json = out_dir / "summary.json"
    common = [str(bundles), "--inventory", str(inv_path), "--keyring", str(keyring), "--store", str(store)]
    _check(cli("summary", *common, "--format", "json", "-o", str(summary_json)), "summary json")
    for fmt in ("md", "csv", "xlsx"):
        _check(
            cli("summary", *common, "--format", fmt, "-o", str(out_dir / f"summary.{fmt}")), f"summary {fmt}"
        )
    # The annual report form (Decree 331/2026, Mẫu 08): workbook and printable page.
    for ext in ("xlsx", "html"):
        _check(
            cli("summary", *common, "--format", "mau08", "-o", str(out_dir / f"mau08.{ext}")), f"mau08 {ext}"
        )
    import json

    from secaudit.render.site import write_site

    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    # The dashboard: index -> agency pages -> system reports -> Mẫu 08 and the downloads above.
    write_site(out_dir, summary, bundles, say=say)
    return summary


def _write_inventory(
    data: dict[str, Any],
    period: str,
    systems: list[DemoSystem],
    sites: dict[tuple[str, str], DemoSystem],
    key: str,
    profile_path: Path,
    inv_path: Path,
    own: dict[str, Path] | None = None,
    domains: dict[str, str] | None = None,
) -> None:
    inventory: dict[str, Any] = {
        "province": data["province"],
        "period": period,
        "due": f"{period}-11-01",
        "target": {"level": 3, "goal_pct": 100},
        **demo_providers.inventory_part(data),  # shared infrastructure (demo/providers.py)
        "agencies": [],
    }
    for agency in data["agencies"]:
        entry: dict[str, Any] = {
            "id": agency["id"],
            "name": agency["name"],
            "type": agency["type"],
            "contact": f"it@{agency['id']}.demo.test",
            "systems": [],
        }
        for s in (x for x in systems if x.agency is agency):
            site = sites[(key, f"{agency['id']}/{s.system['id']}")]
            entry["systems"].append(
                {
                    "id": s.system["id"],
                    "name": s.system["name"],
                    "level": 3,
                    # First profile: the plan's regime (tailored); the others are judged from the same scan.
                    "profiles": [
                        str(((own or {}).get(s.system.get("profile", "")) or profile_path).resolve())
                        if p == "demo-level3"
                        else p
                        for p in data.get("profiles") or ["demo-level3"]
                    ],
                    "level_reason": "mô phỏng / simulated",
                    "targets": [{"url": site.url, "address": site.address}],
                    "expected_ports": site.expected_ports,
                    "http_port": site.http_port,
                    **(
                        {"domains": [d]}
                        if (d := (domains or {}).get(f"{agency['id']}/{s.system['id']}"))
                        else {}
                    ),
                    **(s.system.get("dossier") or {}),
                    **demo_hosts.inventory_part(s.system, key),  # declared servers (issue 14)
                }
            )
        inventory["agencies"].append(entry)
    inv_path.parent.mkdir(parents=True, exist_ok=True)
    inv_path.write_text(dump_yaml(inventory), encoding="utf-8")


# demo-level3 loosened by its agency: a weaker HSTS minimum and a tailoring nobody accepted.
LOOSENED: dict[str, Any] = {
    "profile": {
        "id": "demo-level3-loosened",
        "extends": "demo-level3.yaml",
        "title": {
            "vi": "Cấp độ 3 (tự nới lỏng: HSTS 1 ngày, loại trừ M.OPS.07)",
            "en": "Level 3 (self-loosened: HSTS 1 day, M.OPS.07 tailored out)",
        },
    },
    "parameters": {"hsts_min_max_age": 86400},
    "tailoring": [
        {
            "requirement": "M.OPS.07",
            "status": "not_applicable",
            "justification": "Máy chủ do nhà cung cấp quản lý / the hosting provider manages the server",
        }
    ],
}


def _forge(path: Path, key: Path) -> None:
    """What an agency could do with its own key: every failing verdict rewritten as a pass, the
    headline recomputed to match, the bundle signed again. Its signature is valid."""
    from secaudit.signing.bundle import load_bundle, make_bundle, write_bundle

    bundle = load_bundle(path)
    a = bundle["assessment"]
    for r in a["requirements"]:
        if r.get("status") in ("fail", "error", "not_reviewed"):
            r["status"] = "pass"
    counts = dict.fromkeys(("pass", "fail", "not_reviewed", "not_applicable", "error"), 0)
    for r in a["requirements"]:
        counts[r["status"]] += 1
    applicable = len(a["requirements"]) - counts["not_applicable"]
    pct = round(100 * counts["pass"] / applicable, 1) if applicable else None
    a["summary"] = {**a["summary"], "counts": counts, "compliance_pct": pct, "meets_level": True}
    write_bundle(make_bundle(a, key, bundle["schema"]), path.parent)


def _check(code: int, what: str) -> None:
    if code == 2:
        raise InputError(f"demo: {what} thất bại / {what} failed (exit 2)")
