"""dns.* checks: pure judgements of the dns probe's observation (secaudit/probes/dns.py), one
result per target covering each of its domains (checks/dns/common.py)."""

from secaudit.checks.dns.common import parse

MODULES = ("dnssec", "caa", "nameservers")

__all__ = ["MODULES", "parse"]
