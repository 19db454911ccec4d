"""Administrators read and delete notifications and read number sequences in their new app, core."""

from __future__ import annotations

from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("mms", "0007_storekeeper_reads_orders"),
        ("core", "0001_initial"),
        ("people", "0005_notification_to_core"),
        ("inventory", "0004_document_sequence_to_core"),
        ("orders", "0010_order_numbers_to_core"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
