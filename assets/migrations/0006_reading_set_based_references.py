"""PostgreSQL: check a reading's counter and user once per statement, not once per row.

A foreign key checks each inserted row on its own at commit (one SPI query per row and key): a bulk load of
100,000 readings paid 200,000 such checks, about a second, for the same hundred counters and one user.
On PostgreSQL this migration replaces the two foreign-key constraints of ``assets_reading`` by triggers that
keep the same guarantees, set-based:

- after each INSERT or UPDATE statement on ``assets_reading``, one trigger reads the statement's new rows
  (a transition table), locks the distinct counters and users they refer to ``FOR KEY SHARE`` (as a foreign
  key check does, so they cannot be deleted until this transaction ends) and raises ``foreign_key_violation``
  (SQLSTATE 23503, Django's ``IntegrityError``) if one does not exist. Unlike the deferred foreign keys this
  check is immediate: write the counter (and user) before its readings, as every code path does;
- deleting a counter or a user (or changing its id) is refused at commit (a deferrable constraint trigger,
  initially deferred like Django's foreign keys) while readings still refer to it. Django deletes a
  counter's readings and clears ``entered_by`` first (``on_delete`` CASCADE and SET_NULL), as before.

The model keeps its ``ForeignKey`` fields (relations, ``on_delete``, admin, SQLite's own foreign keys).
Other databases are left as they are.
"""

from django.conf import settings
from django.db import migrations

FORWARD = """
CREATE FUNCTION assets_reading_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counter_ids bigint[];
    user_ids bigint[];
    found integer;
    missing bigint;
BEGIN
    SELECT array_agg(counter_id ORDER BY counter_id) INTO counter_ids
        FROM (SELECT counter_id FROM new_rows GROUP BY counter_id) AS distinct_counters;
    IF counter_ids IS NOT NULL THEN
        SELECT count(*) INTO found FROM (
            SELECT 1 FROM {counter} WHERE id = ANY (counter_ids) ORDER BY id FOR KEY SHARE
        ) AS locked;
        IF found < cardinality(counter_ids) THEN
            SELECT min(wanted) INTO missing FROM unnest(counter_ids) AS wanted
                WHERE NOT EXISTS (SELECT 1 FROM {counter} WHERE id = wanted);
            RAISE foreign_key_violation USING
                MESSAGE = format('insert or update on table "{reading}": counter %s does not exist', missing),
                TABLE = '{reading}', COLUMN = 'counter_id';
        END IF;
    END IF;
    SELECT array_agg(entered_by_id ORDER BY entered_by_id) INTO user_ids
        FROM (SELECT entered_by_id FROM new_rows WHERE entered_by_id IS NOT NULL GROUP BY entered_by_id) AS people;
    IF user_ids IS NOT NULL THEN
        SELECT count(*) INTO found FROM (
            SELECT 1 FROM {user} WHERE id = ANY (user_ids) ORDER BY id FOR KEY SHARE
        ) AS locked;
        IF found < cardinality(user_ids) THEN
            SELECT min(wanted) INTO missing FROM unnest(user_ids) AS wanted
                WHERE NOT EXISTS (SELECT 1 FROM {user} WHERE id = wanted);
            RAISE foreign_key_violation USING
                MESSAGE = format('insert or update on table "{reading}": user %s does not exist', missing),
                TABLE = '{reading}', COLUMN = 'entered_by_id';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER assets_reading_references_on_insert AFTER INSERT ON {reading}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assets_reading_check_references();
CREATE TRIGGER assets_reading_references_on_update AFTER UPDATE ON {reading}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assets_reading_check_references();

CREATE FUNCTION assets_reading_check_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    IF (TG_ARGV[0] = 'counter_id' AND EXISTS (SELECT 1 FROM {reading} WHERE counter_id = OLD.id))
            OR (TG_ARGV[0] = 'entered_by_id' AND EXISTS (SELECT 1 FROM {reading} WHERE entered_by_id = OLD.id)) THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update or delete on table "%s": id %s is still referenced from table "{reading}"',
                             TG_TABLE_NAME, OLD.id),
            TABLE = '{reading}', COLUMN = TG_ARGV[0];
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER assets_reading_counter_referenced AFTER DELETE OR UPDATE OF id ON {counter}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assets_reading_check_referenced('counter_id');
CREATE CONSTRAINT TRIGGER assets_reading_user_referenced AFTER DELETE OR UPDATE OF id ON {user}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assets_reading_check_referenced('entered_by_id');
"""

BACKWARD = """
DROP TRIGGER assets_reading_counter_referenced ON {counter};
DROP TRIGGER assets_reading_user_referenced ON {user};
DROP FUNCTION assets_reading_check_referenced();
DROP TRIGGER assets_reading_references_on_insert ON {reading};
DROP TRIGGER assets_reading_references_on_update ON {reading};
DROP FUNCTION assets_reading_check_references();
"""


def _tables(apps):
    reading = apps.get_model("assets", "Reading")
    return reading, {
        "reading": reading._meta.db_table,
        "counter": apps.get_model("assets", "Counter")._meta.db_table,
        "user": apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table,
    }


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    reading, tables = _tables(apps)
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, tables["reading"])
    for name, constraint in constraints.items():
        if constraint["foreign_key"] and constraint["columns"] in (["counter_id"], ["entered_by_id"]):
            schema_editor.execute(schema_editor._delete_fk_sql(reading, name))
    schema_editor.execute(FORWARD.format(**tables), params=None)  # no parameters: its "%s" are PL/pgSQL's


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    reading, tables = _tables(apps)
    schema_editor.execute(BACKWARD.format(**tables), params=None)
    for name in ("counter", "entered_by"):
        schema_editor.execute(
            schema_editor._create_fk_sql(reading, reading._meta.get_field(name), "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0005_reading_lean_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forward, backward)]
