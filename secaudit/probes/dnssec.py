"""DNS queries and a DNSSEC chain validator (dnspython), shared by the dns and mail probes.

``Querier`` asks the configured servers (``--dns-server``, else the system's) with EDNS, DO and CD
set - CD so that a validating upstream hands over bogus data for us to judge instead of SERVFAIL.
``Validator`` walks from the deepest trust anchor (IANA's root KSKs, plus ``--trust-anchor``) down
to a name, label by label: a DS validated by the parent's keys leads to the child's DNSKEY set;
no DS, with a signed denial and an SOA at the child, is an insecure delegation; anything that does
not verify is bogus with the reason. Observations only: the result is recorded, checks judge it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import dns.zonefile

from secaudit.core.errors import InputError

# IANA root zone KSKs (KSK-2017 and KSK-2024), in DS form.
ROOT_ANCHORS = (
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
)
EDNS_SIZE = 1232
SECURE, INSECURE, BOGUS, ERROR = "secure", "insecure", "bogus", "error"
_NO_DATA = " (no signed DNSKEY set in the answer)"


class QueryError(Exception):
    """No usable answer: timeout, SERVFAIL, REFUSED, network error (the message says which)."""


@dataclass(frozen=True)
class Server:
    address: str
    port: int = 53

    def __str__(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


def parse_server(spec: str) -> Server:
    """``ADDR``, ``ADDR:PORT``, ``[V6]:PORT`` or a bare IPv6 address."""
    import ipaddress

    s = spec.strip()
    addr, port = s, 53
    if s.startswith("["):
        addr, _, rest = s[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise InputError(f"--dns-server {spec!r}: cần dạng [ADDR]:PORT / expected [ADDR]:PORT")
            port = _port(rest[1:], spec)
    elif s.count(":") == 1:
        addr, p = s.split(":")
        port = _port(p, spec)
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        raise InputError(f"--dns-server {spec!r}: không phải địa chỉ IP / not an IP address") from None
    return Server(addr, port)


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InputError(f"--dns-server {spec!r}: cổng sai / bad port")
    return int(text)


def load_anchors(path: Path | None) -> dict[dns.name.Name, list[Any]]:
    """Root anchors plus the DS/DNSKEY records of ``path`` (zone-file syntax, absolute names)."""
    texts = list(ROOT_ANCHORS)
    if path is not None:
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                "không đọc được tệp neo tin cậy / "
                f"cannot read trust anchor file: {getattr(exc, 'strerror', exc)}",
                path,
            ) from None
        texts.append(raw)
    anchors: dict[dns.name.Name, list[Any]] = {}
    for i, text in enumerate(texts):
        try:
            rrsets = dns.zonefile.read_rrsets(
                text, rdclass=None, default_ttl=0, origin=dns.name.root, relativize=False
            )
        except dns.exception.DNSException as exc:
            raise InputError(
                f"không phải bản ghi DS/DNSKEY / not DS/DNSKEY records ({exc})",
                path if i >= len(ROOT_ANCHORS) else None,
            ) from None
        for rrset in rrsets:
            if rrset.rdtype not in (dns.rdatatype.DS, dns.rdatatype.DNSKEY):
                raise InputError(
                    "chỉ nhận bản ghi DS hoặc DNSKEY / "
                    f"only DS or DNSKEY records, not {dns.rdatatype.to_text(rrset.rdtype)}",
                    path,
                )
            anchors.setdefault(rrset.name, []).extend(rrset)
    if (
        path is not None
        and len(anchors) == 1
        and dns.name.root in anchors
        and len(anchors[dns.name.root]) == 2
    ):
        raise InputError(
            "tệp neo tin cậy không có bản ghi DS hay DNSKEY / "
            "no DS or DNSKEY record in the trust anchor file",
            path,
        )
    return anchors


class Querier:
    """Ask the servers in order; cache answers for one scan."""

    def __init__(self, servers: list[Server] | None, timeout: float) -> None:
        if not servers:
            try:
                sys_ns = dns.resolver.Resolver().nameservers
            except dns.exception.DNSException:
                sys_ns = []
            servers = [Server(str(a)) for a in sys_ns]
        self.servers = servers
        self.timeout = timeout
        self.count = 0
        self._cache: dict[tuple[str, int], dns.message.Message | QueryError] = {}
        # A server that timed out is not asked again by this querier (one domain): a dead
        # resolver costs one timeout per domain, not one per question.
        self._silent: set[Server] = set()

    def ask(self, name: str | dns.name.Name, rdtype: int | str) -> dns.message.Message:
        """A NOERROR or NXDOMAIN response; anything else raises ``QueryError``."""
        qname = dns.name.from_text(str(name)) if not isinstance(name, dns.name.Name) else name
        qtype = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
        key = (qname.to_text().lower(), int(qtype))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._ask(qname, qtype)
            self._cache[key] = hit
        if isinstance(hit, QueryError):
            raise hit
        return hit

    def _ask(self, qname: dns.name.Name, qtype: int) -> dns.message.Message | QueryError:
        if not self.servers:
            return QueryError("no DNS server configured / không có máy chủ DNS")
        label = f"{qname.to_text()} {dns.rdatatype.to_text(qtype)}"
        problems = []
        for srv in self.servers:
            if srv in self._silent:
                problems.append(f"{srv}: did not answer an earlier query (timeout)")
                continue
            q = dns.message.make_query(qname, qtype, want_dnssec=True, payload=EDNS_SIZE)
            q.flags |= dns.flags.CD | dns.flags.RD
            self.count += 1
            try:
                resp, _tcp = dns.query.udp_with_fallback(q, srv.address, timeout=self.timeout, port=srv.port)
            except dns.exception.Timeout:
                self._silent.add(srv)
                problems.append(f"{srv}: timeout after {self.timeout:g} s")
                continue
            except (OSError, dns.exception.DNSException) as exc:
                problems.append(f"{srv}: {type(exc).__name__}: {exc}")
                continue
            rcode = resp.rcode()
            if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return resp
            problems.append(f"{srv}: {dns.rcode.to_text(rcode)}")
        return QueryError(f"{label}: " + "; ".join(problems))


def rrset_of(resp: dns.message.Message, name: dns.name.Name, rdtype: int) -> dns.rrset.RRset | None:
    for rrset in resp.answer:
        if rrset.name == name and rrset.rdtype == rdtype:
            return rrset
    return None


def sigs_for(section: list[dns.rrset.RRset], name: dns.name.Name, rdtype: int) -> dns.rrset.RRset | None:
    for rrset in section:
        if rrset.name == name and rrset.rdtype == dns.rdatatype.RRSIG and rrset.covers == rdtype:
            return rrset
    return None


@dataclass
class Chain:
    """How far the chain of trust reaches a name."""

    status: str  # secure | insecure | bogus | error
    reason: str
    zone: str = ""  # the deepest zone reached (secure: the zone holding the name)
    steps: list[dict[str, str]] = field(default_factory=list)
    keys: Any = None  # DNSKEY rrset of ``zone`` when secure

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "zone": self.zone, "chain": self.steps}


class Validator:
    def __init__(
        self, querier: Querier, anchors: dict[dns.name.Name, list[Any]], now: float | None = None
    ) -> None:
        self.q = querier
        self.anchors = anchors
        self.now = now
        self._chains: dict[dns.name.Name, Chain] = {}

    # -- signatures

    def _verify(
        self, rrset: dns.rrset.RRset, sigs: dns.rrset.RRset | None, zone: dns.name.Name, keys: Any
    ) -> str:
        """'' when some RRSIG by ``zone`` verifies, else the reason."""
        if sigs is None or not len(sigs):
            return f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} has no RRSIG"
        reasons = []
        for sig in sigs:
            if sig.signer != zone:
                reasons.append(f"signed by {sig.signer}, not {zone}")
                continue
            try:
                dns.dnssec.validate_rrsig(rrset, sig, {zone: keys}, now=self.now)
                return ""
            except dns.dnssec.ValidationFailure as exc:
                reasons.append(f"RRSIG {sig.key_tag}/{sig.algorithm}: {exc}{_when(sig, self.now)}")
            except dns.dnssec.UnsupportedAlgorithm as exc:
                reasons.append(f"RRSIG {sig.key_tag}: unsupported algorithm ({exc})")
        return f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}: " + "; ".join(reasons)

    def _dnskeys(self, zone: dns.name.Name, trusted: list[Any]) -> tuple[Any, str]:
        """The zone's DNSKEY rrset if a key matching ``trusted`` (DS or DNSKEY) signs it."""
        resp = self.q.ask(zone, dns.rdatatype.DNSKEY)
        keys = rrset_of(resp, zone, dns.rdatatype.DNSKEY)
        if keys is None:
            return None, f"{zone} has no DNSKEY records{_NO_DATA}"
        sigs = sigs_for(resp.answer, zone, dns.rdatatype.DNSKEY)
        if sigs is None:
            return None, f"{zone} DNSKEY is unsigned{_NO_DATA}"
        matching = [k for k in keys if any(_matches(zone, k, t) for t in trusted)]
        if not matching:
            tags = ", ".join(str(getattr(t, "key_tag", dns.dnssec.key_id(t))) for t in trusted)
            return None, f"no DNSKEY of {zone} matches the DS/anchor (key tags {tags})"
        anchored = dns.rrset.from_rdata_list(zone, keys.ttl, matching)
        why = self._verify(keys, sigs, zone, anchored)
        return (keys, "") if not why else (None, why)

    # -- the chain

    def chain(self, name: str | dns.name.Name) -> Chain:
        target = dns.name.from_text(str(name)) if not isinstance(name, dns.name.Name) else name
        if target in self._chains:
            return self._chains[target]
        result = self._walk(target)
        self._chains[target] = result
        return result

    def _walk(self, target: dns.name.Name) -> Chain:
        anchor = max((a for a in self.anchors if target.is_subdomain(a)), key=len, default=None)
        if anchor is None:
            return Chain(INSECURE, f"no trust anchor covers {target}")
        steps: list[dict[str, str]] = []
        try:
            keys, why = self._dnskeys(anchor, self.anchors[anchor])
            if keys is None and why.endswith(_NO_DATA):
                # no signed DNSKEY set at the anchor itself: the resolver does not hand out DNSSEC
                # data (or does not serve that zone); nothing is proven either way
                return Chain(
                    ERROR, f"{why}: the resolver gives no DNSSEC data for the trust anchor", "", steps
                )
            if keys is None:
                return Chain(BOGUS, why, anchor.to_text(), [{"zone": anchor.to_text(), "status": BOGUS}])
            steps.append({"zone": anchor.to_text(), "status": SECURE, "via": "trust anchor"})
            zone = anchor
            labels = target.labels
            for depth in range(len(anchor.labels) + 1, len(labels) + 1):
                child = dns.name.Name(labels[-depth:])
                resp = self.q.ask(child, dns.rdatatype.DS)
                ds = rrset_of(resp, child, dns.rdatatype.DS)
                if ds is not None:
                    why = self._verify(ds, sigs_for(resp.answer, child, dns.rdatatype.DS), zone, keys)
                    if why:
                        return Chain(BOGUS, why, zone.to_text(), steps)
                    keys, why = self._dnskeys(child, list(ds))
                    if keys is None:
                        steps.append({"zone": child.to_text(), "status": BOGUS})
                        return Chain(BOGUS, why, child.to_text(), steps)
                    zone = child
                    steps.append({"zone": child.to_text(), "status": SECURE, "via": "DS"})
                    continue
                why = self._denial(resp, zone, keys) or no_ds_proof(resp, child)
                if why:
                    return Chain(BOGUS, f"no DS for {child}, and {why}", zone.to_text(), steps)
                if resp.rcode() == dns.rcode.NXDOMAIN:
                    break  # nothing exists at or below this name: no zone cut further down
                if self._is_zone_apex(child):
                    steps.append({"zone": child.to_text(), "status": INSECURE, "via": "no DS"})
                    return Chain(
                        INSECURE, f"{child} is not signed (no DS record in {zone})", child.to_text(), steps
                    )
        except QueryError as exc:
            return Chain(ERROR, str(exc), "", steps)
        return Chain(SECURE, f"chain of trust from {anchor} to {zone}", zone.to_text(), steps, keys)

    def _denial(self, resp: dns.message.Message, zone: dns.name.Name, keys: Any) -> str:
        """'' when the response's NSEC/NSEC3 records are signed by ``zone``. For a missing DS the
        walk also checks that they cover the name (``no_ds_proof``); for other missing data a
        replayed denial could only make a verdict worse (no TLSA, no CAA), never a pass."""
        proofs = [r for r in resp.authority if r.rdtype in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)]
        if not proofs:
            return "the denial has no NSEC/NSEC3 proof"
        for rrset in proofs:
            why = self._verify(rrset, sigs_for(resp.authority, rrset.name, rrset.rdtype), zone, keys)
            if why:
                return why
        return ""

    def _is_zone_apex(self, name: dns.name.Name) -> bool:
        resp = self.q.ask(name, dns.rdatatype.SOA)
        return rrset_of(resp, name, dns.rdatatype.SOA) is not None

    # -- answers

    def lookup(self, name: str | dns.name.Name, rdtype: int | str) -> dict[str, Any]:
        """Records of (name, type) with their DNSSEC status. ``status``: secure|insecure|bogus|error;
        ``failed``: the query got no usable answer; ``rrset`` (dnspython) is for the probe only."""
        qname = dns.name.from_text(str(name)) if not isinstance(name, dns.name.Name) else name
        qtype = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
        try:
            resp = self.q.ask(qname, qtype)
        except QueryError as exc:
            return {"status": ERROR, "reason": str(exc), "rrset": None, "rcode": "error", "failed": True}
        # ``failed``: no answer at all. Otherwise the records are usable whatever their DNSSEC
        # ``status`` (an unvalidatable chain is an error for the DNSSEC checks only).
        out: dict[str, Any] = {"rcode": dns.rcode.to_text(resp.rcode()), "rrset": None, "failed": False}
        owner = qname
        for rrset in resp.answer:  # follow CNAMEs in the answer
            if rrset.name == owner and rrset.rdtype == dns.rdatatype.CNAME:
                owner = rrset[0].target
        rrset = rrset_of(resp, owner, qtype)
        out["rrset"] = rrset
        sigs = sigs_for(resp.answer if rrset is not None else resp.authority, owner, qtype)
        signer = sigs[0].signer if sigs is not None and len(sigs) else None
        chain = self.chain(signer if signer is not None and owner.is_subdomain(signer) else owner)
        if chain.status != SECURE:
            out.update(status=chain.status, reason=chain.reason, zone=chain.zone)
            return out
        zone = dns.name.from_text(chain.zone)
        if rrset is not None:
            why = self._verify(rrset, sigs, zone, chain.keys)
        else:
            why = self._denial(resp, zone, chain.keys)
        out.update(status=BOGUS if why else SECURE, reason=why or f"validated in {zone}", zone=chain.zone)
        return out


