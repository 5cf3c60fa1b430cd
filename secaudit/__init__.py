"""secaudit: security-posture auditing against Vietnamese information-system security levels."""

__version__ = "0.1.0"
