"""``secaudit host import`` and ``host scan``: engine results bound to a declared host and kept with
the system (``<attestations>/<agency>/<system>.hosts/<host>/<engine>.json``, docs/host-evidence.md).

Everything that can be wrong is checked before anything is written: an unknown host, a file that is
not a result, hostile XML, a file about another machine -> InputError (exit 2), nothing written.
"""

from __future__ import annotations

import gzip
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError


@dataclass
class Imported:
    host: str
    written: list[Path]
    records: list[dict[str, Any]]
    scan_seconds: float | None = None
    notes: list[str] = field(default_factory=list)


def declared_host(inventory: Path, agency: str, system: str, host: str) -> tuple[Any, Any, Any]:
    """(inventory, system, host spec); a host the system does not declare -> InputError."""
    from secaudit.config.inventory import load_inventory
    from secaudit.config.inventory_hosts import find_host

    inv = load_inventory(inventory)
    _ag, sysm = inv.find(agency, system)
    spec = find_host(getattr(sysm, "hosts", None), host)
    if spec is None:
        known = ", ".join(h.name for h in getattr(sysm, "hosts", None) or []) or "none (no hosts:)"
        raise InputError(
            f"máy chủ {host!r} chưa khai báo cho hệ thống {agency}/{system} / "
            f"host {host!r} is not declared for system {agency}/{system} (hosts: {known})",
            inventory,
        )
    return inv, sysm, spec


def default_attestations(inventory: Path) -> Path:
    return Path(inventory).parent / "attestations"


def import_files(
    inventory: Path,
    agency: str,
    system: str,
    host: str,
    files: list[Path],
    attestations: Path | None,
    now: str,
    force: bool = False,
    extra: list[tuple[str, bytes]] | None = None,
) -> Imported:
    from secaudit.probes.host.normalise import bind_host, host_dir, one_per_engine, read_result, write_records

    _inv, _sysm, spec = declared_host(inventory, agency, system, host)
    records = []
    for f in files:
        rec = read_result(Path(f))
        bind_host(rec, spec.name, Path(f))
        records.append((Path(f), rec))
    one_per_engine(records)
    root = attestations if attestations is not None else default_attestations(inventory)
    folder = host_dir(root, agency, system, spec.name)
    if not force:
        for f, rec in records:
            _not_older((root, agency, system, spec.name), f, rec)
    written = write_records(folder, [r for _, r in records], now, root, extra)
    return Imported(spec.name, written, [r for _, r in records])


def _not_older(where: tuple[Path, str, str, str], path: Path, rec: dict[str, Any]) -> None:
    """A result older than the one kept for its engine would send the host's evidence back in
    time: refused unless --force (a record that cannot be read may be replaced)."""
    from datetime import datetime

    from secaudit.assessment.host_evidence import load_records

    try:
        kept = {r["engine"]: r for r in load_records(*where)}
    except InputError:
        return
    ran = kept.get(rec["engine"], {}).get("ran_at")
    try:
        newer = datetime.fromisoformat(str(ran)) > datetime.fromisoformat(rec["ran_at"])
    except (TypeError, ValueError):
        return
    if newer:
        raise InputError(
            f"kết quả này (chạy lúc {rec['ran_at']}) cũ hơn kết quả {rec['engine']} đã có ({ran}); "
            "dùng --force để thay / this result (ran "
            f"{rec['ran_at']}) is older than the {rec['engine']} result kept ({ran}); --force replaces it",
            path,
        )


def tailoring_values(params: dict[str, Any]) -> dict[str, str]:
    """The XCCDF values of the rule map, from the profile's thresholds (minutes -> seconds)."""
    from secaudit.checks.host.judge import host_map, required_value

    out = {}
    for var in host_map()["values"]:
        v = required_value(var, params)
        out[var] = str(int(v)) if v == int(v) else str(v)
    return out


def scan_here(
    inventory: Path,
    agency: str,
    system: str,
    host: str,
    content: Path | None,
    attestations: Path | None,
    now: str,
    os_release: Path = Path("/etc/os-release"),
) -> Imported:
    """Run the tailored oscap scan on this machine, then import its ARF (kept beside the record)."""
    from secaudit.checks.host.judge import host_map, mapped_rules
    from secaudit.probes.host import oscap

    inv, sysm, spec = declared_host(inventory, agency, system, host)
    oscap.oscap_path()  # missing oscap: one line naming the package, before anything else
    here_name = socket.getfqdn().lower()
    from secaudit.probes.host.normalise import same_host

    if not any(same_host(spec.name, n) for n in (here_name, socket.gethostname())):
        raise InputError(
            f"máy này là {here_name}, không phải máy chủ {spec.name}: hãy chạy host scan trên máy chủ đó / "
            f"this machine is {here_name}, not host {spec.name}: run host scan on that server"
        )
    here = oscap.running_os(os_release)
    if spec.os and here and spec.os != here:
        raise InputError(
            f"máy chủ {spec.name} khai báo là {spec.os}, máy này chạy {here} / "
            f"host {spec.name} is declared as {spec.os}, this machine runs {here}",
            inventory,
        )
    ds = content if content is not None else oscap.default_content(here)
    if not ds.exists():
        raise InputError(
            f"không có nội dung SCAP cho {here or 'hệ điều hành này'} (hãy cho --content DS.xml) / "
            f"no SCAP content for {here or 'this OS'} (ssg-debian >= 0.1.76 has Debian 12; "
            "give --content DS.xml)",
            ds,
        )
    _bench, known = oscap.check_content(ds, here, host_map()["benchmarks"])
    rules = [r for r in mapped_rules() if r in known]
    params = inv.profile(sysm.profile).parameters
    xml = oscap.tailoring_xml(rules, tailoring_values(params), ds.resolve().as_uri(), now)
    with tempfile.TemporaryDirectory(prefix="secaudit-oscap-") as tmp:
        started = time.monotonic()
        arf = oscap.run_oscap(ds, xml, Path(tmp))
        took = time.monotonic() - started
        # kept compressed (the ARF embeds the whole data stream: 14 MB -> ~1 MB); the record's
        # SHA-256 names this very file, for the auditor
        packed = arf.with_name("openscap-results-arf.xml.gz")
        packed.write_bytes(gzip.compress(arf.read_bytes(), mtime=0))
        # a result made now replaces any kept one (even one dated later by a wrong clock); the ARF
        # is written with the record, both or neither (a full disk leaves no record without its file)
        extra = [(packed.name, packed.read_bytes())]
        result = import_files(
            inventory, agency, system, spec.name, [packed], attestations, now, force=True, extra=extra
        )
    result.scan_seconds = took
    result.notes.append(f"{len(rules)} rules selected")
    return result
