"""Factories for plans (factory_boy), and helpers that build plans through the services.

Content factories (``ActivityFactory`` and the rows an activity carries) write straight to the database,
so they only work on a draft version in an open change set (that is what ``PlanVersionFactory`` makes);
approving and making effective go through the services, as they would for a planner
(``approve_version``, ``effective_plan``).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

import factory
from django.contrib.auth.models import Group, User
from django.db.models import Max

from assets.factories import AreaFactory, ContainerFactory, MaterialFactory, ResourceFactory
from assets.models import Area, Container, Material, Resource
from core.roles import PLANNER, SUPERVISOR, TECHNICIAN
from core.testing import TEST_PASSWORD
from inventory.factories import PartFactory
from people.factories import make_role_user
from plans import services
from plans.models import (
    ActionKind,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChangeSet,
    ChecklistItem,
    ChecklistItemKind,
    DataParameter,
    MaintenancePlan,
    PersonnelRequirement,
    PlanInstance,
    PlanVersion,
    Priority,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
)

OPERATING_HOURS = "Operating hours"
_effective_plan_numbers = itertools.count(1)


def role_group(name: str) -> Group:
    """The role's group (made if a transactional test flushed it away)."""
    return Group.objects.get_or_create(name=name)[0]


def next_version_number(plan: MaintenancePlan) -> int:
    if plan.pk is None:
        return 1
    return (plan.versions.aggregate(top=Max("number"))["top"] or 0) + 1


class ChangeSetFactory(factory.django.DjangoModelFactory):
    """An open change set (state created); submit and approve it through the services."""

    class Meta:
        model = ChangeSet

    name = factory.Sequence(lambda n: f"Change set {n}")
    description = "Plan changes for the next quarter."


class MaintenancePlanFactory(factory.django.DjangoModelFactory):
    """A plan with no version yet."""

    class Meta:
        model = MaintenancePlan

    code = factory.Sequence(lambda n: f"PLAN-{n:03d}")
    name = factory.Sequence(lambda n: f"Pump inspection {n}")


class PlanVersionFactory(factory.django.DjangoModelFactory):
    """The plan's next draft version, in a new open change set."""

    class Meta:
        model = PlanVersion

    plan = factory.SubFactory(MaintenancePlanFactory)
    number = factory.LazyAttribute(lambda o: next_version_number(o.plan))
    change_set = factory.SubFactory(ChangeSetFactory)
    notes = "Draft."


class ActivityFactory(factory.django.DjangoModelFactory):
    """A valid monthly, fixed, time-triggered activity; traits ``usage``, ``time_and_usage``, ``ad_hoc``.

    Usage triggers watch the counter ``OPERATING_HOURS`` in ``h``: give the entity such a counter
    (``CounterFactory(resource=pump, name=OPERATING_HOURS, unit="h")``) before applying the plan.
    """

    class Meta:
        model = Activity

    class Params:
        usage = factory.Trait(
            trigger=TriggerKind.USAGE,
            name=factory.Sequence(lambda n: f"250-hour service {n}"),
            time_interval=None,
            time_unit="",
            counter_name=OPERATING_HOURS,
            counter_unit="h",
            usage_interval=Decimal(250),
            usage_early_window=Decimal(25),
            usage_late_tolerance=Decimal(25),
            schedule_next_mode=ScheduleNextMode.FLOATING,
        )
        time_and_usage = factory.Trait(
            trigger=TriggerKind.TIME_AND_USAGE,
            name=factory.Sequence(lambda n: f"Annual or 2000-hour overhaul {n}"),
            time_interval=12,
            time_unit=TimeUnit.MONTHS,
            time_early_window=1,
            time_late_tolerance=1,
            counter_name=OPERATING_HOURS,
            counter_unit="h",
            usage_interval=Decimal(2000),
            usage_early_window=Decimal(100),
            usage_late_tolerance=Decimal(100),
            schedule_next_mode=ScheduleNextMode.FLOATING,
        )
        ad_hoc = factory.Trait(
            trigger=TriggerKind.AD_HOC,
            name=factory.Sequence(lambda n: f"Breakdown repair {n}"),
            time_interval=None,
            time_unit="",
            time_early_window=0,
            time_late_tolerance=0,
            schedule_next_mode="",
        )

    version = factory.SubFactory(PlanVersionFactory)
    code = factory.Sequence(lambda n: f"activity-{n}")
    name = factory.Sequence(lambda n: f"Monthly inspection {n}")
    instructions = "Check for leaks, noise and vibration; clean the strainer."
    trigger = TriggerKind.TIME
    time_interval = 1
    time_unit = TimeUnit.MONTHS
    time_early_window = 0
    time_late_tolerance = 0
    schedule_next_mode = ScheduleNextMode.FIXED
    instances_to_schedule = 1
    executing_role = factory.LazyFunction(lambda: role_group(TECHNICIAN))
    priority = Priority.NORMAL
    estimated_minutes = 60


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    """A required check item; trait ``number`` makes a number item with a unit and limits."""

    class Meta:
        model = ChecklistItem

    class Params:
        number = factory.Trait(
            kind=ChecklistItemKind.NUMBER,
            text=factory.Sequence(lambda n: f"Discharge pressure {n}"),
            unit="bar",
            lower_limit=Decimal(2),
            upper_limit=Decimal(6),
        )

    activity = factory.SubFactory(ActivityFactory)
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Check the seal for leaks ({n})")
    kind = ChecklistItemKind.CHECK
    required = True


class BillOfPartsLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillOfPartsLine

    activity = factory.SubFactory(ActivityFactory)
    part = factory.SubFactory(PartFactory)
    quantity = Decimal(1)


class DataParameterFactory(factory.django.DjangoModelFactory):
    """A bearing temperature with all four limits: action 5-80 °C, warning 10-60 °C."""

    class Meta:
        model = DataParameter

    activity = factory.SubFactory(ActivityFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Bearing temperature {n}")
    unit = "°C"
    lower_action_limit = Decimal(5)
    lower_warning_limit = Decimal(10)
    upper_warning_limit = Decimal(60)
    upper_action_limit = Decimal(80)


class PersonnelRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonnelRequirement

    activity = factory.SubFactory(ActivityFactory)
    count = 1
    trade = "mechanic"
    estimated_hours = Decimal("1.50")


class ActivityActionFactory(factory.django.DjangoModelFactory):
    """Notify the owner role when an order is late; traits for the other kinds."""

    class Meta:
        model = ActivityAction

    class Params:
        webhook = factory.Trait(
            kind=ActionKind.WEBHOOK, settings=factory.LazyFunction(lambda: {"url": "https://scada.example.org/hook"})
        )
        hold_entity = factory.Trait(kind=ActionKind.HOLD_ENTITY, settings=factory.LazyFunction(dict))
        purchase_request = factory.Trait(
            kind=ActionKind.PURCHASE_REQUEST,
            on_transition=ScheduleTransition.TO_EARLY_DUE,
            settings=factory.LazyFunction(dict),
        )
        raise_priority = factory.Trait(
            kind=ActionKind.RAISE_PRIORITY, settings=factory.LazyFunction(lambda: {"priority": Priority.URGENT.value})
        )

    activity = factory.SubFactory(ActivityFactory)
    on_transition = ScheduleTransition.TO_LATE_DUE
    kind = ActionKind.NOTIFY
    settings = factory.LazyFunction(lambda: {"recipients": ["owner_role"]})


class PlanInstanceFactory(factory.django.DjangoModelFactory):
    """A plan on a resource, written directly (``plan_apply`` is the service that checks the rules).

    Traits ``on_area``, ``on_container``, ``on_material`` put it on another kind of entity.
    """

    class Meta:
        model = PlanInstance

    class Params:
        on_area = factory.Trait(resource=None, area=factory.SubFactory(AreaFactory))
        on_container = factory.Trait(resource=None, container=factory.SubFactory(ContainerFactory))
        on_material = factory.Trait(resource=None, material=factory.SubFactory(MaterialFactory))

    plan = factory.SubFactory(MaintenancePlanFactory)
    resource = factory.SubFactory(ResourceFactory)
    owner_role = factory.LazyFunction(lambda: role_group(SUPERVISOR))
    start_date = datetime.date(2026, 1, 1)


# --- Through the services ----------------------------------------------------------------------
def approve_version(
    version: PlanVersion, *, planner: User | None = None, supervisor: User | None = None
) -> PlanVersion:
    """Submit (as a planner) and approve (as a supervisor, signing with the test users' password) the
    version's change set."""
    planner = planner or make_role_user(PLANNER)
    supervisor = supervisor or make_role_user(SUPERVISOR)
    services.changeset_submit(change_set=version.change_set, user=planner)
    services.changeset_approve(change_set=version.change_set, user=supervisor, password=TEST_PASSWORD)
    version.refresh_from_db()
    return version


def effective_plan(
    *,
    code: str | None = None,
    name: str = "Pump monthly inspection",
    activities: Iterable[Mapping[str, Any]] | None = None,
    planner: User | None = None,
    supervisor: User | None = None,
) -> MaintenancePlan:
    """A plan whose version 1 is effective, made as people would: create, fill, submit, approve, make effective.

    ``activities`` are keyword sets for ``ActivityFactory`` (traits included, e.g. ``{"usage": True}``);
    by default one monthly time activity.
    """
    planner = planner or make_role_user(PLANNER)
    supervisor = supervisor or make_role_user(SUPERVISOR)
    if code is None:
        code = f"PLAN-E{next(_effective_plan_numbers):03d}"
    version = services.plan_create(user=planner, code=code, name=name)
    for kwargs in activities if activities is not None else [{}]:
        ActivityFactory(version=version, **kwargs)
    approve_version(version, planner=planner, supervisor=supervisor)
    services.version_make_effective(version=version, user=planner)
    plan = version.plan
    plan.refresh_from_db()
    return cast(MaintenancePlan, plan)


def apply_plan(
    plan: MaintenancePlan,
    *entities: Area | Resource | Container | Material,
    user: User | None = None,
    start_date: datetime.date = datetime.date(2026, 1, 1),
) -> list[PlanInstance]:
    """Apply ``plan`` through ``plan_apply`` as a planner, owned by the Supervisor role."""
    return services.plan_apply(
        plan=plan,
        entities=list(entities),
        owner_role=role_group(SUPERVISOR),
        start_date=start_date,
        user=user or make_role_user(PLANNER),
    )
