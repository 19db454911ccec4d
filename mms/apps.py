from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MmsConfig(AppConfig):
    """The project package as an app: roles, heartbeat, periodic-task registration, demo data."""

    name = "mms"
    verbose_name = _("System")

    def ready(self) -> None:
        from mms.celery import ensure_broker_folders
        from mms.schedules import register_periodic_tasks

        ensure_broker_folders()
        post_migrate.connect(register_periodic_tasks, sender=self)
