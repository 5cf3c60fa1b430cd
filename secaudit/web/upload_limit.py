"""Upload caps enforced before the body is stored, not after Django has spooled it whole.

Two stages (Django's own hooks, settings MIDDLEWARE and FILE_UPLOAD_HANDLERS in config.py):

- ``UploadLimitMiddleware``: a request whose declared Content-Length is over what its URL can take
  (its files at their cap plus a little multipart overhead) is answered 413 with the bilingual error
  page before anything reads the body; cheroot then closes the connection without draining it.
- ``LimitedUploadHandler``: first of the upload handlers, it counts each file's bytes as they arrive
  and stops the upload (StopUpload, connection_reset) once one is over the URL's cap, so a request
  within its declared length still never spools more than the cap. Django closes and removes the
  partial temporary file; the view sees ``was_cut(request)`` and answers with its own message.

The per-system profile cap of evidence (which can be smaller) stays in evidence.store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse

# Multipart boundaries, part headers and a form's small fields (a 20000-character note is ~60 KB).
OVERHEAD = 128 * 1024
KEY_MAX_BYTES = 64 * 1024  # views/manage._save_key's bound on a public key file
_CUT = "_secaudit_upload_cut"


@dataclass(frozen=True)
class Limit:
    file_cap: int  # bytes one file may have (0: this URL takes no files)
    files: int  # files one request may carry
    cut: bool  # the handler stops a file over file_cap (its view reports was_cut)

    @property
    def body(self) -> int:
        from django.conf import settings

        if not self.files:  # form fields only: Django's own bound on them, plus the encoding
            return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + OVERHEAD
        return self.file_cap * self.files + OVERHEAD


def _limits() -> dict[str, Limit]:
    """URL name → its limit. The views' own caps, read where they are defined."""
    from django.conf import settings

    from secaudit.web.config import EVIDENCE_FILES, IMPORT_MAX_BYTES
    from secaudit.web.views.manage import MAX_INVENTORY

    conf = settings.SECAUDIT
    return {
        "agency_requirement": Limit(int(conf["EVIDENCE_MAX_BYTES"]), EVIDENCE_FILES, True),
        "agency_bundles": Limit(int(conf["BUNDLE_MAX_BYTES"]), 1, True),
        "agency_import": Limit(IMPORT_MAX_BYTES, 1, True),
        # manage.py's views check the size themselves; a cut file would look "not chosen" there
        "department_inventory": Limit(MAX_INVENTORY, 1, False),
        "department_keyring": Limit(KEY_MAX_BYTES, 1, False),
    }


NO_FILES = Limit(0, 0, True)


def largest_body() -> int:
    """The largest body any URL may take: the server's own bound must not be below it, or a
    request our page would refuse (in the reader's language) meets the server's English 413."""
    return max([NO_FILES.body, *(lim.body for lim in _limits().values())])


def limit_for(path: str) -> Limit:
    from django.urls import Resolver404, resolve

    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        name = ""
    return _limits().get(name, NO_FILES)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body for an unreadable length either


def too_large_page(request: HttpRequest, max_bytes: int) -> HttpResponse:
    from secaudit.web.views.common import page, say

    request.error_page = True  # type: ignore[attr-defined]  # the page never echoes the URL
    return page(
        request,
        "error.html",
        status=413,
        title=say(request, "Tệp quá lớn", "File too large"),
        message=say(
            request,
            f"tệp quá lớn (tối đa {max_bytes} byte); chưa đọc nội dung",
            f"file too large (at most {max_bytes} bytes); its content was not read",
        ),
    )


class UploadLimitMiddleware:
    """After the language and user are known, before CSRF or a view reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = limit_for(request.path_info)
        if _declared_length(request) > limit.body:
            return too_large_page(request, limit.file_cap or limit.body)
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """Passes every chunk on to the next handler until a file is over its URL's cap."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit: Limit | None = None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.limit is None:
            self.limit = limit_for(self.request.path_info) if self.request is not None else NO_FILES
        cap = self.limit.file_cap if self.limit.cut else self.limit.body
        if start + len(raw_data) > cap:  # start: this file's bytes before this chunk
            if self.request is not None:
                setattr(self.request, _CUT, cap)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers keep the file


def was_cut(request: HttpRequest) -> bool:
    """True when a file of this request was stopped at the cap (read request.POST/FILES first)."""
    return getattr(request, _CUT, None) is not None
