"""Give the roles their permissions on the API models: tokens, webhook subscriptions (see core/roles.py)."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0005_inventory_roles"),
        ("orders", "0005_webhooks"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
