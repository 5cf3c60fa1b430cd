"""The host probe: results of real audit engines (OpenSCAP/SCAP Security Guide, DISA SCC, Lynis),
imported per declared host rather than re-implemented (issue 14, docs/host-evidence.md).

- ``normalise.read_result`` / ``bind_host``: one file -> one record bound to an inventory host
  (``xccdf.py``: ARF, XCCDF Benchmark + TestResult, bare TestResult, through defusedxml;
  ``lynis.py``: lynis-report.dat);
- ``oscap.py``: ``secaudit host scan`` runs ``oscap xccdf eval`` on this machine with a generated
  tailoring (``tailoring.py``) and hands its ARF to the same import.
The records live with the system (``<attestations>/<agency>/<system>.hosts/<host>/<engine>.json``);
assessment/host_evidence.py turns them into one observation per host. Over the network there is
nothing to collect: ``collect`` says so for every target.
"""

from __future__ import annotations

from typing import Any

from secaudit.probes.base import ProbeContext

NOT_SCANNED = "host evidence is imported (secaudit host import / host scan), not probed over the network"


def collect(targets: list[Any], context: ProbeContext) -> list[dict[str, Any]]:
    return [{"error": NOT_SCANNED} for _ in targets]
