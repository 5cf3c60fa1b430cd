"""Accepting a tailoring edits inventory.yaml as text (config/inventory_edit): the Department's comments,
key order, quoting and blank lines survive byte for byte; odd layouts fall back to load-and-dump,
which still writes the right data; through the real web view too."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("web_province")

from web_province import body, client, tailored_portal  # noqa: E402 - after the rewrite registration

from secaudit.config.inventory_edit import KEY, accept_tailoring  # noqa: E402
from secaudit.core.errors import InputError  # noqa: E402
from secaudit.core.yamlio import dump_yaml, load_yaml_text  # noqa: E402

pytest_plugins = ["web_province"]

COMMENTED = """\
# Danh mục hệ thống của tỉnh — ghi chú của cán bộ CNTT (đừng xoá)
province: "Thừa Thiên Huế"   # tên đầy đủ
period: 2026

agencies:
  # Sở A: liên hệ anh Nam, máy lẻ 204
  - id: so-a
    name: 'Sở A'
    systems:
      - id: portal        # cổng chính
        level: 3
        name: Cổng A
        # nâng cấp lên cấp độ 4 trong quý 1

      - id: mail
        name: Thư điện tử
        level: 2

  # Sở B
  - id: so-b
    systems:
      - id: portal
        name: Cổng B
        level: 3
