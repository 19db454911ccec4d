"""Document numbers come from ``core.DocumentSequence`` now (core migration 0001 copied these rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_stock_purchasing_contracts_budgets"), ("core", "0001_initial")]

    operations = [migrations.DeleteModel(name="DocumentSequence")]
