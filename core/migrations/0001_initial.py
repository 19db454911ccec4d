"""The shared records move into the core app.

- ``Notification`` (was ``people.Notification``): the model moves in Django's state only, then its table
  is renamed to ``core_notification``; its content type (and so its permissions) moves with it.
- ``DocumentSequence`` is new: the rows of ``inventory.DocumentSequence`` (PR-, PO-) and
  ``orders.OrderNumberSequence`` (WO-) are copied into it; those apps drop their tables afterwards.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_sequences(apps, schema_editor):
    DocumentSequence = apps.get_model("core", "DocumentSequence")
    last: dict[str, int] = {}
    for app_label, model in (("inventory", "DocumentSequence"), ("orders", "OrderNumberSequence")):
        for prefix, number in apps.get_model(app_label, model).objects.values_list("prefix", "last"):
            last[prefix] = max(last.get(prefix, 0), number)
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(prefix=prefix, last=number) for prefix, number in sorted(last.items())]
    )


def move_notification_type(apps, schema_editor):
    """people.notification's content type becomes core.notification's, keeping its permissions' rows (and
    so what groups hold). If core.notification's type was already made (a role sync in between), the old
    one and its permissions go."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="people", model="notification").first()
    if old is None:
        return
    if ContentType.objects.filter(app_label="core", model="notification").exists():
        old.delete()
    else:
        old.app_label = "core"
        old.save(update_fields=["app_label"])


def move_notification_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="core", model="notification").update(app_label="people")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0004_role_stamp"),
        ("inventory", "0003_stock_purchasing_contracts_budgets"),
        ("orders", "0009_history_range_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("body", models.TextField(blank=True, verbose_name="message")),
                        ("url", models.CharField(blank=True, max_length=300, verbose_name="link")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent at")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                        ("updated_at", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at")),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recipient",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["recipient", "read_at"], name="notification_inbox")],
                        "db_table": "people_notification",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="notification", table=None),
        migrations.RunPython(move_notification_type, move_notification_type_back),
        migrations.CreateModel(
            name="DocumentSequence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("prefix", models.CharField(max_length=10, unique=True, verbose_name="prefix")),
                ("last", models.PositiveBigIntegerField(default=0, verbose_name="last number")),
            ],
            options={
                "verbose_name": "document number sequence",
                "verbose_name_plural": "document number sequences",
            },
        ),
        migrations.RunPython(copy_sequences, migrations.RunPython.noop),
    ]
