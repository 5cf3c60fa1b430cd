"""Static files from an allow-list (no URL reaches any other file), and security.txt."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified

from secaudit.core.resources import data_dir as package_dir

TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _files() -> dict[str, Path]:
    here = Path(__file__).resolve().parent.parent / "static"
    reports = package_dir("reports")
    return {
        "style.css": reports / "style.css",  # the reports' own look (same CSS as the offline site)
        "site.js": reports / "site.js",  # sortable, filterable tables of the dashboard
        "web.css": here / "web.css",
        "web.js": here / "web.js",
    }


@lru_cache(maxsize=8)
def _load(name: str) -> tuple[bytes, str]:
    path = _files()[name]
    body = path.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in _files():
        raise Http404
    body, etag = _load(name)
    if request.headers.get("If-None-Match") == etag:
        resp: HttpResponse = HttpResponseNotModified()
    else:
        resp = HttpResponse(body, content_type=TYPES[Path(name).suffix])
    resp["ETag"] = etag
    resp["Cache-Control"] = "public, max-age=3600"
    return resp


def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: a contact and an Expires half a year ahead (computed per request, never stale)."""
    expires = (datetime.now(timezone.utc) + timedelta(days=180)).replace(microsecond=0)
    body = (
        f"Contact: {settings.SECAUDIT['SECURITY_CONTACT']}\n"
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}\n"
        "Preferred-Languages: vi, en\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
