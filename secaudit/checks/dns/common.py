"""What the dns, mail and web families share: the observation covers one or more domains (a
system may list several); each check judges every domain and one result says the worst.

Worst first: ``fail`` (a definite problem) > ``error`` (could not tell: never a pass) > ``warn`` >
``pass`` > ``not_applicable``. One domain: its own message. Several: each domain's message in
turn (the ``multi`` template), and the evidence keeps each domain's evidence under its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from secaudit.checks import Outcome, metadata
from secaudit.checks.observation import Malformed

RANK = {"fail": 4, "error": 3, "warn": 2, "pass": 1, "not_applicable": 0}


@dataclass(frozen=True)
class DomainsObservation:
    """A dns or mail observation: ``domains`` (one dict per domain) and what else the probe saw."""

    domains: tuple[dict[str, Any], ...]
    reason: str  # why there is no domain (an IP target)
    raw: dict[str, Any]


def parse(obs: dict[str, Any]) -> DomainsObservation:
    domains = obs.get("domains")
    if not isinstance(domains, list):
        raise Malformed("observation.domains is missing or not a list")
    for i, d in enumerate(domains):
        if not isinstance(d, dict) or not isinstance(d.get("domain"), str):
            raise Malformed(f"observation.domains[{i}] is not a domain entry")
    return DomainsObservation(tuple(domains), str(obs.get("reason") or ""), obs)


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _show(v: Any) -> str:
    if isinstance(v, (list, tuple, set)):
        return ", ".join(str(x) for x in v) or "-"
    return str(v)


def _text(check_id: str, outcome: Outcome, lang: str) -> str:
    messages = metadata()[check_id].get("messages") or {}
    template = (messages.get(outcome.key or outcome.status) or messages.get(outcome.status) or {}).get(lang)
    if not template:
        return str(outcome.params.get("reason") or outcome.status)
    return str(template).format_map(_Safe({k: _show(v) for k, v in outcome.params.items()}))


def per_domain(check_id: str, obs: DomainsObservation, judge: Callable[[dict[str, Any]], Outcome]) -> Outcome:
    """Judge every domain with ``judge``; a domain the probe could not observe is ``error``."""
    if not obs.domains:
        reason = obs.reason or "không có tên miền / no domain"
        return Outcome("not_applicable", "not_applicable", {"reason": reason}, {"reason": reason})
    outcomes: list[tuple[str, Outcome]] = []
    for d in obs.domains:
        name = d["domain"]
        if d.get("error"):
            out = Outcome.error(str(d["error"]))
        else:
            try:
                out = judge(d)
            except (LookupError, TypeError, ValueError, AttributeError) as exc:
                out = Outcome.error(f"incomplete observation for {name} ({type(exc).__name__}: {exc})")
        out.params.setdefault("domain", name)
        outcomes.append((name, out))
    if len(outcomes) == 1:
        name, out = outcomes[0]
        out.evidence = {"domain": name} | out.evidence
        return out
    worst = max(outcomes, key=lambda p: RANK.get(p[1].status, 3))[1].status
    params = {
        f"details_{lang}": "; ".join(f"{n}: {_text(check_id, o, lang)}" for n, o in outcomes)
        for lang in ("vi", "en")
    }
    evidence = {"domains": {n: {"status": o.status, **o.evidence} for n, o in outcomes}}
    return Outcome(worst, "multi", params, evidence)


MULTI = {"vi": "{details_vi}", "en": "{details_en}"}  # the ``multi`` message of every check here
