"""Uploads over their cap are refused before they are stored whole (web/upload_limit.py): a declared
Content-Length over the URL's bound is a 413 page before the body is read (real cheroot server on
127.0.0.1, raw socket), and a file over the server's cap is cut off by the upload handler while it
arrives (Django's real parser and handlers), leaving nothing in FILE_UPLOAD_TEMP_DIR or the evidence
folder. Boundaries: exactly at the cap is kept, one byte over is refused.
"""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

pytest.register_assert_rewrite("web_province")

from web_province import MANUAL, body, client  # noqa: E402 - after the rewrite registration

pytest_plugins = ["web_province"]

REQ_URL = f"/agency/system/so-a/portal/req/{MANUAL}/"
BOUNDARY = "----secaudit-test-boundary"
# Every upload spools to FILE_UPLOAD_TEMP_DIR (as a large one does for real), so "no temp file left"
# is about files that did exist.
SPOOL = override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)


def _tmp_dir() -> Path:
    from django.conf import settings

    return Path(settings.FILE_UPLOAD_TEMP_DIR)


def _stored() -> list[Path]:
    from secaudit.web import data

    folder = data.evidence_folder("so-a", "portal")
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _cap() -> int:
    from secaudit.web import data

    return data.evidence_limit(data.find_system("so-a", "portal"))  # 64 KiB in the test settings


