"""``manage.py restore ARCHIVE``: put a backup back into an empty database and media folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mms.backups import BackupError, RestoreMismatch, RestoreReport, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into the configured database and MEDIA_ROOT. Checks "
        "every member's checksum and the database vendor first, refuses a database with rows (a migrated one "
        "too) or a media folder with files unless --force, then compares every table's row count and checksum "
        "with the manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace the data of a non-empty database and media folder"
        )
        parser.add_argument(
            "--check", action="store_true", help="only check the archive against its manifest; restore nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            if options["check"]:
                manifest = backup_verify(archive)
                self.stdout.write(
                    f"{archive.name}: {len(manifest['files'])} member(s) match the manifest "
                    f"({manifest['database']['vendor']}, made {manifest['created_at']} by MMS {manifest['mms_version']})."
                )
                return
            report = backup_restore(archive, force=options["force"])
        except RestoreMismatch as exc:
            self._write_report(exc.report)
            raise CommandError(str(exc)) from exc
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self._write_report(report)

    def _write_report(self, report: RestoreReport) -> None:
        self.stdout.write(
            f"Restored {report.archive.name} (made {report.created_at}) into {report.vendor}: "
            f"{report.tables} tables, {report.rows} rows, {report.media_files} media file(s)."
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Every table's row count and checksum match the manifest."))
        for mismatch in report.mismatches:
            self.stdout.write(self.style.ERROR(f"Differs: {mismatch}"))
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
