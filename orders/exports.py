"""The columns of the work-order lists' "Export CSV" (``core.csv_export``): what a list row shows, from
the lists' own querysets (entity, site and assignments are loaded with them)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.csv_export import CsvColumn


def _assigned(order: Any) -> str:
    return ", ".join(assignment.employee.name for assignment in order.assignments.all())


ORDER_COLUMNS = [
    CsvColumn(_("Number"), "number"),
    CsvColumn(_("Title"), "title"),
    CsvColumn(_("Kind"), "get_kind_display"),
    CsvColumn(_("Site"), "site.name"),
    CsvColumn(_("Entity"), "entity"),
    CsvColumn(_("Execution state"), "get_execution_state_display"),
    CsvColumn(_("Schedule state"), "get_schedule_state_display"),
    CsvColumn(_("Priority"), "get_priority_display"),
    CsvColumn(_("Due at"), "due_at"),
    CsvColumn(_("Late due at"), "late_due_at"),
    CsvColumn(_("Created at"), "created_at"),
    CsvColumn(_("Closed at"), "closed_at"),
    CsvColumn(_("Assigned"), _assigned),
]

# The requester's own list (the portal): no assignments on that screen.
REQUEST_COLUMNS = [column for column in ORDER_COLUMNS if column.value is not _assigned]
