"""``manage.py export_data FORMAT --user USERNAME [--site ID] [--target REGISTER] [-o FILE]``: the export
service, as the screen runs it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange import registry, services


class Command(BaseCommand):
    help = "Export a site's register as COBie, CSV, GeoJSON... (to a file, or to standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format")
        parser.add_argument("--user", required=True, help="who exports (their sites apply)")
        parser.add_argument("--site", type=int, help="one site id; default: every site the user sees")
        parser.add_argument("--target", help="the register (CSV)")
        parser.add_argument("-o", "--output", type=Path, help="the file to write; default: standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            exporter = registry.exporter(options["format"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        given = {name: options[name] for name in ("site", "target") if options.get(name) is not None}
        if "target" in exporter.options and "target" not in given:
            raise CommandError("Say which register to export (--target).")
        if "site_required" in exporter.options and "site" not in given:
            raise CommandError("Say which site to export (--site).")
        try:
            content, _name, _content_type = services.export_file(format=exporter.format, user=user, options=given)
        except (ValueError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        if options["output"]:
            options["output"].write_bytes(content)
            self.stderr.write(f"Wrote {len(content)} bytes to {options['output']}")
        else:
            sys.stdout.buffer.write(content)
