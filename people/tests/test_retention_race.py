"""Two retention runs at once on PostgreSQL: each old row is changed once, the anonymous employee made once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from core.concurrency import run_together
from core.roles import sync_roles
from orders import records
from orders.models import LabourEntry
from people.models import ConsentPurpose, Employee, LocationTrace
from people.privacy import ANONYMOUS_CODE, Position, apply_retention, location_record, record_consent

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def groups(transactional_db):
    from django.apps import apps

    sync_roles(apps)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_change_each_row_once(groups, settings, order, tech, employee) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL (CI runs it)")
    settings.RETENTION_LOCATION_DAYS = 30
    settings.RETENTION_ANONYMISE_LABOUR_YEARS = 2
    record_consent(employee=employee, purpose=ConsentPurpose.LOCATION, given=True, notice_version="1")
    for days in range(40, 60):
        location_record(
            employee=employee,
            position=Position(Decimal(1), Decimal(2)),
            source="test",
            at=NOW - datetime.timedelta(days=days),
        )
    for _ in range(20):
        records.labour_add(order=order, user=tech, hours="1")
    LabourEntry.objects.update(recorded_at=NOW - datetime.timedelta(days=3 * 365))

    results = run_together(*[lambda: apply_retention(now=NOW)] * 2)
    assert not [result for result in results if isinstance(result, Exception)], results
    assert sum(result["labour_entries_anonymised"] for result in results) == 20  # type: ignore[index]
    assert sum(result["location_traces_deleted"] for result in results) == 20  # type: ignore[index]
    assert Employee.objects.filter(code=ANONYMOUS_CODE).count() == 1
    assert not LabourEntry.objects.filter(employee=employee).exists()
    assert not LocationTrace.objects.exists()
