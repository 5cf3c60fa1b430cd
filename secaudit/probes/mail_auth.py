"""SPF and DMARC observations for the mail probe (secaudit/probes/mail.py).

SPF is evaluated by pyspf (the RFC 7208 reference implementation) through the scan's resolver:
its module-level ``DNSLookup`` hook is pointed at ``_spf_lookup``, which asks the thread's own
Validator. DMARC follows RFC 7489 (organisational-domain fallback from the Public Suffix List
shipped offline; external report authorisation, §7.1). Observations only.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import dns.rdatatype

from secaudit.probes.dnssec import ERROR, QueryError, Validator
from secaudit.probes.domains import printable

Observation = dict[str, Any]
SPF_TEST_IP = "192.0.2.1"  # RFC 5737 TEST-NET-1: matches no real sender, so every term is evaluated
MAX_INCLUDE_DEPTH = 10


# --------------------------------------------------------------------------- SPF (pyspf)

_local = threading.local()  # pyspf looks names up through one module-level hook: ours, per thread


def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 20) -> list[Any]:
    import spf

    v: Validator = _local.validator
    try:
        resp = v.q.ask(name, qtype)
    except QueryError as exc:
        raise spf.TempError(f"DNS {exc}") from None
    out = []
    for rrset in resp.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            continue
        for r in rrset:
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                out.append(((name, qtype), r.address))
            elif rrset.rdtype == dns.rdatatype.MX:
                out.append(((name, qtype), (r.preference, r.exchange)))
            elif rrset.rdtype == dns.rdatatype.PTR:
                out.append(((name, qtype), r.target.to_text(True)))
            elif rrset.rdtype == dns.rdatatype.TXT:
                out.append(((name, qtype), list(r.strings)))
    return out


def _pyspf() -> Any:
    import spf

    spf.DNSLookup = _spf_lookup
    return spf


_ALL = re.compile(r"^([+\-~?]?)all$", re.IGNORECASE)
_QUAL = {"": "+all", "+": "+all", "-": "-all", "~": "~all", "?": "?all"}


def spf_observation(domain: str, v: Validator) -> Observation:
    spf = _pyspf()
    _local.validator = v
    q = spf.query(i=SPF_TEST_IP, s=f"postmaster@{domain}", h=domain, strict=False, timeout=v.q.timeout * 4)
    try:
        record = q.dns_spf(domain)
    except spf.TempError as exc:
        return {"error": f"temperror: {exc}"}
    except spf.PermError as exc:
        return {"record": None, "result": "permerror", "problem": str(exc)}
    if record is None:
        return {"record": None, "result": "none"}
    record = printable(record)
    result, _code, explanation = q.check()
    out: Observation = {
        "record": record,
        "result": result,  # what a receiver would conclude for a host the record does not list
        "explanation": explanation,
        "lookups": q.lookups,
        "void_lookups": getattr(q, "void_lookups", 0),
        "problem": q.prob if result in ("permerror", "temperror") else None,
    }
    out.update(_terms(record))
    out["includes"] = _includes(q, spf, out, set([domain]), 1)
    return out


def _terms(record: str) -> Observation:
    terms = record.split()[1:]
    all_q = next((_QUAL[m.group(1)] for t in terms if (m := _ALL.match(t))), None)
    redirect = next((t.split("=", 1)[1] for t in terms if t.lower().startswith("redirect=")), None)
    return {"terms": terms, "all": all_q, "redirect": redirect}


def _includes(q: Any, spf: Any, parent: Observation, seen: set[str], depth: int) -> list[Observation]:
    """The records ``include:``/``redirect=`` name, resolved (so a report can show the whole tree)."""
    names = [
        t.split(":", 1)[1] for t in parent.get("terms", []) if t.lower().lstrip("+-~?").startswith("include:")
    ]
    if parent.get("redirect"):
        names.append(parent["redirect"])
    out = []
    for name in names:
        entry: Observation = {"domain": name}
        if "%" in name or name in seen or depth > MAX_INCLUDE_DEPTH:
            entry["skipped"] = "macro" if "%" in name else "loop or too deep"
            out.append(entry)
            continue
        seen.add(name)
        try:
            record = q.dns_spf(name)
        except (spf.TempError, spf.PermError) as exc:
            entry["error"] = str(exc)
            out.append(entry)
            continue
        entry["record"] = record = printable(record) if record else record
        if record:
            entry.update(_terms(record))
            entry["includes"] = _includes(q, spf, entry, seen, depth + 1)
        out.append(entry)
    return out


# --------------------------------------------------------------------------- DMARC


def _txt(v: Validator, name: str) -> tuple[list[str] | None, str, str | None]:
    """(TXT strings, DNSSEC status, error)."""
    res = v.lookup(name, "TXT")
    if res["failed"]:
        return None, ERROR, res["reason"]
    texts = [printable(b"".join(r.strings).decode("utf-8", errors="replace")) for r in res["rrset"] or []]
    return texts, res["status"], None


def parse_dmarc(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in record.split(";"):
        if "=" in part:
            k, _, val = part.partition("=")
            tags.setdefault(k.strip().lower(), val.strip())
    return tags


def org_domain(domain: str) -> str:
    """The organisational domain (RFC 7489 §3.2) from the Public Suffix List shipped offline."""
    from publicsuffixlist import PublicSuffixList

    return str(_psl(PublicSuffixList).privatesuffix(domain) or domain)


_PSL: list[Any] = []


def _psl(cls: Any) -> Any:
    if not _PSL:
        _PSL.append(cls())  # parsing the list takes ~0.1 s: once per process
    return _PSL[0]


def _dmarc_records(v: Validator, name: str) -> tuple[list[str], str, str | None]:
    texts, status, err = _txt(v, name)
    return [t for t in texts or [] if t.strip().lower().startswith("v=dmarc1")], status, err


def dmarc_observation(domain: str, v: Validator) -> Observation:
    name = f"_dmarc.{domain}"
    records, status, err = _dmarc_records(v, name)
    if err:
        return {"error": err, "name": name}
    out: Observation = {"name": name, "records": records, "dnssec": status}
    org = org_domain(domain)
    out["org_domain"] = org  # sp= is judged only at the organisational domain (internet.nl)
    if not records and org != domain:
        # RFC 7489 §6.6.3: no record at the domain -> the organisational domain's, whose sp= applies
        records, status, err = _dmarc_records(v, f"_dmarc.{org}")
        if err:
            return {"error": err, "name": f"_dmarc.{org}"}
        if records:
            out.update(records=records, dnssec=status, inherited_from=org, name=f"_dmarc.{org}")
    if len(records) == 1:
        tags = parse_dmarc(records[0])
        out["tags"] = tags
        out["external_reporting"] = _external(domain, tags, v)
    return out


def _external(domain: str, tags: dict[str, str], v: Validator) -> list[Observation]:
    """RFC 7489 §7.1: a report address outside the domain must authorise it."""
    out = []
    for uri in (tags.get("rua", "") + "," + tags.get("ruf", "")).split(","):
        uri = uri.strip()
        if not uri.lower().startswith("mailto:") or "@" not in uri:
            continue
        host = uri.split("@", 1)[1].split("!", 1)[0].strip().rstrip(".").lower()
        # §7.1: only a destination in another organisational domain must authorise the reports
        if org_domain(host) == org_domain(domain) or any(e["host"] == host for e in out):
            continue
        texts, _status, err = _txt(v, f"{domain}._report._dmarc.{host}")
        ok = any(t.strip().lower().startswith("v=dmarc1") for t in texts or [])
        out.append({"host": host, "authorized": ok, "error": err})
    return out
