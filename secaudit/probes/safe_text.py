"""Text a server sent, made safe to show: control and separator characters become escapes.

A header value, a redirect's Location, a certificate's name or a server's error text may carry an
escape sequence (``ESC ] 0 ; … BEL`` retitles the auditor's terminal, ``ESC [ 2 J`` clears it) or a
NUL. The probes record such text escaped (``\\x1b``), like core.errors does for messages, so no
renderer can write it to a terminal as is; printable text (Vietnamese included) is untouched.
"""

from __future__ import annotations


def escape_controls(text: str, keep: str = "\t") -> str:
    """``text`` with every non-printable character not in ``keep`` written as a Python escape."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in keep else c.encode("unicode_escape").decode("ascii") for c in text
    )
