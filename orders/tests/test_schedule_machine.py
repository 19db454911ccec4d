"""The schedule state machine is declared once, on ``WorkOrder``: the tick's set-based SQL is derived from the
declaration, the single-order path calls the declared transitions, and both give the same rows."""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django_fsm import Transition, TransitionNotAllowed

from assets import services as asset_services
from assets.factories import AreaFactory, CounterFactory, ResourceFactory, SiteFactory
from assets.models import Counter
from core import jobs
from core.testing import force_update
from orders import scheduler, services, webhooks
from orders.factories import planned_order
from orders.models import (
    SCHEDULE_ORDER,
    ActionLog,
    ScheduleState,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WorkOrder,
)
from people.factories import make_role_user
from plans.factories import ActivityActionFactory, ActivityFactory
from plans.models import ActionKind, ScheduleTransition

NOW = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
PAST = NOW - datetime.timedelta(days=1)
FUTURE = NOW + datetime.timedelta(days=10)
COUNTER_VALUE = Decimal(1000)
SCHEDULE_FIELD: Any = WorkOrder._meta.get_field("schedule_state")


def declared_transitions() -> dict[str, tuple[frozenset[str], str]]:
    """(sources, target) of each schedule transition declared on ``WorkOrder``, by method name."""
    sources: dict[str, set[str]] = defaultdict(set)
    targets: dict[str, str] = {}
    for declared in SCHEDULE_FIELD.get_all_transitions(WorkOrder):
        sources[declared.name].add(str(declared.source))
        targets[declared.name] = str(declared.target)
    return {name: (frozenset(sources[name]), targets[name]) for name in targets}


DECLARED = declared_transitions()
STEP_BY_NAME = {step.name: step for step in scheduler.SCHEDULE_STEPS}


# --- The declaration and the tick ----------------------------------------------------------------
def test_the_tick_runs_every_declared_schedule_transition_and_no_other():
    steps = scheduler.SCHEDULE_STEPS
    assert {step.name: (frozenset(step.sources), step.target) for step in steps} == DECLARED
    assert len(steps) == len(DECLARED)
    targets = [target for _sources, target in DECLARED.values()]
    assert [step.target for step in steps] == sorted(targets, key=SCHEDULE_ORDER.index)
    initial = SCHEDULE_FIELD.default
    assert initial == ScheduleState.BEFORE_EARLY_DUE
    # Every state but the initial one is reached by some transition (else the tick could never get there).
    assert set(targets) == set(ScheduleState.values) - {initial}
    # Activity actions are declared per transition: one choice per declared target, no other.
    assert set(ScheduleTransition.values) == set(targets)
    # Derived once, at import, and still what the declaration says.
    assert scheduler.derive_schedule_steps() == steps


def test_each_step_has_the_due_points_its_transition_declares():
    for declared in SCHEDULE_FIELD.get_all_transitions(WorkOrder):
        step = STEP_BY_NAME[declared.name]
        assert (step.time_point, step.usage_point) == (declared.custom["time_point"], declared.custom["usage_point"])
        assert step.reason == f"schedule: {declared.target}"


def altered(name: str, **changes: Any) -> list[Transition]:
    """The declared schedule transitions, with those of method ``name`` changed (a copy; the model is untouched)."""
    result = []
    for declared in SCHEDULE_FIELD.get_all_transitions(WorkOrder):
        if declared.name == name:
            declared = copy.copy(declared)
            for attribute, value in changes.items():
                setattr(declared, attribute, value)
        result.append(declared)
    return result


def new_transition(name: str, source: str, target: str, **options: Any) -> Transition:
    def method(self: Any) -> None:
        pass

    method.__name__ = method.__qualname__ = name
    return Transition(
        method=method,
        source=source,
        target=target,
        on_error=options.get("on_error"),
        conditions=options.get("conditions", [WorkOrder.still_open]),
        permission=options.get("permission"),
        custom=options.get("custom", {"time_point": "late_due_at", "usage_point": "late_due_value"}),
    )


def has_a_reason(self: Any) -> bool:
    return bool(self.state_reason)


