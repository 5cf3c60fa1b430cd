"""The attack tests can fail (issue 15 "Done when"): run against a deliberately broken permission
check (``SECAUDIT_WEB_BROKEN_PERMISSIONS=1``: ``permissions.can_see_system`` / ``can_edit_system``
say yes to every logged-in user, honoured only with ``SECAUDIT_WEB_TESTING=1``), the test-client
attack modules (tests/test_web_attack*.py, H3's) must fail, and the failures must be the attacks
themselves, not a crash or a collection error. The normal run of the same modules (the usual suite)
is the other half: they pass on the real check. (That the switch needs the testing flag is tested
in test_web_attacks.py itself.)
"""

from __future__ import annotations

from pathlib import Path

from web_fixtures import junit_cases, junit_counts, run_pytest

TESTS = Path(__file__).parent
BROKEN = {"SECAUDIT_WEB_TESTING": "1", "SECAUDIT_WEB_BROKEN_PERMISSIONS": "1"}


def attack_modules() -> list[Path]:
    return sorted(TESTS.glob("test_web_attack*.py"))


def test_attack_tests_fail_on_a_broken_permission_check(tmp_path: Path) -> None:
    files = attack_modules()
    assert files, "tests/test_web_attack*.py not found"
    junit = tmp_path / "broken.xml"
    # Only the attacks on other agencies' objects: the other attack tests (uploads, throttling,
    # CSRF) do not depend on the permission check and already ran in the normal suite.
    proc = run_pytest(files, BROKEN, junit, "-k", "refused_by_the_real_check")
    # 1 = tests ran and some failed (2 interrupted, 3 internal error, 4 usage, 5 nothing collected).
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-3000:], proc.stderr[-1500:])
    counts = junit_counts(junit)
    assert counts["errors"] == 0, counts  # failures of the attacks themselves, not fixtures crashing
    assert counts["failures"] >= 1, counts
    assert counts["failures"] == counts["tests"], counts  # every one of them got through
    # Every attack on another agency's objects (test_web_attacks.py runs each one against "the real
    # check") gets through once the check is broken; none of them may pass.
    cases = [n for n in junit_cases(junit) if "refused_by_the_real_check" in n]
    assert cases, counts
    passed = sorted(set(cases) - set(counts["failed"]))
    assert not passed, f"attacks still refused with the check broken: {passed}"
