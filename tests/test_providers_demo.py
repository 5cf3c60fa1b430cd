"""The demo province has shared infrastructure (issue 14): the provincial data centre, whose
requirements several agencies' systems inherit, one of them expired and shown as one cause."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.fixture(scope="module")
def demo(demo_run: dict[str, Any]) -> dict[str, Any]:
    return demo_run


def test_demo_shows_the_provider_and_its_one_cause(demo: dict[str, Any]) -> None:
    out = demo["out"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (p,) = summary["providers"]
    assert p["id"] == "tt-du-lieu-tinh" and len(p["systems"]) == 5
    assert len({s["agency"] for s in p["systems"]}) == 4  # several agencies depend on it
    reqs = {r["id"]: r for r in p["requirements"]}
    assert reqs["T.DES.08"]["status"] == "pass"  # approved by the inspector (require_review)
    assert reqs["T.DES.07"]["status"] == "not_reviewed" and reqs["T.DES.07"]["cause"] == "attestation_expired"
    causes = {c["requirement"]: c for c in summary["provider_causes"]}
    assert causes["T.DES.07"]["n"] == 4 and "dai-co-do/cong-thong-tin" not in causes["T.DES.07"]["systems"]
    # The system that inherits only passing requirements still meets its level.
    meets = {(a["id"], s["id"]): s["meets_target"] for a in summary["agencies"] for s in a["systems"]}
    assert meets[("dai-co-do", "cong-thong-tin")] is True
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Trung tâm Dữ liệu tỉnh" in html and "T.DES.07 hết hạn → ảnh hưởng 4 hệ thống" in html
    # An affected agency's page names the shared cause too (and which of its systems it touches).
    page = (out / "agencies" / "dai-co-do.html").read_text(encoding="utf-8")
    assert "T.DES.07 hết hạn → ảnh hưởng 4 hệ thống (phat-truc-tuyen)" in page
    # The bundle says where an inherited verdict comes from.
    from secaudit.signing.bundle_view import as_v1

    raw = json.loads((out / "bundles" / "dai-co-do.phat-truc-tuyen.2026.json").read_text(encoding="utf-8"))
    a = as_v1(raw["assessment"], texts=True)
    v = next(r for r in a["requirements"] if r["id"] == "T.DES.07")
    assert v["inherited_from"]["provider"] == "tt-du-lieu-tinh" and v["status"] == "not_reviewed"
    assert v["reason"]["vi"].startswith("Kế thừa từ Trung tâm Dữ liệu tỉnh")
    report = (out / "reports" / "dai-co-do.phat-truc-tuyen.2026.html").read_text(encoding="utf-8")
    assert "Kế thừa từ Trung tâm Dữ liệu tỉnh" in report
    # Mẫu 08's annex names where an inherited verdict comes from.
    assert "kế thừa từ Trung tâm Dữ liệu tỉnh" in (out / "mau08.html").read_text(encoding="utf-8")
