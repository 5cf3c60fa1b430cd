"""Real-size dual-regime bundles for benchmarks (summary, dashboard): made by secaudit itself.

    from bench._bundles import corpus
    root = corpus(10_000)          # -> root/bundles/*.json, root/keyring/ (agencies + reviewers/)

How they are made: ``secaudit demo`` runs once (a real scan of the simulated province on loopback:
TLS, HTTP, ports, DNS, mail; both catalogues; attestations with evidence; signed reviews). Each
bundle then takes one demo system as its template and varies what a real province varies: its
agency and system ids and names, the assessment date, the certificate (serial, fingerprint, expiry:
some expire soon or have expired), the HSTS max-age (some too short or missing), the CSP (some
missing), the Server header, an open database port on some, the attestation dates and answers (a
few non-compliant, a few unanswered). The verdicts are then made by the real assess service
(``build_system_assessment``) as of the bundle's own date, the reviews re-signed with the demo's
inspector key (``reviews.make_review``) and the bundle signed with its agency's key
(``bundle.sign_assessment``): every bundle is one the summary re-judges to the same verdicts, and no
two are alike.

Generation is slow (~25 ms a bundle per core) and not part of any figure: the corpus is cached
under ``~/.cache/secaudit-bench/<tool version>-<catalogue digests>/<count>/`` (``SECAUDIT_BENCH_CACHE``
overrides the folder) and reused while the tool and its catalogues are unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYSTEMS_PER_AGENCY = 10
REVIEWER = "thanh-tra-so"


def cache_root() -> Path:
    """The folder for this tool version and these shipped catalogues."""
    from secaudit import __version__
    from secaudit.config.catalog import catalog_ids, load_catalog
    from secaudit.config.catalog_archive import catalog_sha256

    digest = hashlib.sha256()
    for cid in catalog_ids():
        digest.update(f"{cid}:{catalog_sha256(load_catalog(cid))}\n".encode())
    base = Path(os.environ.get("SECAUDIT_BENCH_CACHE") or Path.home() / ".cache" / "secaudit-bench")
    return base / f"{__version__}-{digest.hexdigest()[:12]}"


def demo_dir() -> Path:
    """The demo's output (bundles, keys, keyring), run once per cache folder."""
    out = cache_root() / "demo"
    if not (out / "bundles").is_dir() or not (out / "keys" / f"{REVIEWER}.key").is_file():
        shutil.rmtree(out, ignore_errors=True)
        print("bench: running `secaudit demo` once for the templates…", file=sys.stderr)
        exe = Path(sys.executable).with_name("secaudit")
        subprocess.run([str(exe), "demo", "-o", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


# --------------------------------------------------------------------------- one bundle

_TEMPLATES: list[dict[str, Any]] = []
_REVIEWER_KEY: Any = None
_KEYS: dict[str, Path] = {}


def _load_templates(demo: Path) -> None:
    from secaudit.assessment.rejudge import v1_shape
    from secaudit.core.jsonio import loads_strict
    from secaudit.signing.keys import load_private_key

    global _REVIEWER_KEY
    _TEMPLATES.clear()
    for p in sorted((demo / "bundles").glob("*.json")):
        _TEMPLATES.append(v1_shape(loads_strict(p.read_bytes())["assessment"]))
    _REVIEWER_KEY = load_private_key(demo / "keys" / f"{REVIEWER}.key")


def _hex(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def _vary_observations(obs: dict[str, Any], rnd: random.Random, when: datetime) -> None:
    tls = obs.get("tls") or {}
    for dep in (tls.get("certificate") or {}).get("deployments") or []:
        leaf = (dep.get("chain") or [None])[0]
        if isinstance(leaf, dict):
            days = rnd.choice([400, 300, 200, 90, 60, 45, 20, 10, -5])  # a few expire soon or have expired
            leaf["not_before"] = (when - timedelta(days=365 - days if days < 365 else 1)).isoformat()
            leaf["not_after"] = (when + timedelta(days=days)).isoformat()
            leaf["serial"], leaf["sha256"] = _hex(rnd, 40), _hex(rnd, 64)
    https = (obs.get("http") or {}).get("https") or {}
    headers = https.get("headers")
    if isinstance(headers, list):
        out = []
        for name, value in headers:
            low = name.lower()
            if low == "strict-transport-security":
                age = rnd.choices([63072000, 31536000, 15768000, 86400, None], [50, 25, 10, 8, 7])[0]
                if age is None:
                    continue
                value = f"max-age={age}" + ("; includeSubDomains" if rnd.random() < 0.7 else "")
            elif low == "content-security-policy" and rnd.random() < 0.1:
                continue
            elif low == "server":
                value = rnd.choice(["nginx", "Apache", "nginx/1.24.0", "Microsoft-IIS/10.0", "secaudit-lab"])
            elif low == "date":
                value = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
            out.append([name, value])
        https["headers"] = out
    ports = obs.get("ports") or {}
    if isinstance(ports.get("open"), list) and rnd.random() < 0.06:
        mysql = {"port": 3306, "product": "MySQL", "service": "mysql", "version": ""}
        ports["open"] = ports["open"] + [mysql]
    for fam in ("dns", "mail"):
        for d in (obs.get(fam) or {}).get("domains") or []:
            if isinstance(d, dict) and "elapsed_s" in d:
                d["elapsed_s"] = round(rnd.uniform(0.05, 5.0), 3)


def _vary_attestations(sets: list[Any], rnd: random.Random, day: date) -> None:
    for s in sets:
        shift = timedelta(days=rnd.randint(0, 40))
        for rid, e in list(s.entries.items()):
            new: dict[str, Any] = {}
            if e.attested_at:  # never after the assessment day, and the same validity span
                new["attested_at"] = min(e.attested_at - shift, day)
                if e.expires_at:
                    new["expires_at"] = e.expires_at - (e.attested_at - new["attested_at"])
            roll = rnd.random()
            if roll < 0.03:
                del s.entries[rid]  # never answered: not_reviewed
                continue
            if roll < 0.08 and e.status == "compliant":
                new["status"] = "non_compliant"
                new["note"] = f"Chưa có quy trình ({rid}); dự kiến hoàn thành quý sau"
            s.entries[rid] = dataclasses.replace(e, **new)


def _sign_reviews(sets: list[Any], agency: str, system: str, evidence: dict[Any, Any], at: str) -> None:
    from secaudit.assessment.reviews import REVIEWED_STATUSES, make_review

    for s in sets:
        s.agency, s.system = agency, system
        recs = []
        for e in s.entries.values():
            if e.status not in REVIEWED_STATUSES:
                continue
            recorded = [evidence.get((ev.path, ev.sha256)) or {} for ev in e.evidence]
            hashes = [(ev.path, r.get("actual_sha256")) for ev, r in zip(e.evidence, recorded, strict=True)]
            recs.append(
                make_review(
                    e, hashes, agency=agency, system=system, catalog=s.catalog, decision="approved",
                    note="", reviewer=REVIEWER, private_key=_REVIEWER_KEY, reviewed_at=at,
                )
            )  # fmt: skip
        s.reviews = recs


def make_assessment(i: int, seed: int | None = None) -> tuple[str, dict[str, Any]]:
    """(agency id, assessment) of bundle number ``i`` (deterministic; ``seed``: another variation of
    the same system, as a later assessment of it would be)."""
    from secaudit.assessment import inherit
    from secaudit.assessment.rejudge import bundle_profiles, stored_attestations, stored_targets, system_level
    from secaudit.assessment.service import build_system_assessment

    rnd = random.Random(i if seed is None else (seed << 24) + i)
    t = copy.deepcopy(_TEMPLATES[i % len(_TEMPLATES)])
    agency_n, sys_n = divmod(i, SYSTEMS_PER_AGENCY)
    agency = {"id": f"co-quan-{agency_n:04d}", "name": f"Cơ quan số {agency_n} ({t['agency']['name']})"}
    base = datetime.fromisoformat(t["assessed_at"].replace("Z", "+00:00"))
    when = base - timedelta(days=rnd.randint(1, 60), seconds=rnd.randint(0, 86_000))
    assessed_at = when.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    system = dict(t["system"], id=f"{t['system']['id']}-{sys_n}", name=f"{t['system']['name']} {sys_n + 1}")
    t["system"] = system
    for tg in t["targets"]:
        _vary_observations(tg["observations"], rnd, when)
    level = system_level(t, "bench")
    trs = stored_targets(t, "bench")
    sets, evidence_check = stored_attestations(t, "bench")
    sets = sets or []
    _vary_attestations(sets, rnd, when.date())
    evidence = {}
    for r in t["requirements"] + [r for e in t.get("additional") or [] for r in e["requirements"]]:
        for ev in ((r.get("attestation") or {}).get("evidence") or []) if isinstance(r, dict) else []:
            if isinstance(ev, dict):
                evidence.setdefault((ev.get("path"), ev.get("sha256")), ev)
    review = system.get("require_review") is True
    if review or t.get("reviews"):
        _sign_reviews(sets, agency["id"], system["id"], evidence, assessed_at)
    inv_fields = {"province": t.get("province", ""), "period": t.get("period", ""), "due": t.get("due")}
    # Systems that inherit from the demo's data centre get its verdicts from the provider records the
    # template carries (as assess does from the provider's files): without them, re-judging finds
    # every inherited requirement different and the bundle "inconsistent".
    inherited = inherit.from_bundle(t, "bench", stored_attestations)
    a, _ = build_system_assessment(
        inv_fields, agency, system, bundle_profiles(t, level), level, trs, sets or None, assessed_at, None,
        evidence_check, now=assessed_at, require_review=review, probes=t.get("probes"),
        authority=t.get("authority"), inherited=inherited,
    )  # fmt: skip
    return agency["id"], a


def write_bundle(i: int, out: Path) -> Path:
    from secaudit.signing.bundle import bundle_filename, file_layout, sign_assessment

    agency, a = make_assessment(i)
    bundle = sign_assessment(a, _KEYS[agency])
    path = out / bundle_filename(bundle)
    path.write_bytes(file_layout(bundle))
    return path


def _job(args: tuple[int, int, str]) -> None:
    lo, hi, out = args
    for i in range(lo, hi):
        write_bundle(i, Path(out))


def make_keys(root: Path, agencies: int) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keys, ring = root / "keys", root / "keyring"
    (ring / "reviewers").mkdir(parents=True, exist_ok=True)
    keys.mkdir(exist_ok=True)
    demo = demo_dir()
    shutil.copy(demo / "keys" / f"{REVIEWER}.pub", ring / "reviewers" / f"{REVIEWER}.pub")
    for n in range(agencies):
        name = f"co-quan-{n:04d}"
        k = Ed25519PrivateKey.generate()
        pem = k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (keys / f"{name}.key").write_bytes(pem)
        pub = k.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (ring / f"{name}.pub").write_bytes(pub)
        _KEYS[name] = keys / f"{name}.key"


def corpus(count: int, workers: int | None = None) -> Path:
    """A folder with ``bundles/`` (``count`` signed bundles) and ``keyring/``; cached."""
    root = cache_root() / str(count)
    if (root / "complete").is_file():
        _prepare(root)
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "bundles").mkdir(parents=True)
    make_keys(root, (count + SYSTEMS_PER_AGENCY - 1) // SYSTEMS_PER_AGENCY)
    _load_templates(demo_dir())
    n = workers or os.cpu_count() or 1
    step = max(1, min(200, count // (n * 4) or 1))
    jobs = [(lo, min(count, lo + step), str(root / "bundles")) for lo in range(0, count, step)]
    with multiprocessing.get_context("fork").Pool(n) as pool:
        pool.map(_job, jobs, chunksize=1)
    (root / "complete").write_text("ok\n")
    return root


def _prepare(root: Path) -> None:
    """Templates and agency keys for rewriting bundles of a cached corpus (the incremental run)."""
    if not _TEMPLATES:
        _load_templates(demo_dir())
    for p in (root / "keys").glob("*.key"):
        _KEYS.setdefault(p.stem, p)


def rewrite(root: Path, indices: list[int], salt: int, out: Path | None = None) -> list[Path]:
    """Bundles ``indices`` assessed again (new content, re-signed) into ``out`` (default: the
    corpus): a new file replaces the old one (a hard link to it is left alone)."""
    from secaudit.signing.bundle import bundle_filename, file_layout, sign_assessment

    _prepare(root)
    folder = out or root / "bundles"
    written = []
    for i in indices:
        agency, a = make_assessment(i, seed=salt)
        bundle = sign_assessment(a, _KEYS[agency])
        path = folder / bundle_filename(bundle)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(file_layout(bundle))
        os.replace(tmp, path)
        written.append(path)
    return written
