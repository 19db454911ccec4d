"""Resource types and spare parts lists: everyone who reads resources reads types; technicians read spare
parts lists, planners keep them (storekeepers and administrators have every inventory permission)."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0008_core_roles"),
        ("assets", "0010_resource_type"),
        ("inventory", "0005_spare_parts"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
