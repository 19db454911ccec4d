"""Data exchange: every role that reads resources reads their attributes, document references and
systems; Planners and Storekeepers run imports and keep column mappings; Administrators do everything."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0010_downtime_roles"),
        ("exchange", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
