"""``manage.py backup``: one archive of the database and the media files (see ``mms.backups``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mms.backups import BackupError, backup_create, backup_prune, backup_verify


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) of the database (pg_dump custom format, or SQLite's online backup), the "
        "media files and a manifest with versions and checksums, into BACKUP_DIR or --output-dir. "
        "Prints the archive's path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", type=Path, help="folder for the archive (default: BACKUP_DIR)")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="then delete old archives in that folder, keeping BACKUP_KEEP_DAILY days and BACKUP_KEEP_WEEKLY weeks",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["output_dir"] or Path(settings.BACKUP_DIR)
        try:
            archive = backup_create(directory)
            manifest = backup_verify(archive)
            deleted = (
                backup_prune(
                    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, directory=directory, keep=(archive,)
                )
                if options["prune"]
                else []
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(state["rows"] for state in manifest["tables"].values())
        if options["verbosity"] >= 2:
            self.stderr.write(
                f"{manifest['database']['vendor']} {manifest['database']['server_version']}: "
                f"{len(manifest['tables'])} tables, {rows} rows; {manifest['media_files']} media file(s); "
                f"{archive.stat().st_size} bytes; checked against its manifest."
            )
            for path in deleted:
                self.stderr.write(f"Deleted by retention: {path.name}")
        self.stdout.write(str(archive))
