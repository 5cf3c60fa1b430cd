"""tls.mozilla.intermediate: sslyze's Mozilla configuration checker, as recorded at scan time
(metadata: mozilla.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from secaudit.checks import CheckContext, Outcome, check
from secaudit.checks.observation import need
from secaudit.checks.tls.observation import TlsObservation
from secaudit.core.resources import package_file
from secaudit.core.yamlio import load_yaml


@check("tls.mozilla.intermediate")
def mozilla(obs: TlsObservation, ctx: CheckContext) -> Outcome:
    m = need(obs.mozilla)
    wanted = str(ctx.params.get("mozilla_config") or "intermediate")
    evidence: dict[str, Any] = {"config": m.config, "issues": dict(m.issues)}
    if m.config != wanted:
        # sslyze's checker needs a live scan: a stored verdict for another configuration cannot be re-used.
        reason = f"observation was checked against Mozilla '{m.config}', the profile asks for '{wanted}'"
        return Outcome.error(reason, evidence)
    if need(m.compliant):  # a boolean: "false" would have read as compliant
        return Outcome("pass", "pass", {"config": m.config}, evidence)
    issues = [f"{k}: {v}" for k, v in sorted(m.issues.items())]
    params = {"config": m.config, "issues": "; ".join(issues) or "-"}
    for lang in ("vi", "en"):  # sslyze's sentences are English with Python sets: our own words instead
        params[f"issues_{lang}"] = "; ".join(issue_text(k, str(v), lang) for k, v in sorted(m.issues.items()))
    return Outcome("fail", "fail", params, evidence)


_SET = re.compile(r"\{([^{}]*)\}|\[([^\[\]]*)\]")
_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=1)
def _issue_texts() -> dict[str, dict[str, str]]:
    return load_yaml(package_file("checks/tls/mozilla_issues.yaml")) or {}


def issue_text(key: str, sentence: str, lang: str) -> str:
    """One sslyze checker issue in the reader's language: our template, its listed names and numbers."""
    found = _SET.search(sentence)
    raw = (found.group(1) if found.group(1) is not None else found.group(2)) if found else ""
    items = ", ".join(x.strip().strip("'\"") for x in raw.split(",") if x.strip()) or "—"
    nums = _NUMBER.findall(_SET.sub("", sentence))
    template = _issue_texts().get(key) or _issue_texts()["_other"]
    text = template.get(lang) or template["vi"]
    return text.format(items=items, a=nums[0] if nums else "?", b=nums[1] if len(nums) > 1 else "?", key=key)
