"""Queueing background jobs by their task name, so a service never imports the module that defines the task.

Services sit below their app's ``tasks.py`` (which imports them); to queue a task they name it, as beat's
schedule does (``orders.run_actions``, ``orders.generate``). The job is sent once the current transaction
commits, so a worker never looks for rows that are not there yet, nor runs for rows rolled back.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Send the task ``task_name`` with these arguments when the current transaction commits (at once
    outside a transaction)."""
    transaction.on_commit(lambda: current_app.send_task(task_name, args=args, kwargs=kwargs))


def enqueue_many_on_commit(task_name: str, calls: list[tuple[Any, ...]]) -> None:
    """Send one task ``task_name`` per argument tuple in ``calls`` when the current transaction commits."""
    if calls:
        transaction.on_commit(lambda: [current_app.send_task(task_name, args=args) for args in calls])
