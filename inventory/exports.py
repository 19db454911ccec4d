"""The columns of the store screens' "Export CSV" (``core.csv_export``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.csv_export import CsvColumn

STOCK_COLUMNS = [
    CsvColumn(_("Location"), "location.code"),
    CsvColumn(_("Location name"), "location.name"),
    CsvColumn(_("Site"), "location.site.name"),
    CsvColumn(_("Part number"), "part.part_number"),
    CsvColumn(_("Description"), "part.description"),
    CsvColumn(_("On hand"), "on_hand"),
    CsvColumn(_("Reserved"), "reserved"),
    CsvColumn(_("Available"), "available"),
    CsvColumn(_("Unit"), "part.unit"),
]

MOVEMENT_COLUMNS = [
    CsvColumn(_("When"), "occurred_at"),
    CsvColumn(_("Kind"), "get_kind_display"),
    CsvColumn(_("Part number"), "part.part_number"),
    CsvColumn(_("Description"), "part.description"),
    CsvColumn(_("Location"), "location.code"),
    CsvColumn(_("Quantity"), "quantity"),
    CsvColumn(_("Unit"), "part.unit"),
    CsvColumn(_("Unit cost"), "unit_cost"),
    CsvColumn(_("Currency"), "currency"),
    CsvColumn(_("Reference"), "reference"),
    CsvColumn(_("Reason"), "reason"),
    CsvColumn(_("Recorded by"), lambda movement: movement.recorded_by.get_username() if movement.recorded_by else ""),
]

PURCHASE_REQUEST_COLUMNS = [
    CsvColumn(_("Number"), "number"),
    CsvColumn(_("State"), "get_state_display"),
    CsvColumn(_("Site"), "site.name"),
    CsvColumn(_("Part number"), "part.part_number"),
    CsvColumn(_("Description"), "part.description"),
    CsvColumn(_("Quantity"), "quantity"),
    CsvColumn(_("Unit"), "part.unit"),
    CsvColumn(_("Reason"), "get_reason_display"),
    CsvColumn(_("Reference"), "reference"),
    CsvColumn(_("Note"), "note"),
    # No order line yet: the reverse one-to-one raises an AttributeError, so getattr gives None.
    CsvColumn(
        _("Purchase order"), lambda request: line.order.number if (line := getattr(request, "line", None)) else ""
    ),
    CsvColumn(_("Requested at"), "created_at"),
]


PURCHASE_ORDER_COLUMNS = [
    CsvColumn(_("Number"), "number"),
    CsvColumn(_("State"), "get_state_display"),
    CsvColumn(_("Vendor"), "vendor.name"),
    CsvColumn(_("Site"), "site.name"),
    CsvColumn(_("Deliver to"), "deliver_to.code"),
    CsvColumn(_("Value"), "value"),
    CsvColumn(_("Currency"), "currency"),
    CsvColumn(_("Vendor's reference"), "vendor_reference"),
    CsvColumn(_("Created at"), "created_at"),
    CsvColumn(_("Ordered at"), "ordered_at"),
]

CONTRACT_COLUMNS = [
    CsvColumn(_("Contract number"), "number"),
    CsvColumn(_("Kind"), "get_kind_display"),
    CsvColumn(_("Title"), "title"),
    CsvColumn(_("Vendor"), "vendor.name"),
    CsvColumn(_("Starts on"), "starts_on"),
    CsvColumn(_("Ends on"), "ends_on"),
    CsvColumn(_("Notice (days)"), "notice_days"),
    CsvColumn(_("Value"), "value"),
    CsvColumn(_("Currency"), "currency"),
    CsvColumn(_("Resources covered"), lambda contract: ", ".join(r.tag for r in contract.covered)),
]

BUDGET_COLUMNS = [
    CsvColumn(_("Site"), "site.name"),
    CsvColumn(_("Year"), "year"),
    CsvColumn(_("Currency"), "currency"),
    CsvColumn(_("Budget"), "budget"),
    CsvColumn(_("Parts"), "spent.parts"),
    CsvColumn(_("Labour"), "spent.labour"),
    CsvColumn(_("External"), "spent.external"),
    CsvColumn(_("Spent"), "spent.total"),
    CsvColumn(_("Remaining"), "remaining"),
]
