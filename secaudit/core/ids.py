"""Identifiers users choose (agency, system, provider ids): one rule, used by every layer."""

from __future__ import annotations

import re

# Safe as a file-name part and as a URL segment: bundles are named <agency>.<system>.<period>.json.
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
