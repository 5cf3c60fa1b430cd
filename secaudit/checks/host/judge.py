"""How every host.* check judges: the mapped rules of checks/host/mapping.yaml over a host's imports.

Per imported file (openscap/SCC XCCDF results or a Lynis report):
- the file does not count (its rules are ``error`` with the reason) when it is older than the
  profile's ``host_result_max_age_days`` as of the assessment (``ctx.reference_time()``, never
  today), dated after it, describes a container, uses content of another OS than the host's, or has
  at least ``max_not_applicable_share`` of its evaluated rules notapplicable;
- a rule: pass -> pass (unless judged under a weaker or unrecorded threshold than the profile's:
  error), fail -> fail, error / unknown / notchecked / fixed -> error, notapplicable / notselected /
  informational -> not counted; a Lynis fact: the named value -> pass, another -> fail, missing ->
  error (a test that did not warn is no pass).
The check: any fail -> fail; else any error -> error; else at least one pass -> pass; nothing counted
-> error (never a pass on nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from secaudit.checks import CheckContext, Outcome, shown
from secaudit.checks.host.observation import HostObservation, Import
from secaudit.checks.observation import Broken
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml

DEFAULT_MAX_AGE_DAYS = 90
_ERROR_RESULTS = {"error", "unknown", "notchecked", "fixed"}
_UNCOUNTED = {"notapplicable", "notselected", "informational"}


@lru_cache(maxsize=1)
def host_map() -> dict[str, Any]:
    """checks/host/mapping.yaml (shipped data: read once per process)."""
    return load_yaml(package_file("checks/host/mapping.yaml")) or {}


def mapped_rules() -> list[str]:
    """Every SSG rule id the map knows, in map order (the tailoring selects exactly these)."""
    out: dict[str, None] = {}
    for spec in host_map()["checks"].values():
        for e in spec.get("ssg") or []:
            out[e["rule"]] = None
    return list(out)


def mapped_facts() -> list[str]:
    out: dict[str, None] = {}
    for spec in host_map()["checks"].values():
        for e in spec.get("lynis") or []:
            out[e["key"]] = None
    return list(out)


def required_value(var: str, params: dict[str, Any]) -> float:
    """The threshold the profile asks for ``var``, in the XCCDF value's unit (minutes -> seconds)."""
    spec = host_map()["values"][var]
    raw = params.get(spec["param"]) if spec.get("param") else None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raw = spec["default"]
    return float(raw) * float(spec.get("scale", 1))


def _weaker(imp: Import, rule: str, params: dict[str, Any]) -> str | None:
    """Why a pass of ``rule`` was judged under a threshold weaker than the profile's (else None)."""
    for var, spec in host_map()["values"].items():
        if rule not in spec.get("rules", []):
            continue
        want = required_value(var, params)
        got_s = imp.set_values.get(var)
        try:
            got = float(got_s) if got_s is not None else None
        except ValueError:
            got = None
        if got is None:
            return f"{rule}: value {var} not recorded in the result (wanted {want:g})"
        higher = spec.get("stricter") == "higher"
        if higher and got == 0 and spec.get("param") == "lockout_duration_min_hours":
            continue  # faillock unlock_time=0: never unlocks by itself, the strictest setting
        if (got < want) if higher else (got > want):
            return f"{rule}: judged with {var}={got_s}, weaker than the profile's {want:g}"
    return None


def _host_os(obs: HostObservation) -> str:
    """The host's OS: the inventory's ``os:``, else what a Lynis report for it said."""
    if obs.os:
        return obs.os
    return next((i.os for i in obs.imports if isinstance(i, Import) and i.is_lynis and i.os), "")


