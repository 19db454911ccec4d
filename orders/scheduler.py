"""The scheduler: creates planned work orders and moves their schedule state forward.

``generate`` and ``advance_schedule`` take "now" as an argument (tests simulate time; tasks pass the
clock) and are idempotent: each runs under a row lock of its ``SchedulerRun`` so two beats never run
the same job at once, and a unique constraint on (plan instance, activity code, sequence) makes a
duplicate order impossible even if they did.

The schedule state machine is declared once, by the transitions on ``WorkOrder``: ``advance_schedule``
runs them set-based (its SQL derived from the declaration), ``order_advance_schedule`` calls them on one
order (``order.reach_due()`` ...); both write the same rows.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import itertools
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import ConcurrentTransition, FSMField, Transition, can_proceed

from assets.models import Area, Counter, CounterKind, Reading
from core.concurrency import run_together
from orders import webhooks
from orders.models import (
    CLOSED_STATES,
    NEXT_POINT,
    OPEN_STATES,
    SCHEDULE_ORDER,
    OrderKind,
    PlannedPart,
    SchedulerRun,
    ScheduleState,
    WebhookEvent,
    WorkOrder,
)
from plans.models import (
    Activity,
    BillOfPartsLine,
    PlanInstance,
    ScheduleNextMode,
    ScheduleTransition,
    TimeUnit,
    TriggerKind,
)

TIME_TRIGGERS = (TriggerKind.TIME, TriggerKind.TIME_AND_USAGE)
USAGE_TRIGGERS = (TriggerKind.USAGE, TriggerKind.TIME_AND_USAGE)


# --- Due-point arithmetic ----------------------------------------------------------------------
def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days_units(day: datetime.date, amount: int, unit: str) -> datetime.date:
    if unit == TimeUnit.DAYS:
        return day + datetime.timedelta(days=amount)
    if unit == TimeUnit.WEEKS:
        return day + datetime.timedelta(weeks=amount)
    if unit == TimeUnit.MONTHS:
        return add_months(day, amount)
    if unit == TimeUnit.YEARS:
        return add_months(day, 12 * amount)
    raise ValueError(f"not a day-based unit: {unit}")


def local_midnight(day: datetime.date, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


@dataclass(frozen=True)
class TimePoints:
    early: datetime.datetime
    due: datetime.datetime
    late: datetime.datetime


def time_points(activity: Activity, base: datetime.datetime, steps: int, tz: zoneinfo.ZoneInfo) -> TimePoints:
    """Early-due, due and late-due times ``steps`` intervals after ``base``.

    Day-based intervals fall at local midnight of the site's time zone; hour intervals count hours.
    """
    interval, unit = activity.time_interval or 0, activity.time_unit
    early_window, late_tolerance = activity.time_early_window, activity.time_late_tolerance
    if unit == TimeUnit.HOURS:
        due = base + datetime.timedelta(hours=interval * steps)
        return TimePoints(
            due - datetime.timedelta(hours=early_window), due, due + datetime.timedelta(hours=late_tolerance)
        )
    base_day = base.astimezone(tz).date()
    due_day = add_days_units(base_day, interval * steps, unit)
    return TimePoints(
        local_midnight(add_days_units(due_day, -early_window, unit), tz),
        local_midnight(due_day, tz),
        local_midnight(add_days_units(due_day, late_tolerance, unit), tz),
    )


@dataclass(frozen=True)
class UsagePoints:
    early: Decimal
    due: Decimal
    late: Decimal


def usage_points(activity: Activity, base: Decimal, steps: int) -> UsagePoints:
    due = base + (activity.usage_interval or Decimal(0)) * steps
    return UsagePoints(due - activity.usage_early_window, due, due + activity.usage_late_tolerance)


# --- generate ----------------------------------------------------------------------------------
@dataclass
class OccurrenceStats:
    max_sequence: int = 0
    open_count: int = 0
    last_closed_at: datetime.datetime | None = None


def _lock_job(name: str, now: datetime.datetime) -> SchedulerRun:
    SchedulerRun.objects.get_or_create(name=name)
    run = SchedulerRun.objects.select_for_update().get(name=name)
    run.last_started_at = now
    return run


def _finish_job(run: SchedulerRun, count: int) -> None:
    run.last_finished_at, run.last_count = timezone.now(), count
    run.save(update_fields=["last_started_at", "last_finished_at", "last_count"])


def _site_time_zone(instance: PlanInstance) -> zoneinfo.ZoneInfo:
    """The time zone of the site the instance's entity is in (due dates fall at its local midnight)."""
    area: Area | None = instance.area
    if area is None:
        entity = instance.resource or instance.container or instance.material
        area = entity.area if entity is not None else None
    site = (area.site or area) if area is not None else None
    return zoneinfo.ZoneInfo((site.time_zone if site is not None else "") or settings.TIME_ZONE)


