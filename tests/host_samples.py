"""Host evidence samples for the tests (tests/data/host/README.md): the recorded real results, and
"server" variants derived from them with named edits (the recorded ones are container scans)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

DATA = Path(__file__).parent / "data" / "host"
ARF_GZ = DATA / "arf-trimmed-debian12-anssi-intermediary.xml.gz"
LYNIS = DATA / "lynis-report-debian12-container.dat"
PREFIX = "xccdf_org.ssgproject.content_rule_"


def real_arf() -> str:
    return gzip.decompress(ARF_GZ.read_bytes()).decode("utf-8")


def set_result(xml: str, rule: str, result: str) -> str:
    pat = re.compile(rf'(<rule-result idref="{re.escape(PREFIX + rule)}"[^>]*>\s*<result>)[a-z]+(</result>)')
    out, n = pat.subn(rf"\g<1>{result}\g<2>", xml)
    if n == 0:  # not in the sample: add it before the score
        entry = f'<rule-result idref="{PREFIX}{rule}" role="full"><result>{result}</result></rule-result>\n'
        out = xml.replace("<score ", entry + "<score ", 1)
    return out


def server_arf(
    results: dict[str, str] | None = None,
    end_time: str | None = None,
    host: str | None = None,
    benchmark: str | None = None,
) -> str:
    """The real ARF as a server's scan would read: the container's notapplicable results become
    notselected (a server has a kernel, auditd, sshd...), the kernel sentinels pass, and ``results``
    override single rules. ``end_time``/``host``/``benchmark`` rewrite those fields."""
    xml = real_arf().replace("<result>notapplicable</result>", "<result>notselected</result>")
    for rule in ("sysctl_kernel_randomize_va_space", "sysctl_kernel_kptr_restrict", "service_auditd_enabled"):
        xml = set_result(xml, rule, "pass")
    for rule, res in (results or {}).items():
        xml = set_result(xml, rule, res)
    if end_time:
        xml = re.sub(r'end-time="[^"]+"', f'end-time="{end_time}"', xml, count=1)
    if host:
        xml = xml.replace("<ai:fqdn>vm</ai:fqdn>", f"<ai:fqdn>{host}</ai:fqdn>")
        xml = xml.replace("<ai:hostname>vm</ai:hostname>", f"<ai:hostname>{host}</ai:hostname>")
        xml = xml.replace("<target>vm</target>", f"<target>{host}</target>")
        xml = re.sub(r'(identifier:(?:fqdn|host_name)" type="string">)vm<', rf"\g<1>{host}<", xml)
    if benchmark:
        xml = xml.replace("content_benchmark_DEBIAN-12", f"content_benchmark_{benchmark}")
    return xml


def server_lynis(facts: dict[str, str] | None = None, end: str | None = None, host: str | None = None) -> str:
    """The real Lynis report as a server's would read: not in a container, ``facts`` set."""
    text = LYNIS.read_text(encoding="utf-8")
    facts = {"vmtype": "", "vm": "0", **(facts or {})}
    if end:
        facts["report_datetime_end"] = end
    if host:
        facts["hostname"] = host
    for key, val in facts.items():
        line = f"{key}={val}"
        text, n = re.subn(rf"(?m)^{re.escape(key)}=.*$", line.replace("\\", "\\\\"), text)
        if n == 0:
            text += line + "\n"
    return text


INVENTORY = """\
province: Tỉnh thử
period: "2026"
agencies:
  - id: bao
    name: Báo thử
    systems:
      - id: portal
        name: Cổng
        level: 3
        profile: {profile}
        targets: ["https://127.0.0.1:{port}"]
{hosts}
"""


def inventory(path: Path, hosts: str = "        hosts: [vm, {name: db01, os: debian-12}]", port: int = 9,
              profile: str = "level3") -> Path:  # fmt: skip
    path.write_text(INVENTORY.format(hosts=hosts, port=port, profile=profile), encoding="utf-8")
    return path
