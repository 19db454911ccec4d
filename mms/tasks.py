"""Periodic system tasks."""

from __future__ import annotations

from celery import shared_task

from mms.backups import backup_scheduled
from mms.services import heartbeat_record


@shared_task(name="mms.heartbeat", ignore_result=True)
def heartbeat(name: str = "celery") -> None:
    """Record that beat scheduled and a worker ran this task."""
    heartbeat_record(name=name, worker=heartbeat.request.hostname or "")


@shared_task(name="mms.backup", ignore_result=True)
def backup() -> None:
    """Nightly archive of the database and media into BACKUP_DIR, then retention (skipped if one is running)."""
    backup_scheduled()
