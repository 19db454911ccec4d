"""What a recorded reading does to work orders: usage triggers, evaluated once for all counters touched.

Readings are recorded by ``assets.services.reading_record`` (one, announced by the ``readings_recorded``
signal) and ``orders.readings_bulk`` (many); both end here: new orders for the plans of the counters'
entities, and the counters' open orders moved to the schedule states their values reached (one by one
through their transitions for a single reading, set-based for many).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from assets.models import ENTITY_FIELDS, Counter
from assets.signals import readings_recorded
from orders import scheduler
from orders.models import WorkOrder
from plans.models import PlanInstance


def readings_evaluate(
    counters: Sequence[Counter], now: datetime.datetime | None = None, *, one_by_one: bool = False
) -> tuple[int, int]:
    """Usage triggers, once for all the counters: new orders for their entities' plans, and their open
    orders moved on: through the set-based tick, or ``one_by_one`` through each order's own transitions
    (``order_advance_schedule``: one reading moves its counter's few orders; both give the same rows).
    Returns (orders created, orders moved)."""
    condition = Q()
    for entity_field in ENTITY_FIELDS:
        ids = {getattr(c, f"{entity_field}_id") for c in counters} - {None}
        if ids:
            condition |= Q(**{f"{entity_field}_id__in": ids})
    created = moved = 0
    if not condition:
        return created, moved
    instance_ids = list(PlanInstance.objects.active().filter(condition).values_list("id", flat=True))
    if instance_ids:
        created = len(scheduler.generate(now=now, instance_ids=instance_ids))
    open_orders = WorkOrder.objects.open().filter(counter__in=[c.pk for c in counters]).order_by("id")
    if one_by_one:
        for order in open_orders:
            moved += bool(scheduler.order_advance_schedule(order=order, now=now))
        return created, moved
    open_ids = list(open_orders.values_list("id", flat=True))
    if open_ids:
        moved = sum(len(ids) for ids in scheduler.advance_schedule(now=now, order_ids=open_ids).values())
    return created, moved


@receiver(readings_recorded, dispatch_uid="orders.readings_evaluate")
def _on_readings_recorded(
    sender: Any, counters: Sequence[Counter], now: datetime.datetime | None, **kwargs: Any
) -> None:
    readings_evaluate(counters, now, one_by_one=True)