def _error(resp: Any) -> str:
    m = re.search(r'id="(?:form-error|bundle-refused)"[^>]*>([^<]*)<', body(resp))
    return m.group(1) if m else ""


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> bytes:
    out = io.BytesIO()
    for name, value in fields:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, content in files:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/plain\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def _text(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("proof.txt", b"a" * size)


def _save_fields() -> list[tuple[str, str]]:
    return [("status", "compliant"), ("note", "n"), ("revision", "-")]


def test_evidence_one_byte_over_the_cap_is_cut_and_nothing_is_kept(web: dict[str, Any]) -> None:
    from secaudit.web.models import EvidenceFile

    cap, before = _cap(), set(_tmp_dir().iterdir())
    with SPOOL:
        over = client("agency-a").post(
            REQ_URL, {"status": "compliant", "note": "n", "revision": "-", "evidence": _text(cap + 1)}
        )
    assert over.status_code == 400
    assert _error(over) == f"tệp quá lớn (tối đa {cap} byte) / file too large (at most {cap} bytes)"
    assert _stored() == [] and not EvidenceFile.objects.exists()
    assert set(_tmp_dir().iterdir()) == before, "no spooled upload left behind"
    from secaudit.web import data

    assert not data.attestation_file("so-a", "portal").exists(), "the entry was not saved either"


def test_evidence_exactly_at_the_cap_is_kept(web: dict[str, Any]) -> None:
    cap, before = _cap(), set(_tmp_dir().iterdir())
    with SPOOL:
        at_cap = client("agency-a").post(
            REQ_URL, {"status": "compliant", "note": "n", "revision": "-", "evidence": _text(cap)}
        )
    assert at_cap.status_code == 302, _error(at_cap)
    assert [p.stat().st_size for p in _stored()] == [cap]
    assert set(_tmp_dir().iterdir()) == before


class _CountingInput(io.BytesIO):
    """wsgi.input that counts what the parser read and notes the spool folder halfway through."""

    def __init__(self, raw: bytes, spool: Path, watch_at: int) -> None:
        super().__init__(raw)
        self.taken, self.spool, self.watch_at = 0, spool, watch_at
        self.seen_mid_upload: list[str] = []

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        if self.taken >= self.watch_at and not self.seen_mid_upload:
            self.seen_mid_upload = [p.name for p in self.spool.iterdir()]
        return chunk


def test_handler_stops_reading_the_body_at_the_cap(web: dict[str, Any]) -> None:
    """Django's parser with our settings' handlers: the file's temporary copy exists while it arrives,
    the reading stops just past the cap (the rest of a 16× body is never read), the copy is removed."""
    from django.core.handlers.wsgi import WSGIRequest

    from secaudit.web import upload_limit

    cap, before = _cap(), {p.name for p in _tmp_dir().iterdir()}
    raw = _multipart(_save_fields(), [("evidence", "big.txt", b"a" * (16 * cap))])
    raw = raw[: -len(f"--{BOUNDARY}--\r\n")] + _multipart([("after", "x")], [])  # a field after the file
    stream = _CountingInput(raw, _tmp_dir(), watch_at=cap // 2)
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": REQ_URL, "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": stream,
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(len(raw)),
    }  # fmt: skip
    with SPOOL:
        request = WSGIRequest(environ)
        files, post = request.FILES, request.POST
    assert upload_limit.was_cut(request)
    assert "evidence" not in files and "after" not in post and post["status"] == "compliant"
    assert cap < stream.taken <= cap + 4 * 64 * 1024 < len(raw), (stream.taken, len(raw))
    assert set(stream.seen_mid_upload) - before, "the file was being spooled to FILE_UPLOAD_TEMP_DIR"
    assert {p.name for p in _tmp_dir().iterdir()} == before, "and its partial copy is gone"
    request.close()


def test_declared_length_at_the_bound_passes_one_byte_over_is_413(web: dict[str, Any]) -> None:
    """The early check's boundary, through the whole stack: a body of exactly the URL's bound is read
    and saved; one byte more is answered 413 with the bilingual page and nothing is stored."""
    from secaudit.web import upload_limit

    bound = upload_limit.limit_for(REQ_URL).body
    cap = _cap()
    assert bound == 20 * cap + upload_limit.OVERHEAD
    files = [("evidence", "proof.txt", b"a" * cap)]

    def sized(total: int) -> bytes:
        bare = len(_multipart([*_save_fields(), ("pad", "")], files))
        return _multipart([*_save_fields(), ("pad", "p" * (total - bare))], files)

    c = client("agency-a")
    ctype = f"multipart/form-data; boundary={BOUNDARY}"
    over = c.generic("POST", REQ_URL, sized(bound + 1), content_type=ctype)
    assert over.status_code == 413
    text = body(over)
    assert 'id="error-title">Tệp quá lớn / File too large<' in text
    assert f"tệp quá lớn (tối đa {cap} byte)" in text and f"file too large (at most {cap} bytes)" in text
    assert _stored() == []
    at_bound = c.generic("POST", REQ_URL, sized(bound), content_type=ctype)
    assert at_bound.status_code == 302, _error(at_bound)
    assert [p.stat().st_size for p in _stored()] == [cap]


def test_bundle_one_byte_over_its_cap_is_cut(web: dict[str, Any]) -> None:
    from django.conf import settings

    cap, before = 256 * 1024, set(_tmp_dir().iterdir())
    kept = sorted((web["data"] / "bundles").iterdir())
    with SPOOL, override_settings(SECAUDIT={**settings.SECAUDIT, "BUNDLE_MAX_BYTES": cap}):
        resp = client("agency-a").post(
            "/agency/bundles/", {"bundle": SimpleUploadedFile("b.json", b"{" * (cap + 1))}
        )
    assert resp.status_code == 400
    assert _error(resp).endswith(f"gói quá lớn (tối đa {cap} byte) / bundle too large (at most {cap} bytes)")
    assert sorted((web["data"] / "bundles").iterdir()) == kept
    assert set(_tmp_dir().iterdir()) == before


def test_import_over_its_cap_is_cut(web: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from secaudit.web import config

    monkeypatch.setattr(config, "IMPORT_MAX_BYTES", 4096)
    before = set(_tmp_dir().iterdir())
    with SPOOL:
        resp = client("agency-a").post(
            "/agency/system/so-a/portal/import/", {"attestations": SimpleUploadedFile("x.yaml", b"#" * 4097)}
        )
    assert resp.status_code == 400 and "tệp quá lớn / file too large" in body(resp)
    assert set(_tmp_dir().iterdir()) == before


# --- a real server on loopback: the 413 arrives although the body is never sent ---------------------


@pytest.fixture()
def served(web: dict[str, Any]) -> Iterator[tuple[str, int]]:
    from secaudit.web.app import wsgi_app
    from secaudit.web.server import make_server

    server = make_server(wsgi_app(), "127.0.0.1", 0)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server.bind_addr[:2]
    finally:
        server.stop()
        thread.join(10)


def _headers_only(addr: tuple[str, int], path: str, length: int) -> bytes:
    """Send a POST's headers declaring ``length`` bytes, never the body; what the server answers."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{addr[1]}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n"
    )
    with socket.create_connection(addr, timeout=20) as sock:
        sock.sendall(head.encode("ascii"))
        got = b""
        while chunk := sock.recv(65536):  # the server closes after its answer: no body is awaited
            got += chunk
    return got


@pytest.mark.parametrize("path", [REQ_URL, "/agency/bundles/", "/login/"])
def test_declared_length_over_the_bound_is_413_before_the_body(served: tuple[str, int], path: str) -> None:
    from secaudit.web import upload_limit

    before = set(_tmp_dir().iterdir())
    reply = _headers_only(served, path, upload_limit.limit_for(path).body + 1)
    head, _, page = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head[:200]
    assert b"connection: close" in head.lower()
    text = page.decode("utf-8")
    assert 'id="error-title">Tệp quá lớn / File too large<' in text and "its content was not read" in text
    assert set(_tmp_dir().iterdir()) == before


def test_the_server_bound_is_above_every_url_bound(web: dict[str, Any]) -> None:
    """At the shipped 20 MB evidence cap a save of 20 files may declare ~400 MB: cheroot's bound
    must be above it, else the reader gets cheroot's English 413 instead of our page."""
    from django.conf import settings
    from django.test import override_settings

    from secaudit.web import upload_limit
    from secaudit.web.app import wsgi_app
    from secaudit.web.server import MAX_BODY, make_server

    conf = {**settings.SECAUDIT, "EVIDENCE_MAX_BYTES": 20 * 1024 * 1024}
    with override_settings(SECAUDIT=conf):
        bound = upload_limit.limit_for(REQ_URL).body
        server = make_server(wsgi_app(), "127.0.0.1", 0)
    assert bound > MAX_BODY
    assert server.max_request_body_size >= bound


def test_a_huge_declared_length_is_refused_too(served: tuple[str, int]) -> None:
    """5 GB: beyond every bound, cheroot's own (server.MAX_BODY) answers 413 before the application."""
    head = _headers_only(served, REQ_URL, 5 * 1024**3).partition(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 413 ")
