"""What is being done: work orders and what is recorded on them, the scheduler's records, downtime.

One module per topic; this package imports every model (Django finds them here) and every public name
other modules import from ``orders.models``.
"""

from __future__ import annotations

from orders.models.automation import (
    ActionLog,
    ActionLogStatus,
    SchedulerRun,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from orders.models.downtime import (
    DowntimeKind,
    DowntimePeriod,
    DowntimePeriodQuerySet,
)
from orders.models.failures import (
    PARENT_KIND,
    FailureCode,
    FailureCodeQuerySet,
    FailureKind,
)
from orders.models.records import (
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    LabourEntry,
    PlannedPart,
    UsedPart,
)
from orders.models.workorders import (
    CLOSED_STATES,
    NEXT_POINT,
    OPEN_STATES,
    PARTIAL_FK_INDEXES,
    SCHEDULE_ORDER,
    ExecutionState,
    OrderKind,
    ScheduleState,
    WorkOrder,
    WorkOrderQuerySet,
)

__all__ = [
    "CLOSED_STATES",
    "NEXT_POINT",
    "OPEN_STATES",
    "PARENT_KIND",
    "PARTIAL_FK_INDEXES",
    "SCHEDULE_ORDER",
    "ActionLog",
    "ActionLogStatus",
    "Assignment",
    "ChecklistAnswer",
    "Comment",
    "DataValue",
    "DowntimeKind",
    "DowntimePeriod",
    "DowntimePeriodQuerySet",
    "ExecutionState",
    "FailureCode",
    "FailureCodeQuerySet",
    "FailureKind",
    "LabourEntry",
    "OrderKind",
    "PlannedPart",
    "ScheduleState",
    "SchedulerRun",
    "UsedPart",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WorkOrder",
    "WorkOrderQuerySet",
]
