"""Evidence uploads: size-capped while streaming, typed by their content (never by the file name or
the browser's MIME type), stored as ``<sha256>.<ext>`` inside the attestations folder.

Accepted: PDF, PNG, JPEG, Office Open XML / OpenDocument (ZIP with their markers), other ZIP, and
plain UTF-8 text (TXT, CSV, YAML, JSON, logs) that is not markup a browser would run. A name whose
extension claims another type than the content is refused as mislabelled.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secaudit.core.errors import InputError

# sniffed kind -> (stored extension, content type served, names' extensions that agree with it)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "pdf": (".pdf", "application/pdf", (".pdf",)),
    "png": (".png", "image/png", (".png",)),
    "jpeg": (".jpg", "image/jpeg", (".jpg", ".jpeg")),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "pptx": (
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
    ),
    "odf": (".odt", "application/vnd.oasis.opendocument.text", (".odt", ".ods", ".odp")),
    "zip": (".zip", "application/zip", (".zip",)),
    "text": (
        ".txt",
        "text/plain; charset=utf-8",
        (".txt", ".csv", ".yaml", ".yml", ".json", ".log", ".md", ""),
    ),
}
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<iframe", b"<head")


@dataclass
class Stored:
    sha256: str
    size: int
    kind: str
    rel: str  # path relative to the attestation file's folder, as the YAML records it

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][1]


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist()[:2000])
            if "mimetype" in names:
                mt = z.read("mimetype")[:100]
                if mt.startswith(b"application/vnd.oasis.opendocument"):
                    return "odf"
            if "[Content_Types].xml" in names:
                for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                    if any(n.startswith(prefix) for n in names):
                        return kind
            return "zip"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None


def _text_kind(head: bytes, path: Path) -> str | None:
    if b"\0" in head:
        return None
    try:
        with open(path, "rb") as fh:
            io.TextIOWrapper(fh, encoding="utf-8", errors="strict").read()
    except (UnicodeDecodeError, OSError):
        return None
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(_MARKUP):
        return "markup"
    return "text"


def sniff(path: Path) -> str | None:
    """The content's kind (a KINDS key, or "markup"), None when it is none we accept."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return _text_kind(head, path)


def _name_ext(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return os.path.splitext(base)[1].lower()


def too_large(max_bytes: int) -> InputError:
    """The refusal of a file over ``max_bytes``: here, and when the upload handler cut it off."""
    return InputError(f"tệp quá lớn (tối đa {max_bytes} byte) / file too large (at most {max_bytes} bytes)")


def store(upload: Any, folder: Path, base_dir: Path, max_bytes: int) -> Stored:
    """Stream ``upload`` (a Django UploadedFile) into ``folder`` as ``<sha256><ext>``; InputError
    (bilingual, one line) when it is too large, of a type we do not accept, or mislabelled."""
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InputError("tệp rỗng / empty file")
        kind = sniff(tmp)
        if kind == "markup":
            raise InputError("không nhận trang web, SVG hay XML / web pages, SVG and XML are not accepted")
        if kind is None:
            raise InputError(
                "loại tệp không được chấp nhận (PDF, ảnh PNG/JPEG, Office, ZIP, văn bản UTF-8) / "
                "file type not accepted (PDF, PNG/JPEG, Office, ZIP, UTF-8 text)"
            )
        claimed = _name_ext(str(getattr(upload, "name", "") or ""))
        agreeing = KINDS[kind][2]
        known = {e for k in KINDS.values() for e in k[2]}
        if claimed in known and claimed not in agreeing:
            raise InputError(
                f"tên tệp ghi {claimed} nhưng nội dung là {kind} / named {claimed} but the content is {kind}"
            )
        sha = digest.hexdigest()
        final = folder / f"{sha}{KINDS[kind][0]}"
        os.chmod(tmp, 0o600)
        os.replace(tmp, final)
        return Stored(sha, size, kind, final.relative_to(base_dir).as_posix())
    finally:
        if tmp.exists():
            tmp.unlink()


def content_type_of(rel: str) -> str:
    ext = os.path.splitext(rel)[1].lower()
    for stored_ext, ctype, _names in KINDS.values():
        if ext == stored_ext:
            return ctype
    return "application/octet-stream"