def _counter_value_at(counter_id: int, moment: datetime.datetime) -> Decimal | None:
    reading = Reading.objects.filter(counter_id=counter_id, taken_at__lte=moment).order_by("-taken_at").first()
    return reading.value if reading else None


def generate(now: datetime.datetime | None = None, instance_ids: list[int] | None = None) -> list[WorkOrder]:
    """Create the planned orders that are due to exist; return them.

    Fixed time activities keep ``instances_to_schedule`` open orders ahead. Floating activities get
    their next order once the previous one is closed, due an interval after its closing. Usage activities
    get an order once the counter reaches the early-due point; time-and-usage activities are due at
    whichever of the two points comes first.
    """
    from orders.services import allocate_order_numbers, apply_automatic_steps

    now = now or timezone.now()
    with transaction.atomic():
        run = _lock_job("generate", now)
        query = (
            PlanInstance.objects.active()
            .filter(plan__effective_version__isnull=False)
            .select_related(
                "plan__effective_version",
                "area__site",
                "resource__area__site",
                "container__area__site",
                "material__area__site",
            )
        )
        if instance_ids is not None:
            query = query.filter(pk__in=instance_ids)
        instances = list(query)
        version_ids = {i.plan.effective_version_id for i in instances}
        activities: dict[int | None, list[Activity]] = defaultdict(list)
        for activity in Activity.objects.filter(version_id__in=version_ids).exclude(trigger=TriggerKind.AD_HOC):
            activities[activity.version_id].append(activity)
        stats: dict[tuple[int, str], OccurrenceStats] = defaultdict(OccurrenceStats)
        for row in (
            WorkOrder.objects.filter(kind=OrderKind.PLANNED, plan_instance__in=[i.pk for i in instances])
            .values("plan_instance_id", "activity_code")
            .annotate(
                max_sequence=Max("sequence"),
                open_count=Count("id", filter=Q(execution_state__in=OPEN_STATES)),
                last_closed_at=Max("closed_at", filter=Q(execution_state__in=CLOSED_STATES)),
            )
        ):
            stats[(row["plan_instance_id"], row["activity_code"])] = OccurrenceStats(
                row["max_sequence"] or 0, row["open_count"], row["last_closed_at"]
            )
        counters = _counters_for(instances, activities)

        new_orders: list[WorkOrder] = []
        for instance in instances:
            tz = _site_time_zone(instance)
            start = local_midnight(instance.start_date, tz)
            for activity in activities[instance.plan.effective_version_id]:
                counter = counters.get((instance.pk, activity.counter_name)) if activity.watches_counter else None
                if activity.watches_counter and counter is None:
                    continue  # plan_apply refuses this; an entity whose counter was deleted since gets nothing
                new_orders += _occurrences_due(
                    instance, activity, stats[(instance.pk, activity.code)], start, tz, counter, now
                )

        numbers = allocate_order_numbers(len(new_orders))
        for order, number in zip(new_orders, numbers, strict=True):
            order.number = number
        created = WorkOrder.objects.bulk_create(new_orders)
        write_history([order.pk for order in created], "generated", now, history_type="+")
        webhooks.emit(
            WebhookEvent.ORDER_CREATED, [o.pk for o in created], "generated", now, {o.pk: o.site_id for o in created}
        )
        bill: dict[int, list[BillOfPartsLine]] = defaultdict(list)
        for line in BillOfPartsLine.objects.filter(activity_id__in={o.activity_id for o in created}):
            bill[line.activity_id].append(line)
        PlannedPart.objects.bulk_create(
            [
                PlannedPart(order=order, part_id=line.part_id, quantity=line.quantity)
                for order in created
                for line in bill[order.activity_id or 0]
            ]
        )
        for order in created:
            activity = order.activity
            if activity is not None and (activity.auto_approve or activity.auto_release):
                apply_automatic_steps(order)
        _finish_job(run, len(created))
    return created


