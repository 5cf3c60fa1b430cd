"""Click's own messages in Vietnamese first ("Cách dùng / usage:", "Lỗi / error: …"), issue 11.

Click looks its texts up through ``gettext`` at call time (``_`` and ``ngettext`` in each of its
modules). We put our own lookup there, reading secaudit/data/click_strings.yaml; a text we do not
know stays Click's English. Installed once, by secaudit.cli.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

CLICK_MODULES = ("core", "exceptions", "formatting", "decorators", "types", "parser", "termui", "utils")


@lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    from secaudit.core.resources import package_file
    from secaudit.core.yamlio import load_yaml

    return {str(k): str(v) for k, v in (load_yaml(package_file("data/click_strings.yaml")) or {}).items()}


def gettext(message: str) -> str:
    return texts().get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    for name in CLICK_MODULES:
        try:
            mod: Any = importlib.import_module(f"click.{name}")
        except ImportError:  # a module a later Click renames: its texts stay English
            continue
        if hasattr(mod, "_"):
            mod._ = gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext
