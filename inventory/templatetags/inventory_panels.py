"""Store panels shown on other apps' pages: what a work order holds and cost, a resource's warranty.

``{% order_stock order %}`` on the work order page (reservations with their shortages, where they are
held, and the order's cost: parts + labour + external); ``{% warranty_panel resource %}`` on the resource
page. Each is a few queries whatever the size of the order.
"""

from __future__ import annotations

from typing import Any

from django import template

from inventory import services
from inventory.models import Reservation, StockLocation
from people.scoping import has_role, is_administrator

register = template.Library()


@register.inclusion_tag("inventory/_order_stock.html", takes_context=True)
def order_stock(context: Any, order: Any) -> dict[str, Any]:
    from mms.roles import STOREKEEPER
    from orders.services import order_cost

    request = context.get("request")
    user = getattr(request, "user", None)
    reservations = list(
        Reservation.objects.filter(reference=order.number)
        .select_related("part", "location")
        .order_by("state", "part__part_number")
    )
    may_move = getattr(user, "is_authenticated", False) and (is_administrator(user) or has_role(user, STOREKEEPER))
    locations = (
        list(StockLocation.objects.for_work_at(order.site_id))
        if may_move and any(r.state == "open" for r in reservations)
        else []
    )
    return {
        "order": order,
        "reservations": reservations,
        "shortages": [r for r in reservations if r.state == "open" and r.shortage > 0],
        "costs": order_cost(order),
        "locations": locations,
        "may_move": may_move,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("inventory/_warranty.html")
def warranty_panel(resource: Any) -> dict[str, Any]:
    return {"status": services.warranty_status(resource), "resource": resource}
