"""Benchmark: verify + summarise + HTML over 10 000 signed bundles of real size.

    python bench/summary_bench.py [--count 10000] [--agencies 1000] [--template BUNDLE.json] [--keep DIR]

Bundles copy the shape of a real one: ``--template`` (e.g. a bundle written by ``secaudit demo``)
or, by default, a synthetic bundle with the demo's dimensions (62 requirements with attestations,
26 checks with evidence, TLS/HTTP/ports observations; ~160 KB on disk). Each copy gets its own
agency/system ids and a few changed verdicts, and is signed with its agency's Ed25519 key.
Generation is not timed. Prints seconds and peak memory; never asserts (targets: ≤ 10 s, ≤ 500 MB).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from secaudit.signing.bundle import canonical_json, file_layout  # noqa: E402

CHECK_IDS = [
    "tls.protocol.legacy_disabled",
    "tls.protocol.modern_enabled",
    "tls.cipher.weak_disabled",
    "tls.cipher.forward_secrecy",
    "tls.cert.trusted",
    "tls.cert.hostname",
    "tls.cert.validity",
    "tls.cert.key",
    "tls.cert.signature",
    "tls.vuln.heartbleed",
    "tls.vuln.ccs_injection",
    "tls.vuln.robot",
    "tls.renegotiation.secure",
    "tls.compression.disabled",
    "tls.mozilla.intermediate",
    "http.https_redirect",
    "http.hsts",
    "http.csp",
    "http.frame_options",
    "http.content_type_options",
    "http.referrer_policy",
    "http.cookies",
    "http.server_disclosure",
    "http.sensitive_paths",
    "ports.risky_services",
    "ports.unexpected_open",
]
GROUPS = [
    "policy",
    "organisation",
    "personnel",
    "design_build",
    "operations",
    "risk",
    "end_of_life",
    "network",
    "server",
    "application",
    "data",
    "design",
]


def synthetic_assessment() -> dict[str, Any]:
    """One assessment with the dimensions of a real demo bundle."""
    target = "https://cong-bao.example.vn"
    checks = [
        {
            "id": cid,
            "status": "pass",
            "severity": "high",
            "title": {"vi": f"Kiểm tra {cid} theo cấu hình khuyến nghị", "en": f"Check {cid}"},
            "summary": {
                "vi": f"{cid}: máy chủ đáp ứng yêu cầu; chi tiết trong bằng chứng " * 3,
                "en": f"{cid}: the server meets the requirement; see the evidence " * 3,
            },
            "evidence": {
                "observed": ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"] * 4,
                "expected": "TLS 1.2+ only",
                "source": "sslyze 6.3.1",
            },
            "remediation": {
                "vi": "Cấu hình lại máy chủ web: tắt giao thức cũ, bật HSTS, ... " * 4,
                "en": "Reconfigure the web server: disable legacy protocols, ... " * 4,
            },
        }
        for cid in CHECK_IDS
    ]
    suites = [f"TLS_ECDHE_RSA_WITH_AES_{b}_GCM_SHA{h}" for b in (128, 256) for h in (256, 384)]
    observations = {
        "tls": {
            "accepted": {"tls1_2": suites * 8, "tls1_3": suites[:3]},
            "rejected": ["ssl2", "ssl3"],
            "certificates": [{"subject": "CN=cong-bao.example.vn", "pem": "MIIF" + "Q" * 1800}],
        },
        "http": {"status": 200, "headers": {f"X-Header-{i}": "value " * 10 for i in range(80)}},
        "ports": {"open": [80, 443], "scanned": "1-1024"},
    }
    reqs = []
    for i in range(62):
        cids = CHECK_IDS[i % 26 : i % 26 + 2] if i % 3 == 0 else []
        reqs.append(
            {
                "id": f"R.{i:02d}",
                "kind": "auto" if cids else "manual",
                "status": "pass",
                "section": f"7.{i // 10}.{i % 10}",
                "group": GROUPS[i % len(GROUPS)],
                "title": {"vi": f"Yêu cầu số {i} về an toàn thông tin", "en": f"Requirement {i}"},
                "reason": {
                    "vi": "Đã có bằng chứng hợp lệ, còn hiệu lực đến 2027-10-17. " * 3,
                    "en": "Valid evidence on file, in force until 2027-10-17. " * 3,
                },
                "checks": [{"id": c, "target": target, "status": "pass"} for c in cids],
                "attestation": None
                if cids
                else {
                    "status": "compliant",
                    "attested_by": "Nguyễn Văn A",
                    "attested_at": "2026-10-17",
                    "expires_at": "2027-10-17",
                    "note": "Đã kiểm tra hồ sơ: quyết định ban hành số 12/QĐ " * 2,
                    "evidence": [{"path": f"evidence/R.{i:02d}.pdf", "sha256": "ab" * 32}],
                },
            }
        )
    return {
        "province": "Thừa Thiên Huế",
        "agency": {"id": "x", "name": "x"},
        "system": {"id": "x", "name": "Cổng báo điện tử", "level": 3},
        "profile": "level3",
        "period": "2026",
        "assessed_at": "2026-10-20T08:00:00+07:00",
        "tool": {"name": "secaudit", "version": "bench"},
        "targets": [
            {
                "target": target,
                "host": "cong-bao.example.vn",
                "port": 443,
                "checks": checks,
                "observations": observations,
            }
        ],
        "requirements": reqs,
        "summary": {},
    }


_TEMPLATE: dict[str, Any] = {}


def _gen(args: tuple[int, int, str, str]) -> None:
    agency_n, systems, keydir, outdir = args
    agency = f"bao-{agency_n:04d}"
    key = serialization.load_pem_private_key((Path(keydir) / f"{agency}.key").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    raw_pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    rnd = random.Random(agency_n)
    for s in range(systems):
        a = copy.deepcopy(_TEMPLATE)
        a["agency"] = {"id": agency, "name": f"Báo số {agency_n}"}
        a["system"] = dict(a["system"], id=f"he-thong-{s}")
        for r in a["requirements"]:
            r["status"] = rnd.choices(["pass", "fail", "not_reviewed"], [90, 6, 4])[0]
        counts = {k: 0 for k in ("pass", "fail", "not_reviewed", "not_applicable", "error")}
        for r in a["requirements"]:
            counts[r["status"]] += 1
        n = len(a["requirements"])
        a["summary"] = {
            "counts": counts,
            "compliance_pct": round(100 * counts["pass"] / n, 1),
            "meets_level": counts["pass"] == n,
        }
        sig = key.sign(canonical_json(a))
        bundle = {
            "schema": "secaudit.bundle/1",
            "assessment": a,
            "signature": {
                "algorithm": "ed25519",
                "key_id": hashlib.sha256(raw_pub).hexdigest(),
                "value": base64.b64encode(sig).decode(),
            },
        }
        (Path(outdir) / f"{agency}.he-thong-{s}.2026.json").write_bytes(file_layout(bundle))


def generate(root: Path, count: int, agencies: int, template: dict[str, Any]) -> tuple[Path, Path]:
    keys, bundles = root / "keys", root / "bundles"
    keys.mkdir(parents=True, exist_ok=True)
    bundles.mkdir(exist_ok=True)
    for n in range(agencies):
        k = Ed25519PrivateKey.generate()
        (keys / f"bao-{n:04d}.key").write_bytes(
            k.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (keys / f"bao-{n:04d}.pub").write_bytes(
            k.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    _TEMPLATE.clear()
    _TEMPLATE.update(template)
    per = count // agencies
    extra = count - per * agencies
    jobs = [(n, per + (n < extra), str(keys), str(bundles)) for n in range(agencies)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        pool.map(_gen, jobs, chunksize=8)
    return keys, bundles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--agencies", type=int, default=1_000)
    ap.add_argument("--template", type=Path, help="a real bundle whose assessment is copied")
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder instead of a temp dir")
    args = ap.parse_args()
    if args.template:
        template = json.loads(args.template.read_bytes())["assessment"]
    else:
        template = synthetic_assessment()
    with tempfile.TemporaryDirectory(prefix="secaudit-bench-") as tmp:
        root = args.keep or Path(tmp)
        if args.keep and (root / "bundles").is_dir():
            keys, bdir = root / "keys", root / "bundles"
        else:
            t0 = time.perf_counter()
            keys, bdir = generate(root, args.count, args.agencies, template)
            print(
                f"generated {args.count} bundles in {time.perf_counter() - t0:.1f} s (not timed below)",
                file=sys.stderr,
            )
        files = list(bdir.glob("*.json"))
        size = sum(p.stat().st_size for p in files)
        from secaudit.province.summary import summarise
        from secaudit.render.html import render_summary

        load = os.getloadavg()[0]
        c0 = os.times()
        t0 = time.perf_counter()
        result = summarise(bdir, keyring=keys)
        t1 = time.perf_counter()
        html = render_summary(result)
        t2 = time.perf_counter()
        c1 = os.times()
        cpu = sum(c1[:4]) - sum(c0[:4])
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        tot = result["totals"]
        print(
            f"bundles: {len(files)} ({size / len(files) / 1024:.0f} KB average, {size / 2**20:.0f} MB total)"
        )
        print(
            f"verified: {tot['systems'] - tot['missing'] - tot['unverified']}/{tot['systems']} · "
            f"agencies meeting: {tot['agencies_meeting']}/{tot['agencies']}"
        )
        print(
            f"verify + summarise: {t1 - t0:.2f} s · HTML: {t2 - t1:.2f} s ({len(html) / 1024:.0f} KB) · "
            f"total: {t2 - t0:.2f} s wall, {cpu:.1f} s CPU (all processes; "
            f"load average before: {load:.1f})"
        )
        print(
            f"peak memory: main {peak_self:.0f} MB · largest worker {peak_kids:.0f} MB "
            f"(cpus: {os.cpu_count()})"
        )


if __name__ == "__main__":
    main()
