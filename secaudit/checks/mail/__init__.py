"""mail.* checks: pure judgements of the mail probe's observation (secaudit/probes/mail.py).

A domain that receives no mail (no MX, or a null MX) passes ``mail.*`` only when it is locked
down: a null MX or ``v=spf1 -all``, plus DMARC ``p=reject`` (nobody can send in its name)."""

from secaudit.checks.dns.common import parse

MODULES = ("spf", "dmarc", "starttls", "dane")

__all__ = ["MODULES", "parse"]
