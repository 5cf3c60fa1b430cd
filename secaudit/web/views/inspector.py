"""The inspector's review queue and review page. A decision is a signed review record made by
``review_store.review_system`` (the code of ``secaudit review``) with the inspector's key in
``keys/<reviewer>.key``, appended to ``<system>.reviews.json``: verifiable with the keyring."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone

from secaudit.core.errors import InputError
from secaudit.core.model import text
from secaudit.web import audit, data, permissions
from secaudit.web.views.common import login_required, page, web_message


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    from secaudit.web.models import Submission

    permissions.require_area(request.user, "inspector")
    visible = set(permissions.visible_agencies(request.user, [a.id for a in data.agencies()]))
    items = []
    for sub in Submission.objects.order_by("submitted_at"):
        ref = data.find_system(sub.agency, sub.system) if sub.agency in visible else None
        if ref is not None:
            items.append({"ref": ref, "sub": sub})
    return page(request, "inspector_queue.html", items=items)


def _entries(request: HttpRequest, ref: Any) -> list[dict[str, Any]]:
    from secaudit.assessment.review_store import entry_state
    from secaudit.web.views.agency import _evidence_rows

    atts = data.load_set(ref)
    titles = {r.id: text(r.title, request.lang) for r, _t in data.requirements(ref)}  # type: ignore[attr-defined]
    rows = []
    for rid, att in atts.entries.items():
        if att.status is None:
            continue
        state = entry_state(atts, rid)
        rows.append(
            {
                "id": rid,
                "title": titles.get(rid, ""),
                "att": att,
                "state": state.status if state else "",
                "review": (state.review or {}) if state else {},
                "evidence": _evidence_rows(ref.agency.id, ref.system.id, att),
            }
        )
    return rows


def _settle(ref: Any, rows: list[dict[str, Any]], who: str) -> None:
    """The submission follows its entries: any change requested → changes_requested; every
    reviewable entry approved → approved."""
    from secaudit.assessment.reviews import REVIEWED_STATUSES
    from secaudit.web.models import Submission

    sub = Submission.objects.filter(agency=ref.agency.id, system=ref.system.id).first()
    if sub is None:
        return
    states = [r["state"] for r in rows if r["att"].status in REVIEWED_STATUSES]
    if "changes_requested" in states:
        sub.state = "changes_requested"
    elif states and all(s == "approved" for s in states):
        sub.state = "approved"
    else:
        return
    sub.decided_at, sub.decided_by = timezone.now(), who
    sub.save()


@login_required
def review(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    from secaudit.assessment.review_store import review_system
    from secaudit.web.models import Account

    permissions.require_area(request.user, "inspector")
    ref = permissions.get_system_or_404(request.user, agency_id, system_id)
    ctx: dict[str, Any] = {"ref": ref}
    status = 200
    if request.method == "POST":
        if not permissions.can_review(request.user):
            raise Http404
        rid = str(request.POST.get("requirement", "")).strip()
        decision = str(request.POST.get("decision", ""))
        note = str(request.POST.get("note", "")).strip()[:4000]
        reviewer = Account.objects.get(user=request.user).reviewer_id or request.user.username
        try:
            if decision not in ("approved", "changes_requested"):
                raise InputError("quyết định không hợp lệ / unknown decision")
            if decision == "changes_requested" and not note:
                raise InputError("yêu cầu sửa cần ghi chú / a change request needs a note")
            if rid not in data.load_set(ref).entries:
                raise InputError("không có mục này / no such entry")
            key = data.ensure_reviewer_key(reviewer)
            new, _skipped, _p = review_system(
                data.attestations_root(), agency_id, system_id, key, reviewer, decision, [rid], note=note
            )
        except InputError as exc:
            ctx["error"] = web_message(exc)
            status = 400
        else:
            for r in new:
                audit.log(
                    request.user,
                    f"review_{decision}",
                    f"attestation:{agency_id}/{system_id}/{rid}",
                    {"digest": r["digest"], "reviewer": reviewer},
                )
            ctx["done"] = decision
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    rows = _entries(request, ref)
    if ctx.get("done"):
        _settle(ref, rows, request.user.username)
    return page(request, "inspector_review.html", status=status, rows=rows, **ctx)
