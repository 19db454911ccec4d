"""Work orders for tests, in the state a test needs, made through the real services."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.contrib.auth.models import Group

from assets.models import Resource
from orders import services
from orders.models import OrderKind, WorkOrder
from plans.factories import ActivityFactory
from plans.models import Activity, PlanInstance


def planned_order(
    resource: Resource, *, activity: Activity | None = None, owner: str = "Supervisor", **fields: Any
) -> WorkOrder:
    """A requested planned order for ``activity`` (a new one by default) on ``resource``, owned by ``owner``."""
    if activity is None:
        activity = cast(Activity, ActivityFactory())
    instance = PlanInstance.objects.create(
        plan=activity.version.plan,
        resource=resource,
        owner_role=Group.objects.get(name=owner),
        start_date=datetime.date(2026, 1, 1),
    )
    order = WorkOrder(
        number=services.allocate_order_numbers(1)[0],
        kind=OrderKind.PLANNED,
        plan_instance=instance,
        activity=activity,
        activity_code=activity.code,
        sequence=1,
        site=resource.area.site,
        resource=resource,
        title=activity.name,
        **fields,
    )
    order.save()
    return order


def released_order(resource: Resource, supervisor: Any, **kwargs: Any) -> WorkOrder:
    """A planned order approved and released by ``supervisor`` (who holds the owner role)."""
    order = planned_order(resource, **kwargs)
    services.order_approve(order=order, user=supervisor)
    return services.order_release(order=order, user=supervisor)


def in_progress_order(resource: Resource, supervisor: Any, technician: Any, **kwargs: Any) -> WorkOrder:
    """A released order begun by ``technician`` (who holds the executing role)."""
    order = released_order(resource, supervisor, **kwargs)
    return services.order_begin(order=order, user=technician)
