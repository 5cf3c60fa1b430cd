"""The TLS probe's observation (secaudit/probes/tls.py), typed and validated once.

Stored shape (JSON, unchanged): ``protocols{label: {accepted, suites[]} | {error}}``,
``certificate{deployments[{chain[cert], path_validation[]}]} | {error}``, ``heartbleed``,
``ccs_injection``, ``robot``, ``renegotiation``, ``compression``, ``mozilla``: each a section that
may be ``{"error": ...}`` on its own. A malformed protocol entry is that protocol's error; a
malformed certificate facet (names, validity, key, signature, trust) errors only its check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from secaudit.checks.observation import (
    Broken,
    Malformed,
    as_dict,
    facet,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_strs,
    get_time,
    incomplete,
    section,
)
from secaudit.checks.tls.revocation import Crl, crl_of

LEGACY = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1")
ALL_PROTOCOLS = (*LEGACY, "TLS 1.2", "TLS 1.3")


# --------------------------------------------------------------------------- protocols and suites


@dataclass(frozen=True)
class KeyExchange:
    """The ephemeral key a suite negotiated: DH with its group's facts (probes/tls/facts.py) or ECDH."""

    type: str  # "DH", "ECDH" (sslyze's type_name)
    size: int | None
    curve: str | None = None
    dh_modulus: str | None = None  # safe_prime | prime | composite (None: not recorded)
    dh_group: str | None = None  # a well-known group's name (RFC 7919 / RFC 3526)


@dataclass(frozen=True)
class Suite:
    name: str
    openssl_name: str
    key_size: int | None
    anonymous: bool
    kex: KeyExchange | None = None


def _kex(raw: Any, path: str) -> KeyExchange | None:
    if raw is None:
        return None
    d = as_dict(raw, path)
    dh = get_dict(d, "dh", path, {})
    return KeyExchange(
        type=get_str(d, "type", path, ""),
        size=get_int(d, "size", path, None),
        curve=get_str(d, "curve", path, None),
        dh_modulus=get_str(dh, "modulus", f"{path}.dh", None),
        dh_group=get_str(dh, "group", f"{path}.dh", None),
    )


