"""web.* checks: judgements of the web host's DNS facts gathered by the dns probe."""

from secaudit.checks.web.observation import parse

MODULES = ("ipv6",)

__all__ = ["MODULES", "parse"]
