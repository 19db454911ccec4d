"""Backups and restore of a whole MMS: the database and the media files in one checked archive.

``backup_create`` writes ``BACKUP_DIR/mms-backup-<UTC time>.tar.gz`` (``mms.backups.archive`` describes
what is in it); ``backup_restore`` puts one back into an empty database and media folder and checks every
table's row count and checksum against the manifest (``mms.backups.tables``); ``backup_prune`` applies the
retention (``mms.backups.retention``); ``backup_scheduled`` is the nightly job. ``manage.py backup`` and
``manage.py restore`` and the ``mms.backup`` Celery task call them.
"""

from __future__ import annotations

from mms.backups.errors import BackupError
from mms.backups.services import (
    RestoreMismatch,
    RestoreReport,
    ScheduledBackup,
    backup_create,
    backup_prune,
    backup_restore,
    backup_scheduled,
    backup_verify,
    table_states,
)
from mms.backups.tables import TableState

__all__ = [
    "BackupError",
    "RestoreMismatch",
    "RestoreReport",
    "ScheduledBackup",
    "TableState",
    "backup_create",
    "backup_prune",
    "backup_restore",
    "backup_scheduled",
    "backup_verify",
    "table_states",
]
