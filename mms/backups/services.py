"""Back up, restore and prune: the services ``manage.py backup``/``restore`` and the nightly task call."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from mms.backups import postgres, sqlite
from mms.backups.archive import (
    DATABASE_DIR,
    FORMAT,
    FORMAT_VERSION,
    MEDIA_DIR,
    ArchiveWriter,
    extract_verified,
    runtime_versions,
)
from mms.backups.errors import BackupError
from mms.backups.lock import BackupBusy, backup_lock
from mms.backups.retention import archive_name, archives_to_keep, dated_archives
from mms.backups.tables import TableState

logger = logging.getLogger("mms.backups")

# Left behind only by a process killed mid-way (the lock is held whenever they exist legitimately).
LEFTOVER_PATTERNS = (".mms-backup-*.partial", ".mms-backup-work-*", ".mms-restore-*")


class _Dump(Protocol):
    path: Path
    server_version: str
    tables: dict[str, TableState]
    migrations: list[tuple[str, str]]


class _Backend(Protocol):
    def dump(self, connection: BaseDatabaseWrapper, work_dir: Path) -> _Dump: ...
    def non_empty_tables(self, connection: BaseDatabaseWrapper) -> list[str]: ...
    def restore(self, connection: BaseDatabaseWrapper, dump_path: Path) -> None: ...
    def table_states(self, connection: BaseDatabaseWrapper) -> dict[str, TableState]: ...


BACKENDS: dict[str, Any] = {"postgresql": postgres, "sqlite": sqlite}


def _backend(vendor: str) -> _Backend:
    try:
        return BACKENDS[vendor]
    except KeyError:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.") from None


@dataclass
class RestoreReport:
    """What a restore did and what it found when it compared the database with the manifest."""

    archive: Path
    vendor: str
    created_at: str
    tables: int = 0
    rows: int = 0
    media_files: int = 0
    mismatches: list[str] = field(default_factory=list)
    extra_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


class RestoreMismatch(BackupError):
    """The restore ran, but the database does not hold what the manifest says it should."""

    def __init__(self, report: RestoreReport) -> None:
        self.report = report
        super().__init__(
            f"Restored {report.archive.name}, but {len(report.mismatches)} table(s) differ from its manifest: "
            + "; ".join(report.mismatches[:10])
        )


@dataclass(frozen=True)
class ScheduledBackup:
    archive: Path
    deleted: list[Path]


def table_states(using: str = DEFAULT_DB_ALIAS) -> dict[str, TableState]:
    """Row count and content checksum of every table of a configured database (see ``mms.backups.tables``)."""
    connection = connections[using]
    return _backend(connection.vendor).table_states(connection)


def backup_create(target_dir: Path | str | None = None, *, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Write one archive of the database and the media files into ``target_dir`` (``BACKUP_DIR``).

    Waits for a backup or prune already running on that folder. The archive appears under its final
    name only once complete (written as a hidden ``.partial`` file, flushed, then renamed); on any
    failure the partial file is removed and the error raised.
    """
    directory = Path(target_dir or settings.BACKUP_DIR)
    with backup_lock(directory):
        return _create(directory, using)


def backup_prune(
    keep_daily: int, keep_weekly: int, *, directory: Path | str | None = None, keep: tuple[Path, ...] = ()
) -> list[Path]:
    """Delete the archives that retention does not keep; return the deleted paths.

    Keeps the newest archive of each of the last ``keep_daily`` days and ``keep_weekly`` ISO weeks
    (``mms.backups.retention``), the newest archive of all whatever the numbers, and any path in ``keep``.
    """
    folder = Path(directory or settings.BACKUP_DIR)
    with backup_lock(folder):
        return _prune(folder, keep_daily, keep_weekly, keep)


def backup_scheduled(*, using: str = DEFAULT_DB_ALIAS) -> ScheduledBackup | None:
    """The nightly job: one archive in ``BACKUP_DIR``, then retention; None when another backup is running.

    It does not wait for the lock: a second run fired at the same time (a duplicate beat, a manual
    backup) would only produce a second archive of the same data.
    """
    directory = Path(settings.BACKUP_DIR)
    try:
        with backup_lock(directory, wait=False):
            archive = _create(directory, using)
            deleted = _prune(directory, settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, (archive,))
    except BackupBusy:
        logger.warning("Scheduled backup skipped: another backup is running in %s", directory)
        return None
    logger.info("Backup written to %s; %d old archive(s) deleted", archive, len(deleted))
    return ScheduledBackup(archive=archive, deleted=deleted)


