"""The acceptance signatures kept on orders before ``people.Signature`` existed become signatures, with the
order's content hashed the way ``people.signatures`` hashes it (so they verify), and the old columns go."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from people.signature_models import Signature
from people.signatures import verify

# Both of people's 0006 branches: the state before the privacy migrations that follow them.
BEFORE = [("orders", "0015_kpi_indexes"), ("people", "0006_signatures"), ("people", "0006_privacy")]
AFTER = [("orders", "0017_acceptance_signature_columns_dropped")]


@pytest.fixture
def back_to_latest():
    """Every app's newest migration again afterwards: a partial target leaves other branches (people's
    privacy migrations) unapplied, and the tests after this one need the whole schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_acceptance_signatures_become_signatures_that_verify(back_to_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    Employee = old.get_model("people", "Employee")
    Area = old.get_model("assets", "Area")
    Resource = old.get_model("assets", "Resource")
    WorkOrder = old.get_model("orders", "WorkOrder")
    signer = User.objects.create(username="sup", first_name="Sam", last_name="Lee")
    Employee.objects.create(user=signer, code="E1", name="Samuel Lee-Okafor")
    site = Area.objects.create(code="S1", name="Site", kind="site", path="/1/", time_zone="UTC")
    resource = Resource.objects.create(tag="P-1", name="Pump", area=site)
    signed_at = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    order = WorkOrder.objects.create(
        number="WO-1",
        site=site,
        resource=resource,
        title="Inspect",
        execution_state="closed",
        accepted_at=signed_at,
        closed_at=signed_at,
        signed_by=signer,
        signed_at=signed_at,
        signature_meaning="Work verified",
    )
    WorkOrder.objects.create(number="WO-2", site=site, resource=resource, title="Unsigned")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    signature = Signature.objects.get()
    assert (signature.object_id, signature.signer_id, signature.signed_at) == (order.pk, signer.pk, signed_at)
    assert (signature.signer_name, signature.meaning, signature.method) == ("Samuel Lee-Okafor", "accepted", "password")
    assert signature.statement.startswith("Work verified (carried over")
    assert verify(signature)  # hashed as the service hashes the order now
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM orders_workorder WHERE 1 = 0")
        columns = [column[0] for column in cursor.description]
    assert "resource_id" in columns
    assert "signed_by_id" not in columns