def _types(rdata: Any, skip: int) -> set[str]:
    """The type bitmap of an NSEC (skip 1 field) or NSEC3 (skip 5) record, as type names."""
    return {t.upper() for t in rdata.to_text().split()[skip:]}


def _b32(data: bytes) -> str:
    import base64

    return (
        base64.b32encode(data)
        .translate(bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHIJKLMNOPQRSTUV"))
        .decode()
    )


def no_ds_proof(resp: dns.message.Message, child: dns.name.Name) -> str:
    """'' when the (signed) denial really covers ``child`` having no DS - a signed NSEC/NSEC3 of
    another name replayed here would otherwise downgrade a signed zone to "insecure" (RFC 4035
    §5.2, RFC 5155 §8.9): an NSEC at the name without DS in its bitmap, or one covering the name
    (NXDOMAIN); an NSEC3 matching the name's hash without DS, or one covering it (NXDOMAIN, or an
    opt-out span). The closest-encloser proof of an NXDOMAIN is not re-derived."""
    nsec = [r for r in resp.authority if r.rdtype == dns.rdatatype.NSEC]
    for rrset in nsec:
        rd = rrset[0]
        if rrset.name == child:
            return "" if "DS" not in _types(rd, 1) else f"the NSEC at {child} lists a DS"
        if rrset.name < child and (child < rd.next or rd.next <= rrset.name):
            return ""  # the name does not exist: no zone cut, no DS
    nsec3 = [r for r in resp.authority if r.rdtype == dns.rdatatype.NSEC3]
    for rrset in nsec3:
        rd = rrset[0]
        want = dns.dnssec.nsec3_hash(child, rd.salt or None, rd.iterations, rd.algorithm)
        owner = rrset.name.labels[0].decode().upper()
        nxt = _b32(rd.next)
        if owner == want:
            return "" if "DS" not in _types(rd, 5) else f"the NSEC3 for {child} lists a DS"
        covers = owner < want < nxt or (nxt <= owner and (want > owner or want < nxt))
        # a covered hash: the name does not exist (NXDOMAIN: no zone cut, so no DS), or it sits in
        # an opt-out span, where unsigned delegations may be (RFC 5155 §6)
        if covers and (rd.flags & 1 or resp.rcode() == dns.rcode.NXDOMAIN):
            return ""
    if nsec or nsec3:
        return "the NSEC/NSEC3 records do not cover it"
    return "the denial has no NSEC/NSEC3 proof"


def _matches(zone: dns.name.Name, key: Any, trusted: Any) -> bool:
    if trusted.rdtype == dns.rdatatype.DNSKEY:
        return key == trusted
    try:
        return dns.dnssec.make_ds(zone, key, trusted.digest_type) == trusted
    except (dns.dnssec.UnsupportedAlgorithm, ValueError):
        return False


def _when(sig: Any, now: float | None) -> str:
    t = now if now is not None else time.time()
    if sig.expiration < t:
        return f" (expired {time.strftime('%Y-%m-%d %H:%M', time.gmtime(sig.expiration))} UTC)"
    if sig.inception > t:
        return f" (valid only from {time.strftime('%Y-%m-%d %H:%M', time.gmtime(sig.inception))} UTC)"
    return ""
