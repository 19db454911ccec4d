"""The part and stock-level registers.

Parts (by part number) keep the file's other columns as attributes. A stock level (by location code and
part number) is a count: the import records the difference from what the store holds as a stock
adjustment (``inventory.services.stock_adjust``, with its reason, its lock and its reorder check), so the
ledger stays the truth; a count equal to the balance changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.csvio.attributes import attributes_by_record
from exchange.csvio.columns import Column, ImportContext, Register, Row, register
from exchange.csvio.registers.common import load_by
from exchange.csvio.values import Boolean, Number, Text
from exchange.report import CREATED, UNCHANGED, UPDATED
from inventory import services as inventory_services
from inventory.models import Part, StockBalance, StockLocation

ZERO = Decimal(0)
PART_FIELDS = (
    "part_number",
    "description",
    "unit",
    "manufacturer",
    "manufacturer_part_number",
    "minimum_quantity",
    "reorder_point",
    "reorder_quantity",
    "unit_cost",
    "currency",
    "active",
)


@register
class PartRegister(Register):
    target = "parts"
    position = 3
    label = gettext_lazy("parts")
    record = "part"
    columns = (
        Column("part_number", gettext_lazy("Part number"), Text(50), required=True),
        Column("description", gettext_lazy("Description"), Text(300), required=True),
        Column("unit", gettext_lazy("Unit"), Text(20), help=gettext_lazy("e.g. pcs, l, kg, m (default pcs)")),
        Column("manufacturer", gettext_lazy("Manufacturer"), Text(200)),
        Column("manufacturer_part_number", gettext_lazy("Manufacturer part number"), Text(100)),
        Column("minimum_quantity", gettext_lazy("Minimum quantity"), Number(3, 12, ZERO)),
        Column("reorder_point", gettext_lazy("Reorder point"), Number(3, 12, ZERO)),
        Column("reorder_quantity", gettext_lazy("Reorder quantity"), Number(3, 12, ZERO)),
        Column("unit_cost", gettext_lazy("Unit cost"), Number(4, 12, ZERO)),
        Column("currency", gettext_lazy("Currency"), Text(3), help=gettext_lazy("ISO 4217, e.g. USD")),
        Column("active", gettext_lazy("Active"), Boolean()),
    )
    key = ("part_number",)
    key_help = gettext_lazy("the part number")
    import_permissions = ("inventory.add_part", "inventory.change_part")
    export_permission = "inventory.view_part"
    attribute_model = Part

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        parts: dict[str, Part] = load_by(Part.objects.all(), "part_number", (row.get("part_number") for row in rows))
        if ctx.attributes is not None:
            ctx.attributes.preload(part.pk for part in parts.values())
        for row in rows:
            values = row.given(*PART_FIELDS)
            for name in ("minimum_quantity", "reorder_point", "reorder_quantity", "unit_cost"):
                if name in values and values[name] is None:
                    values[name] = ZERO  # an empty cell: none
            for name, default in (("unit", "pcs"), ("currency", "USD"), ("active", True)):
                if name in values and values[name] in (None, ""):
                    values[name] = default
            if values.get("currency"):
                values["currency"] = values["currency"].upper()
            part = parts.get(row.get("part_number")) or Part()
            if ctx.write(row, partial(self._write, ctx, part, values, row)):
                parts[part.part_number] = part

    def _write(self, ctx: ImportContext, part: Part, values: dict[str, Any], row: Row) -> None:
        action = ctx.save(part, values)
        ctx.saved(self.record, action, ctx.keep_attributes(part, row, action))

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        parts = list(Part.objects.order_by("part_number"))
        attributes = attributes_by_record(Part, [part.pk for part in parts])
        for part in parts:
            yield {
                **{name: getattr(part, name) for name in PART_FIELDS},
                "_attributes": attributes.get(part.pk, {}),
            }


@register
class StockRegister(Register):
    target = "stock"
    position = 4
    label = gettext_lazy("stock levels")
    record = "stock level"
    columns = (
        Column("location", gettext_lazy("Location"), Text(50), required=True, help=gettext_lazy("The location code")),
        Column("part", gettext_lazy("Part number"), Text(50), required=True),
        Column("on_hand", gettext_lazy("On hand"), Number(3, 12, ZERO), required=True, help=gettext_lazy("The count")),
        Column(
            "reason",
            gettext_lazy("Reason"),
            Text(300),
            help=gettext_lazy("Why the count changes (default: stock count)"),
        ),
    )
    key = ("location", "part")
    key_help = gettext_lazy("the location code and the part number")
    import_permissions = ("inventory.change_stockbalance",)
    export_permission = "inventory.view_stockbalance"

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        locations: dict[str, StockLocation] = load_by(
            StockLocation.objects.all(), "code", (row.get("location") for row in rows)
        )
        parts: dict[str, Part] = load_by(Part.objects.all(), "part_number", (row.get("part") for row in rows))
        balances = {
            (balance.location_id, balance.part_id): balance.on_hand
            for balance in StockBalance.objects.filter(
                location__in=list(locations.values()), part__in=list(parts.values())
            )
        }
        for row in rows:
            location = locations.get(row.get("location"))
            part = parts.get(row.get("part"))
            if location is None:
                ctx.problem(
                    row.number,
                    "location",
                    _("No stock location has the code “%(code)s”.") % {"code": row.get("location")},
                )
                continue
            if part is None:
                ctx.problem(row.number, "part", _("No part has the number “%(number)s”.") % {"number": row.get("part")})
                continue
            if not ctx.may_write(location.site_id):
                ctx.problem(row.number, "location", _("This location is in a site you do not have access to."))
                continue
            before = balances.get((location.pk, part.pk))
            delta = row.get("on_hand") - (before or ZERO)
            if delta == 0:
                ctx.tally(self.record, UNCHANGED)
                continue
            reason = row.get("reason") or _("Stock count (%(file)s)") % {"file": ctx.file_name}
            action = CREATED if before is None else UPDATED
            adjust = partial(self._adjust, ctx, part, location, delta, reason, action)
            if ctx.write(row, adjust, fields={"quantity": "on_hand"}):
                balances[(location.pk, part.pk)] = row.get("on_hand")

    def _adjust(
        self, ctx: ImportContext, part: Part, location: StockLocation, delta: Decimal, reason: str, action: str
    ) -> None:
        inventory_services.stock_adjust(
            part=part, location=location, quantity=delta, reason=reason[:300], user=ctx.user
        )
        ctx.tally(self.record, action)

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        balances = StockBalance.objects.in_sites(list(site_ids) if site_ids is not None else None)
        for balance in balances.select_related("location", "part").order_by("location__code", "part__part_number"):
            yield {
                "location": balance.location.code,
                "part": balance.part.part_number,
                "on_hand": balance.on_hand,
                "reason": "",
            }
