"""Issue 14's loose ends: the province summary shows each system's declared vs imported servers and
its attested/reviewed answers in every format (providers in the CSV too); ``assess --rejudge
--attestations DIR`` takes the providers' entries from DIR/_providers/; ``attest wizard --provider``
asks only what systems inherit from it.

One small province built through the CLI, as a user would: a server's real OpenSCAP result imported
(one of two declared servers), a provider's answers and the system's own approved by an inspector,
one assessment (ports probe on a loopback port that is bound, not listening) as of an explicit date.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from host_samples import server_arf

from secaudit.cli import main
from secaudit.province import digest as digest_mod
from secaudit.province.summary import summarise
from secaudit.signing.bundle import load_bundle
from secaudit.signing.bundle_view import as_v1

SITE = "127.0.0.247"
AT = "2026-12-02T00:00:00Z"
PROVIDER = "tt-du-lieu-tinh"
INHERITED = ["T.DES.07", "T.DES.08"]


def run(*args: Any, **kw: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


def attestations(agency: str, system: str, reqs: list[str], attested: str = "2026-11-01") -> str:
    entries = [
        {
            "requirement": r,
            "status": "compliant",
            "note": f"{r}: QĐ 12",
            "attested_by": "TP",
            "attested_at": attested,
        }
        for r in reqs
    ]
    return json.dumps({"agency": agency, "system": system, "attestations": entries}, ensure_ascii=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("issue14")
    closed = socket.socket()
    closed.bind((SITE, 0))  # bound, not listening: the ports probe is quick
    port = closed.getsockname()[1]
    inv = root / "inventory.yaml"
    inv.write_text(
        f"""\
province: Tỉnh Thử
period: "2026"
providers:
  - id: {PROVIDER}
    name: Trung tâm Dữ liệu tỉnh
agencies:
  - id: bao
    name: Báo
    systems:
      - id: portal
        name: Cổng
        level: 3
        profiles: [level3]
        targets: ["https://{SITE}:{port}"]
        expected_ports: [{port}]
        hosts: [vm, {{name: db01, os: debian-12}}]
        inherits:
          {PROVIDER}: [{", ".join(INHERITED)}]