def _counters_for(
    instances: list[PlanInstance], activities: dict[int | None, list[Activity]]
) -> dict[tuple[int, str], Counter]:
    """The counter each usage activity watches on each instance's entity, by (instance id, counter name)."""
    wanted: dict[tuple[str, int], list[PlanInstance]] = defaultdict(list)
    names: set[str] = set()
    for instance in instances:
        watched = [a.counter_name for a in activities[instance.plan.effective_version_id] if a.watches_counter]
        if watched:
            names.update(watched)
            field = next(f for f in ("area", "resource", "container", "material") if getattr(instance, f"{f}_id"))
            wanted[(field, getattr(instance, f"{field}_id"))].append(instance)
    if not wanted:
        return {}
    condition = Q()
    for field in ("area", "resource", "container", "material"):
        ids = [entity_id for f, entity_id in wanted if f == field]
        if ids:
            condition |= Q(**{f"{field}_id__in": ids})
    result: dict[tuple[int, str], Counter] = {}
    for counter in Counter.objects.filter(condition, name__in=names, kind=CounterKind.CUMULATIVE):
        field = next(f for f in ("area", "resource", "container", "material") if getattr(counter, f"{f}_id"))
        for instance in wanted[(field, getattr(counter, f"{field}_id"))]:
            result[(instance.pk, counter.name)] = counter
    return result


def _new_order(
    instance: PlanInstance,
    activity: Activity,
    sequence: int,
    times: TimePoints | None,
    usage: UsagePoints | None,
    counter: Counter | None,
) -> WorkOrder:
    entity_field = next(f for f in ("area", "resource", "container", "material") if getattr(instance, f"{f}_id"))
    entity = getattr(instance, entity_field)
    area = entity if entity_field == "area" else entity.area
    return WorkOrder(
        kind=OrderKind.PLANNED,
        plan_instance=instance,
        activity=activity,
        activity_code=activity.code,
        sequence=sequence,
        site_id=area.site_id or area.pk,
        title=activity.name,
        description=activity.instructions,
        priority=activity.priority,
        early_due_at=times.early if times else None,
        due_at=times.due if times else None,
        late_due_at=times.late if times else None,
        counter=counter if usage else None,
        early_due_value=usage.early if usage else None,
        due_value=usage.due if usage else None,
        late_due_value=usage.late if usage else None,
        **{f"{entity_field}_id": entity.pk},
    )


