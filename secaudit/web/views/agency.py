"""The agency's pages: its systems and to-do list, attestation per requirement (with evidence upload,
history and optimistic locking), submit for review, YAML export/import, bundle upload; and the
evidence download every role that may see the system uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from secaudit.core.errors import InputError
from secaudit.core.model import text
from secaudit.web import audit, config, data, permissions, upload_limit
from secaudit.web.views.common import login_required, page, web_message


def _today() -> date:
    return timezone.localdate()


def _rows(request: HttpRequest, ref: Any, atts: Any) -> list[dict[str, Any]]:
    """One row per requirement of the system's profile: its answer and review state."""
    from secaudit.assessment.review_store import entry_state

    lang = request.lang  # type: ignore[attr-defined]
    rows = []
    for req, tailored in data.requirements(ref):
        att = atts.get(req.id)
        state = entry_state(atts, req.id) if att is not None and atts.reviews is not None else None
        rows.append(
            {
                "id": req.id,
                "title": text(req.title, lang),
                "kind": req.kind,
                "tailored": tailored is not None,
                "status": att.status if att else None,
                "review": state.status if state is not None else "",
                "expiry": att.expiry_within(atts.max_months) if att else None,
            }
        )
    return rows


def _submission(agency: str, system: str) -> Any:
    from secaudit.web.models import Submission

    return Submission.objects.filter(agency=agency, system=system).first()


def _todo_reason(row: dict[str, Any], today: date) -> str:
    """Why an answered entry is on the to-do list: changes asked, expired, or expiring within the
    summary's 30 days (attestations.EXPIRING_SOON_DAYS); "" when it is not."""
    from datetime import timedelta

    from secaudit.assessment.attestations import EXPIRING_SOON_DAYS

    if row["review"] == "changes_requested":
        return "changes"
    if row["expiry"] and row["expiry"] < today:
        return "expired"
    if row["expiry"] and row["expiry"] <= today + timedelta(days=EXPIRING_SOON_DAYS):
        return "expiring"
    return ""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    permissions.require_area(request.user, "agency")
    systems, todo = [], []
    for aid in permissions.visible_agencies(request.user, [a.id for a in data.agencies()]):
        ag = data.find_agency(aid)
        for sy in ag.systems:
            ref = data.find_system(aid, sy.id)
            atts = data.load_set(ref)
            rows = _rows(request, ref, atts)
            need = [r for r in rows if r["kind"] != "auto" and not r["tailored"]]
            open_rows = [r for r in need if not r["status"]]
            systems.append(
                {
                    "agency": aid,
                    "id": sy.id,
                    "name": sy.name,
                    "answered": len(need) - len(open_rows),
                    "needed": len(need),
                    "submission": _submission(aid, sy.id),
                }
            )
            for r in open_rows:
                todo.append(
                    {"agency": aid, "system": sy.id, "req": r["id"], "title": r["title"], "why": "open"}
                )
            for r in need:
                why = _todo_reason(r, _today())
                if why:
                    todo.append(
                        {"agency": aid, "system": sy.id, "req": r["id"], "title": r["title"], "why": why}
                    )
    return page(request, "agency_home.html", systems=systems, todo=todo)


@login_required
def system(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    ref = permissions.get_system_or_404(request.user, agency_id, system_id, edit=True)
    atts = data.load_set(ref)
    return page(
        request,
        "agency_system.html",
        ref=ref,
        rows=_rows(request, ref, atts),
        submission=_submission(agency_id, system_id),
        message=request.GET.get("done", ""),
    )


def _history(agency: str, system: str, req: str) -> list[Any]:
    from secaudit.web.models import Revision

    return list(
        Revision.objects.filter(agency=agency, system=system, requirement=req).order_by("-saved_at")[:50]
    )


def _evidence_rows(agency: str, system: str, att: Any) -> list[dict[str, Any]]:
    from secaudit.web.models import EvidenceFile

    names = {
        e.sha256: e.original_name
        for e in EvidenceFile.objects.filter(agency=agency, system=system).order_by("id")
    }
    return [
        {"sha256": ev.sha256, "path": ev.path, "name": names.get(ev.sha256 or "", ev.path.rsplit("/", 1)[-1])}
        for ev in (att.evidence if att else [])
    ]


@login_required
def requirement(request: HttpRequest, agency_id: str, system_id: str, req_id: str) -> HttpResponse:
    from secaudit.assessment.attestations import entry_revision

    ref = permissions.get_system_or_404(request.user, agency_id, system_id, edit=True)
    reqs = {r.id: (r, t) for r, t in data.requirements(ref)}
    if req_id not in reqs:
        raise Http404
    spec, tailored = reqs[req_id]
    atts = data.load_set(ref)
    ctx: dict[str, Any] = {"ref": ref, "req": spec, "title": text(spec.title, request.lang)}  # type: ignore[attr-defined]
    ctx["description"] = text(spec.description, request.lang)  # type: ignore[attr-defined]
    ctx["evidence_hint"] = text(spec.evidence, request.lang)  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        result = _save(request, ref, atts, spec)
        if isinstance(result, HttpResponse):
            return result
        ctx.update(result)
        status = 409 if "conflict" in result else 400
        atts = data.load_set(ref)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    att = atts.get(req_id)
    problem = att.date_problem(_today(), atts.max_months) if att else None
    ctx.update(
        att=att,
        form=ctx.get("form") or _form_of(att),
        revision=entry_revision(att),
        evidence=_evidence_rows(agency_id, system_id, att),
        history=_history(agency_id, system_id, req_id),
        date_problem=problem[0] if problem else "",
        saved=request.GET.get("saved") == "1",
        max_bytes=data.evidence_limit(ref),
        auto=spec.kind == "auto",
        tailored=tailored is not None,
    )
    return page(request, "agency_requirement.html", status=status, **ctx)


def _form_of(att: Any) -> dict[str, str]:
    if att is None:
        return {"status": "", "note": "", "attested_by": "", "attested_at": "", "expires_at": ""}
    d = att.to_dict()
    return {k: str(d.get(k) or "") for k in ("status", "note", "attested_by", "attested_at", "expires_at")}


def _save(request: HttpRequest, ref: Any, atts: Any, spec: Any) -> dict[str, Any] | HttpResponse:
    """Store the uploads, then the entry; a dict of what to show again on refusal."""
    from secaudit.web import attest, evidence
    from secaudit.web.models import EvidenceFile

    agency, system_id = ref.key
    form = {
        k: str(request.POST.get(k, ""))[:20000]
        for k in ("status", "note", "attested_by", "attested_at", "expires_at")
    }
    revision = str(request.POST.get("revision", ""))
    now = atts.get(spec.id)
    kept = [
        e.to_dict() for e in (now.evidence if now else []) if e.sha256 not in request.POST.getlist("remove")
    ]
    stored = []
    try:
        ups = request.FILES.getlist("evidence")[: config.EVIDENCE_FILES]
        if upload_limit.was_cut(request):  # one file went over the server's cap as it arrived
            raise evidence.too_large(data.evidence_limit(ref))
        for up in ups:
            st = evidence.store(
                up, data.evidence_folder(agency, system_id), atts.base_dir, data.evidence_limit(ref)
            )
            stored.append((st, str(up.name or "")[:255]))
        new_ev = kept + [
            {"path": st.rel, "sha256": st.sha256}
            for st, _n in stored
            if all(k.get("sha256") != st.sha256 for k in kept)
        ]
        node = attest.build_node(spec.id, form, new_ev, request.user.get_full_name() or request.user.username)
        saved = attest.save_entry(
            atts, {r.id: r for r, _t in data.requirements(ref)}, node, revision, _today()
        )
    except attest.Conflict as conflict:
        return {"form": form, "conflict": conflict.changed}
    except InputError as exc:
        return {"form": form, "error": web_message(exc)}

    when = timezone.now()
    for st, name in stored:
        EvidenceFile.objects.create(
            agency=agency,
            system=system_id,
            sha256=st.sha256,
            original_name=name,
            kind=st.kind,
            size=st.size,
            uploaded_by=request.user.username,
            uploaded_at=when,
        )
        audit.log(
            request.user, "evidence_upload", f"evidence:{agency}/{system_id}/{st.sha256}", {"size": st.size}
        )
    from secaudit.assessment.attestations import entry_revision

    rev = entry_revision(saved)
    _add_revision(agency, system_id, spec.id, saved, rev, when, request.user.username)
    audit.log(
        request.user, "attestation_save", f"attestation:{agency}/{system_id}/{spec.id}", {"revision": rev}
    )
    return redirect(f"/agency/system/{agency}/{system_id}/req/{spec.id}/?saved=1")


@login_required
@require_POST
def submit(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    from secaudit.web.models import Submission

    permissions.get_system_or_404(request.user, agency_id, system_id, edit=True)
    Submission.objects.update_or_create(
        agency=agency_id,
        system=system_id,
        defaults={
            "state": "submitted",
            "submitted_at": timezone.now(),
            "submitted_by": request.user.username,
            "decided_at": None,
            "decided_by": "",
            "note": "",
        },
    )
    audit.log(request.user, "submit", f"system:{agency_id}/{system_id}")
    return redirect(f"/agency/system/{agency_id}/{system_id}/?done=submitted")


@login_required
def export_yaml(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    from secaudit.assessment.attestations import dump_attestations

    ref = permissions.get_system_or_404(request.user, agency_id, system_id, edit=True)
    resp = HttpResponse(dump_attestations(data.load_set(ref)), content_type="application/yaml; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{system_id}.yaml"'
    return resp


@login_required
@require_POST
def import_yaml(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    from secaudit.web import attest

    ref = permissions.get_system_or_404(request.user, agency_id, system_id, edit=True)
    up = request.FILES.get("attestations")
    try:
        if upload_limit.was_cut(request) or (up is not None and up.size > config.IMPORT_MAX_BYTES):
            raise InputError("tệp quá lớn / file too large")
        if up is None:
            raise InputError("chưa chọn tệp / no file chosen")
        n = attest.import_file(data.load_set(ref), {r.id: r for r, _t in data.requirements(ref)}, up.read())
    except InputError as exc:
        atts = data.load_set(ref)
        return page(
            request,
            "agency_system.html",
            status=400,
            ref=ref,
            rows=_rows(request, ref, atts),
            submission=_submission(agency_id, system_id),
            error=web_message(exc),
        )
    _record_import(request, ref)
    audit.log(request.user, "attestation_import", f"system:{agency_id}/{system_id}", {"entries": n})
    return redirect(f"/agency/system/{agency_id}/{system_id}/?done=imported")


def _record_import(request: HttpRequest, ref: Any) -> None:
    """Each entry the import changed gets its revision in the history, as a save from the form does."""
    from secaudit.assessment.attestations import entry_revision
    from secaudit.web.models import Revision

    agency, system_id = ref.key
    when = timezone.now()
    for att in data.load_set(ref).entries.values():
        last = Revision.objects.filter(agency=agency, system=system_id, requirement=att.requirement).order_by(
            "-id"
        )
        newest, rev = last.first(), entry_revision(att)
        if newest is None or newest.revision != rev:
            _add_revision(agency, system_id, att.requirement, att, rev, when, request.user.username)


def _add_revision(
    agency: str, system_id: str, requirement: str, entry: Any, rev: str, when: Any, by: str
) -> None:
    """One entry's revision ``rev`` in the history: a save from the form, or an import."""
    from secaudit.web.models import Revision

    Revision.objects.create(
        agency=agency,
        system=system_id,
        requirement=requirement,
        revision=rev,
        entry=entry.to_dict(),
        saved_at=when,
        saved_by=by,
    )


@login_required
def bundles(request: HttpRequest) -> HttpResponse:
    from secaudit.web import bundles as service
    from secaudit.web.models import BundleUpload

    permissions.require_area(request.user, "agency")
    agency_id = permissions.agency_of(request.user)
    ctx: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        up = request.FILES.get("bundle")
        try:
            if upload_limit.was_cut(request):  # stopped at the cap as it arrived
                raise service.too_large(int(settings.SECAUDIT["BUNDLE_MAX_BYTES"]))
            if up is None:
                raise InputError("chưa chọn tệp / no file chosen")
            raw = service.read_upload(up, int(settings.SECAUDIT["BUNDLE_MAX_BYTES"]))
            verdict = service.receive(raw, agency_id)
        except InputError as exc:
            verdict = service.Verdict(False, web_message(exc))
            raw = b""
        import hashlib

        BundleUpload.objects.create(
            agency=agency_id,
            file=verdict.file,
            sha256=hashlib.sha256(raw).hexdigest(),
            accepted=verdict.accepted,
            reason=verdict.reason[:2000],
            uploaded_by=request.user.username,
            uploaded_at=timezone.now(),
        )
        audit.log(
            request.user,
            "bundle_upload" if verdict.accepted else "bundle_refused",
            f"bundle:{agency_id}/{verdict.file or '-'}",
            {"reason": verdict.reason[:500]},
        )
        ctx["verdict"] = verdict
        status = 200 if verdict.accepted else 400
    ctx["uploads"] = BundleUpload.objects.filter(agency=agency_id).order_by("-uploaded_at")[:50]
    return page(request, "agency_bundles.html", status=status, **ctx)


@login_required
def evidence(request: HttpRequest, agency_id: str, system_id: str, sha256: str) -> HttpResponse:
    """An evidence file of an entry of this system (only a referenced one: a hash alone opens nothing)."""
    from secaudit.assessment.evidence import evidence_file
    from secaudit.web.evidence import content_type_of

    ref = permissions.get_system_or_404(request.user, agency_id, system_id)
    atts = data.load_set(ref)
    rel = next((ev.path for a in atts.entries.values() for ev in a.evidence if ev.sha256 == sha256), None)
    if rel is None:
        raise Http404
    try:
        path = evidence_file(rel, atts.base_dir)
        fh = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (InputError, OSError):
        raise Http404 from None
    audit.log(request.user, "evidence_read", f"evidence:{agency_id}/{system_id}/{sha256}")
    resp = FileResponse(
        fh, as_attachment=True, filename=f"{sha256[:16]}{path.suffix}", content_type=content_type_of(rel)
    )
    return resp
