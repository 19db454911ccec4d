"""A large schedule tick split by id into parts moved at once on their own connections (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter as Tally

import pytest
from django.db import connection, transaction

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.concurrency import run_together
from core.roles import sync_roles
from orders import scheduler
from orders.models import ActionLog, ExecutionState, SchedulerRun, ScheduleState, WorkOrder
from orders.tests.test_scheduler import apply, at, effective
from plans.factories import ActivityActionFactory, ActivityFactory
from plans.models import ActionKind, ScheduleTransition, TimeUnit

ALL_STATES = ["early_due", "due", "late_due"]


@pytest.fixture
def split(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the split tick runs on PostgreSQL only (its parts need their own connections); CI runs it")
    from django.apps import apps

    sync_roles(apps)
    settings.SCHEDULER_TICK_WORKERS = 3
    settings.SCHEDULER_SPLIT_MIN_ORDERS = 4
    return settings


@pytest.fixture
def parts(monkeypatch):
    """Records each call of ``_advance``: its id range and the thread it ran in."""
    calls: list[tuple[scheduler.IdRange, str]] = []
    advance = scheduler._advance

    def spy(now, order_ids, id_range=(None, None)):
        calls.append((id_range, threading.current_thread().name))
        return advance(now, order_ids, id_range)

    monkeypatch.setattr(scheduler, "_advance", spy)
    return calls


def orders_on(count: int) -> list[WorkOrder]:
    """``count`` planned orders, due 2026-02-10 (early 02-05, late 02-13), each on its own pump."""
    site = SiteFactory(time_zone="Africa/Nairobi")
    activity = effective(
        ActivityFactory(time_interval=31, time_unit=TimeUnit.DAYS, time_early_window=5, time_late_tolerance=3)
    )
    ActivityActionFactory(
        activity=activity,
        on_transition=ScheduleTransition.TO_LATE_DUE,
        kind=ActionKind.RAISE_PRIORITY,
        settings={"priority": 4},
    )
    for _ in range(count):
        apply(activity, ResourceFactory(area=AreaFactory(parent=site)))
    return sorted(scheduler.generate(now=at(2026, 1, 10)), key=lambda order: order.pk)


def test_a_large_tick_is_split_into_parts_that_together_move_every_order_once(split, parts):
    orders = orders_on(12)
    ids = [order.pk for order in orders]
    closed = orders[5]
    WorkOrder.objects.filter(pk=closed.pk).update(
        execution_state=ExecutionState.CANCELED, closed_at=at(2026, 1, 11), state_reason="Not needed"
    )
    moving = [pk for pk in ids if pk != closed.pk]

    changed = scheduler.advance_schedule(now=at(2026, 3, 1))

    # Three parts, each in its own thread, over disjoint id ranges that together cover every id.
    assert len(parts) == 3
    assert len({thread for _range, thread in parts}) == 3
    assert all(thread != threading.current_thread().name for _range, thread in parts)
    ranges = sorted((low is not None, low or 0, high) for (low, high), _thread in parts)
    assert ranges[0][0] is False
    assert ranges[-1][2] is None
    lows = [low for (low, _high), _thread in parts if low is not None]
    highs = [high for (_low, high), _thread in parts if high is not None]
    assert sorted(lows) == sorted(highs)  # each part starts where another ends
    for (low, high), _thread in parts:
        inside = [pk for pk in moving if (low is None or pk > low) and (high is None or pk <= high)]
        assert 3 <= len(inside) <= 4  # the due orders are shared evenly

    # Every open order moved through all three states once, with one history row per move and its action.
    assert {state: sorted(ids) for state, ids in changed.items()} == dict.fromkeys(ALL_STATES, moving)
    assert set(WorkOrder.objects.filter(pk__in=moving).values_list("schedule_state", flat=True)) == {
        ScheduleState.LATE_DUE
    }
    closed.refresh_from_db()
    assert closed.schedule_state == ScheduleState.BEFORE_EARLY_DUE
    reasons = Tally(
        WorkOrder.history.filter(history_change_reason__startswith="schedule: ").values_list("id", flat=True)
    )
    assert reasons == dict.fromkeys(moving, 3)
    assert sorted(ActionLog.objects.values_list("order_id", flat=True)) == moving
    assert SchedulerRun.objects.get(name="advance_schedule").last_count == 3 * len(moving)

    # Nothing is left for the next tick.
    assert scheduler.advance_schedule(now=at(2026, 3, 1)) == {state: [] for state in ALL_STATES}


def test_a_tick_below_the_threshold_is_one_transaction(split, parts):
    orders_on(3)
    changed = scheduler.advance_schedule(now=at(2026, 2, 6))
    assert len(changed["early_due"]) == 3
    assert parts == [((None, None), threading.current_thread().name)]


def test_a_tick_inside_a_transaction_or_for_given_orders_is_not_split(split, parts):
    orders = orders_on(6)
    with transaction.atomic():
        changed = scheduler.advance_schedule(now=at(2026, 2, 6))
    assert len(changed["early_due"]) == 6
    changed = scheduler.advance_schedule(now=at(2026, 2, 11), order_ids=[order.pk for order in orders])
    assert len(changed["due"]) == 6
    assert [id_range for id_range, _thread in parts] == [(None, None), (None, None)]
    assert {thread for _range, thread in parts} == {threading.current_thread().name}


def test_a_failing_part_leaves_the_others_moved_and_the_next_tick_moves_the_rest(split, monkeypatch):
    orders = orders_on(9)
    advance = scheduler._advance
    failed: list[scheduler.IdRange] = []

    def flaky(now, order_ids, id_range=(None, None)):
        if id_range[0] is None and not failed:  # the first part, once
            failed.append(id_range)
            advance(now, order_ids, id_range)  # its moves are made, then rolled back
            raise RuntimeError("connection lost")
        return advance(now, order_ids, id_range)

    monkeypatch.setattr(scheduler, "_advance", flaky)
    with pytest.raises(RuntimeError, match="connection lost"):
        scheduler.advance_schedule(now=at(2026, 2, 6))

    [(_low, high)] = failed
    assert high is not None
    states = dict(WorkOrder.objects.values_list("id", "schedule_state"))
    kept = [order.pk for order in orders if order.pk <= high]
    moved = [order.pk for order in orders if order.pk > high]
    assert kept
    assert moved
    assert {states[pk] for pk in kept} == {ScheduleState.BEFORE_EARLY_DUE}
    assert {states[pk] for pk in moved} == {ScheduleState.EARLY_DUE}
    history = set(WorkOrder.history.filter(history_change_reason="schedule: early_due").values_list("id", flat=True))
    assert history == set(moved)  # the failed part wrote no history either
    assert not SchedulerRun.objects.filter(name="advance_schedule").exists()  # the run was not recorded

    changed = scheduler.advance_schedule(now=at(2026, 2, 6))
    assert sorted(changed["early_due"]) == kept
    assert SchedulerRun.objects.get(name="advance_schedule").last_count == len(kept)


def test_two_split_ticks_at_once_move_each_order_once(split):
    """The second tick waits for the first one's job lock, then finds nothing left to move."""
    orders_on(8)
    results = run_together(*[lambda: scheduler.advance_schedule(now=at(2026, 3, 1))] * 2)
    assert not [result for result in results if isinstance(result, Exception)]
    moved = sorted(len(changed["late_due"]) for changed in results)
    assert moved == [0, 8]
    reasons = Tally(
        WorkOrder.history.filter(history_change_reason__startswith="schedule: ").values_list("id", flat=True)
    )
    assert sorted(reasons.values()) == [3] * 8
    assert ActionLog.objects.count() == 8
