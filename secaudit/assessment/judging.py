"""Re-running a bundle's checks for several profiles, each probe's checks only as often as needed.

A dual-regime bundle is re-judged under two profiles whose parameters differ (the 14423 profile
adds ~40 that only host checks read). ``judge_targets`` runs every probe's checks once, recording
per probe which parameters they read (``ReadParams``); ``Reads.for_profile`` then reuses a probe's
results for another profile that agrees on those parameters and re-runs only the probes that read
one it changes. The results are the ones a full re-run would give, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


class ReadParams(dict):
    """Profile parameters that remember which ones the checks asked for: two profiles that agree on
    those judge the checks alike."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read: set[str] = set()
        self.whole = False  # iterated: every parameter may matter

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self.read.add(key)
        return super().__contains__(key)

    def _all(self, fn: Any) -> Any:
        self.whole = True
        return fn()

    def __iter__(self) -> Any:
        return self._all(super().__iter__)

    def keys(self) -> Any:  # type: ignore[override]
        return self._all(super().keys)

    def items(self) -> Any:  # type: ignore[override]
        return self._all(super().items)

    def values(self) -> Any:  # type: ignore[override]
        return self._all(super().values)

    def judges_alike(self, params: dict[str, Any]) -> bool:
        return not self.whole and all(params.get(k) == dict.get(self, k) for k in self.read)


def with_params(profile: Any, params: dict[str, Any]) -> Any:
    return replace(profile, parameters=params)


def _clocked(profile: Any, now: str | None) -> dict[str, Any]:
    return {**profile.parameters, **({"now": now} if now is not None else {})}


def _probes(observations: dict[str, Any]) -> list[str]:
    from secaudit.probes import probe_names

    return [p for p in probe_names() if p in observations]  # scan.judge's order


@dataclass
class Reads:
    """Per target, per probe: its check results under the first profile and what they read."""

    trs: list[Any]
    cells: list[list[tuple[str, list[Any], ReadParams]]]
    now: str | None

    def for_profile(self, profile: Any) -> list[Any]:
        """The targets judged under ``profile``: a probe's results reused where its checks read
        nothing ``profile`` changes, re-run where they do."""
        from secaudit.assessment.scan import judge
        from secaudit.core.model import TargetResult

        params = _clocked(profile, self.now)
        judged_as = with_params(profile, params)
        out = []
        for tr, row in zip(self.trs, self.cells, strict=True):
            results: list[Any] = []
            for probe, res, rp in row:
                alike = rp.judges_alike(params)
                results.extend(res if alike else judge(tr.target, tr.observations, judged_as, probes=[probe]))
            out.append(TargetResult(tr.target, results, tr.observations))
        return out


def judge_targets(trs: list[Any], profile: Any, now: str | None) -> tuple[list[Any], Reads]:
    """Every check of every target re-run from its observations under ``profile`` (clock ``now``),
    and per probe the parameters its checks read."""
    from secaudit.assessment.scan import judge
    from secaudit.core.model import TargetResult

    base = _clocked(profile, now)
    out, cells = [], []
    for tr in trs:
        row, results = [], []
        for probe in _probes(tr.observations):
            rp = ReadParams(base)
            res = judge(tr.target, tr.observations, with_params(profile, rp), probes=[probe])
            row.append((probe, res, rp))
            results.extend(res)
        cells.append(row)
        out.append(TargetResult(tr.target, results, tr.observations))
    return out, Reads(trs, cells, now)