""",
        encoding="utf-8",
    )
    att = root / "att"
    (att / "bao").mkdir(parents=True)
    (att / "_providers").mkdir()
    (att / "bao" / "portal.yaml").write_text(attestations("bao", "portal", ["T.DES.01", "T.DES.02"]), "utf-8")
    (att / "_providers" / f"{PROVIDER}.yaml").write_text(
        attestations("_providers", PROVIDER, INHERITED), "utf-8"
    )
    arf = root / "arf.xml"
    arf.write_text(server_arf(), encoding="utf-8")
    r = run("host", "import", arf, "--inventory", inv, "--agency", "bao", "--system", "portal",
            "--host", "vm", "--attestations", att)  # fmt: skip
    assert r.exit_code == 0, r.output
    keys, keyring = root / "keys", root / "keyring"
    assert run("keys", "generate", "--agency", "bao", "-o", keys).exit_code == 0
    assert run("keys", "generate", "--reviewer", "insp", "-o", keys).exit_code == 0
    (keyring / "reviewers").mkdir(parents=True)
    shutil.copy(keys / "bao.pub", keyring / "bao.pub")
    shutil.copy(keys / "insp.pub", keyring / "reviewers" / "insp.pub")
    for who in (["--provider", PROVIDER], ["--agency", "bao", "--system", "portal", "--approve", "T.DES.01"]):
        extra = [] if "--approve" in who else ["--all-attested"]
        r = run("review", "--attestations", att, *who, *extra, "--key", keys / "insp.key")
        assert r.exit_code == 0, r.output
    out = root / "out"
    r = run("assess", "--inventory", inv, "--attestations", att, "-o", out, "--probes", "ports",
            "--timeout", 2, "--no-progress", "--key", keys / "bao.key", "--assessed-at", AT)  # fmt: skip
    assert r.exit_code in (1, 3), r.output
    yield {"root": root, "inv": inv, "att": att, "out": out, "keys": keys, "keyring": keyring}
    closed.close()


def summary(world: Any, fmt: str, lang: str = "vi", *extra: Any) -> Any:
    r = run("summary", world["out"], "--inventory", world["inv"], "--keyring", world["keyring"],
            "--format", fmt, "--lang", lang, "--no-cache", *extra)  # fmt: skip
    assert r.exit_code in (0, 1), r.output
    return r


def _system(s: dict[str, Any]) -> dict[str, Any]:
    (a,) = s["agencies"]
    (sy,) = a["systems"]
    return sy


# --------------------------------------------------------------------------- 1. host coverage


def test_summary_json_counts_declared_and_imported_servers(world: Any) -> None:
    s = json.loads(summary(world, "json").stdout)
    sy = _system(s)
    assert sy["status"] == "verified", sy
    assert sy["hosts"] == {"declared": 2, "imported": 1, "without_results": ["db01"]}
    assert s["agencies"][0]["reviews"] == sy["reviews"]


def test_without_an_inventory_the_bundles_servers_count(world: Any) -> None:
    sy = _system(summarise(world["out"], None, world["keyring"]))
    assert sy["hosts"] == {"declared": 2, "imported": 1, "without_results": ["db01"]}


def test_summary_html_md_show_the_server_count(world: Any) -> None:
    assert "1/2 máy chủ đã nhập kết quả" in summary(world, "html").stdout
    assert "1/2 servers with imported results" in summary(world, "html", "en").stdout
    md = summary(world, "md").stdout
    head = next(line for line in md.splitlines() if "Máy chủ có kết quả" in line)
    row = next(line for line in md.splitlines() if line.startswith("| Báo |"))
    assert head.count("|") == row.count("|")
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[-1] == "1/2"


def test_site_agency_page_shows_the_server_count(world: Any, tmp_path: Path) -> None:
    from secaudit.render.site import write_site

    s = summarise(world["out"], world["inv"], world["keyring"])
    write_site(tmp_path, s, world["out"], "en")
    assert "1/2 servers with imported results" in (tmp_path / "agencies" / "bao.html").read_text("utf-8")
    assert "1/2 servers with imported results" in (tmp_path / "index.html").read_text("utf-8")


def test_a_cached_summary_keeps_the_host_field(world: Any, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = summarise(world["out"], world["inv"], world["keyring"], cache=cache)
    assert digest_mod.CACHE_STATS["stored"] == 1
    second = summarise(world["out"], world["inv"], world["keyring"], cache=cache)
    assert digest_mod.CACHE_STATS["hits"] == 1
    assert _system(second)["hosts"] == _system(first)["hosts"] == {
        "declared": 2, "imported": 1, "without_results": ["db01"]}  # fmt: skip


# --------------------------------------------------------------------------- 2. CSV, Markdown, XLSX


def _csv_row(world: Any) -> dict[str, str]:
    (row,) = list(csv.DictReader(io.StringIO(summary(world, "csv").stdout)))
    return row


def test_csv_has_hosts_reviews_and_providers(world: Any) -> None:
    row = _csv_row(world)
    js = _system(json.loads(summary(world, "json").stdout))
    assert (row["hosts_declared"], row["hosts_imported"], row["hosts_without_results"]) == ("2", "1", "db01")
    # T.DES.01 attested and approved, T.DES.02 attested only; the provider's answers are not the agency's
    assert (row["attested"], row["reviewed"]) == ("2", "1") == (str(js["reviews"]["attested"]),
                                                                str(js["reviews"]["reviewed"]))  # fmt: skip
    assert (row["agency_attested"], row["agency_reviewed"]) == ("2", "1")
    assert set(row["inherited"].split(";")) == {f"{PROVIDER}:{r}=pass" for r in INHERITED}


def test_markdown_and_xlsx_have_the_review_counts(world: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    md = summary(world, "md").stdout
    row = next(line for line in md.splitlines() if line.startswith("| Báo |"))
    assert [c.strip() for c in row.strip("|").split("|")][-2] == "1/2"  # reviewed / attested
    out = tmp_path / "s.xlsx"
    summary(world, "xlsx", "vi", "-o", out)
    ws = load_workbook(out)["He thong - Systems"]
    head = [c.value for c in ws[1]]
    vals = dict(zip(head, [c.value for c in ws[2]], strict=True))
    assert (vals["attested"], vals["reviewed"], vals["hosts_declared"], vals["hosts_imported"]) == (
        2,
        1,
        2,
        1,
    )
    assert f"{PROVIDER}:T.DES.07=pass" in vals["inherited"]


# --------------------------------------------------------------------------- 3. --rejudge --attestations


def _verdict(a: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in as_v1(a, texts=True)["requirements"] if r["id"] == rid)


def test_rejudge_with_attestations_reads_the_providers_folder(world: Any, tmp_path: Path) -> None:
    (bundle,) = world["out"].glob("bao.portal.*.json")
    old = load_bundle(bundle)["assessment"]
    assert _verdict(old, "T.DES.08")["status"] == "pass"
    att = tmp_path / "att"
    shutil.copytree(world["att"], att)
    # The provider now says T.DES.08 is not met (a new answer: its old review no longer applies).
    entries = json.loads((att / "_providers" / f"{PROVIDER}.yaml").read_text("utf-8"))
    entries["attestations"][1]["status"] = "non_compliant"
    (att / "_providers" / f"{PROVIDER}.yaml").write_text(json.dumps(entries), "utf-8")
    out = tmp_path / "re"
    r = run("assess", "--rejudge", bundle, "--profile", "level3", "--attestations", att, "-o", out,
            "--key", world["keys"] / "bao.key")  # fmt: skip
    assert r.exit_code in (0, 1), r.output
    a = load_bundle(next(out.glob("*.json")))["assessment"]
    v = _verdict(a, "T.DES.08")
    assert v["status"] != "pass" and v["inherited_from"]["provider"] == PROVIDER
    assert v["attestation"]["status"] == "non_compliant"
    # T.DES.07's entry is unchanged: its review is read from DIR/_providers/ and still counts.
    assert _verdict(a, "T.DES.07")["status"] == "pass"
    # Without the provider's file in DIR, nothing is taken from the old bundle: awaited.
    (att / "_providers" / f"{PROVIDER}.yaml").unlink()
    (att / "_providers" / f"{PROVIDER}.reviews.json").unlink()
    out2 = tmp_path / "re2"
    r = run("assess", "--rejudge", bundle, "--profile", "level3", "--attestations", att, "-o", out2)
    assert r.exit_code in (0, 1), r.output
    a2 = load_bundle(next(out2.glob("*.json")))["assessment"]
    assert _verdict(a2, "T.DES.07")["status"] == "not_reviewed"
    assert _verdict(a2, "T.DES.07")["inherited_from"]["cause"] == "no_attestation"


def test_rejudge_without_attestations_keeps_the_bundles_provider_entries(world: Any, tmp_path: Path) -> None:
    (bundle,) = world["out"].glob("bao.portal.*.json")
    r = run("assess", "--rejudge", bundle, "--profile", "level3", "-o", tmp_path)
    assert r.exit_code in (0, 1), r.output
    a = load_bundle(next(tmp_path.glob("*.json")))["assessment"]
    assert [_verdict(a, x)["status"] for x in INHERITED] == ["pass", "pass"]


# --------------------------------------------------------------------------- 4. attest wizard --provider


def test_wizard_for_a_provider_asks_only_inherited_requirements(world: Any, tmp_path: Path) -> None:
    att = tmp_path / "att"
    (att / "_providers").mkdir(parents=True)
    # every question skipped ("s"), then the prompts run out: the wizard lists what it asks
    r = run("attest", "wizard", "--inventory", world["inv"], "--provider", PROVIDER, "--attestations", att,
            "--attested-by", "TTDL", input="s\n" * 10)  # fmt: skip
    assert r.exit_code == 0, r.output
    asked = [line for line in r.output.splitlines() if line.startswith("[")]
    assert len(asked) == len(INHERITED)
    assert all(any(f"({x})" in line for line in asked) for x in INHERITED)
    assert "2 yêu cầu cần trả lời" in r.output
    # the system's own wizard still asks the whole manual checklist
    r = run("attest", "wizard", "--inventory", world["inv"], "--agency", "bao", "--system", "portal",
            "--attestations", att, "--attested-by", "X", input="q\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    n = int(r.output.split(" yêu cầu cần trả lời")[0].split()[-1])
    assert n > 20
