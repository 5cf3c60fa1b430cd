"""Data package: shipped inside the wheel as secaudit.reports."""
