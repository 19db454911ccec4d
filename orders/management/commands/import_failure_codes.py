"""``manage.py import_failure_codes FILE.xlsx [--sheet SHEET=KIND ...] [--code-column C] [--name-column C]
[--description-column C] [--parent-column C] [--type-column C] [--dry-run]``: failure code lists from a
workbook, all or nothing (``orders.failures.failure_codes_import``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.failure_import import ImportFailed, SheetMapping, failure_codes_import
from orders.models import FailureKind


class Command(BaseCommand):
    help = (
        "Import failure problems, causes and remedies from a workbook with a sheet per code list (code and "
        "description columns, a header row or none). Nothing is written when any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--sheet",
            action="append",
            default=[],
            metavar="SHEET=KIND",
            help=f"a sheet and the kind of code it holds ({', '.join(FailureKind.values)}); repeat for each "
            "sheet. Without it, sheets are chosen by their names (Problems, Failure modes, Causes, Remedies...)",
        )
        parser.add_argument("--code-column", help="header text or column letter of the codes (default: Code, Value...)")
        parser.add_argument("--name-column", help="of the descriptions (default: Description, Name...)")
        parser.add_argument("--description-column", help="of a longer description (default: Details, Notes...)")
        parser.add_argument(
            "--parent-column", help="of the parent codes, comma-separated (default: Parent, Problem...)"
        )
        parser.add_argument("--type-column", help="of the resource type names, ;-separated (default: Resource type)")
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        columns = {
            "code": options["code_column"],
            "name": options["name_column"],
            "description": options["description_column"],
            "parent": options["parent_column"],
            "resource_type": options["type_column"],
        }
        mappings = None
        if options["sheet"]:
            mappings = []
            for given in options["sheet"]:
                sheet, sep, kind = given.rpartition("=")
                if not sep or not sheet or kind.strip().lower() not in FailureKind.values:
                    raise CommandError(
                        f"--sheet {given!r}: give SHEET=KIND, KIND one of {', '.join(FailureKind.values)}."
                    )
                mappings.append(SheetMapping(sheet=sheet.strip(), kind=kind.strip().lower(), **columns))
        elif any(columns.values()):
            raise CommandError("Column options need --sheet SHEET=KIND (which sheets they apply to).")
        try:
            report = failure_codes_import(path, mappings, dry_run=options["dry_run"])
        except ImportFailed as failed:
            for problem in failed.report.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(failed.report.problems)} problem(s); nothing was imported.") from failed
        for sheet, kind in report.sheets.items():
            self.stdout.write(f"{sheet}: {FailureKind(kind).label}")
        for kind in FailureKind.values:
            created, updated = report.created.get(kind, 0), report.updated.get(kind, 0)
            unchanged = report.unchanged.get(kind, 0)
            if created or updated or unchanged:
                self.stdout.write(f"{kind}: {created} created, {updated} updated, {unchanged} unchanged")
        self.stdout.write(
            f"{report.skipped} empty or null row(s) skipped."
            + (" Dry run: nothing written." if options["dry_run"] else "")
        )
