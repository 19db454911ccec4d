"""The exactly-one-entity constraint names its rule in words (no change to the database)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0008_one_entity_message'),
        ('orders', '0007_lean_order_indexes'),
        ('plans', '0003_updated_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name='workorder',
            name='workorder_exactly_one_entity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('area__isnull', False), ('resource__isnull', True), ('container__isnull', True), ('material__isnull', True)), models.Q(('resource__isnull', False), ('area__isnull', True), ('container__isnull', True), ('material__isnull', True)), models.Q(('container__isnull', False), ('area__isnull', True), ('resource__isnull', True), ('material__isnull', True)), models.Q(('material__isnull', False), ('area__isnull', True), ('resource__isnull', True), ('container__isnull', True)), _connector='OR'), name='workorder_exactly_one_entity', violation_error_message='Choose exactly one of area, resource, container or material.'),
        ),
    ]
