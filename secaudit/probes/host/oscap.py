"""``secaudit host scan``: OpenSCAP on THIS machine, with a tailoring made from secaudit's rule map.

Only the mapped rules are selected (a ~5 s scan instead of minutes: hostprobe.md §1) and the
profile's thresholds are set as XCCDF values (minutes become seconds). Content that does not
describe the running OS is refused before scanning: Debian 12's own ssg-debian 0.1.65 ships no
Debian 12 data stream, and the Debian 11 one marks every rule not applicable and exits 0 — a
clean-looking scan with no evidence in it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from secaudit.core.errors import InputError
from secaudit.core.files import read_input

PROFILE_ID = "xccdf_vn.secaudit_profile_host_evidence"
TAILORING_ID = "xccdf_vn.secaudit_tailoring_host_evidence"
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"
VALUE_PREFIX = "xccdf_org.ssgproject.content_value_"
CONTENT_DIR = Path("/usr/share/xml/scap/ssg/content")
MAX_CONTENT = 128 * 1024 * 1024
TIMEOUT_S = 1800
_BENCH = re.compile(rb'Benchmark\b[^>]*\bid="xccdf_org\.ssgproject\.content_benchmark_([A-Za-z0-9_.-]+)"')
MISSING_OSCAP = (
    "không thấy lệnh oscap: hãy cài gói openscap-scanner (apt-get install openscap-scanner) / "
    "oscap not found: install the openscap-scanner package"
)


def oscap_path() -> str:
    path = shutil.which("oscap")
    if path is None:
        raise InputError(MISSING_OSCAP)
    return path


def running_os(os_release: Path = Path("/etc/os-release")) -> str:
    """``debian-12`` from /etc/os-release (ID and the major VERSION_ID for Debian)."""
    fields: dict[str, str] = {}
    try:
        text = read_input(os_release, "os-release", 64 * 1024).decode("utf-8", "replace")
    except InputError:
        return ""
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            fields[k.strip()] = v.strip().strip('"')
    os_id, version = fields.get("ID", "").lower(), fields.get("VERSION_ID", "")
    if os_id == "debian":
        version = version.split(".")[0]
    return f"{os_id}-{version}" if os_id and version else ""


def default_content(os_name: str) -> Path:
    """Where Debian's ssg packages put the data stream for ``os_name`` (debian-12 -> ssg-debian12-ds.xml)."""
    return CONTENT_DIR / f"ssg-{os_name.replace('-', '').replace('.', '')}-ds.xml"


def content_info(path: Path, benchmarks: dict[str, str]) -> tuple[str, str, bytes]:
    """(benchmark id, the OS it describes or "", the data stream's bytes)."""
    data = read_input(path, "a SCAP data stream", MAX_CONTENT)
    from secaudit.probes.host.xccdf import parse_xml

    parse_xml(data, path)  # oscap's libxml2 never sees a DTD (entities, a DTD to fetch) or a bomb
    m = _BENCH.search(data)
    if not m:
        raise InputError(
            "không phải luồng dữ liệu SCAP Security Guide / "
            "not an SCAP Security Guide data stream (no SSG Benchmark found)",
            path,
        )
    bench = "xccdf_org.ssgproject.content_benchmark_" + m.group(1).decode()
    return bench, benchmarks.get(bench, ""), data


def check_content(path: Path, here: str, benchmarks: dict[str, str]) -> tuple[str, set[str]]:
    """The content's benchmark id and rule ids; content for another OS -> InputError."""
    bench, content_os, data = content_info(path, benchmarks)
    if not content_os or content_os != here:
        raise InputError(
            "nội dung không khớp hệ điều hành của máy này / "
            f"content {bench.rsplit('_', 1)[-1]} ({content_os or 'unknown OS'}) does not match this machine "
            f"({here or 'unknown OS'}): every rule would be not applicable",
            path,
        )
    rules = {
        r.decode()
        for r in re.findall(rb'Rule\b[^>]*\bid="' + RULE_PREFIX.encode() + rb'([A-Za-z0-9_.-]+)"', data)
    }
    return bench, rules


def tailoring_xml(rules: list[str], values: dict[str, str], benchmark_href: str, when: str) -> str:
    """An XCCDF 1.2 tailoring whose one profile selects exactly ``rules`` with ``values`` set."""
    sel = "\n".join(f'    <xccdf:select idref="{RULE_PREFIX}{r}" selected="true"/>' for r in rules)
    sv = "\n".join(
        f'    <xccdf:set-value idref="{VALUE_PREFIX}{k}">{escape(v)}</xccdf:set-value>'
        for k, v in values.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="{TAILORING_ID}">\n'
        f"  <xccdf:benchmark href={quoteattr(benchmark_href)}/>\n"
        f'  <xccdf:version time="{when}">1</xccdf:version>\n'
        f'  <xccdf:Profile id="{PROFILE_ID}">\n'
        "    <xccdf:title>secaudit host evidence (issue 14)</xccdf:title>\n"
        f"{sel}\n{sv}\n"
        "  </xccdf:Profile>\n"
        "</xccdf:Tailoring>\n"
    )


def run_oscap(content: Path, tailoring: str, workdir: Path, timeout: float = TIMEOUT_S) -> Path:
    """``oscap xccdf eval`` with the tailoring; the ARF's path. oscap exits 2 when a rule fails:
    that is a result, not an error; 1 (or no ARF) is an error."""
    oscap = oscap_path()
    tpath, arf = workdir / "tailoring.xml", workdir / "results-arf.xml"
    tpath.write_text(tailoring, encoding="utf-8")
    cmd = [oscap, "xccdf", "eval", "--profile", PROFILE_ID, "--tailoring-file", str(tpath)]
    cmd += ["--results-arf", str(arf), str(content.resolve())]
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(
            f"oscap chạy quá {timeout:g} giây / oscap did not finish within {timeout:g} s", content
        ) from None
    if proc.returncode not in (0, 2) or not arf.exists():
        tail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise InputError(f"oscap lỗi / oscap failed (exit {proc.returncode}): {tail[0][:200]}", content)
    return arf
