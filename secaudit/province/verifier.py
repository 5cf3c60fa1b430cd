"""The bundle verifier every summary path shares: a worker process builds one and keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Verifier:
    """Checks bundles against DIR/<agency>.pub with bundle.verify_bytes: the implementation
    ``verify`` uses too (signature and byte-exact layout), so the two agree on every file."""

    def __init__(self, keyring: Path) -> None:
        from secaudit.signing.bundle import verify_bundle, verify_bytes

        self.keyring = keyring
        self._impl = verify_bundle
        self._bytes = verify_bytes

    def verify(self, bundle: dict[str, Any], raw: bytes | None = None) -> tuple[bool, str]:
        if raw is None:
            return self._impl(bundle, self.keyring)
        return self._bytes(raw, bundle, self.keyring)

    @property
    def reviewer_keys(self) -> Any:
        """KEYRING/reviewers/*.pub (and the agencies' keys), loaded once per process."""
        if not hasattr(self, "_reviewers"):
            from secaudit.assessment.reviews import load_reviewer_keys

            self._reviewers = load_reviewer_keys(self.keyring)
        return self._reviewers
