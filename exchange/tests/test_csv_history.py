"""The work-order history register in CSV: past closed orders recorded through
``orders.services.order_record_past`` (closed on their day, with their cost and type), found again by
their reference, reported rather than changed when a row disagrees, exported and imported unchanged."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assets.factories import ResourceFactory
from exchange.models import Attribute, ExternalRef
from exchange.tests.csv_support import VALID, counts, export, problems, rows_of, run_import
from inventory.models import CostEntry
from orders.models import ExecutionState, OrderKind, WorkOrder

pytestmark = pytest.mark.django_db

HISTORY = (
    "Order;Date;Asset;Work done;Type;Cost;Currency\n"
    "4711;2009-04-09;EX-A;Replace bucket tooth;PM01;183.05;AUD\n"
    "4712;10/04/2009;EX-A;Jump start;PM01;0;AUD\n"
    "4713;2010-07-27;EX-B;250-hour service;PM02;1200;AUD\n"
)
MAPPING = {
    "columns": {
        "reference": "Order",
        "closed_on": "Date",
        "resource": "Asset",
        "title": "Work done",
        "order_type": "Type",
        "cost": "Cost",
        "currency": "Currency",
    }
}


@pytest.fixture
def excavators(csv_building):
    return [ResourceFactory(tag=tag, area=csv_building) for tag in ("EX-A", "EX-B")]


def test_past_orders_are_recorded_closed_with_their_cost(tmp_path, csv_admin, excavators) -> None:
    report = run_import(tmp_path, csv_admin, HISTORY, "work_orders", **MAPPING)
    assert not report.problems
    assert counts(report, "work_orders", "work order")["created"] == 3
    order = WorkOrder.objects.get(title="Replace bucket tooth")
    assert order.execution_state == ExecutionState.CLOSED
    assert order.kind == OrderKind.CORRECTIVE
    assert order.resource == excavators[0]
    assert order.closed_at.date() == datetime.date(2009, 4, 9)
    assert order.created_at == order.closed_at
    assert order.closed_on_time is None
    assert CostEntry.objects.get(reference=order.number).amount == Decimal("183.05")
    assert not CostEntry.objects.filter(reference=WorkOrder.objects.get(title="Jump start").number).exists()
    assert Attribute.objects.get(object_id=order.pk, name="Order type").value == "PM01"
    assert ExternalRef.objects.get(key="4711").object_id == order.pk
    again = run_import(tmp_path, csv_admin, HISTORY, "work_orders", **MAPPING)
    assert counts(again, "work_orders", "work order") == {"created": 0, "updated": 0, "unchanged": 3}
    assert WorkOrder.objects.count() == 3
    assert CostEntry.objects.count() == 2


def test_export_then_import_is_unchanged(tmp_path, csv_admin, excavators) -> None:
    run_import(tmp_path, csv_admin, HISTORY, "work_orders", **MAPPING)
    text = export(csv_admin, "work_orders")
    rows = rows_of(text)
    assert [(row["Reference"], row["Closed on"], row["Type"], row["Cost"]) for row in rows] == [
        ("4711", "2009-04-09", "PM01", "183.05"),
        ("4712", "2009-04-10", "PM01", ""),
        ("4713", "2010-07-27", "PM02", "1200"),
    ]
    report = run_import(tmp_path, csv_admin, text, "work_orders")
    assert not report.problems
    assert counts(report, "work_orders", "work order")["unchanged"] == 3


def test_history_is_reported_not_changed(tmp_path, csv_admin, excavators) -> None:
    run_import(tmp_path, csv_admin, HISTORY, "work_orders", **MAPPING)
    changed = HISTORY.replace("183.05", "190").replace("EX-B", "EX-Z").replace("2010-07-27", "2099-01-01")
    changed += "4714;2011-01-01;EX-A;Grease;PM01;-5;AUD\n4715;2011-01-02;EX-A;Weld;PM01;10;\n"
    report = run_import(tmp_path, csv_admin, changed, "work_orders", mode=VALID, **MAPPING)
    found = problems(report)
    assert any(row == 2 and "already recorded with other values (the cost)" in m for row, _c, m in found)
    assert (4, "Date") in [(row, column) for row, column, _m in found]  # in the future
    assert (5, "Cost") in [(row, column) for row, column, _m in found]  # a credit is not a cost
    assert (6, "Currency", "Give the currency of the cost (e.g. AUD).") in found
    assert CostEntry.objects.get(
        reference=WorkOrder.objects.get(title="Replace bucket tooth").number
    ).amount == Decimal("183.05")


def test_only_supervisors_record_history(tmp_path, csv_site, excavators, role_user) -> None:
    planner = role_user("Planner", site=csv_site)
    report = run_import(tmp_path, planner, HISTORY, "work_orders", **MAPPING)
    assert report.refused  # the run says so (it is kept, with this reason), and nothing is written
    assert "may not import" in report.problems[0].message
    assert not WorkOrder.objects.exists()
