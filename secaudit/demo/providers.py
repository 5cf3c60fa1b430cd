"""The demo province's shared infrastructure (issue 14): the provincial data centre, its attestations
(one of them expired), an inspector's review of them, and the inventory's ``providers:`` entry.

Systems say what they inherit in demo_data.yaml (``dossier.inherits``, copied into the inventory)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from secaudit.core.yamlio import dump_yaml

PROVIDERS_FOLDER = "_providers"  # config/inventory_providers.PROVIDERS_AGENCY


def inventory_part(data: dict[str, Any]) -> dict[str, Any]:
    """``providers:`` for the inventory (nothing when the demo data declares none)."""
    out = [
        {k: p[k] for k in ("id", "name", "contact", "require_review") if k in p}
        for p in data.get("providers") or []
    ]
    return {"providers": out} if out else {}


def write_attestations(data: dict[str, Any], att_dir: Path, today: dt.date) -> list[str]:
    """``<att_dir>/_providers/<id>.yaml`` with evidence beside it; the provider ids written."""
    folder = att_dir / PROVIDERS_FOLDER
    written = []
    for p in data.get("providers") or []:
        entries = []
        for a in p.get("attestations") or []:
            attested = today - dt.timedelta(days=int(a.get("age_days", 60)))
            expires = attested + dt.timedelta(days=int(a.get("valid_days", 365)))
            doc = folder / "evidence" / p["id"] / f"{a['requirement']}.txt"
            doc.parent.mkdir(parents=True, exist_ok=True)
            doc.write_text(
                f"Biên bản mô phỏng / simulated record: {a['requirement']} — {a['note']}\n", "utf-8"
            )
            entries.append(
                {
                    "requirement": a["requirement"],
                    "status": "compliant",
                    "note": a["note"],
                    "evidence": [
                        {
                            "path": doc.relative_to(folder).as_posix(),
                            "sha256": hashlib.sha256(doc.read_bytes()).hexdigest(),
                        }
                    ],
                    "attested_by": p.get("attested_by") or p["name"],
                    "attested_at": attested.isoformat(),
                    "expires_at": expires.isoformat(),
                }
            )
        path = folder / f"{p['id']}.yaml"
        path.write_text(
            dump_yaml({"agency": PROVIDERS_FOLDER, "system": p["id"], "attestations": entries}),
            encoding="utf-8",
        )
        (folder / f"{p['id']}.reviews.json").unlink(missing_ok=True)  # a re-run reviews afresh
        written.append(p["id"])
    return written


def prepare(
    data: dict[str, Any], att_dir: Path, today: dt.date, cli: Callable[..., int], reviewer_key: Path
) -> None:
    """Write the providers' attestations and have the inspector approve them (``review --provider``)."""
    for pid in write_attestations(data, att_dir, today):
        code = cli(
            "review",
            "--attestations",
            str(att_dir),
            "--provider",
            pid,
            "--all-attested",
            "--key",
            str(reviewer_key),
        )
        if code == 2:
            from secaudit.core.errors import InputError

            raise InputError(
                f"demo: review --provider {pid} thất bại / review --provider {pid} failed (exit 2)"
            )
