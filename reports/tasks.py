"""The scheduled monthly report e-mails (a django-celery-beat entry in ``mms.schedules``)."""

from __future__ import annotations

from celery import shared_task

from reports import subscriptions


@shared_task(name="reports.send_monthly_reports", ignore_result=True)
def send_monthly_reports() -> int:
    """Daily: every active subscription gets the month just over in its site's time zone, once."""
    return subscriptions.monthly_reports_send()
