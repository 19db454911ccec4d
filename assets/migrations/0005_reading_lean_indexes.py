"""Readings keep one index for lookups by counter: the unique (counter, taken_at) one (bulk loads pay per index)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_updated_at"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="reading",
            name="reading_counter_latest",
        ),
        migrations.AlterField(
            model_name="reading",
            name="counter",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="readings",
                to="assets.counter",
                verbose_name="counter",
            ),
        ),
    ]
