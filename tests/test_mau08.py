"""Mẫu 08 (NĐ 331/2026): the workbook's rows per owner, the annex, each consistency check flagging an
inconsistent inventory, printable HTML escaping, bad input, and --templates (summary and report)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import bundle_factory as bf
import pytest
import real_bundles as rb
from click.testing import CliRunner
from openpyxl import load_workbook

from secaudit.cli import main
from secaudit.core.resources import data_dir
from secaudit.province.mau08 import build
from secaudit.province.summary import collect
from secaudit.render.mau08 import SHEETS

UBND = "UBND tỉnh Thừa Thiên Huế"
CLEAN = f"""\
province: Thừa Thiên Huế
period: 2026
reporting: {{systems_in_scope: 3, recipient: "Cục An ninh mạng - Bộ Công an"}}
agencies:
  - id: bao
    name: Báo Ví Dụ
    representative: Nguyễn Văn A
    security_unit: {{name: Phòng Kỹ thuật, email: kt@example.vn}}
    systems:
      - id: portal
        name: Cổng báo điện tử
        level: 3
        profiles: [level3, tcvn14423-level3]
        targets: [https://127.0.0.1]
        operator: Phòng Kỹ thuật
        approval_status: approved
        approval_decision: {{number: 12/QĐ-BVD, date: 2025-03-01, approver: Tổng Biên tập}}
        quy_che_decision: {{number: 15/QĐ-BVD, date: 01/04/2025, issuer: Tổng Biên tập}}
        deployment: partial
        expected_deployment_date: 2027-06-30
        check_type: periodic
        roadmap: {{ANM.LOG.05: 2027-03-31}}
      - id: cms
        name: Toà soạn
        level: 2
        targets: [https://127.0.0.1]
        owner: {UBND}
        approval_status: Đã gửi thẩm định
        expected_approval_date: 2027-02-15
        deployment: none
        expected_deployment_date: 2027-05-01
  - id: dai
    name: Đài PT-TH
    systems:
      - id: web
        name: Trang tin
        level: 3
        profiles: [level3, tcvn14423-level3]
        targets: [https://127.0.0.1]
        owner: {UBND}
        approval_status: approved
        approval_decision: {{number: 7/QĐ-UBND, date: 2024-05-02, approver: Chủ tịch UBND tỉnh}}
        quy_che_decision: {{number: 9/QĐ-UBND, date: 2024-06-01, issuer: Chủ tịch UBND tỉnh}}
        deployment: full
        check_type: both
"""


BOTH = ["level3", "tcvn14423-level3"]
NR = "ANM.SUP.01"  # a manual requirement no crosswalk answers: unanswered, it stays not_reviewed


def n_applicable(profile: str) -> int:
    from secaudit.config.catalog import applicable, load_profile

    return len(applicable(load_profile(profile)))


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from secaudit.signing.keys import generate_keypair

    root = tmp_path_factory.mktemp("mau08")
    keys, bdir = root / "keys", root / "bundles"
    bdir.mkdir()
    for ag in ("bao", "dai"):
        generate_keypair(ag, keys)
    put = [
        rb.assessment("bao", "portal", profiles=BOTH, statuses={"ANM.LOG.05": "fail", NR: "not_reviewed"}),
        rb.assessment("bao", "cms", level=2, statuses={rb.MANUAL: "not_applicable"}),
        rb.assessment("dai", "web", profiles=BOTH),
    ]
    for a in put:
        rb.put(a, keys, bdir)
    inv = root / "inventory.yaml"
    inv.write_text(CLEAN, encoding="utf-8")
    return {"root": root, "keys": keys, "bundles": bdir, "inventory": inv}


def view_for(world: dict[str, Path], text: str, tmp_path: Path) -> dict[str, Any]:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(text, encoding="utf-8")
    result, digests, iv = collect(world["bundles"], inventory=inv, keyring=world["keys"])
    assert iv is not None
    return build(result, digests, iv)


def data_rows(ws: Any) -> list[tuple[Any, ...]]:
    return [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]


@pytest.fixture(scope="module")
def workbook(world: dict[str, Path]) -> tuple[Any, Any]:
    out = world["root"] / "mau08.xlsx"
    res = run(
        "summary",
        world["bundles"],
        "--inventory",
        world["inventory"],
        "--keyring",
        world["keys"],
        "--format",
        "mau08",
        "-o",
        out,
    )
    assert res.exit_code == 0, res.output
    return load_workbook(out), res


def test_part3_rows_per_owner(workbook: tuple[Any, Any]) -> None:
    wb, _ = workbook
    ws = wb[SHEETS["part3"]]
    cells = list(ws.iter_rows(values_only=True))
    headers = [r for r in cells if r[0] == "STT"]
    assert len(headers) == 2 and len(headers[0]) == 12  # one 12-column table per owner
    assert headers[0][1] == "Tên hệ thống thông tin" and headers[0][11] == "Kiểm tra, đánh giá"
    assert [r for r in cells if r[0] == "(1)"][0][11] == "(12)"
    owners = [r[0] for r in cells if isinstance(r[0], str) and r[0].startswith("Chủ quản: ")]
    assert owners == ["Chủ quản: Báo Ví Dụ", f"Chủ quản: {UBND}"]
    rows = data_rows(ws)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, "Cổng báo điện tử", "Báo Ví Dụ"),
        (2, "Toà soạn", UBND),
        (3, "Trang tin", UBND),
    ]
    portal, cms, web = rows
    assert portal[3:] == (
        "Phòng Kỹ thuật",
        3,
        "Đã được phê duyệt",
        "Số 12/QĐ-BVD, ngày 01/03/2025, Tổng Biên tập",
        "Số 15/QĐ-BVD, ngày 01/04/2025, Tổng Biên tập",
        None,
        "Đã triển khai một số hạng mục",
        "30/06/2027",
        "Định kỳ",
    )
    assert cms[5] == "Đã gửi thẩm định" and cms[8] == "15/02/2027" and cms[9] == "Chưa triển khai"
    # no check type declared for the cms, but a verified assessment of the period exists
    assert cms[11] == "Định kỳ (secaudit 01/12/2026)"
    assert web[9] == "Đã triển khai đầy đủ" and web[11] == "Trước khi đưa vào sử dụng; Định kỳ"


def test_part1_and_header(workbook: tuple[Any, Any]) -> None:
    wb, _ = workbook
    ws = wb[SHEETS["part1"]]
    col_a = [r[0] for r in ws.iter_rows(values_only=True)]
    assert "Kính gửi: Cục An ninh mạng - Bộ Công an" in col_a
    assert "Số liệu từ 15/12/2025 đến 14/12/2026" in col_a
    assert "Hạn gửi chủ quản: trước 20/12/2026; hạn gửi Bộ Công an: trước 25/12/2026" in col_a
    totals = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert totals["Tổng số hệ thống thông tin thuộc phạm vi"] == 3
    assert totals["Tổng số khai báo (inventory: reporting.systems_in_scope)"] == 3
    assert totals["Phân loại theo cấp độ đề xuất"] == "Cấp độ 2: 1; Cấp độ 3: 2"
    assert totals["Số hệ thống đã có hồ sơ đề xuất cấp độ"] == 3
    assert totals["Số hồ sơ đã được thẩm định"] == 2 and totals["Số hệ thống đã được phê duyệt cấp độ"] == 2
    assert totals["Số hệ thống đã phê duyệt được kiểm tra, đánh giá định kỳ"] == 2
    assert totals["Thời gian dự kiến hoàn thành phê duyệt cấp độ cho tất cả hệ thống"] == "15/02/2027"
    assert ("Đơn vị chuyên trách về an ninh mạng", "Phòng Kỹ thuật") in [
        (r[0], r[1]) for r in ws.iter_rows(values_only=True)
    ]


def test_annex_rows(workbook: tuple[Any, Any]) -> None:
    wb, _ = workbook
    ws = wb[SHEETS["annex"]]
    assert next(ws.iter_rows(values_only=True)) == (
        "STT",
        "Hệ thống",
        "Điều khoản",
        "Yêu cầu",
        "Đáp ứng",
        "Thời gian dự kiến hoàn thành",
        "Chủ quản",
    )
    rows = data_rows(ws)
    by_sys: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_sys.setdefault(r[1], []).append(r)
    # portal and web: the successor-regime assessment; cms: level2, all applicable but one
    new, old = n_applicable("tcvn14423-level3"), n_applicable("level2")
    assert {k: len(v) for k, v in by_sys.items()} == {
        "Cổng báo điện tử": new,
        "Toà soạn": old - 1,
        "Trang tin": new,
    }
    log = next(r for r in by_sys["Cổng báo điện tử"] if "(ANM.LOG.05)" in r[3])
    assert log[2:] == (
        "5.8.2.1 a",
        "Thời gian lưu trữ nhật ký (ANM.LOG.05)",
        "Chưa đáp ứng đầy đủ (không đạt)",
        "31/03/2027",
        "Báo Ví Dụ",
    )  # the roadmap date
    ir = next(r for r in by_sys["Cổng báo điện tử"] if f"({NR})" in r[3])
    assert ir[4] == "Chưa đáp ứng đầy đủ (chưa có bằng chứng)" and ir[5] == "30/06/2027"  # deployment date
    assert all(r[4] == "Đáp ứng đầy đủ" and r[5] is None and r[6] == UBND for r in by_sys["Trang tin"])
    assert not any(rb.MANUAL in r[3] for r in by_sys["Toà soạn"])  # not applicable: not listed
    assert [r[0] for r in rows] == list(range(1, 2 * new + old))


def test_clean_inventory_has_no_problems(workbook: tuple[Any, Any]) -> None:
    wb, res = workbook
    ws = wb[SHEETS["checks"]]
    assert [r[5] for r in ws.iter_rows(values_only=True)][1:] == ["Không phát hiện vấn đề."]
    assert "cảnh báo" not in res.stderr


def _drop(text: str, line: str, count: int = 1) -> str:
    assert line in text
    return text.replace(line, "", count)


PORTAL_DEPLOY = "        deployment: partial\n"
WEB_DECISION = (
    "        approval_decision: {number: 7/QĐ-UBND, date: 2024-05-02, approver: Chủ tịch UBND tỉnh}\n"
)
EXTRA_SYSTEM = """\
      - {id: mail, name: Thư điện tử, level: 2, targets: [https://127.0.0.1], approval_status: approved,
         approval_decision: {number: "1", date: 2024-01-01}, quy_che_decision: {number: "2"},
         deployment: full}
"""
CASES = {
    "row_count": CLEAN.replace("systems_in_scope: 3", "systems_in_scope: 4"),
    "approved_without_decision": _drop(CLEAN, WEB_DECISION),
    "approved_without_quy_che": _drop(
        CLEAN, "        quy_che_decision: {number: 9/QĐ-UBND, date: 2024-06-01, issuer: Chủ tịch UBND tỉnh}\n"
    ),
    "not_approved_without_date": _drop(CLEAN, "        expected_approval_date: 2027-02-15\n"),
    "not_deployed_without_date": _drop(CLEAN, "        expected_deployment_date: 2027-06-30\n"),
    "missing_approval_status": _drop(CLEAN, "        approval_status: Đã gửi thẩm định\n"),
    "missing_deployment": _drop(CLEAN, "        deployment: none\n"),
    "full_but_not_meeting": CLEAN.replace(PORTAL_DEPLOY, "        deployment: full\n"),
    "no_assessment": CLEAN.replace("systems_in_scope: 3", "systems_in_scope: 4").replace(
        "    systems:\n      - id: web\n", "    systems:\n" + EXTRA_SYSTEM + "      - id: web\n"
    ),
    "unlisted_system": CLEAN.replace("systems_in_scope: 3", "systems_in_scope: 2").split("  - id: dai\n")[0],
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_consistency_check_flags(code: str, world: dict[str, Path], tmp_path: Path) -> None:
    view = view_for(world, CASES[code], tmp_path)
    assert [p["code"] for p in view["problems"]] == [code]
    p = view["problems"][0]
    assert p["vi"] and p["en"] and p["vi"] != p["en"]
    if code not in ("row_count", "unlisted_system"):
        assert p["row"] is not None and p["system"]


def test_inconsistent_inventory_in_workbook_and_stderr(world: dict[str, Path], tmp_path: Path) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        CASES["approved_without_decision"].replace("systems_in_scope: 3", "systems_in_scope: 5"),
        encoding="utf-8",
    )
    out = tmp_path / "m.xlsx"
    res = run(
        "summary",
        world["bundles"],
        "--inventory",
        inv,
        "--keyring",
        world["keys"],
        "--format",
        "mau08",
        "-o",
        out,
    )
    assert res.exit_code == 0  # content, not failure
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("cảnh báo/warning: Mẫu 08")]
    assert len(warnings) == 2
    assert "Part 1 declares 5 systems in scope but the Part 3 table has 3 rows" in warnings[0]
    assert "Đài PT-TH" not in warnings[1] and f"[{UBND} / Trang tin, dòng/row 3]" in warnings[1]
    ws = load_workbook(out)[SHEETS["checks"]]
    rows = data_rows(ws)
    # the check's short name in Vietnamese, never its identifier (issue 11)
    shown = [(r[1], r[4]) for r in rows]
    assert shown == [("Số hệ thống không khớp", None), ("Thiếu quyết định phê duyệt", 3)]


def test_printable_html_and_escaping(world: dict[str, Path], tmp_path: Path) -> None:

    bdir = tmp_path / "b"
    shutil.copytree(world["bundles"], bdir)
    a = rb.assessment("dai", "web", profiles=BOTH, statuses={"ANM.LOG.05": "fail"})
    a["additional"][0]["requirements"][2]["title"] = {"vi": bf.HOSTILE, "en": bf.HOSTILE}
    rb.put(a, world["keys"], bdir)
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        CLEAN.replace("name: Trang tin", 'name: "<script>alert(1)</script>"').replace(
            "operator: Phòng Kỹ thuật", 'operator: "<img src=x onerror=alert(3)>"'
        ),
        encoding="utf-8",
    )
    out = tmp_path / "m.html"
    res = run("summary", bdir, "--inventory", inv, "--keyring", world["keys"], "--format", "mau08", "-o", out)
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    assert "@page { size: A4 landscape" in html and 'id="part3"' in html and 'id="annex"' in html
    assert html.count('<th title="System">Tên hệ thống thông tin</th>') == 2  # one table per owner
    assert "Số liệu từ 15/12/2025 đến 14/12/2026" in html
    assert "Kiểm tra nhất quán" in html and "Khai đủ nhưng chưa đạt" in html  # web now fails, declared full
    assert "full_but_not_meeting" not in html
    assert "https://" not in html.replace("https://127.0.0.1", "")  # nothing fetched


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "needs -o FILE.xlsx"),
        (["-o", "report.pdf"], "must end in .xlsx or .html"),
        (["-o", "-"], "needs -o FILE.xlsx"),
    ],
)
def test_mau08_bad_output_exit_2(args: list[str], message: str, world: dict[str, Path]) -> None:
    res = run("summary", world["bundles"], "--inventory", world["inventory"], "--format", "mau08", *args)
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output


def test_mau08_needs_inventory(world: dict[str, Path], tmp_path: Path) -> None:
    res = run("summary", world["bundles"], "--format", "mau08", "-o", tmp_path / "m.xlsx")
    assert res.exit_code == 2 and "--inventory" in res.output
    assert not (tmp_path / "m.xlsx").exists()


# --------------------------------------------------------------------------- --templates


@pytest.fixture()
def template_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "mytemplates"
    shutil.copytree(data_dir("reports"), dest, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return dest


def test_templates_copy_is_used(template_copy: Path, world: dict[str, Path], tmp_path: Path) -> None:
    for name in ("summary.html.j2", "report.html.j2", "mau08.html.j2"):
        p = template_copy / name
        text = p.read_text(encoding="utf-8")
        p.write_text(text.replace("<body", "<!-- MY-COPY --><body", 1), encoding="utf-8")
    (template_copy / "style.css").write_text("/* MY-CSS */", encoding="utf-8")
    common = [
        world["bundles"],
        "--inventory",
        world["inventory"],
        "--keyring",
        world["keys"],
        "--templates",
        template_copy,
    ]
    html = run("summary", *common).stdout
    assert "<!-- MY-COPY -->" in html and "/* MY-CSS */" in html and "Trang tin" in html
    out = tmp_path / "m.html"
    assert run("summary", *common, "--format", "mau08", "-o", out).exit_code == 0
    assert "<!-- MY-COPY -->" in out.read_text(encoding="utf-8")
    bundle = next(world["bundles"].glob("dai.web.*.json"))
    rep = run("report", bundle, "--templates", template_copy)
    assert rep.exit_code == 0 and "<!-- MY-COPY -->" in rep.stdout and "/* MY-CSS */" in rep.stdout
    # the shipped templates are untouched
    assert "MY-COPY" not in run("summary", world["bundles"]).stdout


@pytest.mark.parametrize(
    "breakage", ["missing_summary", "missing_report", "missing_mau08", "missing_css", "syntax", "no_dir"]
)
def test_templates_broken_exit_2(
    breakage: str, template_copy: Path, world: dict[str, Path], tmp_path: Path
) -> None:
    bundle = next(world["bundles"].glob("dai.web.*.json"))
    tdir = template_copy
    cmd: list[Any] = ["summary", world["bundles"]]
    expect = ""
    if breakage == "missing_summary":
        (tdir / "summary.html.j2").unlink()
        expect = str(tdir / "summary.html.j2")
    elif breakage == "missing_report":
        (tdir / "report.html.j2").unlink()
        cmd, expect = ["report", bundle], str(tdir / "report.html.j2")
    elif breakage == "missing_mau08":
        (tdir / "mau08.html.j2").unlink()
        cmd = [
            "summary",
            world["bundles"],
            "--inventory",
            world["inventory"],
            "--format",
            "mau08",
            "-o",
            tmp_path / "m.html",
        ]
        expect = str(tdir / "mau08.html.j2")
    elif breakage == "missing_css":
        (tdir / "style.css").unlink()
        expect = str(tdir / "style.css")
    elif breakage == "syntax":
        (tdir / "summary.html.j2").write_text("<html>\n{% for x in %}\n", encoding="utf-8")
        expect = f"{tdir / 'summary.html.j2'}:2: mẫu báo cáo bị lỗi / template error"
    else:
        tdir = tmp_path / "nope"
        expect = str(tdir)
    res = run(*cmd, "--templates", tdir)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("secaudit: error:") and expect in lines[0]
    assert not (tmp_path / "m.html").exists()


def test_odd_assessed_at_in_a_signed_bundle(tmp_path: Path) -> None:
    """The check-type cell dates a signed assessment from its assessed_at: a value that is not an ISO
    date is shown as it is, not a traceback that costs the whole report."""
    from secaudit.signing.keys import generate_keypair

    keys, bdir = tmp_path / "keys", tmp_path / "b"
    bdir.mkdir()
    generate_keypair("bao", keys)
    a = rb.assessment("bao", "cms", level=2)
    a["assessed_at"] = "hôm qua"
    rb.put(a, keys, bdir)
    inv = tmp_path / "inventory.yaml"
    inv.write_text(CLEAN, encoding="utf-8")
    out = tmp_path / "m.xlsx"
    res = run("summary", bdir, "--inventory", inv, "--keyring", keys, "--format", "mau08", "-o", out)
    assert res.exit_code == 0, res.output
    rows = {r[1]: r for r in data_rows(load_workbook(out)[SHEETS["part3"]])}
    assert rows["Toà soạn"][11] == "Định kỳ (secaudit hôm qua)"
