"""``manage.py load_failure_codes``: the ISO 14224-like default failure codes, created where missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from orders.failures import failure_codes_load_defaults


class Command(BaseCommand):
    help = "Create the default failure problems, causes and remedies that do not exist yet (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = failure_codes_load_defaults()
        self.stdout.write(f"Failure codes: {counts['created']} created, {counts['existing']} already there.")
