"""``secaudit attest wizard``: answer a system's manual checklist one question at a time.

For auditors who would rather not edit YAML: each manual or partial requirement is shown with what
to look for and the profile's thresholds, the answer is saved to the attestation file at once
(atomically), so stopping half-way loses nothing and the next run resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from secaudit.assessment.attestations import (
    Attestation,
    AttestationSet,
    Evidence,
    attestation_path,
    dump_attestations,
    evidence_file,
    load_for_system,
    sha256_file,
)
from secaudit.config.catalog import applicable, profile_catalog
from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write, user_path
from secaudit.core.model import Profile, Requirement
from secaudit.render.attest_template import threshold_lines

CHOICES = {"c": "compliant", "n": "non_compliant", "a": "not_applicable", "s": None, "q": None}


def open_questions(
    profile: Profile, atts: AttestationSet | None, today: dt.date, redo: bool = False
) -> list[Requirement]:
    """Manual/partial requirements without a current answer (all of them with ``redo``)."""
    out = []
    for req, tailored in applicable(profile):
        if req.kind == "auto" or tailored is not None:
            continue
        current = atts.get(req.id) if atts else None
        answered = (
            current is not None
            and current.status is not None
            and (current.expiry is None or current.expiry >= today)
        )
        if redo or not answered:
            out.append(req)
    return out


def run_wizard(
    root: Path,
    agency: str,
    system: str,
    profile: Profile,
    level: int,
    ask: Callable[..., str],
    say: Callable[[str], None],
    attester: str,
    today: dt.date | None = None,
    redo: bool = False,
    only: set[str] | None = None,
) -> tuple[Path, int]:
    """Ask about every open requirement (``only``: of these ids, e.g. what systems inherit from a
    provider); returns (file, number of answers saved)."""
    today = today or dt.date.today()
    catalog = profile_catalog(profile)
    atts = load_for_system(root, agency, system) if root.is_dir() else None
    path = atts.path if atts and atts.path else attestation_path(root, agency, system)
    if atts is None:
        atts = AttestationSet(
            agency=agency, system=system, entries={}, path=path, catalog=catalog.id, root=root
        )
    elif atts.catalog != catalog.id:
        if atts.entries:  # answers with this catalogue's ids would make the file invalid
            raise InputError(
                f"tệp thuộc danh mục khác ({atts.catalog}, hồ sơ dùng {catalog.id}): "
                "dùng `secaudit attest migrate` / "
                f"the file answers catalogue {atts.catalog} but profile {profile.id} uses "
                f"{catalog.id}: use `secaudit attest migrate`",
                path,
                atts.catalog_line,
            )
        atts.catalog = catalog.id
    questions = [q for q in open_questions(profile, atts, today, redo) if only is None or q.id in only]
    say(f"{len(questions)} yêu cầu cần trả lời / requirements to answer → {path}")
    saved = 0
    for i, req in enumerate(questions, 1):
        say("")
        say(f"[{i}/{len(questions)}] {req.section(level)} · {req.title['vi']} ({req.id})")
        say(f"    {req.title['en']}")
        say(f"    {req.description['vi']}")
        say(f"    Bằng chứng cần có / evidence: {req.evidence['vi']}")
        for vi, en in threshold_lines(req, catalog, profile.parameters):
            say(f"    Ngưỡng / threshold: {vi} / {en}")
        current = atts.get(req.id)
        if current and current.status:
            say(f"    Hiện tại / now: {current.status} ({current.attested_at})")
        key = ask(
            "    Trạng thái / status: [c]ompliant, [n]on_compliant, n[a], [s]kip, [q]uit",
            choices=list(CHOICES),
            default="s",
        )
        if key == "q":
            break
        status = CHOICES[key]
        if status is None:
            continue
        note = ask("    Ghi chú / note (số quyết định, tài liệu… / decision no., document…)", default="")
        if status == "not_applicable" and not note:
            say("    Cần lý do khi không áp dụng / a reason is required: bỏ qua / skipped")
            continue
        evidence = []
        for raw in ask(
            "    Tệp bằng chứng / evidence files (phân cách bằng dấu phẩy / comma-separated)", default=""
        ).split(","):
            raw = raw.strip()
            if not raw:
                continue
            file = user_path(raw)
            try:
                found = file.is_file()
            except OSError as exc:  # inside a folder this user may not enter
                say(f"    Không đọc được / cannot read: {raw}: {exc.strerror or exc} (bỏ qua / ignored)")
                continue
            if not found:
                say(f"    Không thấy tệp / not found: {raw} (bỏ qua / ignored)")
                continue
            # Evidence lives beside the attestation file (DESIGN §10): a file elsewhere would be
            # invalid at assessment, so say so now.
            rel = Path(os.path.relpath(file.resolve(), path.parent.resolve())).as_posix()
            try:
                evidence_file(rel, path.parent)
                sha = sha256_file(file)
            except InputError as exc:
                say(f"    {raw}: {exc.message}; chép tệp vào / copy it into {path.parent} (bỏ qua / ignored)")
                continue
            evidence.append(Evidence(path=rel, sha256=sha))
        if status == "compliant" and not note and not evidence:
            say("    Cần ghi chú hoặc bằng chứng / a note or evidence is needed: bỏ qua / skipped")
            continue
        atts.entries[req.id] = Attestation(
            requirement=req.id,
            status=status,
            note=note,
            evidence=evidence,
            attested_by=attester,
            attested_at=today,
        )
        atomic_write(path, dump_attestations(atts))  # saved at once: quitting loses nothing
        saved += 1
    return path, saved
