"""The data folder the CLI and the application share (docs/web.md "Data folder").

``inventory.yaml`` · ``attestations/<agency>/<system>.yaml`` with evidence under
``attestations/<agency>/evidence/<system>/<sha256>.<ext>`` and reviews in ``<system>.reviews.json``
· ``bundles/*.json`` · ``keyring/<agency>.pub`` and ``keyring/reviewers/<id>.pub`` · ``keys/<id>.key``
(inspectors' private keys, mode 0600) · ``secaudit.db`` (the summary's history store). Every read
goes through the core readers (bounded, InputError on bad input); nothing here judges anything.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError
from secaudit.web.config import data_dir

_LOCK = threading.Lock()
_INVENTORY: dict[str, Any] = {}  # (mtime_ns, size) -> Inventory, reloaded when the file changes


@dataclass
class SystemRef:
    agency: Any  # config.inventory.Agency
    system: Any  # config.inventory.System

    @property
    def key(self) -> tuple[str, str]:
        return self.agency.id, self.system.id


def path(name: str) -> Path:
    return data_dir() / name


def inventory_path() -> Path:
    return path("inventory.yaml")


def attestations_root() -> Path:
    p = path("attestations")
    p.mkdir(parents=True, exist_ok=True)
    return p


def bundles_dir() -> Path:
    p = path("bundles")
    p.mkdir(parents=True, exist_ok=True)
    return p


def keyring_dir() -> Path:
    p = path("keyring")
    (p / "reviewers").mkdir(parents=True, exist_ok=True)
    return p


def keys_dir() -> Path:
    p = path("keys")
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p


def store_path() -> Path:
    return path("secaudit.db")


def inventory() -> Any | None:
    """The validated inventory (config.inventory.load_inventory), None when there is none yet."""
    from secaudit.config.inventory import load_inventory

    p = inventory_path()
    if not p.is_file():
        return None
    st = p.stat()
    sig = f"{st.st_mtime_ns}:{st.st_size}"
    with _LOCK:
        if _INVENTORY.get("sig") != sig:
            _INVENTORY["inv"] = load_inventory(p)
            _INVENTORY["sig"] = sig
        return _INVENTORY["inv"]


def forget_inventory() -> None:
    with _LOCK:
        _INVENTORY.clear()


def agencies() -> list[Any]:
    inv = inventory()
    return list(inv.agencies) if inv else []


def find_agency(agency: str) -> Any | None:
    return next((a for a in agencies() if a.id == agency), None)


def find_system(agency: str, system: str) -> SystemRef | None:
    ag = find_agency(agency)
    if ag is None:
        return None
    sy = next((s for s in ag.systems if s.id == system), None)
    return SystemRef(ag, sy) if sy is not None else None


def system_profile(ref: SystemRef) -> Any:
    inv = inventory()
    return inv.profile(ref.system.profiles[0])


def requirements(ref: SystemRef) -> list[tuple[Any, Any]]:
    """(requirement, tailoring or None) the system's profile asks for, in catalogue order."""
    from secaudit.config.catalog import applicable

    return applicable(system_profile(ref))


def attestation_file(agency: str, system: str) -> Path:
    from secaudit.assessment.attestations import attestation_path

    return attestation_path(attestations_root(), agency, system)


def _sig(p: Path) -> tuple[int, int] | None:
    try:
        st = p.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


_SETS: dict[tuple[str, str], tuple[Any, Any]] = {}  # (agency, system) -> (files' signature, set)


def load_set(ref: SystemRef) -> Any:
    """The system's AttestationSet with its reviews (an empty one when there is no file yet). Parsed
    again only when the YAML or the reviews file changed; callers get a copy they may change."""
    import copy

    from secaudit.assessment.review_store import reviews_path

    path = attestation_file(*ref.key)
    sig = (str(path), _sig(path), _sig(reviews_path(path)), _sig(inventory_path()))
    with _LOCK:
        hit = _SETS.get(ref.key)
    if hit is not None and hit[0] == sig:
        return copy.deepcopy(hit[1])
    atts = _load_set(ref)
    with _LOCK:
        if len(_SETS) > 5000:
            _SETS.clear()
        _SETS[ref.key] = (sig, atts)
    return copy.deepcopy(atts)


def _load_set(ref: SystemRef) -> Any:
    from secaudit.assessment.attestations import AttestationSet, load_for_system
    from secaudit.assessment.review_store import attach_reviews
    from secaudit.config.catalog import profile_catalog

    agency, system = ref.key
    atts = load_for_system(attestations_root(), agency, system)
    if atts is None:
        atts = AttestationSet(
            agency=agency,
            system=system,
            entries={},
            path=attestation_file(agency, system),
            catalog=profile_catalog(system_profile(ref)).id,
            root=attestations_root(),
        )
        return atts
    attach_reviews(atts)
    return atts


def evidence_limit(ref: SystemRef) -> int:
    """The smaller of the server's cap and the system profile's evidence_max_bytes."""
    from django.conf import settings

    from secaudit.assessment.attestations import attestation_limits

    _months, profile_cap = attestation_limits(system_profile(ref).parameters)
    return min(int(settings.SECAUDIT["EVIDENCE_MAX_BYTES"]), profile_cap)


def evidence_folder(agency: str, system: str) -> Path:
    """Where uploaded evidence goes: inside the attestations folder (DESIGN §10), never web-served."""
    return attestations_root() / agency / "evidence" / system


def reviewer_key(reviewer: str) -> Path:
    return keys_dir() / f"{reviewer}.key"


def ensure_reviewer_key(reviewer: str) -> Path:
    """The inspector's Ed25519 key in ``keys/`` (made once), its public half in the keyring."""
    from secaudit.signing.keys import generate_keypair

    key = reviewer_key(reviewer)
    pub = keyring_dir() / "reviewers" / f"{reviewer}.pub"
    if not key.is_file():
        _k, made_pub = generate_keypair(reviewer, keys_dir(), force=True, option="--reviewer")
        pub.write_bytes(made_pub.read_bytes())
        made_pub.unlink()
    elif not pub.is_file():
        from cryptography.hazmat.primitives import serialization

        from secaudit.signing.keys import load_private_key

        public = load_private_key(key).public_key()
        pub.write_bytes(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return key


def require_inventory() -> Any:
    inv = inventory()
    if inv is None:
        raise InputError(
            "thư mục dữ liệu chưa có inventory.yaml / no inventory.yaml in the data folder yet",
            inventory_path(),
        )
    return inv
