"""Readings through the API: one at a time, and in bulk (JSON or CSV) with bad rows mixed in."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assets.models import Counter, CounterKind, Reading
from mms.api.testing import token_client
from mms.testing import AreaFactory, CounterFactory, ResourceFactory, SiteFactory, make_role_user
from orders.models import WorkOrder
from plans.factories import OPERATING_HOURS, apply_plan, effective_plan

pytestmark = pytest.mark.django_db
BULK = reverse("api:reading-bulk")
T0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def at(hours: int) -> str:
    return (T0 + datetime.timedelta(hours=hours)).isoformat()


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def pump(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def hours(pump):
    return CounterFactory(resource=pump, name=OPERATING_HOURS, unit="h")


@pytest.fixture
def temperature(pump):
    return CounterFactory(resource=pump, name="Bearing temperature", unit="°C", kind=CounterKind.GAUGE)


@pytest.fixture
def integrator():
    return make_role_user("Integrator", username="scada")


def test_bulk_json_stores_good_rows_and_reports_bad_ones_by_index(hours, temperature, integrator):
    foreign = CounterFactory(resource=ResourceFactory(area=AreaFactory(parent=SiteFactory())))
    rows = [
        {"counter": hours.pk, "taken_at": at(1), "value": "10"},
        {"counter": hours.pk, "taken_at": at(2), "value": "5"},  # 1: backwards
        {"counter": hours.pk, "taken_at": at(3), "value": 20},
        {"counter": 10**12, "taken_at": at(3), "value": 1},  # 3: unknown counter
        {"counter": hours.pk, "taken_at": "yesterday", "value": 1},  # 4: bad time
        {"counter": hours.pk, "taken_at": "2026-11-01T05:00:00", "value": 1},  # 5: no offset
        {"counter": temperature.pk, "taken_at": at(1), "value": "NaN"},  # 6: not a number
        {"counter": temperature.pk, "taken_at": at(1), "value": "-3.5"},
        {"counter": temperature.pk, "taken_at": at(1), "value": "4"},  # 8: same counter and time
        "not an object",  # 9
        {"counter": True, "taken_at": at(1), "value": 1},  # 10: not an id
        {"counter": hours.pk, "timestamp": at(4), "value": "0", "is_reset": True},  # reset, alias
        {"counter": temperature.pk, "taken_at": at(2), "value": "1", "is_reset": True},  # 12: reset a gauge
        {"counter": hours.pk, "value": 1},  # 13: missing time
    ]
    response = token_client(integrator).post(BULK, rows, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 4
    assert [r["index"] for r in body["rejected"]] == [1, 3, 4, 5, 6, 8, 9, 10, 12, 13]
    assert "below the previous reading" in body["rejected"][0]["reason"]
    assert "taken_at" in body["rejected"][-1]["reason"]
    stored = list(Reading.objects.filter(counter=hours).order_by("taken_at").values_list("value", "is_reset", "source"))
    assert stored == [(Decimal(10), False, "api"), (Decimal(20), False, "api"), (Decimal(0), True, "api")]
    assert Reading.history.filter(counter_id=hours.pk).count() == 3  # history rows written too
    hours.refresh_from_db()
    assert hours.last_value == Decimal(0)
    assert hours.last_read_at == T0 + datetime.timedelta(hours=4)
    assert not Reading.objects.filter(counter=foreign).exists()


def test_bulk_refuses_what_already_exists_and_older_cumulative_rows(hours, temperature, integrator):
    client = token_client(integrator)
    client.post(BULK, [{"counter": hours.pk, "taken_at": at(5), "value": 50}], format="json")
    client.post(BULK, [{"counter": temperature.pk, "taken_at": at(5), "value": 50}], format="json")
    response = client.post(
        BULK,
        [
            {"counter": hours.pk, "taken_at": at(4), "value": 40},  # older than latest of a cumulative counter
            {"counter": temperature.pk, "taken_at": at(5), "value": 51},  # exists
            {"counter": temperature.pk, "taken_at": at(3), "value": 30},  # older gauge reading: fine
        ],
        format="json",
    )
    body = response.json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [0, 1]


def test_bulk_csv(hours, integrator):
    csv_body = f"counter,taken_at,value\n{hours.pk},{at(1)},1.5\n{hours.pk},{at(2)},oops\n{hours.pk},{at(3)},3\n"
    response = token_client(integrator).post(BULK, csv_body, content_type="text/csv")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2
    assert response.json()["rejected"] == [{"index": 1, "reason": "value: give a number."}]


def test_bulk_crossing_a_usage_point_creates_the_order_once(pump, hours, integrator):
    plan = effective_plan(activities=[{"usage": True}])
    apply_plan(plan, pump)
    assert not WorkOrder.objects.filter(resource=pump).exists()
    rows = [{"counter": hours.pk, "taken_at": at(i), "value": 100 * i} for i in range(1, 5)]
    response = token_client(integrator).post(BULK, rows, format="json")
    assert response.json()["accepted"] == 4
    assert response.json()["orders_created"] == 1
    assert WorkOrder.objects.filter(resource=pump).count() == 1


def test_bulk_refusals(hours, site, settings):
    technician = make_role_user("Technician", site=site)
    storekeeper = make_role_user("Storekeeper", site=site)
    assert token_client(storekeeper).post(BULK, [], format="json").status_code == 403
    client = token_client(technician)
    assert client.post(BULK, {"counter": hours.pk}, format="json").status_code == 400
    assert client.post(BULK, "{not json", content_type="application/json").status_code == 400
    assert client.post(BULK, "x", content_type="application/xml").status_code == 415
    settings.API_BULK_READINGS_MAX_ROWS = 2
    too_many = [{"counter": hours.pk, "taken_at": at(i), "value": i} for i in range(3)]
    assert client.post(BULK, too_many, format="json").status_code == 400
    assert Counter.objects.get(pk=hours.pk).last_value is None


def test_single_reading_and_list_scoped(hours, site, django_assert_max_num_queries):
    technician = make_role_user("Technician", site=site)
    client = token_client(technician)
    response = client.post(reverse("api:reading-list"), {"counter": hours.pk, "taken_at": at(1), "value": "12.5"})
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "api"
    backwards = client.post(reverse("api:reading-list"), {"counter": hours.pk, "taken_at": at(2), "value": "1"})
    assert backwards.status_code == 409
    foreign = CounterFactory(resource=ResourceFactory(area=AreaFactory(parent=SiteFactory())))
    Reading.objects.create(counter=foreign, taken_at=T0, value=1)
    with django_assert_max_num_queries(7):
        listed = client.get(reverse("api:reading-list"))
    assert [row["counter"] for row in listed.json()["results"]] == [hours.pk]
    refused = client.post(reverse("api:reading-list"), {"counter": foreign.pk, "taken_at": at(1), "value": "1"})
    assert refused.status_code == 400


def test_bulk_json_larger_than_the_upload_memory_limit(hours, integrator, settings):
    """100,000 rows are ~7 MB of JSON: the bulk endpoint reads the stream, bounded by
    API_BULK_READINGS_MAX_BYTES, not Django's DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    rows = [{"counter": hours.pk, "taken_at": at(i), "value": str(i)} for i in range(1, 101)]
    response = token_client(integrator).post(BULK, rows, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["accepted"] == 100
    assert Reading.objects.filter(counter=hours).count() == 100
    broken = token_client(integrator).post(BULK, b'[{"counter": 1, "value": NaN', content_type="application/json")
    assert broken.status_code == 400


def test_bulk_times_with_far_offsets_are_stored_in_utc(hours, integrator):
    """ISO 8601 allows offsets PostgreSQL refuses (-19:43) and times that leave year 9999 once in UTC."""
    rows = [
        {"counter": hours.pk, "taken_at": "2026-11-01T05:00:00-19:43", "value": "1"},
        {"counter": hours.pk, "taken_at": "9999-12-31T23:00:00-05:00", "value": "2"},
    ]
    response = token_client(integrator).post(BULK, rows, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["accepted"] == 1
    assert [r["index"] for r in response.json()["rejected"]] == [1]
    stored = Reading.objects.get(counter=hours)
    assert stored.taken_at == datetime.datetime(2026, 11, 2, 0, 43, tzinfo=datetime.UTC)
