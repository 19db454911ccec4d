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
    # Nightly, in the server's time zone (crontab entries instead of intervals).
    {"name": "Backups: nightly archive", "task": "mms.backup", "crontab": {"hour": "1", "minute": "30"}},
    {
        "name": "Personal data: retention policy",
        "task": "people.apply_retention",
        "crontab": {"hour": "2", "minute": "45"},
    },
    {"name": "Stores: reorder check", "task": "inventory.reorder_check", "crontab": {"hour": "2", "minute": "15"}},
    {
        "name": "Contracts: expiry notices",
        "task": "inventory.contracts_notify_expiring",
        "crontab": {"hour": "6", "minute": "30"},
    },
    # Daily rather than on the 1st: a month is sent on the first run after it has ended in the site's
    # time zone (west of the server it ends hours later), once per subscription, and a missed day catches up.
    {
        "name": "Reports: monthly maintenance report e-mails",
        "task": "reports.send_monthly_reports",
        "crontab": {"hour": "6", "minute": "0"},
    },
]


def ensure_periodic_tasks() -> int:
    """Create the missing periodic tasks; return how many were created."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = 0
    for entry in PERIODIC_TASKS:
        schedule: dict[str, Any]
        if "crontab" in entry:
            crontab, _ = CrontabSchedule.objects.get_or_create(**entry["crontab"], timezone=settings.TIME_ZONE)
            schedule = {"crontab": crontab}
        else:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=entry["every_seconds"], period=IntervalSchedule.SECONDS
            )
            schedule = {"interval": interval}
        _, was_created = PeriodicTask.objects.get_or_create(
            name=entry["name"], defaults={"task": entry["task"], **schedule}
        )
        created += was_created
    return created


def register_periodic_tasks(**kwargs: Any) -> None:
    """post_migrate receiver."""
    ensure_periodic_tasks()
