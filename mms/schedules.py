"""Periodic tasks registered in django-celery-beat's tables, where administrators see and tune them.

Entries are created once (get_or_create by name) and never overwritten, so an administrator's change
of interval or enabled flag survives restarts and migrations. Later apps add their timers here.
"""

from __future__ import annotations

from typing import Any

PERIODIC_TASKS: list[dict[str, Any]] = [
    {"name": "System heartbeat", "task": "mms.heartbeat", "every_seconds": 30},
    {"name": "Work orders: generate", "task": "orders.generate", "every_seconds": 60},
    {"name": "Work orders: advance schedule states", "task": "orders.advance_schedule", "every_seconds": 60},
]


def ensure_periodic_tasks() -> int:
    """Create the missing periodic tasks; return how many were created."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    created = 0
    for entry in PERIODIC_TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=entry["every_seconds"], period=IntervalSchedule.SECONDS
        )
        _, was_created = PeriodicTask.objects.get_or_create(
            name=entry["name"], defaults={"task": entry["task"], "interval": interval}
        )
        created += was_created
    return created


def register_periodic_tasks(**kwargs: Any) -> None:
    """post_migrate receiver."""
    ensure_periodic_tasks()
