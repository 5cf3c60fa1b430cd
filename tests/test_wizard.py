"""`secaudit attest wizard`: answers typed at the prompt land in a loadable attestation file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from secaudit.assessment.attestations import check_evidence, load_attestations
from secaudit.cli import main
from secaudit.config.catalog import applicable, load_profile

INVENTORY = """province: Thử nghiệm
period: '2026'
agencies:
  - id: bao-a
    name: Báo A
    systems:
      - id: portal
        name: Cổng
        level: 3
        targets: ['https://portal.example.vn']
"""


def _open_ids() -> list[str]:
    return [r.id for r, t in applicable(load_profile("level3")) if r.kind != "auto" and t is None]


def test_wizard_saves_each_answer_and_resumes(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.yaml"
    inv.write_text(INVENTORY, encoding="utf-8")
    root = tmp_path / "attestations"
    evidence = root / "bao-a" / "bang-chung" / "quy-che.pdf"  # evidence lives in the folder
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 quy che")
    outside = tmp_path / "ngoai.pdf"  # outside it: refused by the wizard, not recorded
    outside.write_bytes(b"elsewhere")
    ids = _open_ids()
    answers = (
        "\n".join(
            [
                "c",
                "QĐ 12/QĐ-BA ban hành quy chế",
                f"{evidence}, {outside}, ~nosuchuser-x/a.pdf",  # 1: evidence (outside, unknown user: ignored)
                "n",
                "",
                "",  # 2: non_compliant
                "a",
                "",
                "",  # 3: n/a without a reason: skipped
                "c",
                "",
                "",  # 4: compliant with nothing: skipped
                "s",  # 5: skipped
                "q",
            ]
        )
        + "\n"
    )
    args = [
        "attest",
        "wizard",
        "--inventory",
        str(inv),
        "--agency",
        "bao-a",
        "--system",
        "portal",
        "--attestations",
        str(root),
        "--attested-by",
        "Nguyễn Văn A",
    ]
    res = CliRunner().invoke(main, args, input=answers)
    assert res.exit_code == 0, res.output
    path = root / "bao-a" / "portal.yaml"
    atts = load_attestations(path, "bao-a", "portal")
    assert set(atts.entries) == {ids[0], ids[1]}
    first, second = atts.entries[ids[0]], atts.entries[ids[1]]
    assert first.status == "compliant" and first.note.startswith("QĐ 12")
    assert first.attested_by == "Nguyễn Văn A" and first.attested_at is not None
    assert [e.path for e in first.evidence] == ["bang-chung/quy-che.pdf"]
    assert check_evidence(first.evidence[0], path.parent)["state"] == "ok"
    assert "ngoai.pdf: nằm ngoài thư mục xác nhận / outside the attestations folder" in res.output
    assert "not found: ~nosuchuser-x/a.pdf" in res.output  # not pathlib's RuntimeError
    assert second.status == "non_compliant"

    # A second run asks only what is still open, starting with the skipped n/a question.
    res = CliRunner().invoke(main, args, input="q\n")
    assert res.exit_code == 0
    assert f"({ids[2]})" in res.output and f"({ids[0]})" not in res.output
    assert f"{len(ids) - 2} yêu cầu" in res.output


def test_wizard_bad_inventory_is_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main,
        [
            "attest",
            "wizard",
            "--inventory",
            str(tmp_path / "none.yaml"),
            "--agency",
            "a",
            "--system",
            "b",
            "--attestations",
            str(tmp_path),
            "--attested-by",
            "x",
        ],
    )
    assert res.exit_code == 2


def test_wizard_never_mixes_catalogues_in_one_file(tmp_path: Path) -> None:
    # The system is judged under TCVN 14423 but its file answers TCVN 11930: answers with 14423 ids
    # written into it would make the file invalid (unknown ids) for every later command.
    from secaudit.assessment.attestations import validate_catalog

    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        INVENTORY.replace("level: 3", "level: 3\n        profile: tcvn14423-level3"), encoding="utf-8"
    )
    path = tmp_path / "attestations" / "bao-a" / "portal.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        f"agency: bao-a\nsystem: portal\nattestations:\n"
        f"  - {{requirement: {_open_ids()[0]}, status: compliant, note: QĐ 12}}\n",
        encoding="utf-8",
    )
    before = path.read_bytes()
    validate_catalog(load_attestations(path, "bao-a", "portal"))
    args = [
        "attest",
        "wizard",
        "--inventory",
        str(inv),
        "--agency",
        "bao-a",
        "--system",
        "portal",
        "--attestations",
        str(tmp_path / "attestations"),
        "--attested-by",
        "A",
    ]
    res = CliRunner().invoke(main, args, input="c\nQĐ 15\n\nq\n")
    assert res.exit_code == 2, res.output
    assert "tcvn-11930-2017" in res.output and "attest migrate" in res.output
    assert path.read_bytes() == before

    # A file with no answers yet simply takes the profile's catalogue.
    path.write_text("agency: bao-a\nsystem: portal\nattestations: []\n", encoding="utf-8")
    res = CliRunner().invoke(main, args, input="c\nQĐ 15\n\nq\n")
    assert res.exit_code == 0, res.output
    atts = load_attestations(path, "bao-a", "portal")
    assert atts.catalog == "tcvn-14423-2026" and len(atts.entries) == 1
    validate_catalog(atts)
