"""The exactly-one-entity constraint names its rule in words (no change to the database)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0007_reading_range_indexes'),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name='counter',
            name='counter_exactly_one_entity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('area__isnull', False), ('resource__isnull', True), ('container__isnull', True), ('material__isnull', True)), models.Q(('resource__isnull', False), ('area__isnull', True), ('container__isnull', True), ('material__isnull', True)), models.Q(('container__isnull', False), ('area__isnull', True), ('resource__isnull', True), ('material__isnull', True)), models.Q(('material__isnull', False), ('area__isnull', True), ('resource__isnull', True), ('container__isnull', True)), _connector='OR'), name='counter_exactly_one_entity', violation_error_message='Choose exactly one of area, resource, container or material.'),
        ),
    ]
