"""Django settings built from the command line (no settings module: ``settings.configure``).

One process serves one data folder. ``configure`` is called once per process (serve, users, tests);
``DEBUG`` is always False, whatever the environment says.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from secaudit.core.errors import InputError
from secaudit.core.files import atomic_write

DB_FILE = "web.sqlite3"  # beside inventory.yaml; secaudit.db is the summary's history store
SECRET_FILE = "web-secret.key"
# Upload caps: evidence also obeys the system profile's evidence_max_bytes (the smaller wins).
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
BUNDLE_MAX_BYTES = 16 * 1024 * 1024
IMPORT_MAX_BYTES = 4 * 1024 * 1024  # an attestation YAML uploaded back
EVIDENCE_FILES = 20  # evidence files one save keeps
LOCK_AFTER = 5  # failed logins per (user, address) ...
LOCK_MINUTES = 15  # ... lock that pair this long
# Many readers beside one writer (WAL), writers queue instead of failing ("database is locked"),
# and a transaction takes its write lock at BEGIN so two never deadlock upgrading a read lock.
SQLITE_OPTIONS = {
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
}
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


@dataclass
class WebOptions:
    data: Path
    db_url: str | None = None
    https: bool = False
    host: str = "127.0.0.1"
    evidence_max_bytes: int = EVIDENCE_MAX_BYTES
    security_contact: str = "mailto:security@localhost"


def database(url: str | None, data: Path) -> dict[str, Any]:
    """``None`` → SQLite in the data folder; ``postgresql://user:pw@host:port/name`` → PostgreSQL."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data / DB_FILE),
            "OPTIONS": SQLITE_OPTIONS,
        }
    parts = urlsplit(url)
    if parts.scheme in ("sqlite", "sqlite3"):
        path = unquote(parts.path)
        if not path or path == "/":
            raise InputError(
                "--db sqlite:///PATH thiếu đường dẫn tệp / --db sqlite:///PATH needs a file path", url
            )
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": SQLITE_OPTIONS}
    if parts.scheme not in ("postgresql", "postgres"):
        raise InputError(
            f"--db: không hỗ trợ kiểu kết nối này / "
            f"unsupported scheme {parts.scheme!r} (postgresql://… or sqlite:///…)",
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise InputError(
            "--db postgresql://…/NAME thiếu tên CSDL / --db postgresql://…/NAME needs a database name"
        )
    from urllib.parse import parse_qs

    query = parse_qs(parts.query)
    host = unquote(parts.hostname or "") or (query.get("host") or [""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
    }


def secret_key(data: Path) -> str:
    """The session-signing secret, made once and kept in the data folder (mode 0600)."""
    path = data / SECRET_FILE
    if path.is_file():
        value = path.read_text(encoding="ascii", errors="replace").strip()
        if len(value) >= 50:
            return value
    value = secrets.token_urlsafe(64)
    atomic_write(path, value + "\n", mode=0o600)
    return value


def settings_dict(opts: WebOptions) -> dict[str, Any]:
    data = opts.data.resolve()
    https = opts.https
    hosts = list(LOOPBACK_HOSTS)
    if opts.host in ("0.0.0.0", "::", ""):
        hosts = ["*"]  # bound to every interface: the operator names the host in front of it
    elif opts.host not in hosts:
        hosts.append(opts.host)
    hosts += [h.strip() for h in os.environ.get("SECAUDIT_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return {
        "DEBUG": False,
        "SECRET_KEY": secret_key(data),
        "ALLOWED_HOSTS": hosts,
        "ROOT_URLCONF": "secaudit.web.urls",
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "secaudit.web.apps.WebConfig",
        ],
        "MIDDLEWARE": [
            "secaudit.web.middleware.SecurityHeadersMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "secaudit.web.middleware.LanguageMiddleware",
            "secaudit.web.upload_limit.UploadLimitMiddleware",  # 413 before the body is read
            "secaudit.web.middleware.InputErrorMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        "DATABASES": {"default": database(opts.db_url, data)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "PASSWORD_HASHERS": [
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ],
        "AUTH_PASSWORD_VALIDATORS": [
            {
                "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                "OPTIONS": {"min_length": 10},
            },
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        ],  # fmt: skip
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.template.context_processors.csrf",
                        "secaudit.web.middleware.context",
                    ],
                    "builtins": ["secaudit.web.templatetags.webtags"],
                },
            }
        ],
        "LOGIN_URL": "/login/",
        "USE_TZ": True,
        "TIME_ZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGE_CODE": "vi",
        "USE_I18N": False,  # the UI's words are bilingual in the templates (Vietnamese first)
        # Sessions: signed id in a cookie, data in the database; never readable by scripts.
        "SESSION_COOKIE_NAME": "secaudit_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_AGE": 8 * 3600,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "CSRF_COOKIE_NAME": "secaudit_csrf",
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Strict",
        "CSRF_COOKIE_SECURE": https,
        "CSRF_FAILURE_VIEW": "secaudit.web.views.errors.csrf_failure",
        # Headers (SecurityMiddleware; the rest in middleware.SecurityHeadersMiddleware)
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        # same-origin, not no-referrer: under no-referrer Chromium sends "Origin: null" with form POSTs
        # and Django's CSRF origin check refuses every one (found by tests/test_web_browser.py).
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SECURE_HSTS_SECONDS": 63072000 if https else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": https,
        "X_FRAME_OPTIONS": "DENY",
        # Uploads: never kept in memory beyond 2.5 MB, request bodies bounded.
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 2 * 1024 * 1024,
        "DATA_UPLOAD_MAX_NUMBER_FIELDS": 2000,
        "FILE_UPLOAD_MAX_MEMORY_SIZE": 2 * 1024 * 1024,
        "FILE_UPLOAD_TEMP_DIR": str(_tmp(data)),
        # Ours first: it stops a file over its URL's cap while it arrives (web/upload_limit.py).
        "FILE_UPLOAD_HANDLERS": [
            "secaudit.web.upload_limit.LimitedUploadHandler",
            "django.core.files.uploadhandler.MemoryFileUploadHandler",
            "django.core.files.uploadhandler.TemporaryFileUploadHandler",
        ],
        "FILE_UPLOAD_PERMISSIONS": 0o600,
        # Server errors (500) go to serve's stderr with their traceback, for the operator only: the
        # client gets the bilingual error page. Nothing else of Django's logging is printed.
        "LOGGING": {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "null": {"class": "logging.NullHandler"},
                "stderr": {"class": "logging.StreamHandler", "level": "ERROR"},
            },
            "loggers": {
                "django": {"handlers": ["null"], "propagate": False},
                "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
            },
        },
        "SECAUDIT": {
            "DATA": data,
            "HTTPS": https,
            "EVIDENCE_MAX_BYTES": opts.evidence_max_bytes,
            "BUNDLE_MAX_BYTES": BUNDLE_MAX_BYTES,
            "LOCK_AFTER": LOCK_AFTER,
            "LOCK_MINUTES": LOCK_MINUTES,
            "SECURITY_CONTACT": opts.security_contact,
        },
    }


