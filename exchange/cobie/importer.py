"""The COBie importer: checks the file, cleans the options and runs the sheets in the order their
records depend on each other (see ``exchange.registry`` for what an importer promises)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area
from core.scoping import visible_site_ids
from exchange.cobie import equipment, maintenance, places, records
from exchange.cobie.context import Context
from exchange.cobie.reader import read_workbook
from exchange.files import FileRefused, check_workbook
from exchange.registry import ImportJob

# The sheets a workbook must have at least one of to be read as COBie at all.
COBIE_MARKERS = ("Facility", "Floor", "Space", "Type", "Component")


class CobieImporter:
    format = "cobie"
    label = cast(str, gettext_lazy("COBie workbook (facility handover)"))
    extensions: tuple[str, ...] = ("xlsx", "xlsm", "xls", "ods")
    options: tuple[str, ...] = ("site",)
    permission = "assets.add_resource"

    def check_file(self, path: Path, original_name: str) -> str:
        return check_workbook(path, original_name)

    def clean_options(self, options: dict[str, Any], user: Any) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        site = options.get("site")
        if site not in (None, ""):
            try:
                site_id = int(str(site))
            except (TypeError, ValueError):
                raise ValueError(_("Choose the site by its number.")) from None
            sites = Area.objects.sites().in_sites(visible_site_ids(user)).filter(pk=site_id)
            if not sites.exists():
                raise ValueError(_("There is no site %(site)s among the sites you may see.") % {"site": site_id})
            cleaned["site"] = site_id
        return cleaned

    def run(self, job: ImportJob) -> None:
        workbook = read_workbook(job.path)
        if not any(sheet in workbook.sheets for sheet in COBIE_MARKERS):
            raise FileRefused(
                _("This is not a COBie workbook: it has none of the sheets %(wanted)s (it has: %(found)s).")
                % {
                    "wanted": ", ".join(COBIE_MARKERS),
                    "found": ", ".join(workbook.other_sheets) or _("no sheet with rows"),
                }
            )
        ctx = Context(job=job, workbook=workbook, report=job.report, user=job.user)
        for title in workbook.other_sheets:
            ctx.note(_("The sheet “%(sheet)s” is not a COBie sheet and was not read.") % {"sheet": title})
        for title in workbook.duplicate_sheets:
            ctx.note(_("The sheet “%(sheet)s” repeats a COBie sheet and was not read.") % {"sheet": title})
        if not places.import_facility(ctx):
            return
        steps = (
            equipment.import_contacts,
            places.import_floors,
            places.import_spaces,
            places.import_zones,
            equipment.import_types,
            equipment.import_components,
            equipment.import_systems,
            maintenance.import_resources,
            maintenance.import_spares,
            maintenance.import_jobs,
            records.import_documents,
            records.import_attributes,
            records.import_kept_sheets,
        )
        assert ctx.refs is not None
        for step in steps:
            step(ctx)
        ctx.refs.flush()
        ctx.attributes.flush(ctx.report, ctx.user)
