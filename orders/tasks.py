"""Scheduler tasks: beat runs generate and advance_schedule every minute (tunable in the admin)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from orders import actions, scheduler


@shared_task(name="orders.generate", ignore_result=True)
def generate(instance_ids: list[int] | None = None) -> int:
    """Create the planned work orders that are due to exist."""
    return len(scheduler.generate(instance_ids=instance_ids))


@shared_task(name="orders.advance_schedule", ignore_result=True)
def advance_schedule() -> int:
    """Move open work orders to the schedule states their time or counter reached."""
    return sum(len(ids) for ids in scheduler.advance_schedule().values())


@shared_task(name="orders.run_actions", bind=True, ignore_result=True, max_retries=None)
def run_order_actions(self: Any, order_id: int, transition: str) -> None:
    """Run the queued actions of one order's schedule transition; retry failures with backoff."""
    failing = actions.run_pending(order_id, transition)
    if failing:
        # Exponential backoff: 30 s, 60 s, 120 s ... (attempts are counted per action in the log).
        delay = settings.MAINTENANCE_ACTION_RETRY_BASE_SECONDS * 2 ** min(self.request.retries, 8)
        raise self.retry(countdown=delay)
