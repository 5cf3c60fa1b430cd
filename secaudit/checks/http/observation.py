"""The HTTP probe's observation (secaudit/probes/http.py), typed and validated once.

Stored shape (JSON, unchanged): ``url``, ``scheme``, ``verified``, ``tls_error``; sections
``plain_http`` (redirect walk from http://, cookies set on the way), ``https`` (the main response:
hops, ``headers`` [[name, value], ...] as received, ``cookies``), ``paths`` (sensitive paths) and
``security_txt``. Header values come from a possibly hostile server: they stay inert strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secaudit.checks.http.content import Content, parse_content
from secaudit.checks.observation import (
    Broken,
    Malformed,
    as_dict,
    facet,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_strs,
    incomplete,
)

EVIDENCE_MAX = 300  # header values quoted in evidence


def clip(value: str, limit: int = EVIDENCE_MAX) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


@dataclass(frozen=True)
class Hop:
    url: str | None
    status: int | None
    location: str | None


@dataclass(frozen=True)
class Cookie:
    name: str
    over: str | None  # "https" or "http": the scheme of the response that set it
    secure: bool
    httponly: bool
    samesite: str | None  # as sent (None: no SameSite attribute)


@dataclass(frozen=True)
class PlainHttp:
    start: str | None
    outcome: str | None
    final: str | None
    error: str | None  # the probe's reason when outcome is "error"
    hops: tuple[Hop, ...]


@dataclass(frozen=True)
class Https:
    final_url: str | None
    status: int | None
    headers: tuple[tuple[str, str], ...]
    cookies: tuple[Cookie, ...] | Broken
    tls_cipher: tuple[str, ...] | None = None  # the unverified re-fetch's [cipher, protocol, bits]

    def values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in the order received."""
        low = name.lower()
        return [v for n, v in self.headers if n.lower() == low]


@dataclass(frozen=True)
class PathItem:
    path: str
    what: str
    status: int | None
    content_type: str | None
    size: int | None
    matched: bool | None  # None: no verdict on record (error or truncated)
    error: str | None


@dataclass(frozen=True)
class Paths:
    items: tuple[PathItem, ...]


@dataclass(frozen=True)
class SecurityTxt:
    found: bool
    url: str | None
    status: int | None
    location: str | None
    tried: tuple[Hop, ...]
    not_found_reason: str | None
    left_to: str | None
    content_type: str | None
    https: bool
    signed: bool
    fields: dict[str, tuple[str, ...]]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class HttpObservation:
    url: str | None
    scheme: str | Broken
    verified: bool | None
    tls_error: str | None
    plain_http: PlainHttp | Broken
    plain_cookies: tuple[Cookie, ...] | Broken
    https: Https | Broken
    paths: Paths | Broken
    security_txt: SecurityTxt | Broken
    content: Content | Broken | None = None  # the main page's references (http.mixed_content)

    def base_evidence(self, sec: Https) -> dict[str, Any]:
        ev: dict[str, Any] = {"url": sec.final_url or self.url, "status": sec.status}
        if self.verified is False:
            # requests refused the certificate: headers were fetched unverified (TLS checks judge it)
            ev["verified"] = False
            ev["tls_error"] = self.tls_error
            if sec.tls_cipher and _legacy_cipher(sec.tls_cipher[0]):
                # the certificate and the cipher are judged by the TLS checks alone
                ev["observed_over_legacy_cipher"] = sec.tls_cipher[0]
        return ev


# --------------------------------------------------------------------------- readers


def _hop(raw: Any, path: str) -> Hop:
    d = as_dict(raw, path)
    return Hop(
        get_str(d, "url", path, None), get_int(d, "status", path, None), get_str(d, "location", path, None)
    )


def _hops(d: dict[str, Any], key: str, path: str) -> tuple[Hop, ...]:
    return tuple(_hop(h, f"{path}.{key}[{i}]") for i, h in enumerate(get_list(d, key, path, [])))


def _cookie(raw: Any, path: str) -> Cookie:
    d = as_dict(raw, path)
    return Cookie(
        name=get_str(d, "name", path),
        over=get_str(d, "over", path, None),
        secure=get_bool(d, "secure", path, False),
        httponly=get_bool(d, "httponly", path, False),
        samesite=get_str(d, "samesite", path, None),
    )


def _cookies(d: dict[str, Any], path: str, missing: str) -> tuple[Cookie, ...] | Broken:
    raw = d.get("cookies")
    if not isinstance(raw, list):
        return Broken(missing)
    try:
        return tuple(_cookie(c, f"{path}.cookies[{i}]") for i, c in enumerate(raw))
    except Malformed as exc:
        return incomplete(exc)


def _plain_http(obs: dict[str, Any]) -> PlainHttp | Broken:
    d = obs.get("plain_http")
    if not isinstance(d, dict):
        return Broken("không kiểm tra được HTTP / plain-HTTP check did not run")
    # An "error" here is data (outcome "error": the walk failed), not a broken section.
    try:
        return PlainHttp(
            start=get_str(d, "start", "plain_http", None),
            outcome=get_str(d, "outcome", "plain_http", None),
            final=get_str(d, "final", "plain_http", None),
            error=None if d.get("error") is None else str(d["error"]),
            hops=_hops(d, "hops", "plain_http"),
        )
    except Malformed as exc:
        return incomplete(exc)


