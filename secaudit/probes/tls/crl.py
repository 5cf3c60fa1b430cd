"""Certificate revocation lists (DESIGN §9: a certificate revoked by stapled OCSP *or a CRL* fails
``tls.cert.trusted``). sslyze and cryptography's verifier check no CRL, so the probe does:

- CRLs the user supplies inside ``--ca-file`` (PEM ``X509 CRL`` blocks, OpenSSL's CAfile
  convention), offline;
- the CRL distribution points (http/https URLs) of each certificate the server sends, fetched with
  the connection timeout, at most ``MAX_FETCHES`` per chain and ``MAX_CRL_BYTES`` each, and only
  for a chain that leads to a trust anchor (a hostile self-made certificate chooses no URL for us).

A CRL is believed only when its issuer is the certificate's issuer and its signature verifies with
that issuer's key (a forged list could otherwise make a good site look revoked). The probe records
what it found; a CRL it could not fetch or verify is evidence only, never a verdict by itself.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.request
from typing import Any

from secaudit.probes.safe_text import escape_controls

MAX_CRL_BYTES = 10 * 1024 * 1024  # a large public CA's CRL is a few MB
MAX_FETCHES = 2
MAX_URL = 300


def _shown(url: str) -> str:
    """A URL from the server's certificate, as recorded: cut, and no escape sequence for a terminal."""
    return escape_controls(url[:MAX_URL])


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.timezone.utc).isoformat()


def _load_crls(data: bytes) -> list[Any]:
    from cryptography import x509

    if b"-----BEGIN X509 CRL-----" not in data:
        try:
            return [x509.load_der_x509_crl(data)]
        except ValueError:
            return []
    out = []
    for block in data.split(b"-----BEGIN X509 CRL-----")[1:]:
        pem = (
            b"-----BEGIN X509 CRL-----"
            + block.split(b"-----END X509 CRL-----")[0]
            + b"-----END X509 CRL-----\n"
        )
        try:
            out.append(x509.load_pem_x509_crl(pem))
        except ValueError:
            continue
    return out


def _load_certs(data: bytes) -> list[Any]:
    from cryptography import x509

    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError:
        return []


def _urls(cert: Any) -> list[str]:
    from cryptography import x509

    try:
        dps = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [
        name.value
        for dp in dps
        for name in dp.full_name or []
        if isinstance(name, x509.UniformResourceIdentifier)
        and name.value.lower().startswith(("http://", "https://"))
    ]


_CACHE: dict[str, tuple[float, bytes]] = {}  # url -> (fetched at, body): one download per run
_CACHE_LOCK = threading.Lock()
CACHE_SECONDS = 600.0


def _fetch(url: str, timeout: float) -> bytes:
    """The CRL at ``url``; the sites of one CA share its list, so it is fetched once in a while."""
    with _CACHE_LOCK:
        hit = _CACHE.get(url)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    data = _download(url, timeout)
    with _CACHE_LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[url] = (time.monotonic(), data)
    return data


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, to http(s) only (urllib alone would also follow one to ftp)."""

    max_redirections = 3

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if not newurl.lower().startswith(("http://", "https://")):
            raise ValueError(f"redirect to {newurl[:80]!r} not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, timeout: float) -> bytes:
    """The body at ``url``, read against one deadline: a trickling server cannot stretch it."""
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(_HttpOnlyRedirects())
    req = urllib.request.Request(url, headers={"User-Agent": "secaudit (CRL)"})
    chunks: list[bytes] = []
    size = 0
    with opener.open(req, timeout=timeout) as resp:
        while chunk := resp.read1(65536):  # one recv at a time: the deadline is checked often
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_CRL_BYTES:
                raise ValueError(f"CRL larger than {MAX_CRL_BYTES} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"CRL not received within {timeout:g} s")
    return b"".join(chunks)


def _verified(crl: Any, issuer: Any) -> bool:
    try:
        return crl.issuer == issuer.subject and bool(crl.is_signature_valid(issuer.public_key()))
    except Exception:  # an unsupported key or signature type: not believed
        return False


def crl_status(
    chain: list[Any], ca_file: str | None, timeout: float, fetch: bool = True
) -> dict[str, Any] | None:
    """See ``_crl_status``; a bug on an odd certificate is this part's error, never the section's."""
    try:
        return _crl_status(chain, ca_file, timeout, fetch)
    except Exception as exc:
        return {"cert_status": "unknown", "error": escape_controls(f"{type(exc).__name__}: {exc}"[:300])}


def _crl_status(chain: list[Any], ca_file: str | None, timeout: float, fetch: bool) -> dict[str, Any] | None:
    """What the CRLs say about each certificate of ``chain`` (leaf first); None when no CRL applies
    (no distribution point, none supplied): nothing to record, as with no OCSP stapling."""
    supplied: list[Any] = []
    anchors: list[Any] = []
    if ca_file:
        try:
            with open(ca_file, "rb") as f:
                data = f.read(MAX_CRL_BYTES * 4)
            supplied, anchors = _load_crls(data), _load_certs(data)
        except OSError:
            pass  # the TLS probe reports an unreadable CA file itself
    deadline = time.monotonic() + max(timeout, 1.0)
    fetches = 0
    sources: list[dict[str, Any]] = []
    revoked: dict[str, Any] | None = None
    for i, cert in enumerate(chain):
        if cert.subject == cert.issuer:
            continue  # a root is the trust anchor's business
        issuer = next((c for c in chain[i + 1 :] + anchors if c.subject == cert.issuer), None)
        if issuer is None:
            continue  # no key to check a list with (e.g. a public root the server does not send)
        candidates: list[tuple[str, Any]] = [("--ca-file", c) for c in supplied if c.issuer == cert.issuer]
        for url in _urls(cert) if fetch else []:
            left = deadline - time.monotonic()
            if fetches >= MAX_FETCHES or left <= 0:
                sources.append({"source": _shown(url), "ok": False, "error": "not fetched (limit)"})
                continue
            fetches += 1
            try:
                got = _load_crls(_fetch(url, min(timeout, left)))
                if not got:
                    raise ValueError("not a CRL")
                candidates += [(url, c) for c in got]
            except Exception as exc:  # network, HTTP or parse error: evidence only
                err = escape_controls(f"{type(exc).__name__}: {exc}"[:300])
                sources.append({"source": _shown(url), "ok": False, "error": err})
        for where, crl in candidates:
            src = {"source": _shown(where), "certificate": i, "this_update": _iso(crl.last_update_utc)}
            src["next_update"] = _iso(crl.next_update_utc)
            if not _verified(crl, issuer):
                sources.append(src | {"ok": False, "error": "CRL not signed by the certificate's issuer"})
                continue
            sources.append(src | {"ok": True, "error": None})
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and revoked is None:
                revoked = {
                    "certificate": i,
                    "source": _shown(where),
                    "revocation_time": _iso(entry.revocation_date_utc),
                }
                revoked["revocation_reason"] = _reason(entry)
    if not sources:
        return None
    checked = any(s["ok"] for s in sources)
    status = "revoked" if revoked else ("good" if checked else "unknown")
    return {"cert_status": status, "revoked": revoked, "sources": sources}


def _reason(entry: Any) -> str | None:
    from cryptography import x509

    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except (x509.ExtensionNotFound, ValueError):
        return None
