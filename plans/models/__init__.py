"""What should be done: maintenance plans, their versions under change sets, activities, plan instances.

One module per topic (``changesets``, ``plans`` with plan and version, ``activities`` with an activity and
what it carries, ``instances``); every model and public name is imported here, so ``from plans.models
import ...`` is the one way to use them, and Django finds the models of the app.
"""

from __future__ import annotations

from plans.models.activities import (
    ACTIVITY_AUTOMATION_FIELDS,
    ACTIVITY_EXECUTION_FIELDS,
    ACTIVITY_FIELDS,
    ACTIVITY_IDENTITY_FIELDS,
    ACTIVITY_SCHEDULING_FIELDS,
    ACTIVITY_TIME_FIELDS,
    ACTIVITY_USAGE_FIELDS,
    LIMIT_ORDER,
    NOT_NEGATIVE,
    NOTIFY_RECIPIENTS,
    POSITIVE,
    TIME_TRIGGERS,
    USAGE_TRIGGERS,
    ActionKind,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChecklistItem,
    ChecklistItemKind,
    DataParameter,
    PersonnelRequirement,
    Priority,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
    action_settings_error,
)
from plans.models.changesets import ChangeSet, ChangeSetState
from plans.models.instances import PlanInstance, PlanInstanceQuerySet
from plans.models.plans import (
    MaintenancePlan,
    MaintenancePlanQuerySet,
    PlanVersion,
    PlanVersionQuerySet,
    PlanVersionState,
    VersionedContent,
    VersionedContentQuerySet,
    VersionLocked,
)

__all__ = [
    "ACTIVITY_AUTOMATION_FIELDS",
    "ACTIVITY_EXECUTION_FIELDS",
    "ACTIVITY_FIELDS",
    "ACTIVITY_IDENTITY_FIELDS",
    "ACTIVITY_SCHEDULING_FIELDS",
    "ACTIVITY_TIME_FIELDS",
    "ACTIVITY_USAGE_FIELDS",
    "LIMIT_ORDER",
    "NOTIFY_RECIPIENTS",
    "NOT_NEGATIVE",
    "POSITIVE",
    "TIME_TRIGGERS",
    "USAGE_TRIGGERS",
    "ActionKind",
    "Activity",
    "ActivityAction",
    "BillOfPartsLine",
    "ChangeSet",
    "ChangeSetState",
    "ChecklistItem",
    "ChecklistItemKind",
    "DataParameter",
    "MaintenancePlan",
    "MaintenancePlanQuerySet",
    "PersonnelRequirement",
    "PlanInstance",
    "PlanInstanceQuerySet",
    "PlanVersion",
    "PlanVersionQuerySet",
    "PlanVersionState",
    "Priority",
    "ScheduleNextMode",
    "ScheduleTransition",
    "TimeUnit",
    "TriggerKind",
    "VersionLocked",
    "VersionedContent",
    "VersionedContentQuerySet",
    "action_settings_error",
]
