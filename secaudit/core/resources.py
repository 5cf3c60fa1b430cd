"""Where the shipped data lives: inside the wheel (secaudit.checklists...) or, from a source
checkout that was not installed, at the top of the repository."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def data_dir(name: str) -> Path:
    """Directory of a shipped data package: ``checklists``, ``profiles`` or ``reports``."""
    spec = importlib.util.find_spec(f"secaudit.{name}")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / name


def package_file(name: str) -> Path:
    """A data file that lives inside the secaudit package itself (e.g. checks/checks.yaml)."""
    return Path(__file__).resolve().parents[1] / name
