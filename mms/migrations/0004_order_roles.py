"""Give the roles their permissions on work orders (see core/roles.py)."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0003_plan_roles"),
        ("orders", "0001_initial"),
        ("people", "0002_notifications"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
