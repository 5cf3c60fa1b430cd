"""Shared view helpers: rendering with the base template, login required, bad input as a page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from secaudit.web.templatetags.webtags import words


def page(request: HttpRequest, name: str, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, f"web/{name}", context, status=status)


def say(request: HttpRequest, vi: str, en: str) -> str:
    return words(vi, en, getattr(request, "lang", "vi"))


def login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def client_address(request: HttpRequest) -> str:
    # Never X-Forwarded-For: a client could pick its own address and escape the throttle.
    return str(request.META.get("REMOTE_ADDR") or "-")


def web_message(exc: Exception) -> str:
    """An InputError for the page: what and where inside the file, never a server path."""
    from secaudit.core.errors import InputError

    if not isinstance(exc, InputError):
        return str(exc)
    where = f"dòng / line {exc.line}: " if exc.line else ""
    entry = f"{exc.entry}: " if exc.entry else ""
    return f"{where}{entry}{exc.message}"
