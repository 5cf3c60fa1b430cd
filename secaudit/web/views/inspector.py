"""inspector views (skeleton)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def queue(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("inspector.queue")


def review(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("inspector.review")
