"""Lynis's ``lynis-report.dat``: ``key=value`` lines (``key[]=value`` for lists), ``#`` comments.

Lynis records facts (``firewall_active=1``, ``malware_scanner_installed=0``…), warnings and
suggestions, but no per-test pass: the checks judge only named facts (checks/host/mapping.yaml).
A line that is not ``key=value``, or a report without its header and end time (an interrupted run),
is bad input: InputError naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

_LINE = re.compile(r"^([A-Za-z0-9_.-]{1,64})(\[\])?=(.*)$")
REQUIRED = ("report_version_major", "lynis_version", "report_datetime_end")
CONTAINER_VMTYPES = (
    "docker",
    "lxc",
    "lxc-libvirt",
    "podman",
    "containerd",
    "openvz",
    "systemd-nspawn",
    "wsl",
)
MAX_LINES = 200000


def looks_like_lynis(text: str) -> bool:
    head = text.lstrip()[:200]
    return head.startswith("# Lynis Report") or bool(re.match(r"report_version_major=", head))


def parse_report(text: str, path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(scalar facts, list facts) of a report; garbage -> InputError at its line."""
    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise InputError(
            f"quá {MAX_LINES} dòng: không phải báo cáo Lynis / "
            f"more than {MAX_LINES} lines: not a Lynis report",
            path,
        )
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m or not line.replace("\t", " ").isprintable():
            raise InputError(
                "dòng không hợp lệ trong báo cáo Lynis (cần key=value) / "
                "not a Lynis report line (expected key=value)",
                path,
                n,
            )
        key, is_list, value = m.group(1), m.group(2), m.group(3)
        if is_list:
            lists.setdefault(key, []).append(value)
        else:
            scalars[key] = value
    missing = [k for k in REQUIRED if not scalars.get(k)]
    if missing:
        raise InputError(
            "báo cáo Lynis không đầy đủ (lần chạy bị ngắt?) / "
            f"incomplete Lynis report (no {', '.join(missing)}: interrupted run?)",
            path,
        )
    return scalars, lists


def _lynis_time(value: str, path: Path) -> str:
    """``2026-12-01 13:26:52`` (Lynis writes the machine's local time, no zone; read as UTC)."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})", value.strip())
    if not m:
        raise InputError(
            "report_datetime_end không phải ngày giờ / "
            f"report_datetime_end {value[:40]!r} is not a date-time",
            path,
        )
    return f"{m.group(1)}T{m.group(2)}+00:00"


def _ids(items: list[str]) -> list[str]:
    return sorted({i.split("|", 1)[0] for i in items if i})


def normalise(text: str, path: Path) -> dict[str, Any]:
    scalars, lists = parse_report(text, path)
    os_name = scalars.get("os_name", "").strip().lower().replace(" ", "")
    os_version = scalars.get("os_version", "").strip()
    major = os_version.split(".")[0] if os_name == "debian" else os_version
    vmtype = scalars.get("vmtype", "").strip().lower()
    names = [scalars.get("hostname", ""), scalars.get("hostname_alias", "")]
    fqdn = ".".join(p for p in (scalars.get("hostname", ""), scalars.get("domainname", "")) if p)
    return {
        "engine": "lynis",
        "engine_version": scalars["lynis_version"],
        "format": "lynis-report",
        "benchmark": "lynis",
        "content_version": scalars["lynis_version"],
        "profile": scalars.get("test_category", "all"),
        "started_at": _lynis_time(scalars["report_datetime_start"], path)
        if scalars.get("report_datetime_start")
        else "",
        "ran_at": _lynis_time(scalars["report_datetime_end"], path),
        "os": f"{os_name}-{major}" if os_name and major else "",
        "container": vmtype in CONTAINER_VMTYPES or scalars.get("container") == "1",
        "names": list(dict.fromkeys(n.lower() for n in [*names, fqdn] if n)),
        "addresses": [],
        "counts": {
            "warnings": len(lists.get("warning", [])),
            "suggestions": len(lists.get("suggestion", [])),
        },
        "facts": dict(scalars),
        "warnings": _ids(lists.get("warning", [])),
        "suggestions": _ids(lists.get("suggestion", [])),
        "tests_executed": [t for t in scalars.get("tests_executed", "").split("|") if t],
        "tests_skipped": [t for t in scalars.get("tests_skipped", "").split("|") if t],
    }
