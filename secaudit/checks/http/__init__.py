"""http.* checks: pure judgements of the HTTP probe's observation (secaudit/probes/http.py).

``http.<name>`` lives in ``<name>.py`` with its metadata in ``<name>.yaml`` beside it; the
observation is typed in observation.py. Each check reads only its own section (plain_http, https,
paths or security_txt); a section with an ``error`` gives ``error`` for the checks that need it -
never ``pass``. Verdict tables follow the MDN HTTP Observatory where it has one
(research/anchors.md §3).
"""

from secaudit.checks.http.observation import parse

# Order of the results (and of the metadata files read).
MODULES = (
    "https_redirect",
    "hsts",
    "csp",
    "frame_options",
    "content_type_options",
    "referrer_policy",
    "cookies",
    "server_disclosure",
    "sensitive_paths",
    "security_txt",
    "mixed_content",
)

__all__ = ["MODULES", "parse"]
