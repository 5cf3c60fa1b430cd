"""Login throttling: failed logins counted per (username, client address) in the database.

``LOCK_AFTER`` failures within ``LOCK_MINUTES`` lock that pair for ``LOCK_MINUTES`` from the last
failure, even for the right password; a success clears the pair's failures. Counting in our own
table (not a cache) keeps the count across restarts and shared by every worker of one database.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone


def _window() -> timedelta:
    return timedelta(minutes=int(settings.SECAUDIT["LOCK_MINUTES"]))


def is_locked(username: str, address: str) -> bool:
    from secaudit.web.models import LoginFailure

    since = timezone.now() - _window()
    recent = LoginFailure.objects.filter(username=username.lower(), address=address, at__gte=since)
    return recent.count() >= int(settings.SECAUDIT["LOCK_AFTER"])


def record_failure(username: str, address: str) -> bool:
    """Count one failure; True when this failure locks the pair."""
    from secaudit.web.models import LoginFailure

    LoginFailure.objects.create(username=username.lower()[:150], address=address[:64], at=timezone.now())
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()  # keep the table small
    return is_locked(username, address)


def clear(username: str, address: str) -> None:
    from secaudit.web.models import LoginFailure

    LoginFailure.objects.filter(username=username.lower(), address=address).delete()
