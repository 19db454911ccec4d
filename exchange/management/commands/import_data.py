"""``manage.py import_data FORMAT FILE [--site ID] [--target REGISTER] [--mapping ID] [--dry-run | --valid-rows]
--user USERNAME``: the import service, as the screen runs it, with the report printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange import registry, services
from exchange.models import ImportMode, ImportOutcome


class Command(BaseCommand):
    help = "Import a COBie workbook, IFC model, CSV register or GeoJSON file (a dry run with --dry-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", help="cobie, ifc, csv, geojson")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="who imports (their roles and sites apply)")
        parser.add_argument("--site", type=int, help="the site id the file's records go to")
        parser.add_argument("--target", help="the register a CSV file holds (resources, areas, parts, ...)")
        parser.add_argument("--mapping", type=int, help="a saved column mapping id (CSV)")
        parser.add_argument("--columns", help='CSV: field -> column header, as JSON ({"tag": "ASSET_ID"})')
        parser.add_argument("--defaults", help='CSV: field -> fixed value or pattern, as JSON ({"tag": "TL-{row}"})')
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        mode.add_argument("--valid-rows", action="store_true", help="import the valid rows, skip the others")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            importer = registry.importer(options["format"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        mode = (
            ImportMode.DRY_RUN
            if options["dry_run"]
            else ImportMode.VALID_ROWS
            if options["valid_rows"]
            else ImportMode.ALL_OR_NOTHING
        )
        given = {
            name: options[name]
            for name in ("site", "target", "mapping", "columns", "defaults")
            if options.get(name) is not None
        }
        takes = set(importer.options) | ({"columns", "defaults"} if "mapping" in importer.options else set())
        unknown = sorted(set(given) - takes)
        if unknown:
            raise CommandError(f"{importer.format} takes no {', '.join('--' + name for name in unknown)}.")
        try:
            with path.open("rb") as handle:
                run = services.import_run(
                    format=importer.format,
                    upload=services.Upload(path.name, handle),
                    user=user,
                    options=given,
                    mode=mode,
                )
        except PermissionDenied as error:
            raise CommandError(str(error) or "You may not import this.") from error
        self._print(run.report)
        self.stdout.write(f"Run {run.pk}: {run.get_outcome_display()}")
        if run.outcome in (ImportOutcome.REFUSED, ImportOutcome.PROBLEMS):
            raise CommandError(f"{run.get_outcome_display()} ({len(run.report.get('problems', []))} problem(s)).")

    def _print(self, report: dict[str, Any]) -> None:
        rows = report.get("rows", {})
        for sheet, records in report.get("outcome", {}).items():
            for record, counts in records.items():
                self.stdout.write(
                    f"{sheet} ({rows.get(sheet, 0)} rows) -> {record}: {counts['created']} new, "
                    f"{counts['updated']} changed, {counts['unchanged']} unchanged"
                )
        for problem in report.get("problems", []):
            where = ", ".join(
                part
                for part in (
                    problem["sheet"],
                    f"row {problem['row']}" if problem["row"] is not None else "",
                    f"column {problem['column']}" if problem["column"] else "",
                )
                if part
            )
            self.stderr.write(f"{where}: {problem['message']}" if where else problem["message"])
