"""The consent flag employees had becomes their first consent record, and back."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("people", "0006_privacy")]
AFTER = [("people", "0008_employee_consent_flag_removed")]
AT = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_flag_becomes_a_record_and_back() -> None:
    old = migrate(BEFORE)
    try:
        Employee = old.get_model("people", "Employee")
        consenting = Employee.objects.create(
            code="E1", name="Amina", location_tracking_consent=True, location_tracking_consent_at=AT
        )
        Employee.objects.create(code="E2", name="Juma")

        new = migrate(AFTER)
        records = list(
            new.get_model("people", "ConsentRecord").objects.values_list("employee_id", "purpose", "given", "at")
        )
        assert records == [(consenting.pk, "location", True, AT)]

        old = migrate(BEFORE)
        Employee = old.get_model("people", "Employee")
        assert list(Employee.objects.filter(location_tracking_consent=True).values_list("code", flat=True)) == ["E1"]
        assert Employee.objects.get(code="E1").location_tracking_consent_at == AT
        assert not old.get_model("people", "ConsentRecord").objects.exists()
        new = migrate(AFTER)
        assert new.get_model("people", "ConsentRecord").objects.count() == 1
    finally:
        latest()


def latest() -> None:
    """Back to every app's newest migration (a partial target leaves other branches unapplied, and the
    tests after this one need the whole schema)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
