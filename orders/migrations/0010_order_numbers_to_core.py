"""Order numbers come from ``core.DocumentSequence`` now (core migration 0001 copied these rows)."""

from django.db import migrations


def forget_content_type(apps, schema_editor):
    """The model is gone: its content type and permissions go too (roles hold core's now)."""
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="orders", model="ordernumbersequence").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0009_history_range_indexes"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="OrderNumberSequence"),
        migrations.RunPython(forget_content_type, migrations.RunPython.noop),
    ]
