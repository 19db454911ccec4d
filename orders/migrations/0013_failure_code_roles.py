"""Failure codes in the role table: Administrators (every orders permission) and Supervisors (add, change
and view of every orders model) keep the code lists in the admin. After the roles migrations of ``mms``,
so the groups this gives permissions to are there."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0012_failure_codes"),
        ("mms", "0011_exchange_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
