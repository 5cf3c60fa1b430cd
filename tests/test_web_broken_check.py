"""The attack tests can fail (issue 15 "Done when"): run against a deliberately broken permission
check (``SECAUDIT_WEB_BROKEN_PERMISSIONS=1``: ``permissions.can_see_system`` / ``can_edit_system``
say yes to every logged-in user, honoured only with ``SECAUDIT_WEB_TESTING=1``), the test-client
attack modules (tests/test_web_attack*.py, H3's) must fail, and the failures must be attack
tests, not a crash or a collection error. The normal run of the same modules (the usual suite) is
the other half: they pass on the real check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import junit_counts, run_pytest

TESTS = Path(__file__).parent
BROKEN = {"SECAUDIT_WEB_TESTING": "1", "SECAUDIT_WEB_BROKEN_PERMISSIONS": "1"}


def attack_modules() -> list[Path]:
    return sorted(TESTS.glob("test_web_attack*.py"))


def test_attack_tests_fail_on_a_broken_permission_check(tmp_path: Path) -> None:
    files = attack_modules()
    if not files:
        pytest.skip("no tests/test_web_attack*.py yet")
    junit = tmp_path / "broken.xml"
    proc = run_pytest(files, BROKEN, junit)
    # 1 = tests ran and some failed (2 interrupted, 3 internal error, 4 usage, 5 nothing collected).
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-3000:], proc.stderr[-1500:])
    counts = junit_counts(junit)
    assert counts["errors"] == 0, counts  # failures of the attacks themselves, not fixtures crashing
    assert counts["failures"] >= 1, counts
    names = " ".join(counts["failed"])
    # The cross-agency attacks are the ones the broken check lets through.
    assert "agency" in names or "other" in names or "guess" in names, counts["failed"]


def test_the_broken_switch_needs_the_testing_flag(tmp_path: Path) -> None:
    """``SECAUDIT_WEB_BROKEN_PERMISSIONS`` alone (no testing flag) changes nothing: the attack
    modules still pass, so a stray variable on a real server cannot open it."""
    files = attack_modules()
    if not files:
        pytest.skip("no tests/test_web_attack*.py yet")
    junit = tmp_path / "flag-only.xml"
    proc = run_pytest(files, {"SECAUDIT_WEB_BROKEN_PERMISSIONS": "1", "SECAUDIT_WEB_TESTING": None}, junit)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-1500:])