def _tmp(data: Path) -> Path:
    p = data / "tmp"
    p.mkdir(parents=True, exist_ok=True)
    return p


_CONFIGURED: list[WebOptions] = []


def setup(opts: WebOptions, migrate: bool = True) -> None:
    """Configure Django for ``opts`` (once per process), then bring the database schema up to date."""
    import django
    from django.conf import settings

    if not opts.data.is_dir():
        raise InputError(
            "không thấy thư mục dữ liệu: hãy tạo trước (mkdir) hoặc dùng serve --demo"
            " / data folder not found: create it first (mkdir) or use serve --demo",
            opts.data,
        )
    if _CONFIGURED:
        if _CONFIGURED[0] != opts:
            raise RuntimeError("secaudit.web is already configured for another data folder")
    else:
        settings.configure(**settings_dict(opts))
        django.setup()
        _CONFIGURED.append(opts)
    if migrate:
        run_migrations()


def run_migrations() -> None:
    from django.core.management import call_command
    from django.db.utils import DatabaseError

    try:
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:  # unreachable server, wrong password, a file that is no database
        raise InputError(
            f"không kết nối được CSDL / database not reachable: {str(exc).splitlines()[0]}"
        ) from None


def data_dir() -> Path:
    from django.conf import settings

    return Path(settings.SECAUDIT["DATA"])
