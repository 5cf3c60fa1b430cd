"""ports.* checks: pure judgements of the ports probe's observation (secaudit/probes/ports.py).

``ports.<name>`` lives in ``<name>.py`` with its metadata in ``<name>.yaml`` beside it; the
observation is typed in observation.py.
"""

from secaudit.checks.ports.observation import parse

# Order of the results (and of the metadata files read).
MODULES = ("risky_services", "unexpected_open")

__all__ = ["MODULES", "parse"]
