"""Asset investment planning: Supervisors (and Integrators) see health, risk and the replacement forecast;
Planners keep the lifecycle figures, plan replacement years and set the forecast; Administrators do all."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0011_exchange_roles"),
        ("investment", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
