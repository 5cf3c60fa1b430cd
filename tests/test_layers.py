"""The house rules of docs/architecture.md, checked: layers import only downwards, no cycles, small
modules, code formatted. A newcomer who breaks one learns it here, not in review."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "secaudit"

# Lower layers first: a module may import from its own layer or any layer before it.
LAYERS = [
    "core",
    "config",
    "probes",
    "checks",
    "assessment",
    "signing",
    "province",
    "render",
    "lab",
    "demo",
    "commands",
    "web",
    "cli",
]
# Allowed upward edges, each with its reason (keep this list short).
EXCEPTIONS: dict[tuple[str, str], str] = {
    # the catalogue validates check ids named in requirements against the checks registry
    ("config", "checks"): "catalogue validation knows the shipped check ids",
    # assessing signs its bundles: the assess service calls signing
    ("assessment", "signing"): "the assess service writes signed bundles",
    # re-judging reads bundles (signing) and the demo drives the CLI like a user
    ("demo", "cli"): "the demo runs the real commands",
    ("province", "assessment"): "the summary re-judges bundles with the assessment rules",
    # `secaudit serve` / `secaudit users` parse their options and start the application (issue 15)
    ("commands", "web"): "the serve and users commands start the web application",
}
# Single modules allowed one upward import, each with its reason.
MODULE_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("secaudit.assessment.migrate", "secaudit.render.attest_template"): "writes the pre-filled YAML files",
    ("secaudit.assessment.wizard", "secaudit.render.attest_template"): "writes the answered YAML file",
    ("secaudit.province.mau08", "secaudit.render.views"): "Mẫu 08 consistency texts come from the strings",
}
MAX_LINES = 460


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "cli"  # secaudit/__init__, __main__
    top = parts[1]
    return "cli" if top in ("cli", "__main__", "__init__") else top


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every secaudit module imported anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("secaudit"):
            if node.level:
                continue
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("secaudit")]
    return found


def _sources() -> list[Path]:
    return [p for p in sorted(PKG.rglob("*.py")) if "__pycache__" not in p.parts]


def test_no_relative_imports_so_layers_are_visible() -> None:
    rel = []
    for p in _sources():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                rel.append(f"{p.relative_to(ROOT)}:{node.lineno}")
    assert not rel, rel


def test_layers_import_only_downwards() -> None:
    order = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    for p in _sources():
        mod = _module_name(p)
        here = _layer(mod)
        for target, line in _imports(p):
            there = _layer(target) if target != "secaudit" else "core"  # `from secaudit import __version__`
            if there not in order or here not in order:
                bad.append(f"{p.relative_to(ROOT)}:{line}: unknown layer {there or here}")
                continue
            allowed = (here, there) in EXCEPTIONS or (mod, target) in MODULE_EXCEPTIONS
            if order[there] > order[here] and not allowed:
                bad.append(f"{p.relative_to(ROOT)}:{line}: {here} imports {target} ({there})")
    assert not bad, "\n".join(bad)


def test_no_import_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    names = {_module_name(p) for p in _sources()}
    for p in _sources():
        deps = set()
        for target, _ in _imports(p):
            # `from secaudit.x import y` may name module secaudit.x.y
            deps.add(target if target in names else target)
        graph[_module_name(p)] = {d for d in deps if d in names and d != _module_name(p)}
    # package __init__ modules re-export; an edge into a package is an edge into its __init__ only
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        seen[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if seen.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in seen:
                cyc = visit(m)
                if cyc:
                    return cyc
        stack.pop()
        seen[n] = 2
        return None

    for n in sorted(graph):
        if n not in seen:
            cyc = visit(n)
            assert cyc is None, " -> ".join(cyc)


def test_no_module_is_too_long_to_read() -> None:
    long = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, long


def _ruff() -> str:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        pytest.fail("ruff is part of the test extras (pip install '.[test]')")
    return exe


def test_code_is_ruff_clean_and_formatted() -> None:
    paths = ["secaudit", "tests", "bench"]
    check = subprocess.run([_ruff(), "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:]
    fmt = subprocess.run([_ruff(), "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout[-3000:]
