"""Response headers our own http.* checks ask for, the UI language, and the template context.

Django's SecurityMiddleware sets HSTS (HTTPS only), nosniff, Referrer-Policy and COOP; this adds the
Content-Security-Policy (no 'unsafe-inline'), Permissions-Policy, CORP, a versionless Server header
and no-store caching for pages. Pages rendered by the shared report renderers carry their stylesheet
in ``<style>`` blocks in ``<head>``: those blocks (ours, from reports/*.j2) are allowed by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
SERVER = "secaudit"
_HEAD_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
LANGS = ("vi", "en")


def csp_header(style_hashes: list[str] | None = None) -> str:
    parts = dict(CSP)
    if style_hashes:
        parts["style-src"] += " " + " ".join(f"'sha256-{h}'" for h in style_hashes)
    return "; ".join(f"{k} {v}" for k, v in parts.items())


def head_style_hashes(html: str) -> list[str]:
    """SHA-256 (base64) of each ``<style>`` block in the page's ``<head>``: the shared renderers'
    own stylesheet (autoescaping keeps anything from a bundle out of ``<head>`` markup)."""
    head = html.split("</head>", 1)[0]
    return [
        base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode()
        for m in _HEAD_STYLE.findall(head)
    ]


def allow_head_styles(response: HttpResponse, html: str) -> HttpResponse:
    response["Content-Security-Policy"] = csp_header(head_style_hashes(html))
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp_header()
        response["Permissions-Policy"] = PERMISSIONS_POLICY
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        response["X-Frame-Options"] = "DENY"
        response["Server"] = SERVER
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class InputErrorMiddleware:
    """Bad data in the data folder (an inventory or profile that no longer validates) is a page
    naming the file and the problem, never a traceback; no server path is shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from pathlib import Path

        from secaudit.core.errors import InputError
        from secaudit.web.views.common import web_message
        from secaudit.web.views.errors import error_page

        if not isinstance(exception, InputError):
            return None
        where = Path(exception.path).name + ": " if exception.path else ""
        return error_page(request, 500, f"({where}{web_message(exception)})")


class LanguageMiddleware:
    """``request.lang``: the session's choice (``/lang/``), Vietnamese by default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang = request.session.get("lang") if hasattr(request, "session") else None
        request.lang = lang if lang in LANGS else "vi"  # type: ignore[attr-defined]
        return self.get_response(request)


def context(request: HttpRequest) -> dict[str, Any]:
    from secaudit.web.permissions import role_of

    user = getattr(request, "user", None)
    return {
        "lang": getattr(request, "lang", "vi"),
        "role": role_of(user),
        "user": user,  # topbar.html: #whoami and #logout-form (no auth context processor is installed)
        # error pages never echo the URL asked for (a guessed id stays out of the page)
        "next_path": "/" if getattr(request, "error_page", False) else request.get_full_path(),
    }