@pytest.mark.parametrize(
    ("transitions", "message"),
    [
        (altered("reach_due", conditions=[WorkOrder.still_open, has_a_reason]), "condition has_a_reason has no SQL"),
        (altered("reach_due", custom={}), r'custom\["time_point"\]'),
        (altered("reach_due", custom={"time_point": "due_at"}), r'custom\["usage_point"\]'),
        (altered("reach_due", custom={"time_point": "title", "usage_point": "due_value"}), "date-time field"),
        (altered("reach_due", custom={"time_point": "due_at", "usage_point": "due_at"}), "decimal field"),
        (altered("reach_due", custom={"time_point": "due_when", "usage_point": "due_value"}), "not a field"),
        (altered("reach_late_due", permission="orders.supervise_workorder"), "permission"),
        (altered("reach_late_due", on_error=ScheduleState.DUE), "error state"),
        (altered("reach_late_due", source="*"), "not a ScheduleState"),
        (altered("reach_early_due", target=ScheduleState.BEFORE_EARLY_DUE), "does not move forward"),
        (altered("reach_early_due", target=ScheduleState.DUE), "another transition also reaches"),
        # The due points swapped: NEXT_POINT, the tick's indexed selection, would pick the wrong field first.
        (
            altered("reach_due", custom={"time_point": "late_due_at", "usage_point": "due_value"}),
            "NEXT_POINT",
        ),
        # A state added to the machine without the tick knowing it.
        ([*altered("reach_due"), new_transition("reach_overdue", ScheduleState.LATE_DUE, "overdue")], "overdue"),
        (
            [*altered("reach_due"), new_transition("reach_due_again", ScheduleState.DUE, ScheduleState.LATE_DUE)],
            "another transition also reaches",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_tick_refuses_a_transition_it_cannot_follow(transitions, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        scheduler.derive_schedule_steps(transitions)


def test_the_declared_transitions_derive_without_refusal():
    assert scheduler.derive_schedule_steps(altered("reach_due")) == scheduler.SCHEDULE_STEPS


# --- The tick and the single-order path give the same rows -----------------------------------
@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def subscribers(site):
    """Who hears of schedule transitions: the site's supervisor and an integrator; not a user of another
    site, nor a subscription to other events."""
    secret = "s3cret-shared-with-the-erp"
    for user, events in [
        (make_role_user("Supervisor", site=site, username="sup"), [WebhookEvent.SCHEDULE_TRANSITION]),
        (make_role_user("Integrator", username="erp"), [WebhookEvent.ORDER_CREATED, WebhookEvent.SCHEDULE_TRANSITION]),
        (make_role_user("Supervisor", site=SiteFactory(), username="far"), [WebhookEvent.SCHEDULE_TRANSITION]),
        (make_role_user("Planner", site=site, username="plan"), [WebhookEvent.ORDER_CREATED]),
    ]:
        WebhookSubscription.objects.create(owner=user, url="https://erp.example.org/hook", secret=secret, events=events)


def acting_activity():
    """An activity with two actions on every schedule transition."""
    activity = ActivityFactory()
    for transition in ScheduleTransition.values:
        ActivityActionFactory(activity=activity, on_transition=transition, kind=ActionKind.NOTIFY)
        ActivityActionFactory(
            activity=activity, on_transition=transition, kind=ActionKind.RAISE_PRIORITY, settings={"priority": 4}
        )
    return activity


def order_at(resource, state: str, points: dict[str, Any], *, counter: Counter | None = None) -> WorkOrder:
    order = planned_order(resource, activity=acting_activity(), counter=counter, **points)
    force_update(WorkOrder.objects.filter(pk=order.pk), schedule_state=state)
    return WorkOrder.objects.get(pk=order.pk)


def points_for(name: str, kind: str) -> dict[str, Any]:
    """The due points of an order on which only ``name``'s point of ``kind`` (time or usage) is reached: the
    points of the states before its target are empty, those after it not reached yet (time or counter)."""
    target_position = SCHEDULE_ORDER.index(STEP_BY_NAME[name].target)
    points: dict[str, Any] = {}
    for step in scheduler.SCHEDULE_STEPS:
        position = SCHEDULE_ORDER.index(step.target)
        reached, later = (PAST, FUTURE) if kind == "time" else (COUNTER_VALUE, COUNTER_VALUE + 100 * position)
        field = step.time_point if kind == "time" else step.usage_point
        points[field] = None if position < target_position else reached if position == target_position else later
    return points


class Rollback(Exception):
    pass


def outcome(order_id: int, move: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, Any]]:
    """What ``move`` does to the database and queues after commit, then undone (a savepoint rolled back), so
    the same order can be moved again the other way. Rows lose only their own ids and the wall-clock times
    they get on insert (``created_at``, ``updated_at`` of queued actions, ``updated_at`` of deliveries); the
    order's own id is kept, it is the same order."""
    queued: list[tuple[str, Any]] = []
    # Actions are queued by task name (core.jobs), webhook deliveries by their task's delay().
    monkeypatch.setattr(
        jobs.current_app, "send_task", lambda name, args=(), kwargs=None: queued.append((name, tuple(args)))
    )
    monkeypatch.setattr(webhooks.deliver_webhooks, "delay", lambda ids: queued.append(("deliver_webhooks", ids)))
    before = len(connection.run_on_commit)
    try:
        with transaction.atomic():
            result = move()
            actions = list(ActionLog.objects.filter(order_id=order_id).order_by("id").values())
            deliveries = list(WebhookDelivery.objects.filter(order_id=order_id).order_by("id").values())
            rows = {
                "order": WorkOrder.objects.filter(pk=order_id).values().get(),
                "history": [
                    {k: v for k, v in row.items() if k != "history_id"}
                    for row in WorkOrder.history.filter(id=order_id).order_by("history_id").values()
                ],
                "actions": [without(row, "id", "created_at", "updated_at") for row in actions],
                "deliveries": [without(row, "id", "updated_at") for row in deliveries],
            }
            assert all(row["created_at"] and row["updated_at"] for row in actions)
            callbacks = [callback for _savepoints, callback, _robust in connection.run_on_commit[before:]]
            raise Rollback
    except Rollback:
        pass
    for callback in callbacks:
        callback()
    position = {row["id"]: index for index, row in enumerate(deliveries)}
    rows["queued"] = [
        (task, [position[i] for i in args]) if task == "deliver_webhooks" else (task, args) for task, args in queued
    ]
    return result, rows


def without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in keys}


def both_paths(order: WorkOrder, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str], dict, dict]:
    """The order moved by the tick and, from the same start, by the single-order path."""
    changed, by_tick = outcome(order.pk, lambda: scheduler.advance_schedule(now=NOW), monkeypatch)
    reached, one_by_one = outcome(
        order.pk,
        lambda: scheduler.order_advance_schedule(order=WorkOrder.objects.get(pk=order.pk), now=NOW),
        monkeypatch,
    )
    assert set(changed) == set(ScheduleState.values) - {SCHEDULE_FIELD.default}
    assert all(ids in ([], [order.pk]) for ids in changed.values())
    return [state for state, ids in changed.items() if ids], reached, by_tick, one_by_one


def assert_moved(rows: dict[str, Any], states: list[str]) -> None:
    """The rows show the moves to ``states``, as the tick writes them (so the comparison is not of nothings)."""
    assert rows["order"]["schedule_state"] == states[-1]
    assert rows["order"]["updated_at"] == NOW
    history = [
        (r["schedule_state"], r["history_change_reason"], r["history_type"], r["history_date"], r["history_user_id"])
        for r in rows["history"]
    ]
    assert history[-len(states) :] == [(state, f"schedule: {state}", "~", NOW, None) for state in states]
    assert sorted((row["transition"], row["kind"]) for row in rows["actions"]) == sorted(
        (state, kind) for state in states for kind in (ActionKind.NOTIFY, ActionKind.RAISE_PRIORITY)
    )
    assert [(row["transition"], row["occurred_at"]) for row in rows["deliveries"]] == [
        (state, NOW) for state in states for _subscriber in range(2)
    ]
    assert len(rows["queued"]) == 2 * len(states)


TRANSITION_CASES = [
    pytest.param(name, source, kind, id=f"{name}-from-{source}-by-{kind}")
    for name, (sources, _target) in sorted(DECLARED.items())
    for source in sorted(sources, key=SCHEDULE_ORDER.index)
    for kind in ("time", "usage")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "source", "kind"), TRANSITION_CASES)
