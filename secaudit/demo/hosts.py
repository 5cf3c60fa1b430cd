"""Host evidence in the demo (issue 14): a system declares its servers (`hosts:` in demo_data.yaml,
current period only: the history predates host evidence) and one of them has imported OpenSCAP and
Lynis results (host_data/, fictional server; times set to two days before the demo), the other none:
the report shows imported and declared hosts, and the declared-only one as "no result imported"."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from secaudit.core.resources import package_file


def inventory_part(system: dict[str, Any], key: str) -> dict[str, Any]:
    """``{"hosts": [...]}`` for a system's inventory entry (current period only)."""
    hosts = system.get("hosts")
    return {"hosts": list(hosts)} if hosts and key == "current" else {}


def _dated(text: str, when: str, lynis_when: str) -> str:
    text = re.sub(r'start-time="[^"]+"', f'start-time="{when}"', text, count=1)
    text = re.sub(r'end-time="[^"]+"', f'end-time="{when}"', text, count=1)
    text = re.sub(r"(?m)^report_datetime_(start|end)=.*$", rf"report_datetime_\g<1>={lynis_when}", text)
    return text


def import_results(
    data: dict[str, Any], inv_path: Path, att_dir: Path, work: Path, today: date, cli: Callable[..., int]
) -> None:
    """`secaudit host import` of each system's ``host_results`` (host -> files in host_data/)."""
    from secaudit.core.errors import InputError

    ran = today - timedelta(days=2)
    when, lynis_when = f"{ran.isoformat()}T02:00:00+00:00", f"{ran.isoformat()} 02:00:00"
    for agency in data["agencies"]:
        for system in agency["systems"]:
            for host, files in (system.get("host_results") or {}).items():
                paths = []
                for name in files:
                    raw = package_file(f"demo/host_data/{name}").read_bytes()
                    text = (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8")
                    out = work / host / name.removesuffix(".gz")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(_dated(text, when, lynis_when), encoding="utf-8")
                    paths.append(str(out))
                args = ["--inventory", str(inv_path), "--agency", agency["id"], "--system", system["id"]]
                if cli("host", "import", *paths, *args, "--host", host, "--attestations", str(att_dir)) != 0:
                    raise InputError(
                        f"demo: nhập kết quả máy chủ {host} thất bại / host import failed for {host}"
                    )
