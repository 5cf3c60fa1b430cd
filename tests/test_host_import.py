"""`secaudit host import`: the recorded real ARF and Lynis report, the three XCCDF shapes, and bad or
hostile files (XXE, billion laughs, truncated, foreign XML, Lynis garbage, another host): one line,
exit 2, nothing written."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from host_samples import ARF_GZ, LYNIS, inventory, real_arf

from secaudit.cli import main
from secaudit.config.inventory import load_inventory
from secaudit.core.errors import InputError


def run(tmp: Path, *files: Path, host: str = "vm") -> tuple[int, str, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    inv = tmp / "inventory.yaml"
    if not inv.exists():
        inventory(inv)
    att = tmp / "att"
    args = [
        "host",
        "import",
        *map(str, files),
        "--inventory",
        str(inv),
        "--agency",
        "bao",
        "--system",
        "portal",
    ]
    r = CliRunner().invoke(main, [*args, "--host", host, "--attestations", str(att)])
    return r.exit_code, r.output, att / "bao" / "portal.hosts" / host


def test_real_arf_and_lynis_report_are_recorded_with_their_provenance(tmp_path: Path) -> None:
    arf = tmp_path / "results-arf.xml"
    arf.write_text(real_arf(), encoding="utf-8")
    code, out, folder = run(tmp_path, arf, LYNIS)
    assert code == 0, out
    rec = json.loads((folder / "openscap.json").read_text(encoding="utf-8"))
    assert (rec["engine"], rec["engine_version"], rec["content_version"]) == ("openscap", "1.3.7", "0.1.76")
    assert rec["benchmark"] == "xccdf_org.ssgproject.content_benchmark_DEBIAN-12"
    assert rec["profile"] == "xccdf_org.ssgproject.content_profile_anssi_bp28_intermediary"
    assert rec["ran_at"] == "2026-12-01T08:15:46+00:00" and rec["format"] == "arf"
    assert rec["file"]["sha256"] == hashlib.sha256(arf.read_bytes()).hexdigest()
    assert len(rec["results"]) == 591 and len(rec["set_values"]) == 105
    assert rec["counts"] == {
        "pass": 49,
        "fail": 22,
        "notapplicable": 148,
        "notchecked": 1,
        "notselected": 371,
    }
    assert rec["os"] == "debian-12" and "vm" in rec["names"]
    lyn = json.loads((folder / "lynis.json").read_text(encoding="utf-8"))
    assert (lyn["engine"], lyn["engine_version"], lyn["os"]) == ("lynis", "3.0.8", "debian-12")
    assert lyn["container"] is True and lyn["facts"]["firewall_active"] == "1"
    assert lyn["file"]["sha256"] == hashlib.sha256(LYNIS.read_bytes()).hexdigest()
    assert "PKGS-7392" in lyn["warnings"]


def test_benchmark_with_test_result_and_bare_test_result(tmp_path: Path) -> None:
    xml = real_arf()
    tr = re.search(r"<TestResult .*?</TestResult>", xml, re.S).group(0)  # type: ignore[union-attr]
    bench = tmp_path / "bench.xml"
    bench.write_text(
        '<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" '
        'id="xccdf_org.ssgproject.content_benchmark_DEBIAN-12">'
        + tr.replace(' xmlns="http://checklists.nist.gov/xccdf/1.2"', "")
        + "</Benchmark>",
        encoding="utf-8",
    )
    bare = tmp_path / "bare.xml"
    scc = tr.replace('test-system="cpe:/a:redhat:openscap:1.3.7"', 'test-system="cpe:/a:niwc:scc:5.14"')
    scc = scc.replace('type="string">OpenSCAP<', 'type="string">SCAP Compliance Checker<')
    scc = scc.replace('type="string">1.3.7<', 'type="string">5.14<')
    bare.write_text(scc, encoding="utf-8")
    for path, fmt, engine in ((bench, "xccdf-benchmark", "openscap"), (bare, "xccdf-testresult", "scc")):
        code, out, folder = run(tmp_path / fmt, path)
        assert code == 0, out
        rec = json.loads((folder / f"{engine}.json").read_text(encoding="utf-8"))
        assert rec["format"] == fmt and len(rec["results"]) == 591 and rec["engine"] == engine


XXE = """<?xml version="1.0"?>
<!DOCTYPE TestResult [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" end-time="2026-12-01T00:00:00">&x;</TestResult>
"""
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + ']>\n<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2">&lol9;</TestResult>\n'
)


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("xxe.xml", XXE, "DTD"),
        ("laughs.xml", LAUGHS, "DTD"),
        ("truncated.xml", None, "not well-formed"),
        ("foreign.xml", "<html><body>hello</body></html>", "not an ARF or XCCDF result"),
        (
            "nothing.xml",
            '<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b"/>',
            "without a TestResult",
        ),
        (
            "garbage.dat",
            "# Lynis Report\nreport_version_major=1\nthis is not a key value line\n",
            ":3: dòng không hợp lệ trong báo cáo Lynis (cần key=value) / not a Lynis",
        ),
        ("cut.dat", "# Lynis Report\nreport_version_major=1\nlynis_version=3.0.8\n", "interrupted run"),
        ("binary.dat", b"\x00\xff\xfe garbage", "not UTF-8"),
        ("words.txt", "hello world\n", "neither XML nor a Lynis report"),
    ],
)
def test_bad_or_hostile_file_is_one_line_exit_2_nothing_written(
    tmp_path: Path, name: str, content: str | bytes | None, said: str
) -> None:
    p = tmp_path / name
    if content is None:
        content = real_arf()[:50000]
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    good = tmp_path / "good.dat"
    good.write_bytes(LYNIS.read_bytes())
    code, out, folder = run(tmp_path, good, p)  # the good file first: still nothing is written
    assert code == 2 and said in out and len(out.strip().splitlines()) == 1, out
    assert name in out and not folder.exists()


def test_another_host_unknown_host_or_two_results_of_one_engine(tmp_path: Path) -> None:
    arf = tmp_path / "arf.xml"
    arf.write_text(real_arf(), encoding="utf-8")
    code, out, folder = run(tmp_path, arf, host="db01")  # the file is about "vm"
    assert code == 2 and "about host vm, not db01" in out and not folder.exists()
    code, out, folder = run(tmp_path, arf, host="nope")
    assert code == 2 and "not declared" in out and not folder.exists()
    code, out, folder = run(tmp_path, arf, ARF_GZ.with_suffix(""), host="vm")  # missing second file
    assert code == 2 and not folder.exists()
    arf2 = tmp_path / "arf2.xml"
    arf2.write_text(real_arf(), encoding="utf-8")
    code, out, folder = run(tmp_path, arf, arf2)
    assert code == 2 and "two openscap results" in out and not folder.exists()


@pytest.mark.parametrize(
    ("hosts", "said"),
    [
        ("        hosts: []", "non-empty list"),
        ("        hosts: [vm, VM]", "listed twice"),
        ("        hosts: ['bad name']", "not a host name"),
        ("        hosts: [{name: vm, os: Debian 12}]", "must look like debian-12"),
        ("        hosts: [{name: vm, colour: red}]", "unknown key 'colour'"),
    ],
)
def test_bad_hosts_entry_is_bad_input(tmp_path: Path, hosts: str, said: str) -> None:
    with pytest.raises(InputError, match=said):
        load_inventory(inventory(tmp_path / "inv.yaml", hosts=hosts), check_profiles=False)


def test_hosts_are_parsed(tmp_path: Path) -> None:
    inv = load_inventory(inventory(tmp_path / "inv.yaml"), check_profiles=False)
    hosts = inv.agencies[0].systems[0].hosts
    assert [(h.name, h.os) for h in hosts] == [("vm", ""), ("db01", "debian-12")]


def test_gzip_result_is_read_and_a_compression_bomb_refused(tmp_path: Path) -> None:
    import gzip

    code, out, folder = run(tmp_path / "gz", ARF_GZ)  # the recorded sample as shipped: .xml.gz
    assert code == 0, out
    rec = json.loads((folder / "openscap.json").read_text(encoding="utf-8"))
    assert (
        rec["file"]["sha256"] == hashlib.sha256(ARF_GZ.read_bytes()).hexdigest()
        and len(rec["results"]) == 591
    )
    bomb = tmp_path / "bomb.xml.gz"
    bomb.write_bytes(gzip.compress(b"<a>" + b" " * (65 * 1024 * 1024) + b"</a>", compresslevel=9))
    code, out, folder = run(tmp_path / "bomb", bomb)
    assert code == 2 and "uncompressed" in out and not folder.exists()
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(ARF_GZ.read_bytes()[:4000])
    code, out, folder = run(tmp_path / "cut", cut)
    assert code == 2 and "truncated gzip" in out and not folder.exists()


def test_any_bytes_give_a_record_or_one_input_error(tmp_path: Path) -> None:
    """Fuzz: mutated real files and random text never raise anything but InputError."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from secaudit.probes.host.normalise import read_result

    seeds = [LYNIS.read_bytes()[:3000], real_arf().encode("utf-8")[:6000]]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(seeds), st.integers(0, 5999), st.binary(max_size=40))
    def check(seed: bytes, at: int, junk: bytes) -> None:
        p = tmp_path / "f"
        p.write_bytes(seed[:at] + junk + seed[at:])
        try:
            rec = read_result(p)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        assert rec["engine"] in ("lynis", "openscap", "scc", "xccdf")

    check()
