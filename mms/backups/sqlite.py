"""SQLite: the online backup API out (``sqlite3.Connection.backup``), and back in.

The backup API copies the database page by page under SQLite's own locking, so it is consistent while
the web and the worker keep writing, and it reads through the write-ahead log; copying the file with
``cp`` would not be. The counts and checksums are taken from the copy, which is exactly what is archived.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

from mms.backups.errors import BackupError
from mms.backups.tables import TableState, sqlite_applied_migrations, sqlite_non_empty_tables, sqlite_table_states

DUMP_NAME = "mms.sqlite3"


@dataclass(frozen=True)
class SqliteDump:
    """A database copy and what the manifest records about it."""

    path: Path
    server_version: str
    tables: dict[str, TableState]
    migrations: list[tuple[str, str]]


@contextmanager
def _open_read_only(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as database:
        yield database


def _target_path(connection: BaseDatabaseWrapper) -> Path:
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        raise BackupError("The database is in memory: there is no file to restore into. Set SQLITE_PATH.")
    return Path(connection.settings_dict["NAME"])


def dump(connection: BaseDatabaseWrapper, work_dir: Path) -> SqliteDump:
    """Copy the database with the backup API through a connection of its own, then measure the copy."""
    path = work_dir / DUMP_NAME
    reader = type(connection)(dict(connection.settings_dict), connection.alias)
    try:
        reader.ensure_connection()
        with closing(sqlite3.connect(path)) as copy:
            reader.connection.backup(copy)
    finally:
        reader.close()
    with _open_read_only(path) as copy:
        tables = sqlite_table_states(copy)
        migrations = sqlite_applied_migrations(copy)
    return SqliteDump(path=path, server_version=sqlite3.sqlite_version, tables=tables, migrations=migrations)


def non_empty_tables(connection: BaseDatabaseWrapper) -> list[str]:
    in_memory = connection.is_in_memory_db()  # type: ignore[attr-defined]
    path = Path(connection.settings_dict["NAME"])
    if not in_memory and (not path.exists() or path.stat().st_size == 0):
        return []
    with _open_configured(connection) as database:
        return sqlite_non_empty_tables(database)


def restore(connection: BaseDatabaseWrapper, dump_path: Path) -> None:
    """Put the archived database in place of the configured one.

    Django's connection is closed first; the pages are then written with the backup API into the target
    file, which replaces its whole content (extra tables included) in one step under SQLite's locks and
    leaves no stale write-ahead log behind, as replacing the file with a rename could.
    """
    path = _target_path(connection)
    connection.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    timeout = float((connection.settings_dict.get("OPTIONS") or {}).get("timeout", 20))
    with _open_read_only(dump_path) as source, closing(sqlite3.connect(path, timeout=timeout)) as target:
        source.backup(target)


@contextmanager
def _open_configured(connection: BaseDatabaseWrapper) -> Iterator[sqlite3.Connection]:
    """The configured database, read with the plain ``sqlite3`` module (no Django type converters)."""
    if not connection.is_in_memory_db():  # type: ignore[attr-defined]
        with _open_read_only(Path(connection.settings_dict["NAME"])) as database:
            yield database
        return
    # An in-memory database (the test suite's) has no file to open: read a plain copy of it.
    reader = type(connection)(dict(connection.settings_dict), connection.alias)
    try:
        reader.ensure_connection()
        with closing(sqlite3.connect(":memory:")) as copy:
            reader.connection.backup(copy)
            yield copy
    finally:
        reader.close()


def table_states(connection: BaseDatabaseWrapper) -> dict[str, TableState]:
    """Counts and checksums of the configured database."""
    with _open_configured(connection) as database:
        return sqlite_table_states(database)
