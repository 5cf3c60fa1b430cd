"""The web.* checks read the dns probe's observation (its ``web`` section): parse is the dns one."""

from secaudit.checks.dns.common import parse

__all__ = ["parse"]
