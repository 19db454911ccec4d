"""A real Celery worker runs actions; two schedulers racing on PostgreSQL duplicate nothing."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.concurrency import run_together
from core.roles import sync_roles
from mms.celery import app
from orders import scheduler
from orders.models import ActionLog, ActionLogStatus, WorkOrder
from orders.tests.test_scheduler import apply, at, effective
from plans.factories import ActivityActionFactory, ActivityFactory
from plans.models import ActionKind, ScheduleNextMode, ScheduleTransition, TimeUnit


@pytest.fixture
def groups(transactional_db):
    from django.apps import apps

    sync_roles(apps)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_actions_of_a_schedule_transition(groups):
    pump = ResourceFactory(area=AreaFactory(parent=SiteFactory()))
    activity = effective(ActivityFactory(time_interval=30, time_unit=TimeUnit.DAYS, time_early_window=5))
    ActivityActionFactory(
        activity=activity,
        on_transition=ScheduleTransition.TO_EARLY_DUE,
        kind=ActionKind.RAISE_PRIORITY,
        settings={"priority": 4},
    )
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        scheduler.advance_schedule(now=at(2026, 2, 6))  # commits, then queues the job for the worker
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ActionLog.objects.filter(order=order, status=ActionLogStatus.SUCCEEDED).exists():
                break
            time.sleep(0.1)
    order.refresh_from_db()
    assert ActionLog.objects.get(order=order).status == ActionLogStatus.SUCCEEDED
    assert order.priority == 4


@pytest.mark.django_db(transaction=True)
def test_two_generate_runs_racing_create_each_order_once(groups):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL (CI runs it)")
    site = SiteFactory()
    activity = effective(
        ActivityFactory(
            time_interval=7, time_unit=TimeUnit.DAYS, schedule_next_mode=ScheduleNextMode.FIXED, instances_to_schedule=4
        )
    )
    for _ in range(25):
        apply(activity, ResourceFactory(area=AreaFactory(parent=site)))
    results = run_together(*[lambda: len(scheduler.generate(now=at(2026, 1, 10)))] * 2)
    assert not [result for result in results if isinstance(result, Exception)]
    assert sorted(results) == [0, 100]
    assert WorkOrder.objects.count() == 100
    assert WorkOrder.objects.values("number").distinct().count() == 100
