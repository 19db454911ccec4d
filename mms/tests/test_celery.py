"""A real Celery worker consumes from the configured broker (Redis in CI) and writes to the database."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from mms.celery import app
from mms.models import Heartbeat
from mms.schedules import PERIODIC_TASKS, ensure_periodic_tasks
from mms.tasks import heartbeat


@pytest.mark.django_db(transaction=True)
def test_worker_runs_heartbeat_task_against_database():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Heartbeat.objects.filter(name="celery").exists():
            time.sleep(0.1)
    beat = Heartbeat.objects.get(name="celery")
    assert beat.count == 1
    assert beat.worker  # the worker's hostname, set from the task request


@pytest.mark.django_db
def test_periodic_tasks_registered_once_and_admin_changes_kept():
    task = PeriodicTask.objects.get(name="System heartbeat")
    assert task.task == "mms.heartbeat"
    assert task.enabled
    task.enabled = False
    task.save()
    assert ensure_periodic_tasks() == 0  # nothing new, and the administrator's change survives
    task.refresh_from_db()
    assert task.enabled is False
    assert PeriodicTask.objects.filter(task__in=[entry["task"] for entry in PERIODIC_TASKS]).count() == len(
        PERIODIC_TASKS
    )


@pytest.mark.django_db
def test_beat_database_scheduler_sees_the_heartbeat():
    scheduler = DatabaseScheduler(app=app, lazy=True)
    schedule = scheduler.all_as_schedule()
    assert "System heartbeat" in schedule
    assert schedule["System heartbeat"].task == "mms.heartbeat"


@pytest.mark.django_db
def test_sync_roles_on_the_live_registry_leaves_it_intact():
    from django.apps import apps
    from django.contrib.auth.models import Group

    from core.roles import ROLES, sync_roles

    before = {config.label: config.models_module for config in apps.get_app_configs()}
    Group.objects.filter(name__in=ROLES).delete()
    sync_roles(apps)
    assert {config.label: config.models_module for config in apps.get_app_configs()} == before
    assert Group.objects.get(name="Technician").permissions.filter(codename="add_reading").exists()
    assert not Group.objects.get(name="Technician").permissions.filter(codename="change_resource").exists()
