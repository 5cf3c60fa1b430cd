"""Bilingual error pages (Vietnamese first). Nothing of the request is echoed back."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from secaudit.web.views.common import page

PAGES = {
    400: ("Yêu cầu không hợp lệ", "Bad request",
          "Yêu cầu không đọc được.", "The request could not be read."),
    403: ("Không có quyền", "Forbidden",
          "Vai trò của bạn không được vào trang này.", "Your role may not open this page."),
    404: ("Không tìm thấy", "Not found",
          "Không có trang hoặc mục này.", "There is no such page or item."),
    500: ("Lỗi máy chủ", "Server error",
          "Đã có lỗi; thao tác chưa được thực hiện.", "Something went wrong; nothing was changed."),
}  # fmt: skip


def error_page(request: HttpRequest, status: int, extra: str = "") -> HttpResponse:
    vi, en, mvi, men = PAGES[status]
    request.error_page = True  # type: ignore[attr-defined]
    lang = getattr(request, "lang", "vi")
    title = en if lang == "en" else f"{vi} / {en}"
    message = men if lang == "en" else f"{mvi} / {men}"
    if extra:
        message = f"{message} {extra}"
    try:
        return page(request, "error.html", status=status, title=title, message=message)
    except Exception:  # noqa: BLE001 - the error page itself must never fail (e.g. database down)
        body = f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
        body += f'<body><h1 id="error-title">{title}</h1><p>{message}</p></body></html>'
        return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 400)


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 403)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    lang = getattr(request, "lang", "vi")
    extra = "(CSRF)" if lang == "en" else "(thiếu mã chống giả mạo CSRF / CSRF token missing or wrong)"
    return error_page(request, 403, extra)
