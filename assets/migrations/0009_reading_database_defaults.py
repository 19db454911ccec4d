"""Readings: note, created_at and updated_at have database defaults, so the bulk COPY can leave them out."""

import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0008_one_entity_message'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalreading',
            name='created_at',
            field=models.DateTimeField(blank=True, db_default=django.db.models.functions.datetime.Now(), editable=False, verbose_name='recorded at'),
        ),
        migrations.AlterField(
            model_name='historicalreading',
            name='note',
            field=models.CharField(blank=True, db_default='', default='', max_length=500, verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='historicalreading',
            name='updated_at',
            field=models.DateTimeField(blank=True, db_default=django.db.models.functions.datetime.Now(), editable=False, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='reading',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='recorded at'),
        ),
        migrations.AlterField(
            model_name='reading',
            name='note',
            field=models.CharField(blank=True, db_default='', default='', max_length=500, verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='reading',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='updated at'),
        ),
    ]
