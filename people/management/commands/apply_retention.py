"""``manage.py apply_retention [--dry-run]``: the retention policy of personal data, now."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from people.privacy import apply_retention


class Command(BaseCommand):
    help = (
        "Apply the retention policy now (the nightly task does the same): delete location traces older than "
        "RETENTION_LOCATION_DAYS, move labour entries older than RETENTION_ANONYMISE_LABOUR_YEARS to the "
        "anonymous employee. --dry-run prints the counts and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        counts = apply_retention(dry_run=dry_run)
        self.stdout.write(
            f"Policy: location traces {settings.RETENTION_LOCATION_DAYS} days, "
            f"labour person {settings.RETENTION_ANONYMISE_LABOUR_YEARS} years (0: kept)."
            + (" Dry run: nothing changed." if dry_run else "")
        )
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
