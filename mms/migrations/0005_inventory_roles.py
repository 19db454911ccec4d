"""Give the roles their permissions on the inventory and purchasing models (see core/roles.py)."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0004_order_roles"),
        ("inventory", "0003_stock_purchasing_contracts_budgets"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
