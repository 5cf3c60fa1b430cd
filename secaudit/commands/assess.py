"""``secaudit assess``: parse, call the assess service (secaudit/assessment/service.py), report, exit.

``--rejudge BUNDLE --profile NAME`` re-makes a stored bundle's verdicts under another profile from its
observations and attestations (secaudit/assessment/rejudge.py), without scanning.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from secaudit.commands._common import LANG_OPTION
from secaudit.commands._domains import resolver_options
from secaudit.core.errors import InputError


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _report_line(
    agency: str, system: str, level: int, summary: dict[str, Any], path: Path, lang: str = "vi"
) -> None:
    from secaudit.core.i18n import pct

    c = summary["counts"]
    score = pct(summary.get("automated_score"), lang)
    cov = summary.get("score_coverage")
    if isinstance(cov, (int, float)) and cov < 100:  # a score over a few checks must say so (docs/scores.md)
        score += f" ({'coverage' if lang == 'en' else 'bao phủ'} {pct(cov, lang)})"
    if lang == "en":
        meets = "MEETS" if summary["meets_level"] else "DOES NOT MEET"
        click.echo(
            f"{agency}/{system}: {meets} level {level} · {pct(summary['compliance_pct'], lang)} · "
            f"automated score {score} · pass {c['pass']} fail {c['fail']} awaiting evidence "
            f"{c['not_reviewed']} error {c['error']} n/a {c['not_applicable']} → {path}"
        )
        return
    meets = "ĐẠT" if summary["meets_level"] else "CHƯA ĐẠT"
    click.echo(
        f"{agency}/{system}: {meets} cấp độ {level} · {pct(summary['compliance_pct'], lang)} · "
        f"điểm tự động {score} · đạt {c['pass']} không đạt {c['fail']} chờ bằng chứng "
        f"{c['not_reviewed']} lỗi {c['error']} không áp dụng {c['not_applicable']} → {path}"
    )


UNSIGNED = {
    "vi": "secaudit: cảnh báo: không có --key, các gói sẽ KHÔNG được ký (cơ quan tiếp nhận sẽ không "
    "tính kết quả chưa ký); tạo khoá: secaudit keys generate --agency ID -o keys/",
    "en": "secaudit: warning: no --key, the bundles will NOT be signed (the receiving authority does "
    "not count unsigned results); make a key: secaudit keys generate --agency ID -o keys/",
}


@click.command(
    "assess",
    help="Đánh giá các hệ thống trong danh mục, ghi gói kết quả ký số / assess the "
    "inventory's systems and write one (signed) bundle per system.\n\n"
    "Exit: 0 every system meets its level · 1 some does not · 2 bad input · "
    "3 only probe errors stood in the way · 130 interrupted (Ctrl-C).\n\n"
    "Mỗi gói được ghi ngay khi hệ thống xong, kèm nhật ký chạy; chạy bị ngắt thì tiếp tục bằng "
    "--resume / each bundle is written as its system finishes, with a run log; continue an "
    "interrupted run with --resume LOG. --shard I/N shares a province among N machines "
    "(docs/scale.md).\n\n"
    "\b\nDanh mục tối thiểu / a minimal inventory (docs/inventory.md has every field):\n"
    "  province: Thừa Thiên Huế\n"
    "  period: 2026\n"
    "  agencies:\n"
    "    - id: bao-vi-du\n"
    "      name: Báo Ví Dụ\n"
    "      systems:\n"
    "        - {id: portal, name: Cổng báo điện tử, level: 3, targets: [https://baoviadu.example.vn]}\n"
    "\b\nVí dụ / example:\n"
    "  secaudit keys generate --agency bao-vi-du -o keys/\n"
    "  secaudit assess --inventory inventory.yaml --key keys/ -o ket-qua/",
)
@click.option(
    "--inventory",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp danh mục hệ thống / the inventory file (inventory.yaml).",
)
@click.option(
    "--attestations",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục xác nhận / attestations folder (<agency>/<system>.yaml).",
)
@click.option("--agency", help="Chỉ một cơ quan / one agency only.")
@click.option(
    "--key",
    type=click.Path(path_type=Path),
    help="Khóa ký / private key (.key), or a folder holding <agency>.key.",
)
@click.option(
    "--ca-file", type=click.Path(dir_okay=False, path_type=Path), help="Thêm CA tin cậy / extra CA (PEM)."
)
@click.option("--ports", "ports_spec", help="Cổng quét thêm / extra ports, e.g. 8080,9000-9010.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Giây / seconds per connection.")
@click.option(
    "--probes",
    "probes_spec",
    help="Bộ thu thập (mặc định: tls,http,ports, thêm dns,mail cho hệ thống khai báo domains:) / "
    "probes: tls,http,ports,dns,mail (default: tls,http,ports, plus dns,mail for systems listing domains:).",
)
@resolver_options
@click.option(
    "--rejudge",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Đánh giá lại gói có sẵn, không quét / re-evaluate a bundle's observations, no scan.",
)
@click.option("--profile", "profile_name", help="Hồ sơ cho --rejudge / profile for --rejudge.")
@click.option(
    "--keyring",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục khoá của cơ quan tiếp nhận / the receiving authority's keyring: checks reviewers' "
    "keys (reviewers/*.pub).",
)
@click.option(
    "--shard",
    "shard_spec",
    help="Phần I trong N máy (I đánh số từ 1) / share I of N machines (1-based), e.g. 2/5; "
    "see docs/scale.md.",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Nhật ký chạy (JSON lines) / run log, default OUT/secaudit-run[.AGENCY][.shard-I-of-N].jsonl.",
)
@click.option(
    "--resume",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tiếp tục lần chạy bị ngắt theo nhật ký / continue an interrupted run from its log "
    "(same command otherwise; finished systems are not scanned again).",
)
@click.option(
    "--assessed-at",
    "assessed_at",
    help="Ngày đánh giá ghi trong gói / the run's date in the bundles (ISO, UTC; default now).",
)
@click.option(
    "--parallel",
    type=click.IntRange(1, 64),
    default=10,
    show_default=True,
    help="Số hệ thống quét cùng lúc / systems scanned at once.",
)
@click.option("--no-progress", is_flag=True, help="Không hiện tiến độ / no progress on stderr.")
@LANG_OPTION
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục ghi gói kết quả / folder for the bundles (one .json per system).",
)
def assess(
    inventory: Path | None,
    attestations: Path | None,
    agency: str | None,
    key: Path | None,
    ca_file: Path | None,
    ports_spec: str | None,
    timeout: float,
    probes_spec: str | None,
    rejudge: Path | None,
    profile_name: str | None,
    keyring: Path | None,
    shard_spec: str | None,
    log_path: Path | None,
    resume: Path | None,
    assessed_at: str | None,
    parallel: int,
    no_progress: bool,
    lang: str,
    out_dir: Path,
    **resolver_args: Any,
) -> None:
    from secaudit.assessment import service
    from secaudit.commands._domains import build as build_domain_options

    if rejudge is not None and (shard_spec or log_path or resume):
        raise InputError(
            "--shard, --log và --resume đi với --inventory, không đi với --rejudge / "
            "--shard, --log and --resume go with --inventory, not --rejudge"
        )
    if rejudge is not None:
        sys.exit(_rejudge(rejudge, profile_name, attestations, key, out_dir))
    if profile_name is not None:
        raise InputError(
            "--profile chỉ đi với --rejudge; hồ sơ của hệ thống ghi trong danh sách hệ thống / "
            "--profile goes with --rejudge; systems name their profiles in the inventory"
        )
    if inventory is None:
        raise InputError(
            "cần --inventory TỆP (hoặc --rejudge GÓI --profile TÊN) / "
            "--inventory FILE is required (or --rejudge BUNDLE --profile NAME)"
        )
    if ca_file is not None and not ca_file.is_file():
        raise InputError("--ca-file: không thấy tệp / file not found", ca_file)
    if timeout <= 0:
        raise InputError("--timeout phải là số giây dương / --timeout must be a positive number of seconds")
    from secaudit.assessment.pipeline import parse_assessed_at
    from secaudit.assessment.scan import parse_probes
    from secaudit.assessment.shard import parse_shard
    from secaudit.config.targets import parse_ports

    opts = service.AssessOptions(
        attestations=attestations,
        agency=agency,
        key=key,
        ca_file=ca_file,
        extra_ports=parse_ports(ports_spec) or None,
        timeout=timeout,
        probes=parse_probes(probes_spec),
        progress=not no_progress,
        out_dir=out_dir,
        keyring=keyring,
        unsigned_warning=UNSIGNED[lang],  # said before the scan: no long run ends in uncounted bundles
        domain_options=build_domain_options(timeout=timeout, ca_file=ca_file, **resolver_args),
        domain_probes=probes_spec is None,  # --probes given: exactly those
        shard=parse_shard(shard_spec) if shard_spec is not None else None,
        log=log_path,
        resume=resume,
        assessed_at=parse_assessed_at(assessed_at) if assessed_at is not None else None,
        in_flight=parallel,
    )
    written = service.assess_inventory(inventory, opts, _say)
    for w in written:
        _report_line(w.agency, w.system, w.level, w.summary, w.path, lang)
    if key is None:
        _say("secaudit: các gói CHƯA KÝ (không có --key) / bundles are NOT signed (no --key given)")
    code = service.exit_code([w.summary for w in written])
    failed = getattr(written, "failed", [])
    if failed:  # a system left without a bundle is incomplete, never a pass
        _say(f"secaudit: {len(failed)} hệ thống không có gói / systems without a bundle (see the run log)")
        code = code or 3
    sys.exit(code)


def _rejudge(
    bundle_path: Path, profile_name: str | None, attestations: Path | None, key: Path | None, out_dir: Path
) -> int:
    from secaudit.assessment import service
    from secaudit.assessment.rejudge_profile import rejudged_assessment
    from secaudit.signing.bundle import load_bundle

    if not profile_name:
        raise InputError(
            "--rejudge cần --profile TÊN (hồ sơ dùng để đánh giá lại) / "
            "--rejudge needs --profile NAME (the profile to judge under)"
        )
    old = load_bundle(bundle_path)["assessment"]
    a, summary = rejudged_assessment(old, profile_name, attestations, bundle_path, key, _say)
    path = service.write(a, service.key_for(key, a["agency"]["id"]), out_dir)
    _report_line(a["agency"]["id"], a["system"]["id"], a["system"]["level"], summary, path)
    if key is None:
        _say("secaudit: gói CHƯA KÝ (không có --key) / bundle is NOT signed (no --key given)")
    return service.exit_code([summary])


# Kept for callers of the old name (tests, scripts): the local calendar day of an assessment.
def _today(assessed_at: str) -> Any:
    from secaudit.assessment.service import local_day

    return local_day(assessed_at)


COMMANDS = [assess]
