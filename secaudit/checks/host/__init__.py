"""host.* checks: pure judgements of audit-engine results imported per declared host (OpenSCAP/SCC
XCCDF, Lynis), through the rule map checks/host/mapping.yaml (judge.py; docs/host-evidence.md)."""

from secaudit.checks.host.observation import parse

MODULES = ("auth", "access", "logging", "hardening", "malware", "integrity", "firewall")

__all__ = ["MODULES", "parse"]