def backup_verify(archive: Path | str) -> dict[str, Any]:
    """Check an archive's members against its manifest without restoring anything; return the manifest."""
    with tempfile.TemporaryDirectory(prefix="mms-verify-") as staging:
        return extract_verified(Path(archive), Path(staging))


def backup_restore(archive: Path | str, *, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> RestoreReport:
    """Restore an archive into the configured database and ``MEDIA_ROOT``, then check it against the manifest.

    Everything that can be checked first is: every member's sha256, the database vendor, and that the
    database (any table with rows, applied migrations included) and the media folder are empty, unless
    ``force``. Only then is the database replaced and the media folder emptied and filled. Raises
    ``RestoreMismatch`` (with the report) when a table's row count or checksum differs afterwards.
    """
    archive = Path(archive)
    connection = connections[using]
    media_root = Path(settings.MEDIA_ROOT)
    backup_dir = Path(settings.BACKUP_DIR)
    _refuse_backups_inside_media(backup_dir, media_root)
    with (
        backup_lock(backup_dir),
        tempfile.TemporaryDirectory(prefix=".mms-restore-", dir=backup_dir) as staging_name,
    ):
        staging = Path(staging_name)
        manifest = extract_verified(archive, staging)
        vendor = manifest["database"].get("vendor")
        if vendor != connection.vendor:
            raise BackupError(
                f"{archive.name} holds a {vendor} database; this MMS is configured for {connection.vendor}. "
                "An archive is restored onto the database vendor it was made from."
            )
        backend = _backend(connection.vendor)
        dump_name = str(manifest["database"].get("dump", ""))
        if not dump_name.startswith(f"{DATABASE_DIR}/") or dump_name not in manifest["files"]:
            raise BackupError(f"{archive.name}: the manifest names no database dump in the archive.")
        if not force:
            _refuse_non_empty_target(backend, connection, media_root)
        backend.restore(connection, staging / dump_name)
        media_files = _restore_media(staging / MEDIA_DIR, media_root)
    report = RestoreReport(
        archive=archive, vendor=connection.vendor, created_at=manifest.get("created_at", ""), media_files=media_files
    )
    _compare_tables(report, manifest["tables"], backend.table_states(connection))
    report.warnings.extend(_migration_warnings(connection))
    if not report.ok:
        raise RestoreMismatch(report)
    return report


def _create(directory: Path, using: str) -> Path:
    _remove_leftovers(directory)
    media_root = Path(settings.MEDIA_ROOT)
    _refuse_backups_inside_media(directory, media_root)
    connection = connections[using]
    backend = _backend(connection.vendor)
    created_at = timezone.now()
    serial = 0
    while (directory / archive_name(created_at, serial)).exists():
        serial += 1  # a second archive in the same second
    final = directory / archive_name(created_at, serial)
    partial = directory / f".{final.name}.partial"
    with tempfile.TemporaryDirectory(prefix=".mms-backup-work-", dir=directory) as work:
        dump = backend.dump(connection, Path(work))
        try:
            writer = ArchiveWriter(partial)
            try:
                writer.add_file(dump.path, f"{DATABASE_DIR}/{dump.path.name}")
                media_files = writer.add_media(media_root)
                writer.add_manifest(
                    {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        **runtime_versions(),
                        "database": {
                            "vendor": connection.vendor,
                            "server_version": dump.server_version,
                            "dump": f"{DATABASE_DIR}/{dump.path.name}",
                        },
                        "migrations": _latest_migrations(dump.migrations),
                        "tables": {name: state.as_dict() for name, state in sorted(dump.tables.items())},
                        "media_files": media_files,
                        "files": writer.files,
                    }
                )
            finally:
                writer.close()
            _fsync(partial)
            os.replace(partial, final)
            _fsync(directory)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return final


def _prune(directory: Path, keep_daily: int, keep_weekly: int, keep: tuple[Path, ...]) -> list[Path]:
    archives = dated_archives(directory)
    if not archives:
        return []
    kept = archives_to_keep(archives, keep_daily, keep_weekly) | {archives[0].path} | {Path(p) for p in keep}
    deleted = []
    for archive in archives:
        if archive.path not in kept:
            archive.path.unlink(missing_ok=True)
            deleted.append(archive.path)
    return deleted


def _remove_leftovers(directory: Path) -> None:
    for pattern in LEFTOVER_PATTERNS:
        for path in directory.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _refuse_backups_inside_media(backup_dir: Path, media_root: Path) -> None:
    if backup_dir.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(
            f"BACKUP_DIR ({backup_dir}) is inside MEDIA_ROOT ({media_root}): archives would be archived "
            "again and a restore would delete them. Put BACKUP_DIR elsewhere."
        )


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return [path for path in media_root.rglob("*") if path.is_file() or path.is_symlink()]


def _refuse_non_empty_target(backend: _Backend, connection: BaseDatabaseWrapper, media_root: Path) -> None:
    problems = []
    tables = backend.non_empty_tables(connection)
    if tables:
        shown = ", ".join(tables[:8]) + (", ..." if len(tables) > 8 else "")
        problems.append(f"the database {connection.settings_dict['NAME']} has rows in {len(tables)} table(s) ({shown})")
    files = _media_files(media_root)
    if files:
        problems.append(f"the media folder {media_root} holds {len(files)} file(s)")
    if problems:
        raise BackupError(
            "Nothing was restored: "
            + " and ".join(problems)
            + ". Restore into an empty (not migrated) database and an empty media folder, or pass --force "
            "to replace what is there."
        )


def _restore_media(source: Path, media_root: Path) -> int:
    """Empty the media folder (already checked empty unless forced) and move the archived files in."""
    media_root.mkdir(parents=True, exist_ok=True)
    for entry in media_root.iterdir():  # the folder itself may be a mount point: empty it, keep it
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    count = 0
    if source.is_dir():
        count = sum(1 for path in source.rglob("*") if path.is_file())
        for entry in source.iterdir():
            shutil.move(entry, media_root / entry.name)
    return count


def _compare_tables(report: RestoreReport, expected: dict[str, Any], found: dict[str, TableState]) -> None:
    for table, state in sorted(expected.items()):
        report.tables += 1
        report.rows += int(state["rows"])
        got = found.get(table)
        if got is None:
            report.mismatches.append(f"{table}: missing after the restore")
        elif got.rows != state["rows"]:
            report.mismatches.append(f"{table}: {got.rows} rows, the archive has {state['rows']}")
        elif got.checksum != state["checksum"]:
            report.mismatches.append(f"{table}: same {got.rows} rows, but their content checksum differs")
    report.extra_tables = sorted(set(found) - set(expected))
    if report.extra_tables:
        report.warnings.append(
            f"{len(report.extra_tables)} table(s) not in the archive were already there and were left as they were: "
            + ", ".join(report.extra_tables[:8])
        )


def _latest_migrations(applied: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Per app, the applied migrations no other applied migration of the app builds on (usually one)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    applied_set = set(applied)
    latest: dict[str, list[str]] = {}
    for key in applied:
        node = graph.node_map.get(key)
        children = {child.key for child in node.children} if node else set()
        if not any(child in applied_set and child[0] == key[0] for child in children):
            latest.setdefault(key[0], []).append(key[1])
    return {app: sorted(names) for app, names in sorted(latest.items())}


def _migration_warnings(connection: BaseDatabaseWrapper) -> list[str]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations or {})
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in loader.graph.nodes)
    pending = sorted(f"{app}.{name}" for app, name in loader.graph.nodes if (app, name) not in applied)
    warnings = []
    if unknown:
        warnings.append(
            f"The archive has {len(unknown)} migration(s) this code does not know ({', '.join(unknown[:5])}): "
            "it was made by a newer MMS; run that version."
        )
    if pending:
        warnings.append(
            f"{len(pending)} migration(s) of this code are not applied yet: run `manage.py migrate` before starting."
        )
    return warnings
