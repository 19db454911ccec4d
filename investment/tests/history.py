"""A hand-made history for the investment tests: corrective orders, limit findings and failed checks on a
resource at given moments (written directly, as the years of work behind them would have left them)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from assets.models import Resource
from orders.factories import planned_order
from orders.models import ChecklistAnswer, DataValue, ExecutionState, OrderKind, WorkOrder
from orders.services import allocate_order_numbers
from plans.factories import ChecklistItemFactory, DataParameterFactory

# DataParameterFactory's limits: warning above 60, action above 80 (°C).
WARNING_VALUE = Decimal(70)
ACTION_VALUE = Decimal(90)
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def corrective(resource: Resource, created_at: datetime.datetime, state: str = ExecutionState.REQUESTED) -> WorkOrder:
    """A corrective order on ``resource`` reported at ``created_at``, in ``state`` (closed ones closed a day on)."""
    order = WorkOrder.objects.create(
        number=allocate_order_numbers(1)[0],
        kind=OrderKind.CORRECTIVE,
        site=resource.area.site,
        resource=resource,
        title="Breakdown",
        created_at=created_at,
    )
    if state != ExecutionState.REQUESTED:
        closed: dict[str, Any] = {}
        if state not in (ExecutionState.APPROVED, ExecutionState.RELEASED, ExecutionState.IN_PROGRESS):
            closed = {"closed_at": created_at + datetime.timedelta(days=1), "state_reason": "test history"}
        WorkOrder.objects.filter(pk=order.pk).update(execution_state=state, **closed)
    return order


def finding(resource: Resource, value: Decimal, recorded_at: datetime.datetime) -> DataValue:
    """A collected value on a planned order of ``resource`` (evaluated against the parameter's limits)."""
    order = planned_order(resource)
    parameter = DataParameterFactory(activity=order.activity)
    return DataValue.objects.create(order=order, parameter=parameter, value=value, recorded_at=recorded_at)


def failed_check(resource: Resource, answered_at: datetime.datetime, passed: bool = False) -> ChecklistAnswer:
    """A pass/fail checklist answer on a planned order of ``resource``."""
    order = planned_order(resource)
    item = ChecklistItemFactory(activity=order.activity)
    return ChecklistAnswer.objects.create(order=order, item=item, passed=passed, answered_at=answered_at)


def days_before(days: int, moment: datetime.datetime = NOW) -> datetime.datetime:
    return moment - datetime.timedelta(days=days)
