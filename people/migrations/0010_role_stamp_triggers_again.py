"""The role stamp's SQLite triggers again.

SQLite cannot drop a column: Django makes the table anew and copies the rows, and the table's triggers go
with the old one. Removing the employee's consent flag (0008) so lost the triggers on ``people_employee``,
and with them the new stamp when an employee's user changes. This makes every trigger of 0004 again (those
still there are dropped first). PostgreSQL keeps its triggers through ``DROP COLUMN``: nothing to do there.
"""

import importlib

from django.db import migrations

role_stamp = importlib.import_module("people.migrations.0004_role_stamp")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    stamp, tables = role_stamp._tables(apps)
    for table in tables:
        for event in role_stamp.EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS people_rolestamp_{table}_{event};")
            schema_editor.execute(
                role_stamp.SQLITE_TRIGGER.format(table=table, event=event, stamp=schema_editor.quote_name(stamp)),
                params=None,
            )


class Migration(migrations.Migration):
    dependencies = [("people", "0009_merge_signatures_privacy")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
