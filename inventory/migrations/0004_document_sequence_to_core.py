"""Document numbers come from ``core.DocumentSequence`` now (core migration 0001 copied these rows)."""

from django.db import migrations


def forget_content_type(apps, schema_editor):
    """The model is gone: its content type and permissions go too (roles hold core's now)."""
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="inventory", model="documentsequence").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inventory", "0003_stock_purchasing_contracts_budgets"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="DocumentSequence"),
        migrations.RunPython(forget_content_type, migrations.RunPython.noop),
    ]
