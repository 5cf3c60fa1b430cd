"""Builds signed assessment bundles of the DESIGN §7 shape for the summary/report tests and the bench.

Signing follows the contract: Ed25519 over the canonical JSON of "assessment" (sorted keys, compact,
UTF-8), key_id = SHA-256 hex of the raw public key, signature value base64.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HOSTILE = "<script>alert(1)</script>"

# (id, group, kind, title vi, title en, checks)
REQUIREMENTS = [
    (
        "net.tls",
        "network",
        "auto",
        "Mã hoá kênh truyền",
        "Encrypted transport",
        ["tls.protocol.legacy_disabled", "tls.cert.validity"],
    ),
    (
        "net.headers",
        "application",
        "auto",
        "Tiêu đề bảo mật HTTP",
        "HTTP security headers",
        ["http.hsts", "http.csp"],
    ),
    (
        "net.ports",
        "network",
        "auto",
        "Không mở dịch vụ nguy hiểm",
        "No risky services",
        ["ports.risky_services"],
    ),
    ("mgmt.policy", "policy", "manual", "Quy chế an toàn thông tin", "Security policy", []),
    ("mgmt.training", "staff", "manual", "Đào tạo nhân sự", "Staff training", []),
    ("mgmt.backup", "operations", "manual", "Sao lưu dự phòng", "Backups", []),
]
# Successor-regime rows (real ids of checklists/tcvn-14423-2026.yaml): (id, group, section at L3, vi, en)
NEW_REQUIREMENTS = [
    ("ANM.INFO.06", "information", "5.4.2.4 b", "Bảo vệ dữ liệu khi truyền", "Protection in transit"),
    ("ANM.LOG.05", "logging", "5.8.2.1 a", "Thời gian lưu trữ nhật ký", "Log retention"),
    (
        "ANM.IR.01",
        "incident",
        "5.16.1",
        "Kế hoạch ứng phó sự cố và diễn tập",
        "Incident-response plan and drills",
    ),
    (
        "ND331.DEP.01",
        "decree",
        "NĐ 331/2026 Art. 30.6",
        "Triển khai đầy đủ phương án trước khi vận hành",
        "Approved plan fully deployed before operation",
    ),
]
CIPHERS = [f"TLS_ECDHE_RSA_WITH_AES_{b}_GCM_SHA{h}" for b in (128, 256) for h in (256, 384)] * 6


def keypair(agency: str, keyring: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    keyring.mkdir(parents=True, exist_ok=True)
    (keyring / f"{agency}.pub").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(assessment: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "schema": "secaudit.bundle/1",
        "assessment": assessment,
        "signature": {
            "algorithm": "ed25519",
            "key_id": hashlib.sha256(raw).hexdigest(),
            "value": base64.b64encode(key.sign(canonical(assessment))).decode(),
        },
    }


def _check(cid: str, status: str, target: str, hostile: bool) -> dict[str, Any]:
    ev: dict[str, Any] = {"observed": status}
    if hostile:
        ev = {"server": HOSTILE, "subject": f"CN={HOSTILE}"}
    return {
        "id": cid,
        "status": status,
        "severity": "high",
        "title": {"vi": f"Kiểm tra {cid}", "en": f"Check {cid}"},
        "summary": {"vi": f"{cid}: kết quả {status}", "en": f"{cid}: result {status}"},
        "evidence": ev,
        "remediation": {"vi": f"Sửa cấu hình cho {cid}", "en": f"Fix the configuration for {cid}"},
    }


def assessment(
    agency: str,
    system: str,
    period: str = "2026",
    level: int = 3,
    statuses: dict[str, str] | None = None,
    hostile: bool = False,
    province: str = "Thừa Thiên Huế",
    assessed_at: str | None = None,
    new_regime: dict[str, str] | None = None,
    new_catalog_key: bool = True,
) -> dict[str, Any]:
    """An assessment; ``statuses`` overrides requirement verdicts (default: all pass).

    ``new_regime`` (verdicts by NEW_REQUIREMENTS id, default pass) adds an ``additional`` entry under
    tcvn14423-level<level>, as assess writes for ``profiles: [level3, tcvn14423-level3]``;
    ``new_catalog_key=False`` leaves out its ``catalog`` header (found then via the profile).
    """
    statuses = statuses or {}
    target = "https://127.0.0.1:8443"
    reqs, checks = [], []
    for rid, group, kind, tvi, ten, cids in REQUIREMENTS:
        st = statuses.get(rid, "pass")
        cst = {"fail": "fail", "error": "error"}.get(st, "pass")
        for cid in cids:
            checks.append(_check(cid, cst, target, hostile and st == "fail"))
        att = None
        if kind == "manual" and st == "pass":
            att = {
                "status": "compliant",
                "note": "Quyết định số 12",
                "attested_by": "Nguyễn Văn A",
                "attested_at": "2026-10-01",
                "expires_at": "2027-10-01",
            }
        reqs.append(
            {
                "id": rid,
                "kind": kind,
                "status": st,
                "section": f"7.{len(reqs) + 1}",
                "group": group,
                "title": {"vi": tvi, "en": ten},
                "reason": {"vi": f"Lý do {st}", "en": f"Reason {st}"},
                "evidence": {"vi": f"Văn bản {tvi}", "en": f"Document: {ten}"},
                "checks": [{"id": c, "target": target, "status": cst} for c in cids],
                "attestation": att,
            }
        )
    counts = {k: 0 for k in ("pass", "fail", "not_reviewed", "not_applicable", "error")}
    for r in reqs:
        counts[r["status"]] += 1
    applicable = len(reqs) - counts["not_applicable"]
    server = HOSTILE if hostile else "nginx"
    extra: dict[str, Any] = {}
    if new_regime is not None:
        extra["additional"] = [_additional(level, new_regime, new_catalog_key)]
    return {
        **extra,
        "province": province,
        "agency": {"id": agency, "name": f"Báo {agency}"},
        "system": {"id": system, "name": f"Cổng {system}", "level": level},
        "profile": f"level{level}",
        "period": period,
        "assessed_at": assessed_at or f"{period}-10-15T08:00:00+07:00",
        "tool": {"name": "secaudit", "version": "0.1.0"},
        "targets": [
            {
                "target": target,
                "host": "127.0.0.1",
                "port": 8443,
                "checks": checks,
                "observations": {
                    "tls": {
                        "accepted": {"tls1_2": CIPHERS, "tls1_3": CIPHERS[:3]},
                        "certificates": [{"subject": f"CN={server}", "pem": "MIIB" + "A" * 1400}],
                    },
                    "http": {"status": 200, "headers": {"Server": server, "Content-Type": "text/html"}},
                    "ports": {"open": [80, 443]},
                },
            }
        ],
        "requirements": reqs,
        "summary": {
            "counts": counts,
            "compliance_pct": round(100 * counts["pass"] / applicable, 1) if applicable else None,
            "meets_level": all(r["status"] in ("pass", "not_applicable") for r in reqs),
        },
    }


def _summary(reqs: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {k: 0 for k in ("pass", "fail", "not_reviewed", "not_applicable", "error")}
    for r in reqs:
        counts[r["status"]] += 1
    applicable = len(reqs) - counts["not_applicable"]
    return {
        "counts": counts,
        "compliance_pct": round(100 * counts["pass"] / applicable, 1) if applicable else None,
        "meets_level": all(r["status"] in ("pass", "not_applicable") for r in reqs),
    }


def _additional(level: int, statuses: dict[str, str], catalog_key: bool) -> dict[str, Any]:
    reqs = [
        {
            "id": rid,
            "kind": "manual",
            "status": statuses.get(rid, "pass"),
            "section": sec,
            "group": group,
            "title": {"vi": tvi, "en": ten},
            "reason": {"vi": "Lý do", "en": "Reason"},
            "checks": [],
            "attestation": None,
        }
        for rid, group, sec, tvi, ten in NEW_REQUIREMENTS
    ]
    out: dict[str, Any] = {
        "profile": f"tcvn14423-level{level}",
        "requirements": reqs,
        "summary": _summary(reqs),
    }
    if catalog_key:
        out["catalog"] = {"id": "tcvn-14423-2026", "standard": "TCVN 14423:2026", "regime": "nd331-2026"}
    return out


def write(bundle: dict[str, Any], out_dir: Path) -> Path:
    a = bundle["assessment"]
    p = out_dir / f"{a['agency']['id']}.{a['system']['id']}.{a['period']}.json"
    # The /1 file layout (sorted keys, 2-space indent, final newline): verify and summary both check it.
    p.write_text(json.dumps(bundle, sort_keys=True, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return p


def folder(root: Path, n: int, agency: str = "so-a") -> tuple[Path, Path]:
    """(root/bundles with ``n`` signed bundles of one agency, root/keys): a folder to summarise."""
    bundles, keys = root / "bundles", root / "keys"
    bundles.mkdir()
    key = keypair(agency, keys)
    for i in range(n):
        write(sign(assessment(agency, f"he-thong-{i:03d}"), key), bundles)
    return bundles, keys


def tampered(bundle: dict[str, Any]) -> dict[str, Any]:
    b = copy.deepcopy(bundle)
    b["assessment"]["summary"]["compliance_pct"] = 100.0
    return b


# --------------------------------------------------------------------------- a small province

INVENTORY = """\
province: Thừa Thiên Huế
period: 2026
target: {level: 3, goal_pct: 100}
agencies:
  - id: a-ok
    name: Báo Tốt
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1:8443]}
      - {id: cms, name: Toà soạn, level: 3, targets: [https://127.0.0.1:8444]}
  - id: a-fail
    name: Báo Chưa Đạt
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1:8443]}
  - id: a-tamper
    name: Báo Sửa Tệp
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1:8443]}
  - id: a-wrongkey
    name: Báo Sai Khoá
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1:8443]}
  - id: a-old
    name: Báo Kỳ Cũ
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1:8443]}
  - id: a-missing
    name: Báo Chưa Nộp
    systems:
      - {id: portal, name: Cổng báo, level: 3, targets: [https://127.0.0.1:8443]}
  - id: a-low
    name: Báo Cấp Thấp
    systems:
      - {id: portal, name: Cổng báo, level: 2, targets: [https://127.0.0.1:8443]}
"""


def build_province(root: Path) -> dict[str, Path]:
    """Bundles of every summary case, signed with the real bundle/keys modules.

    a-ok: two verified systems meeting level 3 · a-fail: verified, fails · a-tamper: changed after
    signing · a-wrongkey: signed with a-ok's key · a-old: only a 2025 bundle · a-missing: nothing ·
    a-low: level-2 system meeting its level (below the target) · plus a non-JSON file, a JSON file
    that is not a bundle, and a bundle of an agency not in the inventory.
    """
    from secaudit.signing.bundle import sign_assessment, write_bundle
    from secaudit.signing.keys import generate_keypair

    keys, bundles = root / "keys", root / "bundles"
    bundles.mkdir(parents=True)
    for ag in ("a-ok", "a-fail", "a-tamper", "a-wrongkey", "a-old", "a-low", "a-extra"):
        generate_keypair(ag, keys)

    def put(a: dict[str, Any], signer: str | None = None) -> Path:
        return write_bundle(sign_assessment(a, keys / f"{signer or a['agency']['id']}.key"), bundles)

    put(assessment("a-ok", "portal"))
    put(assessment("a-ok", "cms"))
    put(
        assessment(
            "a-fail",
            "portal",
            statuses={"net.tls": "fail", "mgmt.policy": "not_reviewed", "net.ports": "error"},
        )
    )
    p = put(assessment("a-tamper", "portal", statuses={"net.tls": "fail"}))
    b = json.loads(p.read_text(encoding="utf-8"))
    b["assessment"]["requirements"][0]["status"] = "pass"
    b["assessment"]["summary"]["meets_level"] = True
    p.write_text(json.dumps(b, ensure_ascii=False), encoding="utf-8")
    put(assessment("a-wrongkey", "portal"), signer="a-ok")
    put(assessment("a-old", "portal", period="2025"))
    put(assessment("a-low", "portal", level=2))
    put(assessment("a-extra", "portal"))
    (bundles / "notes.json").write_text("this is not JSON", encoding="utf-8")
    (bundles / "other.json").write_text('{"schema": "secaudit.scan/1", "targets": []}', encoding="utf-8")
    inv = root / "inventory.yaml"
    inv.write_text(INVENTORY, encoding="utf-8")
    return {"keys": keys, "bundles": bundles, "inventory": inv}
