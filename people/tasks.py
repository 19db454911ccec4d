"""Periodic tasks of personal data."""

from __future__ import annotations

from celery import shared_task

from people.privacy import apply_retention as retention_apply


@shared_task(name="people.apply_retention", ignore_result=True)
def apply_retention() -> dict[str, int]:
    """Nightly: the retention policy of the settings (idempotent; two runs at once change each row once)."""
    return retention_apply()