def test_the_tick_and_the_single_order_path_give_the_same_rows(resource, subscribers, monkeypatch, name, source, kind):
    counter = CounterFactory(resource=resource) if kind == "usage" else None
    if counter is not None:
        force_update(Counter.objects.filter(pk=counter.pk), last_value=COUNTER_VALUE, last_read_at=PAST)
    order = order_at(resource, source, points_for(name, kind), counter=counter)
    target = STEP_BY_NAME[name].target

    by_tick, one_by_one, tick_rows, single_rows = both_paths(order, monkeypatch)

    assert by_tick == one_by_one == [target]
    assert_moved(tick_rows, [target])
    assert single_rows == tick_rows


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["time", "usage"])
def test_an_order_past_every_point_crosses_every_state_the_same_way_on_both_paths(
    resource, subscribers, monkeypatch, kind
):
    counter = CounterFactory(resource=resource) if kind == "usage" else None
    points: dict[str, Any] = {}
    for step in scheduler.SCHEDULE_STEPS:
        if counter is None:
            points[step.time_point] = PAST
        else:
            points[step.usage_point] = COUNTER_VALUE
    if counter is not None:
        force_update(Counter.objects.filter(pk=counter.pk), last_value=COUNTER_VALUE, last_read_at=PAST)
    order = order_at(resource, ScheduleState.BEFORE_EARLY_DUE, points, counter=counter)

    by_tick, one_by_one, tick_rows, single_rows = both_paths(order, monkeypatch)

    every_state = [step.target for step in scheduler.SCHEDULE_STEPS]
    assert by_tick == one_by_one == every_state
    assert_moved(tick_rows, every_state)
    assert single_rows == tick_rows


