"""The role stamp: one row, given a new random value by triggers whenever roles, permissions or sites change.

Tables watched: a user's groups and own permissions, the groups' permissions, groups (their names are the
roles), permissions, employees (their user) and the employees' sites. PostgreSQL: one trigger per table and
statement, after insert, update, delete and truncate. SQLite: one trigger per table and kind of change.
The value is random, never a counter, so a value seen in a transaction that was rolled back never returns.
"""

from django.conf import settings
from django.db import migrations, models

POSTGRESQL_FUNCTION = """
CREATE FUNCTION people_rolestamp_renew() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {stamp} (id, value) VALUES (1, md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;
"""
POSTGRESQL_TRIGGER = (
    "CREATE TRIGGER people_rolestamp_renew AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION people_rolestamp_renew();"
)
# An UPDATE, then an INSERT only if the row is missing: a trigger's own conflict clause would give way to
# the outer statement's (Django adds to many-to-many relations with INSERT OR IGNORE).
SQLITE_TRIGGER = (
    "CREATE TRIGGER people_rolestamp_{table}_{event} AFTER {event} ON {table} BEGIN "
    "UPDATE {stamp} SET value = lower(hex(randomblob(16))) WHERE id = 1; "
    "INSERT INTO {stamp} (id, value) SELECT 1, lower(hex(randomblob(16))) "
    "WHERE NOT EXISTS (SELECT 1 FROM {stamp} WHERE id = 1); END;"
)
EVENTS = ("insert", "update", "delete")


def _tables(apps) -> tuple[str, list[str]]:
    user = apps.get_model(settings.AUTH_USER_MODEL)
    group = apps.get_model("auth", "Group")
    employee = apps.get_model("people", "Employee")
    watched = [
        user.groups.through,
        user.user_permissions.through,
        group.permissions.through,
        group,
        apps.get_model("auth", "Permission"),
        employee,
        employee.sites.through,
    ]
    return apps.get_model("people", "RoleStamp")._meta.db_table, [model._meta.db_table for model in watched]


def forward(apps, schema_editor):
    stamp, tables = _tables(apps)
    quote = schema_editor.quote_name
    apps.get_model("people", "RoleStamp").objects.using(schema_editor.connection.alias).create(id=1, value="initial")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION.format(stamp=quote(stamp)), params=None)
        for table in tables:
            schema_editor.execute(POSTGRESQL_TRIGGER.format(table=quote(table)), params=None)
    elif vendor == "sqlite":
        for table in tables:
            for event in EVENTS:
                schema_editor.execute(SQLITE_TRIGGER.format(table=table, event=event, stamp=quote(stamp)), params=None)


def backward(apps, schema_editor):
    stamp, tables = _tables(apps)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER people_rolestamp_renew ON {schema_editor.quote_name(table)};")
        schema_editor.execute("DROP FUNCTION people_rolestamp_renew();")
    elif vendor == "sqlite":
        for table in tables:
            for event in EVENTS:
                schema_editor.execute(f"DROP TRIGGER people_rolestamp_{table}_{event};")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_updated_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RoleStamp",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("value", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "role stamp",
                "verbose_name_plural": "role stamps",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
