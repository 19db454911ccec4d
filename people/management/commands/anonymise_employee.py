"""``manage.py anonymise_employee <id|code|username>``: remove a person's identity for good."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ActionNotAllowed
from people.anonymisation import anonymise_employee, find_employee
from people.models import Employee


class Command(BaseCommand):
    help = (
        "Anonymise one employee everywhere (their user, history rows and free text naming them included) while "
        "keeping their work records and the KPIs. IRREVERSIBLE: asks to type the employee's code unless --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("employee", help="the employee's id, code, or their user's username")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            employee = find_employee(options["employee"])
        except Employee.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        if not options["yes"]:
            if not options.get("interactive", True):
                raise CommandError("Confirm with --yes when not run interactively.")
            answer = input(f"Anonymise {employee} for good? Type the code {employee.code!r} to confirm: ")
            if answer.strip() != employee.code:
                raise CommandError("Not confirmed; nothing changed.")
        try:
            log = anonymise_employee(employee=employee)
        except ActionNotAllowed as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Employee {employee.pk} anonymised ({sum(log.counts.values())} rows changed).")
        for kind, count in log.counts.items():
            self.stdout.write(f"  {kind}: {count}")
