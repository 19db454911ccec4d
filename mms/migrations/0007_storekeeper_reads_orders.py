"""Storekeepers read the work orders they reserve and issue parts for (see core/roles.py)."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("mms", "0006_api_roles")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
