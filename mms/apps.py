from __future__ import annotations

from typing import Any

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
        post_migrate.connect(restore_missing_roles)


def restore_missing_roles(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """After the last app's post_migrate (a migrate, or a flush: transactional tests empty every table),
    make the role groups again if any is missing. Existing groups are left as they are: their permissions
    are the role table's from the roles migrations, or an administrator's choice since."""
    from django.apps import apps as registry
    from django.contrib.auth.models import Group

    from core.roles import ROLES, sync_roles

    if sender is not list(registry.get_app_configs())[-1]:
        return
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        sync_roles(registry)
