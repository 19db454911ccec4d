"""Notifications now live in the core app (its migration 0001 took the table over); people forgets them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0004_role_stamp"), ("core", "0001_initial")]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Notification")])]
