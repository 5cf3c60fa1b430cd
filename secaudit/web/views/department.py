"""The Department's pages: live dashboard → agency → system → requirement → evidence, who has not
submitted, period comparison, Mẫu 08, the audit log; and the system report every role that may see
the system opens. Inventory, keyring and tailoring management are in views/manage.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from secaudit.core.model import text
from secaudit.web import dashboard, data, permissions
from secaudit.web.middleware import allow_head_styles
from secaudit.web.views.common import login_required, page

LINKS = (
    ('href="../assets/', 'href="/static/'),
    ('src="../assets/', 'src="/static/'),
    ('href="../index.html"', 'href="/department/"'),
    ('href="index.html"', 'href="/department/"'),
)


def _today() -> date:
    return timezone.localdate()


def _dept(request: HttpRequest) -> None:
    permissions.require_area(request.user, "department")


def _shared_page(request: HttpRequest, html: str) -> HttpResponse:
    """A page of the shared renderers with the application's top bar and stylesheet added."""
    bar = render_to_string("web/topbar.html", request=request)
    # The offline site's relative links (index.html, ../assets/) pointed at the application's own.
    for old, new in LINKS:
        html = html.replace(old, new)
    html = html.replace("</head>", '<link rel="stylesheet" href="/static/web.css">\n</head>', 1)
    html = html.replace("<body>", f"<body>\n{bar}", 1)
    return allow_head_styles(HttpResponse(html), html)


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    _dept(request)
    summary, _digests, _inv = dashboard.current(_today())
    return _shared_page(request, dashboard.dashboard_html(summary, request.lang))  # type: ignore[attr-defined]


@login_required
def agency(request: HttpRequest, agency_id: str) -> HttpResponse:
    _dept(request)
    summary, _d, _i = dashboard.current(_today())
    ag = dashboard.find(summary, agency_id)
    if ag is None:
        raise Http404
    return _shared_page(request, dashboard.agency_html(summary, ag, request.lang))  # type: ignore[attr-defined]


def _answers(request: HttpRequest, ref: Any) -> tuple[Any, list[dict[str, Any]]]:
    from secaudit.assessment.review_store import entry_state

    atts = data.load_set(ref)
    rows = []
    for req, tailored in data.requirements(ref):
        att = atts.get(req.id)
        state = entry_state(atts, req.id) if att is not None else None
        rows.append(
            {
                "id": req.id,
                "title": text(req.title, request.lang),
                "kind": req.kind,  # type: ignore[attr-defined]
                "tailored": tailored is not None,
                "status": att.status if att else None,
                "review": state.status if state else "",
            }
        )
    return atts, rows


