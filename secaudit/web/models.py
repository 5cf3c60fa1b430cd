"""What the database keeps. The assessment data itself stays in the data folder's files (the YAML the
CLI reads): here are accounts' roles, submissions, revision history, login failures and the log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from secaudit.web.permissions import ROLES


class Account(models.Model):
    """A user's role and, for the agency role, the agency id (inventory) whose systems it may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    role = models.CharField(max_length=16, choices=[(r, r) for r in ROLES])
    agency = models.CharField(max_length=64, blank=True, default="")
    reviewer_id = models.CharField(max_length=64, blank=True, default="")  # inspector: key file name


class Submission(models.Model):
    """One system's answers handed to the inspectors (state machine: submitted → approved /
    changes_requested → submitted again)."""

    agency = models.CharField(max_length=64)
    system = models.CharField(max_length=64)
    state = models.CharField(max_length=24, default="submitted")
    submitted_at = models.DateTimeField()
    submitted_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "system"], name="one_submission_per_system")]


class Revision(models.Model):
    """Every saved version of one attestation entry (the YAML keeps the latest)."""

    agency = models.CharField(max_length=64)
    system = models.CharField(max_length=64)
    requirement = models.CharField(max_length=64)
    revision = models.CharField(max_length=16)  # attestations.entry_revision of the saved entry
    entry = models.JSONField()
    saved_at = models.DateTimeField()
    saved_by = models.CharField(max_length=150)

    class Meta:
        indexes = [models.Index(fields=["agency", "system", "requirement"])]


class LoginFailure(models.Model):
    """Failed logins per (username, client address): the throttle counts recent rows."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["username", "address", "at"])]


class AuditEntry(models.Model):
    """Append-only, hash-chained: ``hash = SHA-256(prev_hash + canonical fields)`` (audit.py)."""

    seq = models.BigIntegerField(unique=True)
    at = models.CharField(max_length=40)  # ISO time as hashed (no database round-trip changes it)
    user = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object = models.CharField(max_length=300)
    detail = models.TextField(blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:  # append-only: an entry is written once, never changed
            raise PermissionError("audit log entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit log entries are append-only")


class EvidenceFile(models.Model):
    """An uploaded evidence file: the name the user gave (shown, escaped; never a path) and its type."""

    agency = models.CharField(max_length=64)
    system = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16)
    size = models.BigIntegerField()
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["agency", "system", "sha256"])]


class BundleUpload(models.Model):
    """One bundle upload and its verdict (kept also when refused, with the reason)."""

    agency = models.CharField(max_length=64)
    file = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    accepted = models.BooleanField()
    reason = models.TextField()
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()
