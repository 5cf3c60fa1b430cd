"""RFC 9116 ``security.txt`` parser: the text of a possibly hostile file -> JSON-able fields.

The format is one ``Field-Name: value`` per line, ``#`` comments, optionally wrapped in an
OpenPGP cleartext signature. Parsing is bounded (lines, values per field, value length) and never
raises: whatever is odd is recorded in ``problems`` for the check and the report. The signature
itself is not verified (that needs the agency's key); only its presence is recorded.
"""

from __future__ import annotations

from typing import Any

MAX_LINES = 500  # lines parsed (a real file has a dozen)
MAX_VALUES = 20  # values kept per field
MAX_VALUE = 300  # characters kept per value
MAX_PROBLEMS = 20

# RFC 9116 §2.5 fields -> observation keys (the RFC also lets files carry other fields: counted).
FIELDS = {
    "contact": "contact",
    "expires": "expires",
    "encryption": "encryption",
    "policy": "policy",
    "preferred-languages": "preferred_languages",
    "canonical": "canonical",
    "acknowledgments": "acknowledgments",
    "hiring": "hiring",
    "csaf": "csaf",
}
ONCE = ("expires", "preferred_languages")  # RFC 9116: MUST NOT appear more than once
URI_FIELDS = ("contact", "encryption", "policy", "canonical", "acknowledgments", "hiring", "csaf")

PGP_BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----"
PGP_SIG = "-----BEGIN PGP SIGNATURE-----"


def parse(text: str) -> dict[str, Any]:
    """Fields (lists of raw values, in file order), ``signed``, ``lines``, ``other_fields`` and
    ``problems`` (each "line N: what")."""
    fields: dict[str, list[str]] = {key: [] for key in FIELDS.values()}
    problems: list[str] = []
    other: list[str] = []

    def problem(msg: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(msg)

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: dict[str, Any] = {"lines": len(lines), "lines_capped": len(lines) > MAX_LINES}
    lines = lines[:MAX_LINES]
    start, signed = 0, False
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].strip() == PGP_BEGIN:
        signed = True
        start = first + 1
        # armor headers ("Hash: SHA256") end at the first empty line
        while start < len(lines) and lines[start].strip():
            start += 1
    seen_sig = False
    for no, raw in enumerate(lines[start:], start=start + 1):
        line = raw.strip()
        if signed:
            if line == PGP_SIG:
                seen_sig = True
                break
            if raw.startswith("- "):  # dash-escaped line of a cleartext signature
                line = raw[2:].strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or " " in name:
            problem(f"line {no}: not a 'Field: value' line")
            continue
        key = FIELDS.get(name.lower())
        if key is None:
            if len(other) < MAX_VALUES:
                other.append(name[:60])
            continue
        if not value:
            problem(f"line {no}: empty {name}")
            continue
        if key in URI_FIELDS and not value.lower().startswith(
            ("https://", "mailto:", "tel:", "dns:", "openpgp4fpr:")
        ):
            problem(f"line {no}: {name} is not an https:, mailto: or tel: URI")
        if len(fields[key]) < MAX_VALUES:
            fields[key].append(value[:MAX_VALUE])
    if signed and not seen_sig:
        problem("PGP signed message without a signature block")
    for key in ONCE:
        if len(fields[key]) > 1:
            problem(f"{key.replace('_', '-').title()} appears {len(fields[key])} times (at most once)")
    out.update({"fields": fields, "signed": signed, "other_fields": other, "problems": problems})
    return out
