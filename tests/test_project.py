"""Project-level promises: CI runs README's test command; the CLI starts light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def test_readme_starts_with_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    demo, tests = commands
    assert "secaudit demo" in demo
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines(), ".ci/run must call exactly README's test command"


def test_help_does_not_import_probe_libraries() -> None:
    code = (
        "import sys; from secaudit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('sslyze', 'nmap', 'nassl', 'openpyxl') if m in sys.modules]\n"
        "print('HEAVY', bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_and_data_file_ships_in_the_wheel() -> None:
    """A plain `pip install .` (what CI and users run) must carry every sub-package and data file:
    the package list is explicit (checklists/, profiles/, reports/ are mapped from the repo top)."""
    import fnmatch

    tool = _pyproject()["tool"]["setuptools"]
    listed = set(tool["packages"])
    dirs = {
        "secaudit." + ".".join(p.parent.relative_to(ROOT / "secaudit").parts)
        for p in (ROOT / "secaudit").rglob("__init__.py")
    }
    dirs = {d.rstrip(".") for d in dirs}
    missing = sorted(d for d in dirs if d not in listed)
    assert not missing, f"add to [tool.setuptools] packages: {missing}"
    mapped = {
        "secaudit.checklists": ROOT / "checklists",
        "secaudit.profiles": ROOT / "profiles",
        "secaudit.reports": ROOT / "reports",
    }
    data = tool["package-data"]
    unshipped = []
    for pkg in listed:
        base = mapped.get(pkg) or ROOT.joinpath(*pkg.split("."))
        for f in base.rglob("*"):
            if not f.is_file() or f.suffix in (".py", ".pyc") or "__pycache__" in f.parts:
                continue
            rel = f.relative_to(base)
            # the file belongs to the deepest listed package that contains it
            owner = ".".join([pkg, *rel.parts[:-1]])
            if any(".".join([pkg, *rel.parts[:i]]) in listed for i in range(1, len(rel.parts))):
                continue
            if not any(fnmatch.fnmatch(rel.as_posix(), g) for g in data.get(pkg, [])):
                unshipped.append(f"{f.relative_to(ROOT)} (package {owner})")
    assert not unshipped, f"add to [tool.setuptools.package-data]: {unshipped}"
