"""Work-order panels (``core.panels``) on the resource page: its downtime, its open and past orders, and the
ad-hoc work its applied plans offer; and the order page's store panel (what the order holds in stock and
what it cost)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Exists, F, OuterRef
from django.http import HttpRequest

from core.pagination import paginate
from core.panels import register_panel
from core.roles import STOREKEEPER
from core.scoping import has_role, is_administrator, user_group_ids
from inventory.models import Reservation, StockLocation
from orders.forms import DowntimeCloseForm, DowntimeOpenForm
from orders.models import DowntimePeriod, WorkOrder
from orders.services import order_cost
from plans.models import Activity, PlanInstance, TriggerKind

SECTION_PAGE_SIZE = 10
DOWNTIME_PAGE_SIZE = 10


@register_panel("resource.main", name="downtime", template="orders/_resource_downtime.html", position=15)
def resource_downtime_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    """The resource's status, its open downtime period (since when, why, which order), the forms to mark
    it down / on hold or back in service (for users who may change resources), and its past periods,
    paged. Hidden from roles that may not see downtime."""
    user = request.user
    if not user.has_perm("orders.view_downtimeperiod"):
        return None
    periods = DowntimePeriod.objects.for_entity(resource).select_related("order", "opened_by", "closed_by")
    may_change = user.has_perm("assets.change_resource")
    return {
        "resource": resource,
        "open_period": periods.open().first(),
        "periods": paginate(request, periods.order_by("-started_at", "-pk"), "downtime_page", DOWNTIME_PAGE_SIZE),
        "may_change": may_change,
        "may_see_orders": user.has_perm("orders.view_workorder"),
        "open_form": DowntimeOpenForm(auto_id="id_downtime_%s") if may_change else None,
        "close_form": DowntimeCloseForm(auto_id="id_downtime_close_%s") if may_change else None,
    }


@register_panel("resource.main", name="orders", template="orders/_resource_orders.html", position=20)
def resource_orders_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    """Open orders (soonest due first) and past ones (latest closed first), each paged; hidden from
    roles that may not see work orders."""
    if not request.user.has_perm("orders.view_workorder"):
        return None
    orders = WorkOrder.objects.visible_to(request.user).for_entity(resource)
    return {
        "open_orders": paginate(
            request,
            orders.open().order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk"),
            "open_page",
            SECTION_PAGE_SIZE,
        ),
        "past_orders": paginate(
            request,
            orders.closed().order_by(F("closed_at").desc(nulls_last=True), "-pk"),
            "past_page",
            SECTION_PAGE_SIZE,
        ),
    }


@register_panel("resource.main", name="ad_hoc", template="orders/_resource_ad_hoc.html", position=35)
def resource_ad_hoc_panel(request: HttpRequest, resource: Any) -> dict[str, Any] | None:
    """The ad-hoc activities of the plans active on the resource, each with a button to create its work
    order; shown only to those who may (``services.may_create_ad_hoc``: the instance's owner role,
    supervisors of work orders, administrators) and only when there is one. Three queries, paged."""
    user = request.user
    if not user.is_authenticated or not user.has_perm("orders.view_workorder"):
        return None
    ad_hoc = Activity.objects.filter(version_id=OuterRef("plan__effective_version_id"), trigger=TriggerKind.AD_HOC)
    instances = PlanInstance.objects.active().filter(Exists(ad_hoc), resource=resource)
    if not (is_administrator(user) or user.has_perm("orders.supervise_workorder")):
        instances = instances.filter(owner_role_id__in=user_group_ids(user))
    listed = instances.select_related("plan", "owner_role").order_by("plan__code", "pk")
    page = paginate(request, listed, "ad_hoc_page", SECTION_PAGE_SIZE)
    if not page:
        return None
    by_version: dict[int, list[Activity]] = defaultdict(list)
    for activity in Activity.objects.filter(
        version_id__in={instance.plan.effective_version_id for instance in page}, trigger=TriggerKind.AD_HOC
    ).order_by("position", "pk"):
        by_version[activity.version_id].append(activity)
    for instance in page:
        instance.ad_hoc_activities = by_version[instance.plan.effective_version_id or 0]
    return {"ad_hoc_instances": page}


@register_panel("order.main", name="stock", template="orders/_stock_panel.html", position=50)
def order_stock_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """Reservations with their shortages, where they are held (storekeepers may move them), and the
    order's cost: parts + labour + external. A few queries whatever the size of the order."""
    user = request.user
    reservations = list(
        Reservation.objects.filter(reference=order.number)
        .select_related("part", "location")
        .order_by("state", "part__part_number")
    )
    may_move = user.is_authenticated and (is_administrator(user) or has_role(user, STOREKEEPER))
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
    }
