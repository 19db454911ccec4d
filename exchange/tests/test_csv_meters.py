"""The counter and reading registers in CSV: counters named on their entity, readings through the
reading service (local times of the site, cumulative counters never backwards), re-imports and
exports unchanged."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from assets.factories import ContainerFactory, CounterFactory, ResourceFactory
from assets.models import Counter, CounterKind, Reading, ReadingSource
from exchange.tests.csv_support import VALID, counts, export, problems, rows_of, run_import

pytestmark = pytest.mark.django_db
NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")


@pytest.fixture
def pump(csv_building):
    return ResourceFactory(tag="P-1", area=csv_building)


def test_counters_on_resources_and_containers(tmp_path, csv_admin, pump, csv_building) -> None:
    tank = ContainerFactory(tag="T-1", area=csv_building)
    text = (
        "Resource;Container;Counter;Kind;Unit\n"
        "P-1;;Operating hours;cumulative;h\n"
        ";T-1;Level;gauge;m\n"
        "P-1;;Starts;;starts\n"
    )
    report = run_import(tmp_path, csv_admin, text, "counters")
    assert not report.problems
    assert counts(report, "counters", "counter")["created"] == 3
    assert Counter.objects.get(resource=pump, name="Starts").kind == CounterKind.CUMULATIVE
    assert Counter.objects.get(container=tank).kind == CounterKind.GAUGE
    again = run_import(tmp_path, csv_admin, text, "counters")
    assert counts(again, "counters", "counter") == {"created": 0, "updated": 0, "unchanged": 3}
    exported = export(csv_admin, "counters")
    assert {row["Counter"] for row in rows_of(exported)} == {"Operating hours", "Level", "Starts"}
    assert counts(run_import(tmp_path, csv_admin, exported, "counters"), "counters", "counter")["unchanged"] == 3


def test_counter_rows_name_exactly_one_existing_entity(tmp_path, csv_admin, pump) -> None:
    text = "Resource,Area,Counter,Unit\nP-1,B1,Hours,h\nNOPE,,Hours,h\n,,Hours,h\nP-1,,Hours,\n"
    report = run_import(tmp_path, csv_admin, text, "counters")
    found = problems(report)
    assert any(row == 2 and "exactly one" in message for row, _c, message in found)
    assert (3, "Resource", "No resource has the tag “NOPE”.") in found
    assert any(row == 4 and "exactly one" in message for row, _c, message in found)
    assert (5, "Unit", "A value is needed here.") in found
    assert not Counter.objects.exists()


@pytest.fixture
def hours(pump):
    return CounterFactory(resource=pump, name="Operating hours", unit="h")


def test_readings_in_local_time_through_the_reading_service(tmp_path, csv_admin, pump, hours) -> None:
    text = (
        "Resource,Counter,Taken at,Value,Note\n"
        "P-1,Operating hours,2024-03-01 08:00,100,\n"
        "P-1,Operating hours,02/03/2024 08:00,124.5,after the storm\n"
        "P-1,Operating hours,2024-03-03T08:00:00+00:00,150,\n"
    )
    report = run_import(tmp_path, csv_admin, text, "readings")
    assert not report.problems
    assert counts(report, "readings", "reading")["created"] == 3
    first = Reading.objects.get(counter=hours, value=100)
    assert first.taken_at == datetime.datetime(2024, 3, 1, 8, tzinfo=NAIROBI)  # the site's local time
    assert first.source == ReadingSource.IMPORT
    assert first.entered_by == csv_admin
    hours.refresh_from_db()
    assert hours.last_value == 150  # the service keeps the counter's latest value
    again = run_import(tmp_path, csv_admin, text, "readings")
    assert counts(again, "readings", "reading") == {"created": 0, "updated": 0, "unchanged": 3}
    exported = export(csv_admin, "readings")
    assert rows_of(exported)[0]["Taken at"] == "2024-03-01T08:00:00+03:00"
    assert counts(run_import(tmp_path, csv_admin, exported, "readings"), "readings", "reading")["unchanged"] == 3


def test_reading_problems_are_reported_not_written(tmp_path, csv_admin, pump, hours) -> None:
    Reading.objects.create(counter=hours, value=Decimal(200), taken_at=datetime.datetime(2024, 3, 5, tzinfo=NAIROBI))
    text = (
        "Resource,Counter,Taken at,Value\n"
        "P-1,Operating hours,2024-03-06 00:00,150\n"  # backwards: below the reading before
        "P-1,Operating hours,2024-03-05 00:00,210\n"  # another value at a time already read
        "P-1,Fuel,2024-03-07 00:00,1\n"
        "P-1,Operating hours,yesterday,1\n"
        "P-1,Operating hours,2024-03-08 00:00,250\n"
    )
    report = run_import(tmp_path, csv_admin, text, "readings", mode=VALID)
    found = problems(report)
    assert any(row == 2 and "never goes backwards" in message for row, _c, message in found)
    assert any(row == 3 and column == "Value" and "already has the reading 200" in m for row, column, m in found), found
    assert any(row == 4 and "has no counter “Fuel”" in message for row, _c, message in found)
    assert any(row == 5 and column == "Taken at" for row, column, _m in found)
    assert sorted(Reading.objects.values_list("value", flat=True)) == [200, 250]
