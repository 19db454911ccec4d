"""``manage.py export_person_data <id|code|username> [--output FILE]``: a data-subject access export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from people.anonymisation import find_employee
from people.models import Employee
from people.subject_access import export_person_data


class Command(BaseCommand):
    help = "Write a ZIP of JSON files with everything the system holds about one employee and their user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("employee", help="the employee's id, code, or their user's username")
        parser.add_argument("--output", type=Path, help="the ZIP file to write (default: in the current folder)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            employee = find_employee(options["employee"])
        except Employee.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        path = options["output"] or Path(f"person-data-{employee.pk}-{timezone.now():%Y%m%d-%H%M%S}.zip")
        if path.exists():
            raise CommandError(f"{path} exists; give another --output.")
        try:
            with path.open("wb") as out:
                counts = export_person_data(employee=employee, out=out)
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written export of someone's data left behind
            raise
        self.stdout.write(f"{path}: {sum(counts.values())} rows in {len(counts)} files.")
