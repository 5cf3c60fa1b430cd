"""agency views (skeleton)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.home")


def bundles(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.bundles")


def system(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.system")


def requirement(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.requirement")


def submit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.submit")


def export_yaml(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.export_yaml")


def import_yaml(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.import_yaml")


def evidence(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("agency.evidence")