def file_problem(imp: Import, obs: HostObservation, now: datetime, max_age: int) -> str | None:
    """Why a whole imported file does not count as evidence (None when it does)."""
    hmap = host_map()
    what = f"{imp.label()} ({imp.sha256[:12]})"
    if isinstance(imp.ran_at, Broken):
        return f"{what}: {imp.ran_at.reason}"
    if imp.ran_at > now:
        return f"{what}: ran {imp.ran_at.isoformat()}, after the assessment ({now.isoformat()})"
    if now - imp.ran_at > timedelta(days=max_age):
        age = (now - imp.ran_at).days
        return f"{what}: expired, ran {imp.ran_at.date().isoformat()} ({age} days > {max_age})"
    if imp.container:
        return f"{what}: the scan ran in a container, not on the server"
    host_os = _host_os(obs)
    if not imp.is_lynis:
        content_os = hmap["benchmarks"].get(imp.benchmark) or imp.os
        if content_os and host_os and content_os != host_os:
            return (
                f"{what}: foreign content {imp.benchmark or content_os} ({content_os}) for a {host_os} host"
            )
        evaluated = sum(n for r, n in imp.counts.items() if r != "notselected")
        na = imp.counts.get("notapplicable", 0)
        if evaluated and na / evaluated >= float(hmap["max_not_applicable_share"]):
            return f"{what}: {na} of {evaluated} rules not applicable (wrong content or a container)"
        sentinels = hmap["container_sentinels"]
        if all(imp.results.get(s) == "notapplicable" for s in sentinels):
            return f"{what}: kernel rules not applicable ({', '.join(sentinels)}): a container scan"
    elif imp.facts.get("vmtype") in hmap["container_vmtypes"] or imp.facts.get("container") == "1":
        return f"{what}: Lynis ran in a container (vmtype={imp.facts.get('vmtype')})"
    return None


def _rule_items(imp: Import, spec: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(status, rule or fact, detail) for each mapped rule this import speaks about."""
    out: list[tuple[str, str, str]] = []
    if imp.is_lynis:
        for e in spec.get("lynis") or []:
            val = imp.facts.get(e["key"])
            name = f"lynis:{e['key']}"
            if val is None:
                out.append(("error", name, f"{name} not recorded ({e['test']})"))
            elif str(val) == str(e["equals"]):
                out.append(("pass", name, f"{name}={val}"))
            else:
                out.append(("fail", name, f"{name}={val} (wanted {e['equals']})"))
        return out
    for e in spec.get("ssg") or []:
        rule, result = e["rule"], imp.results.get(e["rule"])
        if result is None or result in _UNCOUNTED:
            continue
        if result == "pass":
            weak = _weaker(imp, rule, params)
            out.append(("error", rule, weak) if weak else ("pass", rule, rule))
        elif result == "fail":
            out.append(("fail", rule, rule))
        else:
            out.append(("error", rule, f"{rule}: {result}"))
    return out


def judge_host(check_id: str, obs: HostObservation, ctx: CheckContext) -> Outcome:
    spec = host_map()["checks"][check_id]
    params = ctx.params
    max_age = params.get("host_result_max_age_days", DEFAULT_MAX_AGE_DAYS)
    max_age = max_age if isinstance(max_age, int) and not isinstance(max_age, bool) else DEFAULT_MAX_AGE_DAYS
    now = ctx.reference_time()
    base = {"host": obs.host}
    if not obs.imports:
        reason = f"no result imported for host {obs.host}"
        return Outcome("error", "no_import", base, {**base, "reason": reason})
    items: list[tuple[str, str, str]] = []
    sources: list[dict[str, Any]] = []
    seen_any = False
    for imp in obs.imports:
        if isinstance(imp, Broken):
            items.append(("error", "?", imp.reason))
            continue
        if not (spec.get("lynis") if imp.is_lynis else spec.get("ssg")):
            continue  # this engine has nothing mapped to the check
        seen_any = True
        rules = _rule_items(imp, spec, params)
        sources.append(
            f"{imp.label()} {imp.benchmark.rsplit('_', 1)[-1]} {imp.content_version} ({imp.sha256[:12]})"
        )
        problem = file_problem(imp, obs, now, max_age)
        if problem:
            items.append(("error", imp.engine, problem))
        else:
            items.extend(rules)
    evidence = {**base, "sources": sources, "rules": {r: s for s, r, _ in items}}
    by = {s: [d for st, _r, d in items if st == s] for s in ("fail", "error", "pass")}
    if not seen_any:
        return Outcome("error", "no_engine", base | {"max_age": max_age}, evidence)
    if by["fail"]:
        return Outcome("fail", "fail", base | {"failed": shown(by["fail"])}, evidence)
    if by["error"]:
        reason = "; ".join(shown(by["error"], 4))
        return Outcome("error", "error", base | {"reason": reason}, evidence | {"reason": reason})
    if by["pass"]:
        return Outcome("pass", "pass", base | {"n": len(by["pass"]), "passed": shown(by["pass"])}, evidence)
    return Outcome("error", "all_na", base, evidence)
