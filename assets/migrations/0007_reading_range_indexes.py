"""Readings: BRIN indexes (RangeIndex) for updated_at and entered_by, which bulk loads barely pay for."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.indexes


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0006_reading_set_based_references"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalreading",
            name="updated_at",
            field=models.DateTimeField(blank=True, editable=False, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="reading",
            name="entered_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="entered by",
            ),
        ),
        migrations.AlterField(
            model_name="reading",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AddIndex(
            model_name="reading",
            index=core.indexes.RangeIndex(fields=["updated_at"], name="reading_updated_at"),
        ),
        migrations.AddIndex(
            model_name="reading",
            index=core.indexes.RangeIndex(fields=["entered_by"], name="reading_entered_by"),
        ),
    ]
