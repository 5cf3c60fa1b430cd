"""The Django application of secaudit serve (label ``web``)."""

from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "secaudit.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "secaudit"
