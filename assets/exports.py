"""The columns of the asset screens' "Export CSV" (``core.csv_export``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.csv_export import CsvColumn

RESOURCE_COLUMNS = [
    CsvColumn(_("Tag"), "tag"),
    CsvColumn(_("Name"), "name"),
    CsvColumn(_("Site"), "area.site.name"),
    CsvColumn(_("Area code"), "area.code"),
    CsvColumn(_("Area"), "area.name"),
    CsvColumn(_("Type"), "resource_type.name"),
    CsvColumn(_("Manufacturer"), "manufacturer"),
    CsvColumn(_("Model number"), "model_number"),
    CsvColumn(_("Serial number"), "serial_number"),
    CsvColumn(_("Status"), "get_status_display"),
    CsvColumn(_("Criticality"), "get_criticality_display"),
    CsvColumn(_("Installation date"), "installation_date"),
    CsvColumn(_("Warranty end"), "warranty_end"),
]