@dataclass(frozen=True)
class Protocol:
    """One protocol's test: ``accepted`` is None when unknown (``error`` says why)."""

    accepted: bool | None
    suites: tuple[Suite, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Protocols:
    by_name: dict[str, Protocol]

    def accepted(self) -> list[str]:
        return [p for p in ALL_PROTOCOLS if self.by_name[p].accepted]

    def errors(self) -> dict[str, str]:
        """{protocol: why it is unknown}, in ALL_PROTOCOLS order."""
        return {p: str(e.error) for p in ALL_PROTOCOLS if (e := self.by_name[p]).accepted is None}

    def suites(self, names: tuple[str, ...] = ALL_PROTOCOLS) -> Iterator[tuple[str, Suite]]:
        for proto in names:
            for suite in self.by_name[proto].suites:
                yield proto, suite


def _suite(raw: Any, path: str) -> Suite:
    d = as_dict(raw, path)
    return Suite(
        name=get_str(d, "name", path),
        openssl_name=get_str(d, "openssl_name", path, ""),
        key_size=get_int(d, "key_size", path, None),
        anonymous=get_bool(d, "anonymous", path, False),
        kex=_kex(d.get("ephemeral_key"), f"{path}.ephemeral_key"),
    )


def _protocol(raw: Any, name: str) -> Protocol:
    if raw is None:
        return Protocol(None, error="not tested")
    if not isinstance(raw, dict):
        return Protocol(None, error=f"incomplete observation ({type(raw).__name__}, not a mapping)")
    if raw.get("error"):
        return Protocol(None, error=str(raw["error"]))
    accepted, suites = raw.get("accepted"), raw.get("suites")
    if not isinstance(accepted, bool) or not isinstance(suites, list):
        # neither refused nor accepted on record: unknown, never "refused"
        return Protocol(None, error="incomplete observation (no accepted/suites)")
    path = f"protocols[{name!r}]"
    try:
        typed = tuple(_suite(s, f"{path}.suites[{i}]") for i, s in enumerate(suites))
        if accepted != bool(typed):
            raise Malformed(f"{path}: accepted={accepted} but {len(typed)} suite(s) listed")
    except Malformed as exc:
        return Protocol(None, error=incomplete(exc).reason)
    return Protocol(accepted, typed)


def _protocols(raw: dict[str, Any], _name: str) -> Protocols:
    return Protocols({p: _protocol(raw.get(p), p) for p in ALL_PROTOCOLS})


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Names:
    san_dns: tuple[str, ...]
    san_ip: tuple[str, ...]
    common_name: str | None


@dataclass(frozen=True)
class Validity:
    not_before: datetime
    not_after: datetime
    not_before_text: str  # as recorded, for evidence
    not_after_text: str


@dataclass(frozen=True)
class Key:
    type: str | None
    size: int | None


@dataclass(frozen=True)
class Signature:
    algorithm: str | None
    oid: str | None
    hash: str | None


@dataclass(frozen=True)
class Cert:
    subject: str | None
    self_issued: bool
    names: Names | Broken
    validity: Validity | Broken
    key: Key | Broken
    signature: Signature | Broken


@dataclass(frozen=True)
class PathValidation:
    store: str
    ok: bool
    error: str | None


@dataclass(frozen=True)
class Ocsp:
    """The stapled OCSP response (None on the deployment: nothing stapled)."""

    response_status: str
    cert_status: str | None
    responder: str | None
    produced_at: str | None
    next_update: str | None
    revocation_reason: str | None
    trusted: bool | None


@dataclass(frozen=True)
class NameFree:
    """Path validation of the received chain with the host-name check set aside (probe facts.py)."""

    ok: bool
    store: str | None
    error: str | None
    relaxed_ok: bool  # validates when a non-critical CA basicConstraints is accepted
    set_aside: str | None
    time_ok: bool = False  # validates at an instant inside the certificates' validity
    signature_ok: bool = False  # leads to an anchor once a weak signature hash is set aside


@dataclass(frozen=True)
class Deployment:
    """One certificate chain the server sends (sslyze may find several, e.g. RSA and ECDSA)."""

    chain: tuple[Cert, ...]  # never empty: the leaf first
    trust: tuple[PathValidation, ...] | Broken
    ocsp: Ocsp | None | Broken = None
    name_free: NameFree | None | Broken = None  # recorded only when every store refused
    crl: Crl | None | Broken = None  # what the CRLs said (checks/tls/revocation.py)

    @property
    def leaf(self) -> Cert:
        return self.chain[0]

    def judged(self) -> list[tuple[str, Cert]]:
        """Leaf and intermediates; a self-issued root sent along is the trust anchor's business."""
        return [
            ("leaf" if i == 0 else f"intermediate {i}", c)
            for i, c in enumerate(self.chain)
            if i == 0 or not c.self_issued
        ]


@dataclass(frozen=True)
class Certificate:
    deployments: tuple[Deployment, ...]  # never empty


def _cert(raw: Any, path: str) -> Cert:
    d = as_dict(raw, path)
    return Cert(
        subject=get_str(d, "subject", path, None),
        self_issued=get_bool(d, "self_issued", path, False),
        names=facet(
            lambda: Names(
                get_strs(d, "san_dns", path, ()),
                get_strs(d, "san_ip", path, ()),
                get_str(d, "common_name", path, None),
            )
        ),
        validity=facet(
            lambda: Validity(
                get_time(d, "not_before", path),
                get_time(d, "not_after", path),
                d["not_before"],
                d["not_after"],
            )
        ),
        key=facet(lambda: Key(get_str(d, "key_type", path, None), get_int(d, "key_size", path, None))),
        signature=facet(
            lambda: Signature(
                get_str(d, "signature_algorithm", path, None),
                get_str(d, "signature_algorithm_oid", path, None),
                get_str(d, "signature_hash", path, None),
            )
        ),
    )


def _trust(d: dict[str, Any], path: str) -> tuple[PathValidation, ...] | Broken:
    try:
        stores = get_list(d, "path_validation", path, [])
        if not stores:
            return Broken("sslyze ran no path validation")
        out = []
        for i, raw in enumerate(stores):
            p = f"{path}.path_validation[{i}]"
            s = as_dict(raw, p)
            out.append(
                PathValidation(get_str(s, "store", p), get_bool(s, "ok", p), get_str(s, "error", p, None))
            )
        return tuple(out)
    except Malformed as exc:
        return incomplete(exc)


def _ocsp(d: dict[str, Any], path: str) -> Ocsp | None | Broken:
    raw = d.get("ocsp")
    if raw is None:
        return None
    p = f"{path}.ocsp"
    return facet(
        lambda: Ocsp(
            response_status=get_str(as_dict(raw, p), "response_status", p),
            cert_status=get_str(raw, "cert_status", p, None),
            responder=get_str(raw, "responder", p, None),
            produced_at=get_str(raw, "produced_at", p, None),
            next_update=get_str(raw, "next_update", p, None),
            revocation_reason=get_str(raw, "revocation_reason", p, None),
            trusted=get_bool(raw, "trusted", p, None),
        )
    )


def _name_free(d: dict[str, Any], path: str) -> NameFree | None | Broken:
    raw = d.get("name_free_validation")
    if raw is None:
        return None
    p = f"{path}.name_free_validation"

    def build() -> NameFree:
        v = as_dict(raw, p)
        relaxed = get_dict(v, "relaxed", p, {})
        shifted = get_dict(v, "time_set_aside", p, {})
        return NameFree(
            ok=get_bool(v, "ok", p),
            store=get_str(v, "store", p, None),
            error=get_str(v, "error", p, None),
            relaxed_ok=get_bool(relaxed, "ok", f"{p}.relaxed", False),
            set_aside=get_str(relaxed, "set_aside", f"{p}.relaxed", None),
            time_ok=get_bool(shifted, "ok", f"{p}.time_set_aside", False),
            signature_ok=get_bool(
                get_dict(v, "signature_set_aside", p, {}), "ok", f"{p}.signature_set_aside", False
            ),
        )

    return facet(build)


def _certificate(raw: dict[str, Any], name: str) -> Certificate:
    deps = get_list(raw, "deployments", name)
    if not deps:
        raise Malformed("no certificate was received")
    out = []
    for i, dep in enumerate(deps):
        path = f"{name}.deployments[{i}]"
        d = as_dict(dep, path)
        chain = get_list(d, "chain", path)
        if not chain:
            # which certificate was served is unknown: every certificate check is in doubt
            raise Malformed(f"{path}.chain is empty (no certificate was received)")
        certs = tuple(_cert(c, f"{path}.chain[{j}]") for j, c in enumerate(chain))
        out.append(Deployment(certs, _trust(d, path), _ocsp(d, path), _name_free(d, path), crl_of(d, path)))
    return Certificate(tuple(out))


# --------------------------------------------------------------------------- other sections


@dataclass(frozen=True)
class Vulnerability:
    vulnerable: bool


@dataclass(frozen=True)
class Robot:
    result: str


@dataclass(frozen=True)
class Renegotiation:
    supports_secure_renegotiation: bool
    client_renegotiation_dos: bool


@dataclass(frozen=True)
class Compression:
    supported: bool


@dataclass(frozen=True)
class Mozilla:
    config: str
    compliant: bool | Broken  # judged only when the configuration is the one asked for
    issues: dict[str, str]


def _mozilla(raw: dict[str, Any], name: str) -> Mozilla:
    issues = get_dict(raw, "issues", name, {})
    return Mozilla(
        config=get_str(raw, "config", name, "intermediate"),
        compliant=facet(lambda: get_bool(raw, "compliant", name)),
        issues={str(k): str(v) for k, v in issues.items()},
    )


@dataclass(frozen=True)
class Curves:
    """sslyze's elliptic-curve test: the groups the server accepts for ECDHE."""

    supported: tuple[str, ...]


@dataclass(frozen=True)
class TlsObservation:
    host: str | None
    port: int | None
    protocols: Protocols | Broken
    certificate: Certificate | Broken
    heartbleed: Vulnerability | Broken
    ccs_injection: Vulnerability | Broken
    robot: Robot | Broken
    renegotiation: Renegotiation | Broken
    compression: Compression | Broken
    mozilla: Mozilla | Broken
    curves: Curves | Broken | None = None  # None: not recorded (older bundles)


def parse(obs: dict[str, Any]) -> TlsObservation:
    """Never raises: what cannot be read is ``Broken`` for the checks that need it."""
    return TlsObservation(
        host=obs.get("host") if isinstance(obs.get("host"), str) else None,
        port=obs.get("port") if isinstance(obs.get("port"), int) else None,
        protocols=section(obs, "protocols", _protocols),
        certificate=section(obs, "certificate", _certificate),
        heartbleed=section(obs, "heartbleed", lambda d, n: Vulnerability(get_bool(d, "vulnerable", n))),
        ccs_injection=section(obs, "ccs_injection", lambda d, n: Vulnerability(get_bool(d, "vulnerable", n))),
        robot=section(obs, "robot", lambda d, n: Robot(get_str(d, "result", n))),
        renegotiation=section(
            obs,
            "renegotiation",
            lambda d, n: Renegotiation(
                get_bool(d, "supports_secure_renegotiation", n), get_bool(d, "client_renegotiation_dos", n)
            ),
        ),
        compression=section(obs, "compression", lambda d, n: Compression(get_bool(d, "supported", n))),
        mozilla=section(obs, "mozilla", _mozilla),
        curves=section(obs, "elliptic_curves", lambda d, n: Curves(get_strs(d, "supported", n, ())))
        if "elliptic_curves" in obs
        else None,
    )
