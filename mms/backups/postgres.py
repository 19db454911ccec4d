"""PostgreSQL: ``pg_dump --format=custom`` out, ``pg_restore`` in, both run as child processes.

The connection settings come from ``settings.DATABASES`` and reach the tools through libpq's environment
variables (``PGHOST``, ``PGUSER``, ``PGPASSWORD``...): the password never appears on a command line, where
any user of the machine could read it in the process list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from mms.backups.errors import BackupError
from mms.backups.tables import (
    TableState,
    postgres_applied_migrations,
    postgres_non_empty_tables,
    postgres_table_states,
)

DUMP_NAME = "mms.pgdump"

# Connection OPTIONS that libpq also reads from its environment.
LIBPQ_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


@dataclass(frozen=True)
class PostgresDump:
    """A dump file and what the manifest records about the database it came from."""

    path: Path
    server_version: str
    tables: dict[str, TableState]
    migrations: list[tuple[str, str]]


def libpq_environment(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """The process environment for pg_dump/pg_restore: ours, with the libpq variables of the connection."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in LIBPQ_OPTION_VARIABLES.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    env["PGAPPNAME"] = "mms-backup"
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools of the server's major version "
            "(Debian: postgresql-client)."
        )
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def dump(connection: BaseDatabaseWrapper, work_dir: Path) -> PostgresDump:
    """Dump the database with pg_dump, and count and checksum its tables in the very same snapshot.

    A separate connection opens a repeatable-read transaction and exports its snapshot; pg_dump runs
    with ``--snapshot`` while that transaction stays open. Rows written meanwhile by the web or the worker
    are then in neither the dump nor the manifest, so the checksums describe exactly what was dumped.
    """
    settings_dict = connection.settings_dict
    reader = type(connection)(dict(settings_dict), connection.alias)
    path = work_dir / DUMP_NAME
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            command = [
                _tool("pg_dump"),
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={path}",
                f"--dbname={settings_dict['NAME']}",
            ]
            _run(command, libpq_environment(settings_dict), "pg_dump")
            tables = postgres_table_states(reader, cursor)
            migrations = postgres_applied_migrations(reader, cursor)
            cursor.execute("COMMIT")
    finally:
        reader.close()
    return PostgresDump(path=path, server_version=str(server_version), tables=tables, migrations=migrations)


def non_empty_tables(connection: BaseDatabaseWrapper) -> list[str]:
    return postgres_non_empty_tables(connection)


def restore(connection: BaseDatabaseWrapper, dump_path: Path) -> None:
    """Restore a custom-format dump into the connection's database, in one transaction.

    ``--clean --if-exists`` drops what the dump is about to create, so a forced restore onto a database
    holding the same schema works; ``--single-transaction`` makes a failure leave the database as it was;
    ``--no-owner`` lets the configured role own everything whatever role made the dump.
    """
    settings_dict = connection.settings_dict
    connection.close()
    command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--no-password",
        f"--dbname={settings_dict['NAME']}",
        str(dump_path),
    ]
    _run(command, libpq_environment(settings_dict), "pg_restore")


def table_states(connection: BaseDatabaseWrapper) -> dict[str, TableState]:
    with connection.cursor() as cursor:
        return postgres_table_states(connection, cursor)


def server_version(connection: BaseDatabaseWrapper) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        return str(cursor.fetchone()[0])
