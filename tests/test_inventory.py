"""Inventory loading: defaults, targets, and every bad-input case as exit 2 with one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from secaudit.cli import main
from secaudit.config.inventory import load_inventory, system_targets
from secaudit.core.errors import InputError

GOOD = """\
province: Thừa Thiên Huế
period: 2026
agencies:
  - id: bao-vi-du
    name: Báo Ví Dụ
    type: newspaper
    contact: it@example.vn
    systems:
      - id: portal
        name: Cổng báo điện tử
        level: 3
        level_reason: "xử lý dữ liệu cá nhân"
        targets:
          - https://baoviadu.example.vn
          - {url: "https://origin.baoviadu.example.vn:8443", address: 127.0.0.61}
        expected_ports: [443, 80]
        http_port: 8080
      - id: cms
        name: Hệ thống CMS
        level: 2
        profiles: [level2, level3]
        targets: [cms.baoviadu.example.vn]
  - id: dai-ptth
    name: Đài Phát thanh - Truyền hình
    systems:
      - {id: web, name: Trang tin, level: 3, profile: level3, targets: ["https://ptth.example.vn"]}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "inventory.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_inventory_defaults_and_targets(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, GOOD))
    assert inv.period == "2026" and isinstance(inv.period, str)
    assert inv.due == "2026-11-01" and inv.goal_level == 3 and inv.goal_pct == 100.0
    portal = inv.agencies[0].systems[0]
    assert portal.profiles == ["level3"] and portal.expected_ports == [80, 443]
    assert inv.agencies[0].systems[1].profiles == ["level2", "level3"]
    assert inv.agencies[1].type == "other"
    t1, t2 = system_targets(portal)
    assert (t1.raw, t1.host, t1.port, t1.address, t1.http_port) == (
        "https://baoviadu.example.vn",
        "baoviadu.example.vn",
        443,
        None,
        8080,
    )
    assert (t2.host, t2.port, t2.address, t2.expected_ports) == (
        "origin.baoviadu.example.vn",
        8443,
        "127.0.0.61",
        [80, 443],
    )
    assert inv.profile("level3").level == 3


BAD = [
    (
        "duplicate agency",
        GOOD.replace("id: dai-ptth", "id: bao-vi-du"),
        ":23: bao-vi-du: mã cơ quan bị trùng (lần đầu ở dòng 4) / duplicate agency id (first at line 4)",
    ),
    (
        "duplicate system",
        GOOD.replace("id: cms", "id: portal"),
        ":18: bao-vi-du/portal: mã hệ thống bị trùng (lần đầu ở dòng 9) / "
        "duplicate system id (first at line 9)",
    ),
    (
        "unknown profile",
        GOOD.replace("profiles: [level2, level3]", "profiles: [level2, level9]"),
        ":18: bao-vi-du/cms: hồ sơ không tồn tại hoặc không hợp lệ / unknown or invalid profile 'level9'",
    ),
    (
        "bad URL scheme",
        GOOD.replace("https://ptth.example.vn", "ftp://ptth.example.vn"),
        "dai-ptth/web: địa chỉ không hợp lệ / bad URL",
    ),
    (
        "bad host",
        GOOD.replace("cms.baoviadu.example.vn", "'cms baoviadu'"),
        "bao-vi-du/cms: địa chỉ không hợp lệ / bad URL",
    ),
    ("bad port", GOOD.replace(":8443", ":99999"), ":15: bao-vi-du/portal: địa chỉ không hợp lệ / bad URL"),
    (
        "bad address",
        GOOD.replace("127.0.0.61", "not-an-ip"),
        "bao-vi-du/portal: địa chỉ IP không hợp lệ / bad address",
    ),
    (
        "level as words",
        GOOD.replace("level: 2", "level: two"),
        ":18: bao-vi-du/cms: cấp độ phải là số nguyên 1-5 / level 'two' must be an integer",
    ),
    ("level as float", GOOD.replace("level: 2", "level: 2.5"), "level 2.5 must be an integer"),
    ("level 7", GOOD.replace("level: 2", "level: 7"), "must be an integer 1-5"),
    (
        "missing name",
        GOOD.replace("    name: Báo Ví Dụ\n", ""),
        ":4: bao-vi-du: thiếu trường bắt buộc 'name' / missing required field 'name'",
    ),
    ("no targets", GOOD.replace("targets: [cms.baoviadu.example.vn]", "targets: []"), "'targets' must be"),
    ("missing period", GOOD.replace("period: 2026\n", ""), "missing required field 'period'"),
    ("bad expected_ports", GOOD.replace("[443, 80]", "[443, http]"), "expected_ports must be a list"),
    ("malformed YAML", GOOD.replace("agencies:", "agencies: [", 1), "malformed YAML"),
    ("id with slash", GOOD.replace("id: cms", "id: cms/x"), "must be letters, digits"),
]


