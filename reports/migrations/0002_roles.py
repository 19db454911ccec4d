"""Monthly report roles: Supervisors download the report of their sites and keep its e-mail subscriptions,
Planners download it, Administrators do everything."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("mms", "0011_exchange_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
