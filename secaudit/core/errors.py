"""One exception type for bad input: the CLI prints it as one line and exits 2."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad user input (file, option or value). ``str()`` is the one-line message shown to users.

    ``path`` and ``line`` name where the problem is; ``entry`` names the item inside the file
    (a requirement id, an agency id...).
    """

    def __init__(
        self, message: str, path: str | Path | None = None, line: int | None = None, entry: str | None = None
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.entry = entry
        super().__init__(self.format())

    def format(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        entry = f"{self.entry}: " if self.entry else ""
        return _one_line(f"{where}{entry}{self.message}")


def one_line(text: str) -> str:
    """``text`` as one printable line (see ``_one_line``): for any output line that shows a user's
    file name or a file's content, so a hostile name cannot add lines of its own."""
    return _one_line(text)


def _one_line(text: str) -> str:
    """Newlines and tabs as spaces; any other control or separator character (\r, \x1e, \x85,
    U+2028, an escape sequence...) written as an escape, so a hostile file name or value can neither
    break the message into lines nor drive the terminal."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else " " if c in "\n\t" else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


class Interrupted(KeyboardInterrupt):
    """The user interrupted a run (Ctrl-C): the CLI prints one bilingual line and exits 130,
    having written nothing (no -o file, no bundle). A KeyboardInterrupt, so that no
    ``except Exception`` on the way up swallows it."""

    MESSAGE = "Đã dừng theo yêu cầu / interrupted"

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)
