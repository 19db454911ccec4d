"""What work orders hold about people, declared to ``people.privacy`` (registered in ``OrdersConfig.ready``).

Free text where a person's name may be written (anonymisation rewrites it, history included); the orders
a person worked on or was assigned to (their export lists them, not only their own labour rows); and
the labour step of the retention policy.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from orders.models import ChecklistAnswer, Comment, DowntimePeriod, LabourEntry, WorkOrder
from people.models import Employee
from people.privacy import ANONYMOUS_CODE, PersonalData, Retention, anonymous_employee


def free_text() -> list[tuple[type[models.Model], tuple[str, ...]]]:
    return [
        (WorkOrder, ("title", "description", "state_reason")),
        (Comment, ("text",)),
        (LabourEntry, ("note",)),
        (ChecklistAnswer, ("text", "note")),
        (DowntimePeriod, ("reason", "close_note")),
    ]


def related(employee: Employee, user: Any) -> dict[type[models.Model], Q]:
    """Orders the person was assigned to or recorded labour on (requested or signed: found by their key)."""
    return {WorkOrder: Q(assignments__employee=employee) | Q(labour__employee=employee)}


def labour_retention(retention: Retention) -> dict[str, int]:
    """Labour entries recorded before the cut-off are moved to the anonymous employee, their history rows
    too: hours, rate, cost and order stay, so the KPIs do not move. Running clocks are left alone (one
    running clock per employee is a constraint, and a running clock is current work)."""
    if retention.labour_before is None:
        return {"labour_entries_anonymised": 0}
    old = LabourEntry.objects.filter(recorded_at__lt=retention.labour_before).filter(
        Q(hours__isnull=False) | Q(stopped_at__isnull=False)
    )
    if retention.dry_run:
        return {"labour_entries_anonymised": old.exclude(employee__code=ANONYMOUS_CODE).count()}
    anonymous = anonymous_employee()
    # One UPDATE each; the condition excludes what is done, so a second run (or one at the same time,
    # which waits for this one's row locks) changes nothing.
    moved = old.exclude(employee=anonymous).update(employee=anonymous)
    history = LabourEntry.history.model
    rewritten = (
        history.objects.filter(id__in=LabourEntry.objects.filter(employee=anonymous).values("id"))
        .exclude(employee_id=anonymous.pk)
        .update(employee_id=anonymous.pk)
    )
    return {"labour_entries_anonymised": moved, "labour_history_rows_anonymised": rewritten}


PERSONAL_DATA = PersonalData(app="orders", free_text=free_text, related=related, retention=labour_retention)
