"""Row counts and content checksums of every table, the yardstick a restore is measured against.

A checksum is computed the same way before the dump and after the restore, on the same vendor, so two
equal checksums mean the same rows with the same values in every column:

- PostgreSQL, in SQL: ``md5(string_agg(md5(ROW(t.*)::text), '' ORDER BY <primary key>))``: each row's
  text form (as ``psql`` would print it, in the connection's UTC time zone) is hashed, and the hashes are
  hashed in primary-key order. Hashing rows first keeps the aggregate at 32 bytes a row instead of the
  whole table's text.
- SQLite has no ``md5()``: the rows are streamed in primary-key order (``rowid`` for a table without one)
  through Python's ``hashlib``, each row's ``repr()`` of its raw SQLite values (int, float, str, bytes,
  None) hashed, then the hex hashes hashed together, as on PostgreSQL. It reads the database file with
  the plain ``sqlite3`` module, so Django's type converters play no part.

Checksums of the two vendors are not comparable with each other (the text forms differ); an archive is
only ever restored onto the vendor it came from.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class TableState:
    """How many rows a table holds and a checksum of their content (None for an empty table)."""

    rows: int
    checksum: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": self.checksum}


def postgres_table_states(connection: BaseDatabaseWrapper, cursor: Any) -> dict[str, TableState]:
    """Every table the connection sees (views left out), read through ``cursor``.

    The cursor is passed in so the backup can read inside the transaction whose snapshot pg_dump
    dumps: the counts then describe exactly the rows in the dump.
    """
    quote = connection.ops.quote_name
    states: dict[str, TableState] = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        key_columns = connection.introspection.get_primary_key_columns(cursor, table) or []
        order = ", ".join(f"t.{quote(column)}" for column in key_columns) or "ROW(t.*)::text"
        cursor.execute(
            f"SELECT count(*), md5(string_agg(md5(ROW(t.*)::text), '' ORDER BY {order})) FROM {quote(table)} AS t"
        )
        rows, checksum = cursor.fetchone()
        states[table] = TableState(rows=int(rows), checksum=checksum)
    return states


def postgres_non_empty_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """Tables holding at least one row (``django_migrations`` counts: a migrated database is not empty)."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def _sqlite_tables(database: sqlite3.Connection) -> list[str]:
    rows = database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )
    return [name for (name,) in rows]


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_table_states(database: sqlite3.Connection) -> dict[str, TableState]:
    """Every table of a SQLite database opened with the plain ``sqlite3`` module (no type converters)."""
    states: dict[str, TableState] = {}
    for table in _sqlite_tables(database):
        info = database.execute(f"PRAGMA table_info({_sqlite_quote(table)})").fetchall()
        # table_info rows: (cid, name, type, notnull, default, pk); pk is the column's place in the key.
        key_columns = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
        order = ", ".join(_sqlite_quote(column) for column in key_columns) or "rowid"
        table_digest = hashlib.md5(usedforsecurity=False)
        rows = 0
        for row in database.execute(f"SELECT * FROM {_sqlite_quote(table)} ORDER BY {order}"):
            table_digest.update(hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest().encode())
            rows += 1
        states[table] = TableState(rows=rows, checksum=table_digest.hexdigest() if rows else None)
    return states


def sqlite_non_empty_tables(database: sqlite3.Connection) -> list[str]:
    """Tables holding at least one row."""
    return [
        table
        for table in _sqlite_tables(database)
        if database.execute(f"SELECT EXISTS (SELECT 1 FROM {_sqlite_quote(table)})").fetchone()[0]
    ]


def sqlite_applied_migrations(database: sqlite3.Connection) -> list[tuple[str, str]]:
    """(app, name) of every applied migration; none when the database was never migrated."""
    if "django_migrations" not in _sqlite_tables(database):
        return []
    return [(app, name) for app, name in database.execute("SELECT app, name FROM django_migrations ORDER BY id")]


def postgres_applied_migrations(connection: BaseDatabaseWrapper, cursor: Any) -> list[tuple[str, str]]:
    """(app, name) of every applied migration, read through ``cursor`` (inside the dump's snapshot)."""
    if "django_migrations" not in connection.introspection.table_names(cursor):
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return [(app, name) for app, name in cursor.fetchall()]
