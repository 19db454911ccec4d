"""Order numbers come from ``core.DocumentSequence`` now (core migration 0001 copied these rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_history_range_indexes"), ("core", "0001_initial")]

    operations = [migrations.DeleteModel(name="OrderNumberSequence")]