@pytest.mark.parametrize("name,text,message", BAD, ids=[b[0] for b in BAD])
def test_bad_inventory_exit_2_one_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    inv = write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_inventory(inv)
    assert message in str(exc.value)
    r = CliRunner().invoke(main, ["assess", "--inventory", str(inv), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and str(inv) in lines[0] and message in lines[0]
    assert not (tmp_path / "out").exists()


def test_unknown_agency_selected(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        main,
        [
            "assess",
            "--inventory",
            str(write(tmp_path, GOOD)),
            "--agency",
            "nope",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert r.exit_code == 2 and "--agency 'nope'" in r.output


def test_profile_path_relative_to_inventory(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "custom.yaml").write_text(
        "profile:\n  id: custom\n  extends: level3\n  level: 3\n  title: {vi: Riêng, en: Custom}\n"
        "parameters: {}\ntailoring: []\n",
        encoding="utf-8",
    )
    inv = load_inventory(write(tmp_path, GOOD.replace("profile: level3", "profile: profiles/custom.yaml")))
    assert inv.profile("profiles/custom.yaml").level == 3


# --------------------------------------------------------------------------- Mẫu 08 fields (issue 6)

MAU08 = GOOD.replace(
    """        http_port: 8080
""",
    """        http_port: 8080
        owner: UBND tỉnh
        operator: Phòng Kỹ thuật
        approval_status: Đã được phê duyệt
        approval_decision: {number: 12/QĐ-BVD, date: 01/03/2025, approver: Tổng Biên tập}
        quy_che_decision: {number: 15/QĐ-BVD, date: 2025-04-01, issuer: Tổng Biên tập}
        deployment: partial
        expected_deployment_date: 2027-06-30
        check_type: periodic
        roadmap: {ANM.LOG.05: 31/03/2027}
""",
).replace(
    "period: 2026\n",
    """period: 2026
reporting: {period_end: "13/12", recipient: Cục A05, systems_in_scope: 3}
transition_deadline: 2027-06-30
""",
)


def test_mau08_fields_and_defaults(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, MAU08))
    portal, cms = inv.agencies[0].systems
    assert (portal.owner, portal.operator, portal.approval_status) == (
        "UBND tỉnh",
        "Phòng Kỹ thuật",
        "approved",
    )
    assert portal.approval_decision == {
        "number": "12/QĐ-BVD",
        "date": "2025-03-01",
        "approver": "Tổng Biên tập",
    }
    assert portal.quy_che_decision == {"number": "15/QĐ-BVD", "date": "2025-04-01", "issuer": "Tổng Biên tập"}
    assert (portal.deployment, portal.expected_deployment_date, portal.check_type) == (
        "partial",
        "2027-06-30",
        "periodic",
    )
    assert portal.roadmap == {"ANM.LOG.05": "2027-03-31"}
    assert inv.reporting == {
        "period_start": "15/12",
        "period_end": "13/12",
        "internal_deadline": "20/12",
        "national_deadline": "25/12",
        "recipient": "Cục A05",
        "systems_in_scope": 3,
    }
    assert inv.transition_deadline == "2027-06-30"
    assert (cms.owner, cms.approval_status, cms.deployment, cms.roadmap) == ("", None, None, {})
    plain = load_inventory(write(tmp_path, GOOD))
    assert plain.reporting == {
        "period_start": "15/12",
        "period_end": "14/12",
        "internal_deadline": "20/12",
        "national_deadline": "25/12",
        "recipient": "Bộ Công an",
    }
    assert plain.transition_deadline == "2027-07-01"


BAD_MAU08 = [
    (
        "unknown system key",
        MAU08.replace("operator:", "operater:"),
        ":11: bao-vi-du/portal: trường không hợp lệ / unknown key 'operater'",
    ),
    (
        "unknown agency key",
        GOOD.replace("contact: it@", "contacts: it@"),
        ":4: bao-vi-du: trường không hợp lệ / unknown key 'contacts'",
    ),
    (
        "unknown top key",
        GOOD.replace("period: 2026", "period: 2026\nperiods: 2025"),
        ":1: trường không hợp lệ / unknown key 'periods'",
    ),
    ("unknown target key", GOOD.replace("address: 127.0.0.61", "addr: 127.0.0.61"), "unknown key 'addr'"),
    (
        "unknown reporting key",
        MAU08.replace("recipient: Cục A05", "recipients: X"),
        ":3: trường không hợp lệ / unknown key 'recipients'",
    ),
    (
        "bad approval status",
        MAU08.replace("Đã được phê duyệt", "done"),
        "approval_status 'done' must be one of",
    ),
    ("bad deployment", MAU08.replace("deployment: partial", "deployment: half"), "deployment 'half' must be"),
    ("bad check type", MAU08.replace("check_type: periodic", "check_type: yearly"), "check_type 'yearly'"),
    (
        "bad date",
        MAU08.replace("2027-06-30\n        check", "30-06-2027\n        check"),
        "expected_deployment_date '30-06-2027' must be a date",
    ),
    (
        "bad decision date",
        MAU08.replace("date: 01/03/2025", "date: 31/02/2025"),
        "date '31/02/2025' must be a date",
    ),
    (
        "decision key",
        MAU08.replace("approver: Tổng", "signer: Tổng"),
        "unknown key 'signer' in approval_decision",
    ),
    (
        "decision not a mapping",
        MAU08.replace(
            "approval_decision: {number: 12/QĐ-BVD, date: 01/03/2025, approver: Tổng Biên tập}",
            "approval_decision: 12/QĐ",
        ),
        "approval_decision must be a mapping",
    ),
    (
        "bad day-month",
        MAU08.replace('period_end: "13/12"', 'period_end: "32/12"'),
        "reporting.period_end '32/12'",
    ),
    (
        "bad scope count",
        MAU08.replace("systems_in_scope: 3", "systems_in_scope: many"),
        "systems_in_scope must be",
    ),
    (
        "bad transition",
        MAU08.replace("transition_deadline: 2027-06-30", "transition_deadline: soon"),
        "transition_deadline 'soon' must be a date",
    ),
    ("bad roadmap date", MAU08.replace("ANM.LOG.05: 31/03/2027", "ANM.LOG.05: later"), "ANM.LOG.05 'later'"),
]


@pytest.mark.parametrize("name,text,message", BAD_MAU08, ids=[b[0] for b in BAD_MAU08])
def test_bad_mau08_fields_exit_2_one_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    inv = write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_inventory(inv)
    assert message in str(exc.value)
    r = CliRunner().invoke(main, ["summary", str(tmp_path), "--inventory", str(inv), "--format", "json"])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and str(inv) in lines[0] and message in lines[0]