def _plain_cookies(obs: dict[str, Any]) -> tuple[Cookie, ...] | Broken:
    """Cookies set on the plain-HTTP walk; none when that walk (or its list) is not recorded."""
    d = obs.get("plain_http")
    if d is None:
        return ()
    if not isinstance(d, dict):
        return Broken(f"incomplete observation (plain_http is a {type(d).__name__}, not a mapping)")
    if d.get("cookies") is None:
        return ()
    return _cookies(d, "plain_http", "incomplete observation (plain_http.cookies is not a list)")


def _https(obs: dict[str, Any]) -> Https | Broken:
    d = obs.get("https")
    if not isinstance(d, dict):
        return Broken("không có phản hồi HTTPS / no HTTPS response recorded")
    if d.get("error"):
        return Broken(str(d["error"]))
    if not isinstance(d.get("headers"), list):
        # unknown headers are not "no headers" (server_disclosure would pass on them)
        return Broken("thiếu danh sách header / incomplete observation: no header list")
    try:
        headers = []
        for i, h in enumerate(d["headers"]):
            if not (isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)):
                raise Malformed(f"https.headers[{i}] is not a [name, value] pair of strings")
            headers.append((h[0], h[1]))
        return Https(
            final_url=get_str(d, "final_url", "https", None),
            status=get_int(d, "status", "https", None),
            headers=tuple(headers),
            cookies=_cookies(d, "https", "thiếu danh sách cookie / incomplete observation: no cookie list"),
            tls_cipher=tuple(str(x) for x in d["tls_cipher"])
            if isinstance(d.get("tls_cipher"), list)
            else None,
        )
    except Malformed as exc:
        return incomplete(exc)


def _path_item(raw: Any, path: str) -> PathItem:
    d = as_dict(raw, path)
    matched = d.get("matched")
    return PathItem(
        path=get_str(d, "path", path),
        what=get_str(d, "what", path, ""),
        status=get_int(d, "status", path, None),
        content_type=get_str(d, "content_type", path, None),
        size=get_int(d, "size", path, None),
        matched=matched if isinstance(matched, bool) else None,
        error=None if d.get("error") is None else str(d["error"]),
    )


def _paths(obs: dict[str, Any]) -> Paths | Broken:
    d = obs.get("paths")
    if not isinstance(d, dict):
        return Broken("chưa kiểm tra đường dẫn nhạy cảm / sensitive paths were not probed")
    if d.get("error"):
        return Broken(str(d["error"]))
    try:
        items = get_list(d, "items", "paths", [])
        return Paths(tuple(_path_item(it, f"paths.items[{i}]") for i, it in enumerate(items)))
    except Malformed as exc:
        return incomplete(exc)


def _security_txt(obs: dict[str, Any]) -> SecurityTxt | Broken:
    d = obs.get("security_txt")
    if not isinstance(d, dict):
        # e.g. an observation recorded before this check existed: say so, never pass
        return Broken("chưa thu thập security.txt (quét lại) / security.txt not in the observation (rescan)")
    if d.get("error"):
        return Broken(str(d["error"]))
    p = "security_txt"

    def build() -> SecurityTxt:
        fields = get_dict(d, "fields", p, {})
        return SecurityTxt(
            found=get_bool(d, "found", p, False),
            url=get_str(d, "url", p, None),
            status=get_int(d, "status", p, None),
            location=get_str(d, "location", p, None),
            tried=_hops(d, "tried", p),
            not_found_reason=get_str(d, "not_found_reason", p, None),
            left_to=get_str(d, "left_to", p, None),
            content_type=get_str(d, "content_type", p, None),
            https=get_bool(d, "https", p, False),
            signed=get_bool(d, "signed", p, False),
            fields={str(k): get_strs(fields, k, f"{p}.fields", ()) for k in fields},
            problems=get_strs(d, "problems", p, ()),
        )

    return facet(build)


def parse(obs: dict[str, Any]) -> HttpObservation:
    """Never raises: what cannot be read is ``Broken`` for the checks that need it."""
    verified, scheme = obs.get("verified"), obs.get("scheme", "https")
    return HttpObservation(
        url=obs.get("url") if isinstance(obs.get("url"), str) else None,
        scheme=scheme
        if isinstance(scheme, str)
        else Broken("incomplete observation (scheme is not a string)"),
        verified=verified if isinstance(verified, bool) else None,
        tls_error=None if obs.get("tls_error") is None else str(obs["tls_error"]),
        plain_http=_plain_http(obs),
        plain_cookies=_plain_cookies(obs),
        https=_https(obs),
        paths=_paths(obs),
        security_txt=_security_txt(obs),
        content=parse_content(obs),
    )


def _legacy_cipher(name: str) -> bool:
    n = name.upper()
    return any(w in n for w in ("NULL", "RC4", "DES", "EXP", "ANON", "ADH", "AECDH"))
