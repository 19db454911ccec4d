"""Periodic stock and contract jobs (django-celery-beat entries in ``mms.schedules``): each calls a service."""

from __future__ import annotations

from celery import shared_task

from inventory import services


@shared_task(name="inventory.reorder_check", ignore_result=True)
def reorder_check() -> int:
    """Nightly: every part below its reorder point (or lacking for work) has one open purchase request."""
    return services.reorder_check_all()


@shared_task(name="inventory.contracts_notify_expiring", ignore_result=True)
def contracts_notify_expiring() -> int:
    """Daily: tell storekeepers, supervisors and administrators about contracts about to expire."""
    return services.contracts_notify_expiring()
