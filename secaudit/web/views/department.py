"""department views (skeleton)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def dashboard(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.dashboard")


def late(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.late")


def changes(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.changes")


def agency(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.agency")


def system(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.system")


def requirement(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.requirement")


def mau08_xlsx(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.mau08_xlsx")


def mau08_html(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.mau08_html")


def inventory(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.inventory")


def keyring(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.keyring")


def tailoring(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.tailoring")


def audit_log(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.audit_log")


def report(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("department.report")
