"""tls.* checks: pure judgements of the TLS probe's observation (secaudit/probes/tls.py).

``tls.<area>.<name>`` lives in ``<area>.py`` with its metadata in ``<area>.yaml`` beside it; the
observation is typed in observation.py. A section sslyze could not fill (``{"error": ...}``) makes
only the checks reading it ``error``; never a pass.
"""

from secaudit.checks.tls.observation import parse

# Order of the results (and of the metadata files read).
MODULES = ("protocol", "cipher", "cert", "vuln", "renegotiation", "compression", "mozilla")

__all__ = ["MODULES", "parse"]
