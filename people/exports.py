"""The columns of the inbox's "Export CSV" (``core.csv_export``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.csv_export import CsvColumn

NOTIFICATION_COLUMNS = [
    CsvColumn(_("Sent at"), "created_at"),
    CsvColumn(_("Title"), "title"),
    CsvColumn(_("Message"), "body"),
    CsvColumn(_("Link"), "url"),
    CsvColumn(_("Read at"), "read_at"),
]
