"""Which checks are in scope for a system, and how a partly automated requirement combines its halves.

The dns/mail posture checks (``dns.*``, ``mail.*`` and ``web.ipv6``, all read from the dns and mail
probes) judge the domains a system declares (inventory ``domains:``). A system that declares none
has nothing in scope for them: `assess` does not run those probes, and a requirement does not wait
for them ("checks not run") nor pass because of them. Its automated part is judged from its other
checks, or is ``none`` when it has no other — then an auto requirement is not_reviewed and a partial
one is decided by its attestation; the reason says "no domain declared" so the agency declares them
(docs/verdicts.md §2, §4). A result that does exist (e.g. ``scan --probes dns`` on the host name) is
judged as usual, and a declared domain whose probe erred is ``error``.
"""

from __future__ import annotations

from typing import Any

DOMAIN_PREFIXES = ("dns.", "mail.")
DOMAIN_CHECKS = frozenset({"web.ipv6"})  # the web host's IPv6, observed by the dns probe


def is_domain_check(check_id: str) -> bool:
    return check_id.startswith(DOMAIN_PREFIXES) or check_id in DOMAIN_CHECKS


def declares_domains(target: Any) -> bool:
    domains = getattr(target, "domains", None)
    return isinstance(domains, list) and any(isinstance(d, str) and d for d in domains)


def unscoped(wanted: set[str], targets: list[Any], ran: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(check id, target) pairs out of scope: a domain check that did not run on a target whose
    system declares no domain; a host check on a site and a site check on a host (``host://``)."""
    return {
        (cid, tr.target.raw)
        for cid in wanted
        for tr in targets
        if is_host_check(cid) != is_host_target(tr.target)
        or (is_domain_check(cid) and (cid, tr.target.raw) not in ran and not declares_domains(tr.target))
    }


# Host evidence (issue 14): host.* checks judge only the pseudo-targets host://NAME of the hosts a
# system declares (inventory ``hosts:``); without hosts they are out of scope ("no host declared").
HOST_PREFIX = "host."


def is_host_check(check_id: str) -> bool:
    return check_id.startswith(HOST_PREFIX)


def is_host_target(target: Any) -> bool:
    raw = getattr(target, "raw", "")
    return isinstance(raw, str) and raw.startswith("host://")


def why_unscoped(skipped: set[tuple[str, str]], targets: list[Any]) -> list[tuple[str, list[str]]]:
    """(reason code, check ids) for the skipped pairs that need the agency to declare something:
    dns/mail checks without domains, host checks without any declared host. A pair skipped only
    because the check is of the other kind (a host check on a site) needs no reason."""
    hosts = any(is_host_target(tr.target) for tr in targets)
    domain = sorted({c for c, t in skipped if is_domain_check(c) and not t.startswith("host://")})
    host = sorted({c for c, _ in skipped if is_host_check(c)}) if not hosts else []
    return [(code, ids) for code, ids in (("no_domain_declared", domain), ("no_host_declared", host)) if ids]


def all_unscoped(wanted: set[str], targets: list[Any], skipped: set[tuple[str, str]]) -> bool:
    """Nothing of the requirement's automated part is in scope (at least one pair was skipped)."""
    return bool(skipped) and len(skipped) == len(wanted) * len(targets)


def partial_status(c_status: str, a_status: str) -> str:
    """A partial requirement's verdict from its checks half and its attestation half (§4).

    ``none``: no check in scope (no domain declared), so the attestation alone decides — it can
    pass, fail or stay not_reviewed; the checks never pass the requirement by being absent."""
    if c_status == "fail" or a_status == "fail":
        return "fail"
    if c_status == "error":
        return "error"
    if a_status == "not_applicable":
        return "not_applicable"
    if c_status in ("pass", "none") and a_status == "pass":
        return "pass"
    return "not_reviewed"
