"""Probes gather observations (I/O only, never verdicts). This module is their registry.

The interface (every probe alike)
---------------------------------
A probe is a module (or package) exposing::

    def collect(targets: list[Target], context: ProbeContext) -> list[dict]: ...

- one JSON-able observation per target, in the order given (``len(result) == len(targets)``);
- never raises for a network, tool or server problem: the observation (or one of its sections)
  carries ``{"error": "reason"}`` and the checks of that probe turn it into ``error`` verdicts;
  an exception escaping ``collect`` is caught by the scanner and becomes an error observation
  for every target of that probe (the other probes and targets complete);
- bounded: a target that stalls costs at most about 2 x ``context.timeout``; a hostile server
  cannot make it read unbounded data;
- cancellable: when ``context.cancel`` is set (Ctrl-C), return promptly; register with
  ``context.on_cancel(fn)`` what unblocks a blocking call (close sockets, kill a subprocess);
- heavy libraries are imported inside ``collect`` (``secaudit --help`` stays fast);
- ``--resolve``/inventory ``address``: connect to ``target.connect_address`` while names
  (SNI, Host, certificate, DNS questions) use ``target.host``.

``ProbeContext`` (secaudit/probes/base.py) carries the profile parameters (``params``),
``ca_file``, ``timeout``, ``extra_ports``, ``progress`` (call it with a target's label when that
target is done), ``cancel`` (threading.Event), ``max_workers`` and ``budget``.

Adding a probe (e.g. ``dns``, ``mail``)
---------------------------------------
1. write secaudit/probes/NAME.py (or a package) with ``collect(targets, context)``;
2. add one ``ProbeSpec`` line to ``REGISTRY`` below (``default=False`` keeps it out of the
   default ``--probes`` set until it is ready to run everywhere);
3. its checks declare ``probe: NAME`` in secaudit/checks/<family>.yaml; ``judge`` runs them from
   ``observations[NAME]``.
The scanner (secaudit/assessment/scan.py) runs every selected probe concurrently, in its own
thread, through ``get_collector(name)``; nothing else needs to know the probe exists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from secaudit.core.model import Target
from secaudit.probes.base import Observation, ProbeContext

__all__ = ["ProbeSpec", "REGISTRY", "ProbeContext", "Observation", "probe_names", "default_probes"]

Collector = Callable[[list[Target], ProbeContext], list[Observation]]


@dataclass(frozen=True)
class ProbeSpec:
    name: str
    module: str  # imported lazily, on first use
    default: bool = True  # part of the default --probes set
    progress: bool = True  # reports one progress step per target (else: one line when done)


# Order matters: observations, checks and reports list probes in this order.
REGISTRY: dict[str, ProbeSpec] = {
    spec.name: spec
    for spec in (
        ProbeSpec("tls", "secaudit.probes.tls"),
        ProbeSpec("http", "secaudit.probes.http"),
        ProbeSpec("ports", "secaudit.probes.ports", progress=False),
        # DNS and e-mail posture: only when asked (--probes dns,mail; assess with domains:)
        ProbeSpec("dns", "secaudit.probes.dns", default=False, progress=False),
        ProbeSpec("mail", "secaudit.probes.mail", default=False, progress=False),
        # host evidence is imported (secaudit host import/scan), never gathered over the network
        ProbeSpec("host", "secaudit.probes.host", default=False, progress=False),
    )
}


def probe_names() -> tuple[str, ...]:
    """Every registered probe, in registry order."""
    return tuple(REGISTRY)


def default_probes() -> tuple[str, ...]:
    return tuple(name for name, spec in REGISTRY.items() if spec.default)


def get_collector(name: str) -> Collector:
    """The ``collect`` function of a registered probe (KeyError for an unknown name)."""
    module = importlib.import_module(REGISTRY[name].module)
    return module.collect  # type: ignore[no-any-return]