# --- Forbidden moves -----------------------------------------------------------------------------
FORBIDDEN_CASES = [
    pytest.param(name, state, kind, id=f"{name}-from-{state}-by-{kind}")
    for name, (sources, _target) in sorted(DECLARED.items())
    for state in ScheduleState.values
    if state not in sources
    for kind in ("time", "usage")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "state", "kind"), FORBIDDEN_CASES)
def test_a_transition_from_a_state_not_in_its_sources_is_refused_and_skipped(
    resource, subscribers, monkeypatch, name, state, kind
):
    """Only ``name``'s point is reached, but the order is in a state it does not leave from."""
    step = STEP_BY_NAME[name]
    counter = CounterFactory(resource=resource) if kind == "usage" else None
    if counter is not None:
        force_update(Counter.objects.filter(pk=counter.pk), last_value=COUNTER_VALUE, last_read_at=PAST)
    points = {step.time_point: PAST} if kind == "time" else {step.usage_point: COUNTER_VALUE}
    order = order_at(resource, state, points, counter=counter)
    with pytest.raises(TransitionNotAllowed):
        getattr(order, name)()

    _nothing, unchanged = outcome(order.pk, lambda: None, monkeypatch)
    by_tick, one_by_one, tick_rows, single_rows = both_paths(order, monkeypatch)

    assert by_tick == one_by_one == []
    assert tick_rows == single_rows == unchanged
    assert unchanged["order"]["schedule_state"] == state


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["time", "usage"])
def test_a_closed_order_does_not_move(resource, subscribers, monkeypatch, kind):
    counter = CounterFactory(resource=resource) if kind == "usage" else None
    if counter is not None:
        force_update(Counter.objects.filter(pk=counter.pk), last_value=COUNTER_VALUE, last_read_at=PAST)
    points = {
        (step.time_point if kind == "time" else step.usage_point): PAST if kind == "time" else COUNTER_VALUE
        for step in scheduler.SCHEDULE_STEPS
    }
    order = order_at(resource, ScheduleState.BEFORE_EARLY_DUE, points, counter=counter)
    supervisor = make_role_user("Supervisor", site=resource.area.site, username="owner")
    order = services.order_cancel(order=order, user=supervisor, reason="Not needed")
    for step in scheduler.SCHEDULE_STEPS:
        with pytest.raises(TransitionNotAllowed, match="conditions"):
            getattr(order, step.name)()
    order = WorkOrder.objects.get(pk=order.pk)

    _nothing, unchanged = outcome(order.pk, lambda: None, monkeypatch)
    by_tick, one_by_one, tick_rows, single_rows = both_paths(order, monkeypatch)

    assert by_tick == one_by_one == []
    assert tick_rows == single_rows == unchanged
    assert unchanged["order"]["schedule_state"] == ScheduleState.BEFORE_EARLY_DUE
    assert not any((row["history_change_reason"] or "").startswith("schedule:") for row in unchanged["history"])


# --- Who takes which path ------------------------------------------------------------------------
def refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("this path should not be taken")


@pytest.mark.django_db
def test_a_recorded_reading_moves_its_counters_orders_one_by_one(resource, subscribers, monkeypatch):
    counter = CounterFactory(resource=resource)
    order = order_at(resource, ScheduleState.BEFORE_EARLY_DUE, points_for("reach_due", "usage"), counter=counter)
    technician = make_role_user("Technician", site=resource.area.site, username="tech")
    monkeypatch.setattr(scheduler, "advance_schedule", refuse)
    asset_services.reading_record(counter=counter, value=COUNTER_VALUE, user=technician, taken_at=PAST, now=NOW)
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.DUE
    assert order.history.latest("history_id").history_change_reason == "schedule: due"


@pytest.mark.django_db
def test_bulk_readings_move_their_orders_set_based(resource, subscribers, monkeypatch):
    from orders.readings_bulk import readings_bulk_record

    counter = CounterFactory(resource=resource)
    order = order_at(resource, ScheduleState.BEFORE_EARLY_DUE, points_for("reach_due", "usage"), counter=counter)
    technician = make_role_user("Technician", site=resource.area.site, username="tech")
    monkeypatch.setattr(scheduler, "order_advance_schedule", refuse)
    row = {"counter": counter.pk, "taken_at": PAST.isoformat(), "value": str(COUNTER_VALUE)}
    result = readings_bulk_record(rows=[row], user=technician)
    assert (result.accepted, result.orders_moved) == (1, 1)
    order.refresh_from_db()
    assert order.schedule_state == ScheduleState.DUE
