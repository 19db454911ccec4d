"""Login protection: Administrators see lockouts and lift them (delete the access attempt), see the
login logs, and remove a user's one-time-password device when a phone is lost."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0012_investment_roles"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
