"""The scheduler across simulated time: generate and advance_schedule, with "now" passed in."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from assets import services as asset_services
from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Counter, CounterKind
from orders import scheduler, services
from orders.models import OPEN_STATES, ActionLog, ExecutionState, ScheduleState, WorkOrder
from people.factories import make_role_user
from plans.factories import ActivityActionFactory, ActivityFactory, BillOfPartsLineFactory
from plans.models import (
    ActionKind,
    MaintenancePlan,
    PlanInstance,
    PlanVersionState,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
)

pytestmark = pytest.mark.django_db
NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")


def effective(activity):
    """Make the activity's version the plan's effective one (directly: the plans tests cover the services)."""
    version = activity.version
    MaintenancePlan.objects.filter(pk=version.plan_id).update(effective_version=version)
    type(version).objects.filter(pk=version.pk).update(state=PlanVersionState.EFFECTIVE)
    return activity


def apply(activity, entity, start=datetime.date(2026, 1, 10), owner="Supervisor"):
    field = type(entity)._meta.model_name
    return PlanInstance.objects.create(
        plan_id=activity.version.plan_id, owner_role=Group.objects.get(name=owner), start_date=start, **{field: entity}
    )


def at(year, month, day, hour=0, tz=NAIROBI):
    return datetime.datetime(year, month, day, hour, tzinfo=tz)


@pytest.fixture
def site():
    return SiteFactory(time_zone="Africa/Nairobi")


@pytest.fixture
def pump(site):
    return ResourceFactory(area=AreaFactory(parent=site))


def test_add_months_clamps_to_the_end_of_the_month():
    assert scheduler.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert scheduler.add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)
    assert scheduler.add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert scheduler.add_months(datetime.date(2026, 5, 15), -5) == datetime.date(2025, 12, 15)


def test_fixed_time_keeps_n_orders_ahead(pump):
    activity = effective(
        ActivityFactory(
            time_interval=1,
            time_unit=TimeUnit.MONTHS,
            time_early_window=0,
            time_late_tolerance=0,
            schedule_next_mode=ScheduleNextMode.FIXED,
            instances_to_schedule=3,
        )
    )
    BillOfPartsLineFactory(activity=activity, quantity=Decimal(2))
    instance = apply(activity, pump)
    created = scheduler.generate(now=at(2026, 1, 10))
    assert [o.sequence for o in created] == [1, 2, 3]
    assert [o.due_at for o in created] == [at(2026, 2, 10), at(2026, 3, 10), at(2026, 4, 10)]
    assert created[0].early_due_at == at(2026, 2, 10)
    assert all(o.planned_parts.get().quantity == Decimal(2) for o in created)
    assert scheduler.generate(now=at(2026, 1, 11)) == []  # idempotent
    supervisor = make_role_user("Supervisor", site=pump.area.site, username="sup")
    services.order_skip(order=created[0], user=supervisor, reason="Pump replaced")
    topped_up = scheduler.generate(now=at(2026, 2, 1))
    assert [(o.sequence, o.due_at) for o in topped_up] == [(4, at(2026, 5, 10))]
    assert WorkOrder.objects.filter(plan_instance=instance).open().count() == 3
    assert created[0].history.filter(history_change_reason="generated").exists()


def test_floating_time_creates_the_next_after_closing(pump):
    activity = effective(
        ActivityFactory(
            time_interval=7, time_unit=TimeUnit.DAYS, time_early_window=1, schedule_next_mode=ScheduleNextMode.FLOATING
        )
    )
    apply(activity, pump, start=datetime.date(2026, 3, 2))
    [first] = scheduler.generate(now=at(2026, 3, 2))
    assert first.due_at == at(2026, 3, 9)
    assert scheduler.generate(now=at(2026, 3, 20)) == []  # the first is still open
    supervisor = make_role_user("Supervisor", site=pump.area.site, username="sup")
    services.order_skip(order=first, user=supervisor, reason="Plant shut down")
    first.refresh_from_db()
    [second] = scheduler.generate(now=at(2026, 3, 20))
    closed_day = first.closed_at.astimezone(NAIROBI).date()
    assert second.sequence == 2
    assert second.due_at == at(closed_day.year, closed_day.month, closed_day.day) + datetime.timedelta(weeks=1)


def test_due_dates_fall_at_each_sites_local_midnight():
    activity = effective(ActivityFactory(time_interval=10, time_unit=TimeUnit.DAYS))
    nairobi = ResourceFactory(area=AreaFactory(parent=SiteFactory(time_zone="Africa/Nairobi")))
    lima = ResourceFactory(area=AreaFactory(parent=SiteFactory(time_zone="America/Lima")))
    apply(activity, nairobi, start=datetime.date(2026, 6, 1))
    apply(activity, lima, start=datetime.date(2026, 6, 1))
    orders = {o.resource_id: o for o in scheduler.generate(now=at(2026, 6, 1))}
    assert orders[nairobi.pk].due_at == datetime.datetime(2026, 6, 11, tzinfo=NAIROBI)
    assert orders[lima.pk].due_at == datetime.datetime(2026, 6, 11, tzinfo=zoneinfo.ZoneInfo("America/Lima"))
    assert orders[lima.pk].due_at - orders[nairobi.pk].due_at == datetime.timedelta(hours=8)


def test_hour_intervals_count_hours(pump):
    activity = effective(
        ActivityFactory(time_interval=12, time_unit=TimeUnit.HOURS, time_early_window=2, time_late_tolerance=1)
    )
    apply(activity, pump, start=datetime.date(2026, 6, 1))
    [order] = scheduler.generate(now=at(2026, 6, 1))
    assert (order.early_due_at, order.due_at, order.late_due_at) == (
        at(2026, 6, 1, 10),
        at(2026, 6, 1, 12),
        at(2026, 6, 1, 13),
    )


def usage_activity(**fields):
    defaults = {
        "trigger": TriggerKind.USAGE,
        "time_interval": None,
        "time_unit": "",
        "counter_name": "Operating hours",
        "usage_interval": Decimal(250),
        "usage_early_window": Decimal(25),
        "usage_late_tolerance": Decimal(25),
        "schedule_next_mode": ScheduleNextMode.FLOATING,
    }
    return effective(ActivityFactory(**{**defaults, **fields}))


def test_usage_orders_appear_when_the_counter_reaches_early_due(pump, site):
    counter = Counter.objects.create(resource=pump, name="Operating hours", unit="h", kind=CounterKind.CUMULATIVE)
    technician = make_role_user("Technician", site=site, username="tech")
    asset_services.reading_record(counter=counter, value=Decimal(1000), user=technician, taken_at=at(2026, 1, 1))
    apply(usage_activity(), pump, start=datetime.date(2026, 1, 5))
    assert scheduler.generate(now=at(2026, 1, 6)) == []
    asset_services.reading_record(counter=counter, value=Decimal(1200), user=technician, taken_at=at(2026, 1, 20))
    assert not WorkOrder.objects.exists()
    asset_services.reading_record(counter=counter, value=Decimal(1230), user=technician, taken_at=at(2026, 2, 1))
    order = WorkOrder.objects.get()
    assert (order.early_due_value, order.due_value, order.late_due_value) == (1225, 1250, 1275)
    assert order.schedule_state == ScheduleState.EARLY_DUE  # moved at once by the reading
    asset_services.reading_record(counter=counter, value=Decimal(1280), user=technician, taken_at=at(2026, 2, 10))
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.LATE_DUE
    assert WorkOrder.objects.count() == 1


def test_a_backwards_reading_is_refused_with_a_message(pump, site):
    counter = Counter.objects.create(resource=pump, name="Operating hours", unit="h", kind=CounterKind.CUMULATIVE)
    technician = make_role_user("Technician", site=site, username="tech")
    asset_services.reading_record(counter=counter, value=Decimal(500), user=technician, taken_at=at(2026, 1, 1))
    from core.errors import ActionNotAllowed

    with pytest.raises(ActionNotAllowed, match="never goes backwards"):
        asset_services.reading_record(counter=counter, value=Decimal(400), user=technician, taken_at=at(2026, 1, 2))
    counter.refresh_from_db()
    assert counter.last_value == 500


def test_time_and_usage_take_whichever_comes_first(pump, site):
    counter = Counter.objects.create(resource=pump, name="Odometer", unit="km", kind=CounterKind.CUMULATIVE)
    technician = make_role_user("Technician", site=site, username="tech")
    asset_services.reading_record(counter=counter, value=Decimal(20000), user=technician, taken_at=at(2026, 1, 1))
    activity = usage_activity(
        trigger=TriggerKind.TIME_AND_USAGE,
        time_interval=6,
        time_unit=TimeUnit.MONTHS,
        counter_name="Odometer",
        usage_interval=Decimal(10000),
        usage_early_window=Decimal(500),
        usage_late_tolerance=Decimal(500),
    )
    apply(activity, pump, start=datetime.date(2026, 1, 1))
    [order] = scheduler.generate(now=at(2026, 1, 2))
    assert order.due_at == at(2026, 7, 1)
    assert order.due_value == Decimal(30000)
    asset_services.reading_record(
        counter=counter, value=Decimal(30100), user=technician, taken_at=at(2026, 3, 1), now=at(2026, 3, 1)
    )
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.DUE  # the counter got there long before July


def test_advance_schedule_moves_forward_only_and_writes_history(pump):
    activity = effective(
        ActivityFactory(time_interval=31, time_unit=TimeUnit.DAYS, time_early_window=5, time_late_tolerance=3)
    )
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    assert scheduler.advance_schedule(now=at(2026, 2, 1)) == {"early_due": [], "due": [], "late_due": []}
    assert scheduler.advance_schedule(now=at(2026, 2, 6))["early_due"] == [order.pk]
    changed = scheduler.advance_schedule(now=at(2026, 2, 11))
    assert changed["due"] == [order.pk]
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.DUE
    assert scheduler.advance_schedule(now=at(2026, 2, 12)) == {"early_due": [], "due": [], "late_due": []}
    rows = list(order.history.order_by("-history_id").values_list("history_change_reason", "schedule_state"))
    assert rows[:2] == [("schedule: due", "due"), ("schedule: early_due", "early_due")]
    # The move shows in incremental sync (?updated_since=): updated_at is the tick's time.
    assert order.updated_at == at(2026, 2, 11)


def test_order_history_dates_and_authors_use_range_indexes_and_lookups_stay_exact(pump):
    """history_date and history_user have BRIN indexes on PostgreSQL (a B-tree elsewhere): the scheduler's
    history rows cost no B-tree entry for them, and lookups by date or author still find every row."""
    history = WorkOrder.history.model
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, history._meta.db_table)
    kinds = {
        indexes[name]["columns"][0]: indexes[name]["type"] for name in ("workorder_hist_date", "workorder_hist_user")
    }
    expected = "brin" if connection.vendor == "postgresql" else "idx"
    assert kinds == {"history_date": expected, "history_user_id": expected}
    btrees = {tuple(c["columns"]) for c in indexes.values() if c["index"] and c["type"] != expected}
    assert ("history_date",) not in btrees
    assert ("history_user_id",) not in btrees

    activity = effective(ActivityFactory(time_interval=31, time_unit=TimeUnit.DAYS, time_early_window=5))
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    scheduler.advance_schedule(now=at(2026, 2, 6))
    supervisor = make_role_user("Supervisor", site=pump.area.site, username="sup")
    services.order_reject(order=order, user=supervisor, reason="Not needed")
    assert list(
        history.objects.filter(history_date=at(2026, 2, 6)).values_list("history_change_reason", flat=True)
    ) == ["schedule: early_due"]
    assert list(history.objects.filter(history_user=supervisor).values_list("execution_state", flat=True)) == [
        ExecutionState.REJECTED
    ]
    supervisor_id = supervisor.pk
    supervisor.delete()  # clears the author of the supervisor's rows, found through the index
    assert not history.objects.filter(history_user_id=supervisor_id).exists()
    assert history.objects.filter(id=order.pk).count() == 3


def test_an_order_can_cross_several_states_in_one_tick(pump):
    activity = effective(
        ActivityFactory(time_interval=31, time_unit=TimeUnit.DAYS, time_early_window=5, time_late_tolerance=3)
    )
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    changed = scheduler.advance_schedule(now=at(2026, 3, 1))
    assert changed == {"early_due": [order.pk], "due": [order.pk], "late_due": [order.pk]}
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.LATE_DUE


def test_closed_orders_keep_their_schedule_state(pump):
    activity = effective(ActivityFactory(time_interval=1, time_unit=TimeUnit.MONTHS))
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    supervisor = make_role_user("Supervisor", site=pump.area.site, username="sup")
    services.order_reject(order=order, user=supervisor, reason="Not needed")
    scheduler.advance_schedule(now=at(2027, 1, 1))
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.BEFORE_EARLY_DUE
    assert order.execution_state == ExecutionState.REJECTED


def test_actions_are_queued_once_per_transition(pump, django_capture_on_commit_callbacks):
    activity = effective(ActivityFactory(time_interval=31, time_unit=TimeUnit.DAYS, time_early_window=5))
    ActivityActionFactory(
        activity=activity,
        on_transition=ScheduleTransition.TO_EARLY_DUE,
        kind=ActionKind.RAISE_PRIORITY,
        settings={"priority": 4},
    )
    ActivityActionFactory(
        activity=activity,
        on_transition=ScheduleTransition.TO_LATE_DUE,
        kind=ActionKind.NOTIFY,
        settings={"recipients": ["owner_role"]},
    )
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scheduler.advance_schedule(now=at(2026, 2, 6))
    assert len(callbacks) == 1
    entry = ActionLog.objects.get()
    assert (entry.order, entry.kind, entry.transition, entry.status) == (order, "raise_priority", "early_due", "queued")
    scheduler.advance_schedule(now=at(2026, 2, 7))
    assert ActionLog.objects.count() == 1


def test_auto_approve_and_release_apply_to_generated_orders(pump):
    activity = effective(ActivityFactory(auto_approve=True, auto_release=True))
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.RELEASED


def test_inactive_instances_and_ad_hoc_activities_generate_nothing(pump):
    ad_hoc = effective(
        ActivityFactory(
            trigger=TriggerKind.AD_HOC, time_interval=None, time_unit="", schedule_next_mode="", instances_to_schedule=1
        )
    )
    apply(ad_hoc, pump)
    timed = effective(ActivityFactory(time_interval=1, time_unit=TimeUnit.MONTHS))
    instance = apply(timed, pump)
    PlanInstance.objects.filter(pk=instance.pk).update(active=False, deactivated_at=at(2026, 1, 1))
    assert scheduler.generate(now=at(2026, 1, 10)) == []


@pytest.mark.parametrize(
    ("points", "reached"),
    [
        # (early due, due, late due) in days from Jan 1; the state reached on Jan 10.
        ((None, 5, None), ScheduleState.DUE),
        ((None, None, 5), ScheduleState.LATE_DUE),
        ((None, 20, 30), ScheduleState.BEFORE_EARLY_DUE),
        ((5, None, 8), ScheduleState.LATE_DUE),
        ((5, 20, None), ScheduleState.EARLY_DUE),
        ((None, None, None), ScheduleState.BEFORE_EARLY_DUE),
    ],
)
def test_orders_with_only_some_points_move_to_the_last_point_reached(pump, points, reached):
    """The tick selects orders by their next point (the earliest not reached): missing points are skipped."""
    supervisor = make_role_user("Supervisor", site=pump.area.site, username="sup")
    order = services.order_request_corrective(entity=pump, user=supervisor, title="Leak", description="")
    early, due, late = (None if days is None else at(2026, 1, 1) + datetime.timedelta(days=days) for days in points)
    WorkOrder.objects.filter(pk=order.pk).update(early_due_at=early, due_at=due, late_due_at=late)
    scheduler.advance_schedule(now=at(2026, 1, 10))
    order.refresh_from_db()
    assert order.schedule_state == reached
    assert scheduler.advance_schedule(now=at(2026, 1, 10)) == {"early_due": [], "due": [], "late_due": []}


def test_the_tick_finds_its_orders_through_the_next_point_index():
    """The tick's condition is the indexed expression itself, so PostgreSQL reads only the orders that move."""
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's query plan")
    next_point, params = scheduler._next_point_sql()
    open_states = [str(state) for state in OPEN_STATES]
    markers = ", ".join(["%s"] * len(open_states))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(
                f"EXPLAIN SELECT id FROM {WorkOrder._meta.db_table} WHERE execution_state IN ({markers}) "
                f"AND {next_point} <= %s",
                [*open_states, *params, at(2026, 1, 10)],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "workorder_open_next_point" in plan, plan
