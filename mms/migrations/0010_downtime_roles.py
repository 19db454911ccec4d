"""Downtime periods: Technicians read them; Supervisors (every orders model) also add and change them;
Administrators do everything and Integrators read, as for every orders model."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0009_spare_part_roles"),
        ("orders", "0011_downtime_periods"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