@login_required
def system(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    _dept(request)
    ref = permissions.get_system_or_404(request.user, agency_id, system_id)
    summary, digests, _i = dashboard.current(_today())
    sy = dashboard.find(summary, agency_id, system_id)
    d = dashboard.digest_of(digests, sy)
    _atts, rows = _answers(request, ref)
    for r in rows:
        r["verdict"] = d.statuses.get(r["id"]) if d else None
    return page(request, "department_system.html", ref=ref, sy=sy or {}, rows=rows, has_bundle=d is not None)


@login_required
def requirement(request: HttpRequest, agency_id: str, system_id: str, req_id: str) -> HttpResponse:
    from secaudit.web.views.agency import _evidence_rows, _history

    _dept(request)
    ref = permissions.get_system_or_404(request.user, agency_id, system_id)
    reqs = {r.id: r for r, _t in data.requirements(ref)}
    if req_id not in reqs:
        raise Http404
    atts, rows = _answers(request, ref)
    row = next(r for r in rows if r["id"] == req_id)
    summary, digests, _i = dashboard.current(_today())
    d = dashboard.digest_of(digests, dashboard.find(summary, agency_id, system_id))
    att = atts.get(req_id)
    return page(
        request,
        "department_requirement.html",
        ref=ref,
        req=reqs[req_id],
        row=row,
        title=text(reqs[req_id].title, request.lang),  # type: ignore[attr-defined]
        description=text(reqs[req_id].description, request.lang),  # type: ignore[attr-defined]
        att=att,
        verdict=d.statuses.get(req_id) if d else None,
        evidence=_evidence_rows(agency_id, system_id, att),
        history=_history(agency_id, system_id, req_id),
    )


@login_required
def report(request: HttpRequest, agency_id: str, system_id: str) -> HttpResponse:
    """The system's report from its bundle (the renderer of ``secaudit report``)."""
    from secaudit.province.digest import load_bundle_file, shipped_catalog
    from secaudit.render.registry import RenderOptions, render

    ref = permissions.get_system_or_404(request.user, agency_id, system_id)
    summary, _d, _i = dashboard.current(_today())
    sy = dashboard.find(summary, agency_id, system_id)
    name = Path(str((sy or {}).get("file") or "")).name
    path = data.bundles_dir() / name
    if not name.endswith(".json") or not path.is_file():
        return page(request, "no_report.html", status=404, ref=ref)
    bundle = load_bundle_file(path)
    cat = bundle["assessment"].get("catalog")
    catalog = shipped_catalog(cat.get("id") if isinstance(cat, dict) else None)
    lang = request.lang  # type: ignore[attr-defined]
    html = str(render("report", "html", bundle, RenderOptions(lang=lang, catalog=catalog)))
    return _shared_page(request, html)


@login_required
def late(request: HttpRequest) -> HttpResponse:
    """Systems of the inventory not submitted for review by the inventory's due date."""
    from secaudit.web.models import Submission

    _dept(request)
    inv = data.require_inventory()
    due = date.fromisoformat(inv.due)
    subs = {(s.agency, s.system): s for s in Submission.objects.all()}
    rows = []
    for ag in inv.agencies:
        for sy in ag.systems:
            sub = subs.get((ag.id, sy.id))
            on_time = sub is not None and timezone.localtime(sub.submitted_at).date() <= due
            if not on_time:
                rows.append({"agency": ag, "system": sy, "sub": sub})
    return page(request, "department_late.html", rows=rows, due=due, today=_today())


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    _dept(request)
    summary, _d, _i = dashboard.current(_today())
    ch = summary.get("changes") if isinstance(summary.get("changes"), dict) else {}
    names = {a.get("id"): a.get("name") for a in summary.get("agencies") or []}
    rows = []
    for aid, entry in sorted(ch.items()):
        for kind in ("newly_failing", "fixed", "evidence_expired", "evidence_expiring"):
            for it in entry.get(kind) or []:
                rows.append({"agency": aid, "agency_name": names.get(aid, aid), "kind": kind, **it})
    keys = ("previous_period", "score_before", "score_after", "score_change")
    scores = [
        {"agency": aid, "name": names.get(aid, aid), **{k: e.get(k) for k in keys}}
        for aid, e in sorted(ch.items())
    ]
    return page(request, "department_changes.html", rows=rows, scores=scores, period=summary.get("period"))


def _mau08_view() -> dict[str, Any]:
    from secaudit.province.mau08 import build

    summary, digests, inv = dashboard.current(_today())
    if inv is None:
        data.require_inventory()
    return build(summary, digests, inv or {})


@login_required
def mau08_xlsx(request: HttpRequest) -> HttpResponse:
    from secaudit.render.registry import RenderOptions, render

    _dept(request)
    content = render("mau08", "xlsx", _mau08_view(), RenderOptions())
    resp = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = 'attachment; filename="mau08.xlsx"'
    return resp


@login_required
def mau08_html(request: HttpRequest) -> HttpResponse:
    from secaudit.render.registry import RenderOptions, render

    _dept(request)
    return _shared_page(request, str(render("mau08", "html", _mau08_view(), RenderOptions())))


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    from secaudit.web.audit import verify
    from secaudit.web.models import AuditEntry

    _dept(request)
    entries = AuditEntry.objects.order_by("-seq")[:500]
    return page(request, "department_log.html", entries=entries, verdict=verify())