def _occurrences_due(
    instance: PlanInstance,
    activity: Activity,
    stats: OccurrenceStats,
    start: datetime.datetime,
    tz: zoneinfo.ZoneInfo,
    counter: Counter | None,
    now: datetime.datetime,
) -> list[WorkOrder]:
    """The orders of one activity on one instance that should be created now."""
    uses_time = activity.trigger in TIME_TRIGGERS
    uses_counter = activity.trigger in USAGE_TRIGGERS
    fixed = activity.schedule_next_mode == ScheduleNextMode.FIXED
    wanted_open = activity.instances_to_schedule if (fixed and activity.trigger == TriggerKind.TIME) else 1
    if stats.open_count >= wanted_open:
        return []
    if not fixed and stats.max_sequence and stats.last_closed_at is None:
        return []  # floating: the previous order is still open (counted above) or never closed
    start_value = Decimal(0)
    if uses_counter and counter is not None:
        start_value = _counter_value_at(counter.pk, start) or Decimal(0)
    orders = []
    sequence = stats.max_sequence
    for _ in range(wanted_open - stats.open_count):
        sequence += 1
        times = usage = None
        if fixed:
            if uses_time:
                times = time_points(activity, start, sequence, tz)
            if uses_counter:
                usage = usage_points(activity, start_value, sequence)
        else:
            previous_close = stats.last_closed_at if stats.max_sequence else None
            if uses_time:
                times = time_points(activity, previous_close or start, 1, tz)
            if uses_counter and counter is not None:
                base = start_value
                if previous_close is not None:
                    base = _counter_value_at(counter.pk, previous_close) or start_value
                usage = usage_points(activity, base, 1)
        # Usage-only orders appear when the counter reaches their early-due point.
        if activity.trigger == TriggerKind.USAGE and (
            counter is None or counter.last_value is None or usage is None or counter.last_value < usage.early
        ):
            break
        orders.append(_new_order(instance, activity, sequence, times, usage, counter))
    return orders


# --- advance_schedule --------------------------------------------------------------------------
# The tick's steps are the schedule transitions declared on ``WorkOrder`` (``reach_early_due`` ...), read
# once at import: their sources and target, their due point (``custom``: ``time_point``, ``usage_point``)
# and their conditions, each translated to SQL here. A declaration the tick could not follow exactly is
# refused at import (``ImproperlyConfigured``), so a new transition is never silently left out of the tick.


