"""The work-order history register: work done and closed before MMS was used, one row per order (the
day it was closed, the asset, what was done, its type and its cost), recorded through
``orders.services.order_record_past``.

A row is found again by its reference: the order number of the old system (bound to the order as an
external key) or an MMS order number (an export of closed orders imports again unchanged). A file
without order numbers can number its rows with a fixed value such as ``EXC-{row}``. A recorded order is
history: a row that gives it other values is reported, not changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.services import entity_site
from exchange.csvio.attributes import attributes_by_record
from exchange.csvio.columns import Column, ImportContext, Register, Row, register
from exchange.csvio.registers.common import ENTITY_COLUMNS, Entities, entity_values, load_by, local_zone
from exchange.csvio.values import Date, Number, Text
from exchange.models import Scheme
from exchange.refs import RefIndex
from exchange.report import CREATED, UNCHANGED
from inventory.models import CostEntry, CostKind
from orders import services as order_services
from orders.models import WorkOrder

REF_SCOPE = "work_orders"
REF_KIND = "order"
TYPE_ATTRIBUTE = "Order type"


def _external_costs(numbers: Sequence[str]) -> dict[str, tuple[Decimal, str]]:
    """The external cost of each order (when it is in one currency): number -> (amount, currency)."""
    totals: dict[str, list[tuple[Decimal, str]]] = {}
    rows = (
        CostEntry.objects.filter(kind=CostKind.EXTERNAL, reference__in=list(numbers))
        .values("reference", "currency")
        .annotate(total=Sum("amount"))
        .order_by("reference", "currency")
    )
    for row in rows:
        totals.setdefault(row["reference"], []).append((row["total"], row["currency"]))
    return {number: costs[0] for number, costs in totals.items() if len(costs) == 1}


@register
class WorkOrderHistoryRegister(Register):
    target = "work_orders"
    position = 9
    label = gettext_lazy("work order history")
    record = "work order"
    columns = (
        Column("reference", gettext_lazy("Reference"), Text(255), required=True, help=gettext_lazy("The order number")),
        Column("closed_on", gettext_lazy("Closed on"), Date(not_future=True), required=True),
        *ENTITY_COLUMNS,
        Column("title", gettext_lazy("Title"), Text(200), required=True, help=gettext_lazy("What was done")),
        Column("description", gettext_lazy("Description"), Text()),
        Column("order_type", gettext_lazy("Type"), Text(100), help=gettext_lazy("e.g. PM01, breakdown")),
        Column("cost", gettext_lazy("Cost"), Number(2, 14, Decimal(0))),
        Column("currency", gettext_lazy("Currency"), Text(3), help=gettext_lazy("ISO 4217, e.g. AUD")),
    )
    key = ("reference",)
    key_help = gettext_lazy("the order number")
    import_permissions = ("orders.add_workorder", "orders.supervise_workorder", "inventory.add_costentry")
    export_permission = "orders.view_workorder"
    attribute_model = WorkOrder

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        refs = RefIndex(Scheme.CSV, REF_SCOPE)
        by_ref = refs.keys_of(REF_KIND)
        entity_fields = ("area", "resource", "container", "material")
        by_number: dict[str, WorkOrder] = load_by(
            WorkOrder.objects.select_related(*entity_fields), "number", (row.get("reference") for row in rows)
        )
        known_ids = {by_ref[row.get("reference")] for row in rows if row.get("reference") in by_ref}
        orders: dict[int, WorkOrder] = load_by(WorkOrder.objects.select_related(*entity_fields), "pk", known_ids)
        orders.update({order.pk: order for order in by_number.values()})
        costs = _external_costs([order.number for order in orders.values()])
        entities = Entities(rows)
        if ctx.attributes is not None:
            ctx.attributes.preload(orders.keys())
        for row in rows:
            reference = row.get("reference")
            order_id = by_ref.get(reference) or (by_number[reference].pk if reference in by_number else None)
            entity = entities.of(ctx, row)
            if entity is None:
                continue
            currency = (row.get("currency") or "").upper()
            if row.get("cost") and not currency:
                ctx.problem(row.number, "currency", _("Give the currency of the cost (e.g. AUD)."))
                continue
            extras = [*row.extras, *([(TYPE_ATTRIBUTE, row.get("order_type"))] if row.get("order_type") else [])]
            if order_id is not None:
                self._check_same(ctx, row, orders[order_id], entity, costs, extras)
                continue
            ctx.write(row, partial(self._record, ctx, refs, row, entity, currency, extras))

    def _record(
        self, ctx: ImportContext, refs: RefIndex, row: Row, entity: Any, currency: str, extras: list[tuple[str, str]]
    ) -> None:
        order = order_services.order_record_past(
            entity=entity,
            user=ctx.user,
            title=row.get("title"),
            closed_on=row.get("closed_on"),
            description=row.get("description") or "",
            cost=row.get("cost"),
            currency=currency,
        )
        refs.bind(REF_KIND, row.get("reference"), order)
        assert ctx.attributes is not None
        ctx.attributes.keep(order, extras, created=True)
        ctx.tally(self.record, CREATED)

    def _check_same(
        self,
        ctx: ImportContext,
        row: Row,
        order: WorkOrder,
        entity: Any,
        costs: dict[str, tuple[Decimal, str]],
        extras: list[tuple[str, str]],
    ) -> None:
        """A recorded order stays as it is: the row must say what it says."""
        zone = local_zone(entity_site(entity))
        closed_on = timezone.localtime(order.closed_at, zone).date() if order.closed_at else None
        amount = costs.get(order.number, (Decimal(0), ""))[0]
        differs = []
        if order.entity != entity:
            differs.append(_("the asset"))
        if closed_on != row.get("closed_on"):
            differs.append(_("the day it was closed"))
        if order.title != row.get("title"):
            differs.append(_("the title"))
        if row.has("cost") and (row.get("cost") or Decimal(0)) != amount:
            differs.append(_("the cost"))
        if differs:
            ctx.problem(
                row.number,
                "reference",
                _(
                    "%(number)s is already recorded with other values (%(what)s); the history is not changed by an import."
                )
                % {"number": order.number, "what": ", ".join(differs)},
            )
            return
        assert ctx.attributes is not None
        ctx.saved(self.record, UNCHANGED, ctx.attributes.keep(order, extras))

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        orders = list(
            WorkOrder.objects.closed()
            .in_sites(list(site_ids) if site_ids is not None else None)
            .select_related("site", "area", "resource", "container", "material")
            .order_by("closed_at", "number")
        )
        costs = _external_costs([order.number for order in orders])
        attributes = attributes_by_record(WorkOrder, [order.pk for order in orders])
        references = {pk: key for key, pk in RefIndex(Scheme.CSV, REF_SCOPE).keys_of(REF_KIND).items()}
        for order in orders:
            amount, currency = costs.get(order.number, (None, ""))
            own = dict(attributes.get(order.pk, {}))
            order_type = own.pop(TYPE_ATTRIBUTE, "")
            closed_at = order.closed_at or order.created_at
            yield {
                "reference": references.get(order.pk, order.number),
                "closed_on": timezone.localtime(closed_at, local_zone(order.site)).date(),
                **entity_values(order.entity),
                "title": order.title,
                "description": order.description,
                "order_type": order_type,
                "cost": amount,
                "currency": currency,
                "_attributes": own,
            }
