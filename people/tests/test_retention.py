"""The retention policy: old location traces deleted, old labour moved to the anonymous employee."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from mms.schedules import PERIODIC_TASKS
from orders import records
from orders.models import LabourEntry
from people.models import ConsentPurpose, Employee, LocationTrace
from people.privacy import (
    ANONYMOUS_CODE,
    Position,
    apply_retention,
    location_record,
    record_consent,
    years_before,
)
from people.tasks import apply_retention as retention_task

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def policy(settings):
    settings.RETENTION_LOCATION_DAYS = 30
    settings.RETENTION_ANONYMISE_LABOUR_YEARS = 2
    return settings


def trace(employee, days_ago):
    return location_record(
        employee=employee,
        position=Position(Decimal(1), Decimal(2)),
        source="test",
        at=NOW - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def labour(order, tech):
    """Three entries: recorded 3 years ago (old), 1 year ago (kept) and a running clock started 3 years ago."""
    old = records.labour_add(order=order, user=tech, hours="2.5", note="Replaced the seal")
    kept = records.labour_add(order=order, user=tech, hours="1.25")
    LabourEntry.objects.filter(pk=old.pk).update(recorded_at=NOW - datetime.timedelta(days=3 * 365))
    LabourEntry.objects.filter(pk=kept.pk).update(recorded_at=NOW - datetime.timedelta(days=365))
    running = records.labour_start(order=order, user=tech, now=NOW - datetime.timedelta(days=3 * 365))
    return old, kept, running


def totals():
    return LabourEntry.objects.aggregate(
        hours=Sum("hours"), cost=Sum("cost"), entries=Count("id"), orders=Count("order", distinct=True)
    )


def test_old_traces_go_and_recent_ones_stay(policy, employee) -> None:
    record_consent(employee=employee, purpose=ConsentPurpose.LOCATION, given=True, notice_version="1")
    old, recent = trace(employee, 31), trace(employee, 29)
    assert apply_retention(now=NOW, dry_run=True)["location_traces_deleted"] == 1
    assert LocationTrace.objects.count() == 2  # a dry run changes nothing
    assert apply_retention(now=NOW)["location_traces_deleted"] == 1
    assert list(LocationTrace.objects.all()) == [recent]
    assert not LocationTrace.objects.filter(pk=old.pk).exists()


def test_old_labour_loses_its_person_and_keeps_its_numbers(policy, labour, employee) -> None:
    old, kept, running = labour
    before = totals()
    assert apply_retention(now=NOW, dry_run=True)["labour_entries_anonymised"] == 1
    assert LabourEntry.objects.filter(employee=employee).count() == 3

    counts = apply_retention(now=NOW)
    assert counts["labour_entries_anonymised"] == 1
    anonymous = Employee.objects.get(code=ANONYMOUS_CODE)
    assert anonymous.active is False
    assert not anonymous.sites.exists()
    old.refresh_from_db()
    assert old.employee == anonymous
    assert (old.hours, old.cost, old.hourly_rate) == (Decimal("2.50"), Decimal("100.00"), Decimal("40.00"))
    assert LabourEntry.objects.get(pk=kept.pk).employee == employee
    assert LabourEntry.objects.get(pk=running.pk).employee == employee  # a running clock is current work
    # Its history rows no longer name the person either.
    assert set(LabourEntry.history.filter(id=old.pk).values_list("employee_id", flat=True)) == {anonymous.pk}
    assert counts["labour_history_rows_anonymised"] >= 1
    assert totals() == before


def test_running_twice_changes_nothing_more(policy, labour, employee) -> None:
    trace(employee, 40)  # no consent: nothing was stored
    record_consent(employee=employee, purpose=ConsentPurpose.LOCATION, given=True, notice_version="1")
    trace(employee, 40)
    first = apply_retention(now=NOW)
    second = apply_retention(now=NOW)
    assert (first["location_traces_deleted"], first["labour_entries_anonymised"]) == (1, 1)
    assert second == {"location_traces_deleted": 0, "labour_entries_anonymised": 0, "labour_history_rows_anonymised": 0}
    assert Employee.objects.filter(code=ANONYMOUS_CODE).count() == 1


def test_zero_turns_a_rule_off(settings, labour, employee) -> None:
    settings.RETENTION_LOCATION_DAYS = 0
    settings.RETENTION_ANONYMISE_LABOUR_YEARS = 0
    record_consent(employee=employee, purpose=ConsentPurpose.LOCATION, given=True, notice_version="1")
    trace(employee, 4000)
    assert apply_retention(now=NOW) == {"location_traces_deleted": 0, "labour_entries_anonymised": 0}
    assert LocationTrace.objects.count() == 1
    assert not LabourEntry.objects.filter(employee__code=ANONYMOUS_CODE).exists()


def test_the_command_dry_run_prints_counts_and_changes_nothing(policy, labour, employee) -> None:
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    text = out.getvalue()
    # Against the real clock, the entry recorded three years before NOW is also older than two years.
    assert "Dry run" in text
    assert "labour_entries_anonymised: 1" in text
    assert not Employee.objects.filter(code=ANONYMOUS_CODE).exists()
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "labour_entries_anonymised: 1" in out.getvalue()


def test_the_nightly_task_is_scheduled_and_applies_the_policy(policy, labour) -> None:
    entry = next(entry for entry in PERIODIC_TASKS if entry["task"] == "people.apply_retention")
    assert "crontab" in entry
    assert retention_task.name == "people.apply_retention"
    assert retention_task.apply().get()["labour_entries_anonymised"] == 1


def test_years_before_handles_29_february() -> None:
    assert years_before(datetime.datetime(2028, 2, 29, tzinfo=datetime.UTC), 1) == datetime.datetime(
        2027, 2, 28, tzinfo=datetime.UTC
    )
    assert years_before(timezone.now(), 0).year == timezone.now().year
