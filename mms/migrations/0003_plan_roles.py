"""Give the roles their permissions on the plans app (see core/roles.py)."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0002_roles"),
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
