"""Log in (throttled, session rotated), log out, the language switch, the start page by role."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from secaudit.web import audit, throttle
from secaudit.web.middleware import LANGS
from secaudit.web.permissions import role_of
from secaudit.web.views.common import client_address, page, say

HOMES = {"agency": "/agency/", "inspector": "/inspector/", "department": "/department/"}


def _safe_next(request: HttpRequest, target: str | None) -> str | None:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None, require_https=False):
        return target if target.startswith("/") and not target.startswith("//") else None
    return None


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("/login/")
    return redirect(HOMES.get(role_of(request.user) or "", "/login/"))


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    nxt = _safe_next(request, request.POST.get("next") or request.GET.get("next")) or ""
    if request.method == "GET":
        return page(request, "login.html", next=nxt, username="")
    username = (request.POST.get("username") or "").strip()[:150]
    password = request.POST.get("password") or ""
    address = client_address(request)
    wrong = say(request, "Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password")
    if throttle.is_locked(username, address):
        audit.log(username, "login_locked", f"user:{username}", {"address": address})
        error = say(
            request,
            "Tài khoản tạm khoá do đăng nhập sai nhiều lần, thử lại sau 15 phút",
            "Locked after repeated failed logins, try again in 15 minutes",
        )
        return page(request, "login.html", status=429, error=error, next=nxt, username=username)
    user = authenticate(request, username=username, password=password)
    if user is None or role_of(user) is None:
        locked = throttle.record_failure(username, address)
        audit.log(username, "login_failed", f"user:{username}", {"address": address, "locked": locked})
        return page(
            request, "login.html", status=401 if not locked else 429, error=wrong, next=nxt, username=username
        )
    throttle.clear(username, address)
    login(request, user)  # cycles the session key: a planted session id is worthless (fixation)
    request.session["lang"] = request.session.get("lang") or "vi"
    audit.log(user, "login", f"user:{username}", {"address": address})
    return redirect(nxt or HOMES.get(role_of(user) or "", "/"))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.log(request.user, "logout", f"user:{request.user.username}")
    logout(request)
    return redirect("/login/")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    lang = request.POST.get("lang")
    if lang in LANGS:
        request.session["lang"] = lang
    return redirect(_safe_next(request, request.POST.get("next")) or "/")