# hết / end
"""


def _accepted(text: str, agency: str, system: str) -> Any:
    data = load_yaml_text(text)
    ag = next(a for a in data["agencies"] if a["id"] == agency)
    return next(s for s in ag["systems"] if s["id"] == system).get(KEY)


def _old_way(text: str, agency: str, system: str, rid: str) -> str:
    """What the web view wrote before: the loaded data with the id added, dumped."""
    data = load_yaml_text(text)
    ag = next(a for a in data["agencies"] if a["id"] == agency)
    sy = next(s for s in ag["systems"] if s["id"] == system)
    sy[KEY] = [*(sy.get(KEY) or []), rid]
    return dump_yaml(data)


def _kept_in_order(old: str, new: str) -> bool:
    """Every line of ``old`` is in ``new``, in the same order (new lines may be between)."""
    lines = iter(new.splitlines())
    return all(any(line == n for n in lines) for line in old.splitlines())


def test_comments_order_and_blank_lines_survive() -> None:
    out = accept_tailoring(COMMENTED, "so-a", "portal", "M.OPS.07")
    assert _kept_in_order(COMMENTED, out)
    added = [line for line in out.splitlines() if line not in COMMENTED.splitlines()]
    assert added == ["        accepted_tailoring: [M.OPS.07]"]
    # right after the system's last value, before the officer's note about it
    assert "        name: Cổng A\n        accepted_tailoring: [M.OPS.07]\n        # nâng cấp" in out
    assert _accepted(out, "so-a", "portal") == ["M.OPS.07"]
    assert dump_yaml(load_yaml_text(out)) == _old_way(COMMENTED, "so-a", "portal", "M.OPS.07")
    # the other systems are untouched (a second acceptance elsewhere keeps the first)
    out2 = accept_tailoring(out, "so-b", "portal", "M.ORG.01")
    assert _kept_in_order(out, out2) and _accepted(out2, "so-b", "portal") == ["M.ORG.01"]
    assert _accepted(out2, "so-a", "mail") is None and _accepted(out2, "so-a", "portal") == ["M.OPS.07"]


def test_block_list_gets_the_id_appended() -> None:
    text = COMMENTED.replace(
        "        level: 2\n", "        accepted_tailoring:\n          - A   # ok\n        level: 2\n"
    )
    out = accept_tailoring(text, "so-a", "mail", "B")
    assert out == text.replace("- A   # ok\n", "- A   # ok\n          - B\n")
    assert _accepted(out, "so-a", "mail") == ["A", "B"]


def test_indentless_block_list() -> None:
    text = "agencies:\n- id: a\n  systems:\n  - id: s\n    accepted_tailoring:\n    - A\n    level: 3\n"
    out = accept_tailoring(text, "a", "s", "B")
    assert out == text.replace("    - A\n", "    - A\n    - B\n")


@pytest.mark.parametrize(
    ("before", "after"),
    [(" [A]", " [A, B]"), (" [ A ,C ]", " [ A ,C, B ]"), (" []", " [B]"), ("", " [B]"), (" ~", " [B]")],
)
def test_flow_empty_and_null_lists(before: str, after: str) -> None:
    text = "agencies:\n  - id: a\n    systems:\n      - id: s\n        {}:{}  # note\n        level: 3\n"
    out = accept_tailoring(text.format(KEY, before), "a", "s", "B")
    assert out == text.format(KEY, after)
    assert _accepted(out, "a", "s")[-1] == "B"


def test_system_last_in_the_file_without_a_final_line_break() -> None:
    text = "agencies:\n  - id: a\n    systems:\n      - id: s\n        level: 3   # cuối"
    out = accept_tailoring(text, "a", "s", "B")
    assert out == text + "\n        accepted_tailoring: [B]"
    crlf = text.replace("\n", "\r\n") + "\r\n"
    assert accept_tailoring(crlf, "a", "s", "B") == crlf + "        accepted_tailoring: [B]\r\n"


def test_flow_style_system() -> None:
    text = "agencies:\n  - id: a\n    systems:\n      - {id: s, level: 3,\n         name: x}  # giữ\n"
    out = accept_tailoring(text, "a", "s", "B")
    assert out == text.replace("name: x}", "name: x, accepted_tailoring: [B]}")
    assert dump_yaml(load_yaml_text(out)) == _old_way(text, "a", "s", "B")


@pytest.mark.parametrize(
    "layout",
    [
        # the last value is an alias: its marks are the anchor's, elsewhere in the file
        "agencies:\n  - id: a\n    level: &l 3\n    systems:\n      - id: s\n        level: *l\n",
        # keep-chomped block scalar: its trailing blank line belongs to the value
        "agencies:\n  - id: a\n    systems:\n      - id: s\n        note: |+\n          n\n\n  - id: b\n",
        # the list given through an alias
        "x: &t [A]\nagencies:\n  - id: a\n    systems:\n      - id: s\n        accepted_tailoring: *t\n",
    ],
)
def test_odd_layouts_fall_back_to_the_old_dump(layout: str) -> None:
    out = accept_tailoring(layout, "a", "s", "B")
    assert out == _old_way(layout, "a", "s", "B")
    assert _accepted(out, "a", "s")[-1] == "B"


@pytest.mark.parametrize(
    "rid",
    [
        "yes",
        "null",
        "1.0",
        "0o17",
        "2026-01-01",
        "a, b",
        "#x",
        "it's",
        ' "q"',
        "[x]",
        "Mã đặc biệt",
        "a\u2028b",
    ],
)
def test_ids_that_need_quoting_read_back_as_the_same_string(rid: str) -> None:
    out = accept_tailoring(COMMENTED, "so-a", "mail", rid)
    assert _kept_in_order(COMMENTED, out) and _accepted(out, "so-a", "mail") == [rid]
    mail = "      - {id: mail, level: 2}  # thư\n"
    flow = COMMENTED.replace("      - id: mail\n        name: Thư điện tử\n        level: 2\n", mail)
    out = accept_tailoring(flow, "so-a", "mail", rid)
    assert _kept_in_order(flow.replace(mail, ""), out) and "}  # thư\n" in out
    assert _accepted(out, "so-a", "mail") == [rid]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12))
def test_any_id_is_written_safely(rid: str) -> None:
    out = accept_tailoring(COMMENTED, "so-b", "portal", rid)
    assert _accepted(out, "so-b", "portal") == [rid]
    assert dump_yaml(load_yaml_text(out)) == _old_way(COMMENTED, "so-b", "portal", rid)


def test_an_id_already_accepted_changes_nothing() -> None:
    once = accept_tailoring(COMMENTED, "so-a", "portal", "M.OPS.07")
    assert accept_tailoring(once, "so-a", "portal", "M.OPS.07") is once


def test_unknown_system_and_a_bad_list_are_input_errors() -> None:
    with pytest.raises(InputError, match="no such system") as exc:
        accept_tailoring(COMMENTED, "so-a", "nope", "B", "inventory.yaml")
    assert "inventory.yaml" in str(exc.value)
    with pytest.raises(InputError, match="no such system"):
        accept_tailoring(COMMENTED, "so-x", "portal", "B")
    bad = COMMENTED.replace("        level: 2\n", "        level: 2\n        accepted_tailoring: 5\n")
    with pytest.raises(InputError, match="must be a list") as exc:
        accept_tailoring(bad, "so-a", "mail", "B", "inventory.yaml")
    assert exc.value.line == 15


def test_through_the_web_view_the_comments_stay(web: dict[str, Any]) -> None:
    import real_bundles as rb

    from secaudit.config.inventory import load_inventory

    inv, text = tailored_portal(web)
    text = "# ghi chú của cán bộ CNTT: đừng xoá\n\n" + text.replace(
        "  - id: so-b\n", "  # Sở B: hạn nộp riêng\n  - id: so-b\n"
    )
    inv.write_text(text, encoding="utf-8")
    history = inv.parent / "inventory-history"
    kept = len(list(history.glob("*.yaml"))) if history.is_dir() else 0
    d = client("dept")
    form = {"agency": "so-a", "system": "portal", "requirement": rb.OTHER_MANUAL}
    assert d.post("/department/tailoring/", form).status_code == 200
    new = inv.read_text(encoding="utf-8")
    end = '"https://127.0.0.1:8443"]}'  # so-a's system, in flow style: the id goes in before its "}"
    assert new == text.replace(
        end, f'"https://127.0.0.1:8443"], accepted_tailoring: [{rb.OTHER_MANUAL}]}}', 1
    )
    assert load_inventory(inv).agencies[0].systems[0].accepted_tailoring == [rb.OTHER_MANUAL]
    assert len(list(history.glob("*.yaml"))) == kept + 1  # the replaced version is kept
    # accepting it again leaves the file as it is, byte for byte, and keeps no new copy
    before = inv.read_bytes()
    resp = d.post("/department/tailoring/", form)
    assert resp.status_code == 200 and f'data-item="so-a/portal/{rb.OTHER_MANUAL}"' in body(resp)
    assert inv.read_bytes() == before and len(list(history.glob("*.yaml"))) == kept + 1
