"""Real public registers (``../shared/data/workorders``) through saved column mappings, as a user
would import them: a water utility's trunk-main register as resources (fixed values for what it lacks,
its other columns kept as attributes, its dirty install years reported by row and column), and a mining
fleet's excavator work-order history (the excavators as resources, then the orders as history)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Sum

from assets.factories import AreaFactory, SiteFactory
from assets.models import Resource
from exchange.csvio.mappings import column_mapping_create
from exchange.models import Attribute
from exchange.tests.csv_support import VALID, counts, problems, run_import
from inventory.models import CostEntry
from orders.models import ExecutionState, WorkOrder

pytestmark = pytest.mark.django_db


def test_the_trunk_main_register_as_resources(tmp_path, shared_data, csv_admin) -> None:
    path = shared_data / "workorders" / "REDACTED_CPRA_TrunkLine.csv"
    AreaFactory(code="TRUNK", name="Trunk mains", parent=SiteFactory(code="LA", time_zone="America/Los_Angeles"))
    mapping = column_mapping_create(
        user=csv_admin,
        target="resources",
        name="LA trunk mains",
        columns={"installation_date": "PIPE_PLR_Y"},
        defaults={"tag": "TL-{row}", "name": "{USE_TYPE} main, {PIPE_MATER} {PIPE_DIAME} in", "area": "TRUNK"},
    )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    dirty = {number for number, row in enumerate(rows, start=2) if row["PIPE_PLR_Y"] in ("0", "1650")}
    assert len(dirty) == 215  # install years 0 and 1650 in the real file

    report = run_import(tmp_path, csv_admin, path, "resources", mode=VALID, mapping=mapping.pk)
    assert report.written
    assert report.rows == {"resources": 13561}
    assert {row for row, _column, _message in problems(report)} == dirty
    assert {column for _row, column, _message in problems(report)} == {"PIPE_PLR_Y"}
    assert counts(report, "resources", "resource")["created"] == 13561 - 215
    first = Resource.objects.get(tag="TL-2")
    assert first.name == "TRUNK main, STL 99 in"
    assert first.installation_date.year == 2004
    kept = dict(
        Attribute.objects.filter(object_id=first.pk, content_type__model="resource").values_list("name", "value")
    )
    assert kept["PIPE_MATER"] == "STL"
    assert kept["LoF_G"] == "B"
    assert kept["LAST_UPDAT"] == "12/30/1899 0:00:00"
    assert "OWNER" not in kept  # a blank cell (" ") is no value

    again = run_import(tmp_path, csv_admin, path, "resources", mode=VALID, mapping=mapping.pk)
    assert counts(again, "resources", "resource") == {"created": 0, "updated": 0, "unchanged": 13561 - 215}


def test_a_far_future_install_year_is_a_problem_of_its_row(tmp_path, shared_data, csv_admin) -> None:
    lines = (shared_data / "workorders" / "REDACTED_CPRA_TrunkLine.csv").read_text(encoding="utf-8").splitlines()
    header, sample = lines[0], lines[1:6]
    sample[2] = sample[2].replace(",2004,", ",2904,")
    AreaFactory(code="TRUNK", parent=SiteFactory(code="LA"))
    options = {
        "columns": {"installation_date": "PIPE_PLR_Y"},
        "defaults": {"tag": "TL-{row}", "name": "{USE_TYPE} main", "area": "TRUNK"},
    }
    report = run_import(tmp_path, csv_admin, "\n".join([header, *sample]) + "\n", "resources", **options)
    assert [(row, column) for row, column, _message in problems(report)] == [(4, "PIPE_PLR_Y")]
    assert not report.written
    assert not Resource.objects.exists()


def test_the_excavator_history_assets_then_orders(tmp_path, shared_data, csv_admin) -> None:
    path = shared_data / "workorders" / "excavators.csv"
    AreaFactory(code="PIT", name="Open pit", parent=SiteFactory(code="MINE", time_zone="Australia/Perth"))
    assets = column_mapping_create(
        user=csv_admin,
        target="resources",
        name="Excavators from the work-order history",
        columns={"tag": "Asset"},
        defaults={"name": "Excavator {Asset}", "area": "PIT"},
    )
    report = run_import(tmp_path, csv_admin, path, "resources", mapping=assets.pk)
    assert not report.problems
    assert sorted(Resource.objects.values_list("tag", flat=True)) == ["A", "B", "C", "D", "E"]
    assert not Attribute.objects.exists()  # the order columns differ from row to row: not the assets'
    assert any("5480 rows repeat" in note for note in report.notes)

    history = column_mapping_create(
        user=csv_admin,
        target="work_orders",
        name="Excavator work orders",
        columns={
            "closed_on": "BscStartDate",
            "resource": "Asset",
            "title": "OriginalShorttext",
            "order_type": "PMType",
            "cost": "Cost",
        },
        defaults={"reference": "EXC-{row}", "currency": "AUD"},
    )
    report = run_import(tmp_path, csv_admin, path, "work_orders", mode=VALID, mapping=history.pk)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    credits = {n for n, row in enumerate(rows, start=2) if row["Cost"].startswith("-")}
    assert len(credits) == 6
    # Negative costs (credits) and the row whose description holds an unquoted comma ("won,t swing").
    assert {(row, column) for row, column, _m in problems(report)} == {(n, "Cost") for n in credits} | {(3454, "Cost")}
    assert counts(report, "work_orders", "work order")["created"] == 5485 - 7
    assert WorkOrder.objects.exclude(execution_state=ExecutionState.CLOSED).count() == 0
    assert CostEntry.objects.aggregate(total=Sum("amount"))["total"] == Decimal("17507094.50")
    first = WorkOrder.objects.get(title="BUCKET WON'T OPEN")
    assert first.resource.tag == "A"
    assert first.closed_at.date().isoformat() == "2004-07-01"
    again = run_import(tmp_path, csv_admin, path, "work_orders", mode=VALID, mapping=history.pk)
    assert counts(again, "work_orders", "work order") == {"created": 0, "updated": 0, "unchanged": 5485 - 7}