def _sql_markers(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# The SQL (and its parameters) of each condition a schedule transition may have.
CONDITION_SQL: dict[Callable[..., bool], tuple[str, tuple[Any, ...]]] = {
    WorkOrder.still_open: (
        f"execution_state IN ({_sql_markers(OPEN_STATES)})",
        tuple(str(state) for state in OPEN_STATES),
    ),
}


@dataclass(frozen=True)
class ScheduleStep:
    """One schedule transition of ``WorkOrder`` as the tick runs it (see ``derive_schedule_steps``)."""

    name: str  # the transition method, e.g. "reach_due"
    sources: tuple[str, ...]
    target: str  # also the transition the activity's actions are declared for (``ScheduleTransition``)
    time_point: str  # order field: reached once that time has come
    usage_point: str  # order field: reached once the order's counter shows that value
    where_sql: str  # the conditions and the source states, for the tick's UPDATE
    where_params: tuple[Any, ...]

    @property
    def reason(self) -> str:
        """The history row's change reason."""
        return f"schedule: {self.target}"


def _refuse(name: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"WorkOrder.{name}: the schedule tick (orders.scheduler) cannot follow it: {problem}")


def _field_type(name: str, point: str) -> type[models.Field[Any, Any]]:
    try:
        return type(WorkOrder._meta.get_field(point))
    except FieldDoesNotExist:
        raise _refuse(name, f"{point!r} is not a field of WorkOrder") from None


def derive_schedule_steps(transitions: Iterable[Transition] | None = None) -> tuple[ScheduleStep, ...]:
    """The tick's steps, from the schedule transitions declared on ``WorkOrder`` (or ``transitions``, one per
    method and source state, as django-fsm gives them), in the order of their target in ``ScheduleState``.

    Raises ``ImproperlyConfigured`` for a transition the tick cannot run as SQL: a condition without an
    entry in ``CONDITION_SQL``, a missing or wrong due point in ``custom``, a permission or error state
    (the tick acts for no one and cannot fail one order), any-state sources, a move that is not forward,
    a target that is no ``ScheduleTransition`` (actions are declared per transition) or is another
    transition's too, or time points that ``NEXT_POINT`` (the indexed expression the tick selects by) does
    not list in the same order.
    """
    if transitions is None:
        field = cast(FSMField, WorkOrder._meta.get_field("schedule_state"))
        transitions = field.get_all_transitions(WorkOrder)
    by_method: dict[str, list[Transition]] = defaultdict(list)
    for declared in transitions:
        by_method[declared.name].append(declared)
    steps = [_step(name, declared) for name, declared in by_method.items()]
    steps.sort(key=lambda step: SCHEDULE_ORDER.index(step.target))
    targets = [step.target for step in steps]
    for step in steps:
        if targets.count(step.target) > 1:
            raise _refuse(step.name, f"another transition also reaches {step.target!r}")
    _check_next_point(steps)
    return tuple(steps)


def _step(name: str, declared: list[Transition]) -> ScheduleStep:
    first = declared[0]
    for other in declared[1:]:
        if (other.target, other.conditions, other.custom, other.permission, other.on_error) != (
            first.target,
            first.conditions,
            first.custom,
            first.permission,
            first.on_error,
        ):
            raise _refuse(name, "its @transition declarations differ in more than their sources")
    target, sources = str(first.target), [str(t.source) for t in declared]
    if target not in ScheduleState.values:
        raise _refuse(name, f"target {target!r} is not a ScheduleState")
    for source in sources:
        if source not in ScheduleState.values:
            raise _refuse(name, f"source {source!r} is not a ScheduleState (name the states)")
        if SCHEDULE_ORDER.index(source) >= SCHEDULE_ORDER.index(target):
            raise _refuse(name, f"{source!r} -> {target!r} does not move forward")
    if target not in ScheduleTransition.values:
        raise _refuse(name, f"target {target!r} is not a ScheduleTransition (activity actions name it)")
    if first.permission is not None or first.on_error is not None:
        raise _refuse(name, "it has a permission or an error state")
    time_point, usage_point = first.custom.get("time_point"), first.custom.get("usage_point")
    if not isinstance(time_point, str) or not issubclass(_field_type(name, time_point), models.DateTimeField):
        raise _refuse(name, 'custom["time_point"] must name a date-time field of WorkOrder')
    if not isinstance(usage_point, str) or not issubclass(_field_type(name, usage_point), models.DecimalField):
        raise _refuse(name, 'custom["usage_point"] must name a decimal field of WorkOrder')
    where: list[str] = []
    params: list[Any] = []
    for condition in first.conditions:
        if condition not in CONDITION_SQL:
            raise _refuse(name, f"condition {condition.__name__} has no SQL in orders.scheduler.CONDITION_SQL")
        sql, condition_params = CONDITION_SQL[condition]
        where.append(sql)
        params += condition_params
    where.append(f"schedule_state IN ({_sql_markers(sources)})")
    return ScheduleStep(name, tuple(sources), target, time_point, usage_point, " AND ".join(where), (*params, *sources))


def _check_next_point(steps: list[ScheduleStep]) -> None:
    """``NEXT_POINT`` lists, for each state, the time points of the steps leaving it, in the steps' order."""
    listed: dict[str, list[str]] = {}
    try:
        for case in NEXT_POINT.cases:
            [(_lookup, state)] = case.condition.children
            result = case.result
            points = result.get_source_expressions() if isinstance(result, Coalesce) else [result]
            listed[str(state)] = [point.name for point in points]
    except (AttributeError, TypeError, ValueError) as error:
        raise ImproperlyConfigured(
            "orders.models.NEXT_POINT is no longer Case(When(schedule_state=..., then=Coalesce(F(...), ...)), ...): "
            "teach orders.scheduler._check_next_point to read it"
        ) from error
    for state in ScheduleState.values:
        wanted = [step.time_point for step in steps if state in step.sources]
        if listed.get(state, []) != wanted:
            raise ImproperlyConfigured(
                f"orders.models.NEXT_POINT (and its index workorder_open_next_point) lists {listed.get(state, [])} "
                f"for {state!r}, but the schedule transitions from it have the time points {wanted}"
            )


SCHEDULE_STEPS = derive_schedule_steps()
CHUNK = 20000
# Orders with low < id <= high; None leaves that end open.
IdRange = tuple[int | None, int | None]


def _move(
    step: ScheduleStep,
    reached_sql: str,
    params: list[Any],
    order_ids: list[int] | None,
    now: datetime.datetime,
    id_range: IdRange = (None, None),
) -> dict[int, int | None]:
    """Move the orders that ``step`` may move (its conditions, its sources) whose point is reached and
    write their history rows.

    On PostgreSQL one statement does both (``WITH moved AS (UPDATE ... RETURNING *) INSERT INTO history
    SELECT ... FROM moved``); elsewhere an UPDATE ... RETURNING and an INSERT ... SELECT. Only orders
    with ``low < id <= high`` (``id_range``, either end open when None). Returns the moved orders'
    activity by order id.
    """
    table = WorkOrder._meta.db_table
    update = f"UPDATE {table} SET schedule_state = %s, updated_at = %s WHERE {step.where_sql} AND {reached_sql}"
    update_params: list[Any] = [step.target, _db_time(now), *step.where_params, *params]
    if order_ids is not None:
        if not order_ids:
            return {}
        update += f" AND id IN ({_sql_markers(order_ids)})"
        update_params += order_ids
    low, high = id_range
    if low is not None:
        update += " AND id > %s"
        update_params.append(low)
    if high is not None:
        update += " AND id <= %s"
        update_params.append(high)
    reason = step.reason
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            insert, insert_params = _history_insert(reason, now)
            cursor.execute(
                f"WITH moved AS ({update} RETURNING *), logged AS ({insert} FROM moved) "
                "SELECT id, activity_id FROM moved",
                [*update_params, *insert_params],
            )
            return dict(cursor.fetchall())
        cursor.execute(update + " RETURNING id, activity_id", update_params)
        moved = dict(cursor.fetchall())
    write_history(sorted(moved), reason, now)
    return moved


def _next_point_sql() -> tuple[str, list[Any]]:
    """``NEXT_POINT`` as SQL, compiled by the ORM exactly as in the index built on it (so the planner uses it)."""
    query = WorkOrder.objects.all().query
    expression = NEXT_POINT.resolve_expression(query)
    sql, params = query.get_compiler(connection=connection).compile(expression)
    return sql, list(params)


def _db_time(moment: datetime.datetime) -> Any:
    """``moment`` as the database stores it, for raw SQL (on SQLite: UTC text, as the ORM writes it; an aware
    value with another offset would be stored, and compared, as text with that offset)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _history_insert(reason: str, now: datetime.datetime, history_type: str = "~") -> tuple[str, list[Any]]:
    """``INSERT INTO history (...) SELECT ...`` of the order columns; the caller adds ``FROM ...``."""
    history = WorkOrder.history.model
    columns = [f.column for f in WorkOrder._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {history._meta.db_table} ({quoted}, history_date, history_change_reason, history_type, "
        f"history_user_id) SELECT {quoted}, %s, %s, %s, NULL"
    )
    return sql, [_db_time(now), reason, history_type]


def write_history(ids: list[int], reason: str, now: datetime.datetime, history_type: str = "~") -> None:
    """History rows for the given orders, copied inside the database (INSERT ... SELECT)."""
    insert, params = _history_insert(reason, now, history_type)
    with connection.cursor() as cursor:
        for first in range(0, len(ids), CHUNK):
            chunk = ids[first : first + CHUNK]
            cursor.execute(
                f"{insert} FROM {WorkOrder._meta.db_table} WHERE id IN ({_sql_markers(chunk)})", [*params, *chunk]
            )


def advance_schedule(now: datetime.datetime | None = None, order_ids: list[int] | None = None) -> dict[str, list[int]]:
    """Move open orders forward to the schedule states their time or counter has reached.

    Set-based: per state one UPDATE ... RETURNING for time points and one for counter points, history
    rows copied in one INSERT ... SELECT, and the activity's actions for that transition queued once per
    changed order. Closed orders never move. Returns the changed order ids by state reached.

    Called outside a transaction on PostgreSQL (the beat's task), a tick with at least
    ``SCHEDULER_SPLIT_MIN_ORDERS`` orders past their next point splits them by id into
    ``SCHEDULER_TICK_WORKERS`` parts moved at once, each in its own transaction on its own connection, so
    a large tick uses more than one of the database's cores. Each part moves its orders through every
    state they reached, with their history and actions, and commits whole; if one part fails, the others
    still commit and the failed part's orders move at the next tick (the tick is idempotent). Inside a
    caller's transaction, or for given ``order_ids``, the tick is one transaction.
    """
    now = now or timezone.now()
    may_split = order_ids is None and connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        run = _lock_job("advance_schedule", now)
        ranges = _split_ranges(now) if may_split else []
        changed = _advance_in_parts(now, ranges) if len(ranges) > 1 else _advance(now, order_ids)
        _finish_job(run, sum(len(ids) for ids in changed.values()))
    return changed


def _advance(
    now: datetime.datetime, order_ids: list[int] | None, id_range: IdRange = (None, None)
) -> dict[str, list[int]]:
    """Every step of the tick for the orders in ``id_range``, in the current transaction."""
    from orders.actions import queue_actions

    counter_table = Counter._meta.db_table
    changed: dict[str, list[int]] = {}
    next_point, next_params = _next_point_sql()
    for step in SCHEDULE_STEPS:
        moved = _move(
            step,
            # The first condition is the indexed one (workorder_open_next_point): only orders that move.
            f"{next_point} <= %s AND {step.time_point} <= %s",
            [*next_params, _db_time(now), _db_time(now)],
            order_ids,
            now,
            id_range,
        )
        moved |= _move(
            step,
            f"counter_id IS NOT NULL AND {step.usage_point} IS NOT NULL AND EXISTS (SELECT 1 FROM {counter_table} c "
            f"WHERE c.id = counter_id AND c.last_value >= {step.usage_point})",
            [],
            order_ids,
            now,
            id_range,
        )
        ids = sorted(moved)
        if ids:
            queue_actions(ids, step.target, activity_by_order=moved)
            webhooks.emit(WebhookEvent.SCHEDULE_TRANSITION, ids, step.target, now)
        changed[step.target] = ids
    return changed


def _split_ranges(now: datetime.datetime) -> list[IdRange]:
    """Id ranges that share the orders past their next point evenly, one per tick worker; one open range
    when there are fewer than ``SCHEDULER_SPLIT_MIN_ORDERS`` of them (or a single worker).

    The ranges cover every id, so orders that move by their counter (not counted here) are in one part too.
    """
    workers = settings.SCHEDULER_TICK_WORKERS
    if workers < 2:
        return [(None, None)]
    next_point, next_params = _next_point_sql()
    open_states = [str(state) for state in OPEN_STATES]
    fractions = [part / workers for part in range(1, workers)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY id) "
            f"FROM {WorkOrder._meta.db_table} WHERE execution_state IN ({_sql_markers(open_states)}) "
            f"AND {next_point} <= %s",
            [fractions, *open_states, *next_params, _db_time(now)],
        )
        count, bounds = cursor.fetchone()
    if not count or count < settings.SCHEDULER_SPLIT_MIN_ORDERS:
        return [(None, None)]
    edges: list[int | None] = [None, *sorted(set(bounds)), None]
    return list(itertools.pairwise(edges))


def _advance_in_parts(now: datetime.datetime, ranges: list[IdRange]) -> dict[str, list[int]]:
    """``_advance`` for each id range at once, each in a thread with its own connection and transaction.
    A part's error is raised once every part has finished (the others have committed)."""
    outcomes = run_together(*[functools.partial(_advance_part, now, id_range) for id_range in ranges], timeout=None)
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    if errors:
        raise errors[0]
    changed: dict[str, list[int]] = {step.target: [] for step in SCHEDULE_STEPS}
    for outcome in outcomes:
        for target, ids in cast(dict[str, list[int]], outcome).items():
            changed[target] += ids
    return changed


def _advance_part(now: datetime.datetime, id_range: IdRange) -> dict[str, list[int]]:
    with transaction.atomic():
        return _advance(now, None, id_range)


# --- One order ---------------------------------------------------------------------------------
@transaction.atomic
def order_advance_schedule(*, order: WorkOrder, now: datetime.datetime | None = None) -> list[str]:
    """Move one order forward to the schedule states its time or counter has reached, through its declared
    transitions (``order.reach_due()`` ...); return the states reached, in order.

    The single-order form of the tick, with the same outcome: for each step whose point is reached and
    whose transition the order may take now (``can_proceed``: its source states and conditions), the
    transition, the row written as the tick writes it (the state, ``updated_at = now``), a history row
    ("schedule: <state>", dated ``now``, no author), then the activity's actions and the webhooks for that
    transition. ``order`` is re-read under a row lock and refreshed from the database afterwards.
    """
    from orders.actions import queue_actions

    now = now or timezone.now()
    # A tick may be moving this order right now: wait for it (its job's row lock, as the tick's own order
    # ids path does), so each move is made once and the two never lock orders in opposite order.
    _lock_job("advance_schedule", now)
    locked = WorkOrder.objects.select_for_update(of=("self",)).select_related("counter").get(pk=order.pk)
    counter_value = locked.counter.last_value if locked.counter is not None else None
    reached: list[str] = []
    for step in SCHEDULE_STEPS:
        transition = getattr(locked, step.name)
        if not (_point_reached(locked, step, now, counter_value) and can_proceed(transition)):
            continue
        before = locked.schedule_state
        unchanged = _fields_but_state(locked)
        transition()
        if _fields_but_state(locked) != unchanged:
            raise ImproperlyConfigured(
                f"WorkOrder.{step.name} changed more than the schedule state; the tick writes only the state"
            )
        # The conditional update is ConcurrentTransitionMixin's check (the row lock makes it hold).
        if not WorkOrder.objects.filter(pk=locked.pk, schedule_state=before).update(
            schedule_state=locked.schedule_state, updated_at=now
        ):
            raise ConcurrentTransition(f"{locked.number} left {before!r} meanwhile")
        write_history([locked.pk], step.reason, now)
        queue_actions([locked.pk], step.target, activity_by_order={locked.pk: locked.activity_id})
        webhooks.emit(
            WebhookEvent.SCHEDULE_TRANSITION, [locked.pk], step.target, now, site_by_order={locked.pk: locked.site_id}
        )
        reached.append(step.target)
    if reached:
        order.refresh_from_db()
    return reached


def _point_reached(order: WorkOrder, step: ScheduleStep, now: datetime.datetime, counter_value: Decimal | None) -> bool:
    """The tick's two conditions for ``step`` in Python: the order's next point (``NEXT_POINT``: its first
    time point not yet reached) and the step's time point have come, or its counter shows the usage point."""
    time = getattr(order, step.time_point)
    if time is not None and time <= now:
        state = order.schedule_state
        next_point = next(
            (t for s in SCHEDULE_STEPS if state in s.sources and (t := getattr(order, s.time_point)) is not None), None
        )
        if next_point is not None and next_point <= now:
            return True
    value = getattr(order, step.usage_point)
    return order.counter_id is not None and value is not None and counter_value is not None and counter_value >= value


def _fields_but_state(order: WorkOrder) -> list[Any]:
    return [getattr(order, f.attname) for f in WorkOrder._meta.concrete_fields if f.name != "schedule_state"]
