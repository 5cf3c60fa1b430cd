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
    system declares no domain."""
    return {
        (cid, tr.target.raw)
        for cid in wanted
        if is_domain_check(cid)
        for tr in targets
        if (cid, tr.target.raw) not in ran and not declares_domains(tr.target)
    }


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
