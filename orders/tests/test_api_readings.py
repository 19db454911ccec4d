"""Readings through the API: one at a time, and in bulk (JSON or CSV) with bad rows mixed in."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, CounterFactory, ResourceFactory, SiteFactory
from assets.models import Counter, CounterKind, Reading
from core.api.testing import token_client
from orders.models import WorkOrder
from people.factories import make_role_user
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
    # The reading itself records who, when and how: no creation history row per bulk reading.
    assert set(Reading.objects.filter(counter=hours).values_list("entered_by", flat=True)) == {integrator.pk}
    assert not Reading.history.filter(counter_id=hours.pk).exists()
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


def test_bulk_stores_times_and_values_as_checked(hours, temperature, integrator):
    """What is stored is what the checks saw: times to the microsecond, values rounded to 4 places (half
    even, in Python), and a value that rounds up to 10^14 refused rather than overflowing the column."""
    rows = [
        {"counter": hours.pk, "taken_at": "2026-11-01T05:00:00.123456Z", "value": "1.00005"},
        {"counter": hours.pk, "taken_at": "2026-11-01T06:00:00+00:00", "value": 2},
        {"counter": hours.pk, "taken_at": "2026-11-01T08:00:00+01:00", "value": 2.5},
        {"counter": temperature.pk, "taken_at": "2026-11-01T05:00:00Z", "value": "99999999999999.99999"},
        {"counter": temperature.pk, "taken_at": "2026-11-01T05:00:00Z", "value": "-5.25"},
    ]
    response = token_client(integrator).post(BULK, rows, format="json")
    assert response.json()["accepted"] == 4, response.json()
    assert response.json()["rejected"] == [{"index": 3, "reason": "value: give a number below 10^14 in size."}]
    stored = list(Reading.objects.filter(counter=hours).order_by("taken_at").values_list("taken_at", "value"))
    assert stored == [
        (datetime.datetime(2026, 11, 1, 5, 0, 0, 123456, tzinfo=datetime.UTC), Decimal("1.0000")),
        (datetime.datetime(2026, 11, 1, 6, tzinfo=datetime.UTC), Decimal(2)),
        (datetime.datetime(2026, 11, 1, 7, tzinfo=datetime.UTC), Decimal("2.5")),
    ]
    assert Reading.objects.get(counter=temperature).value == Decimal("-5.25")


# --- Integrity of a reading's counter and user ---------------------------------------------------
# On PostgreSQL the two foreign keys of assets_reading are checked once per statement by triggers
# (assets/migrations/0006_reading_set_based_references.py); SQLite keeps its own foreign keys. Either way:


def _write_and_check(write) -> None:
    with transaction.atomic():
        write()
        connection.check_constraints()  # SQLite checks its deferred foreign keys here; PostgreSQL already did


def _refused(write) -> None:
    with pytest.raises(IntegrityError):
        _write_and_check(write)


def test_a_reading_of_a_counter_or_user_that_does_not_exist_is_refused(hours, integrator):
    _refused(lambda: Reading.objects.create(counter_id=hours.pk + 10**6, taken_at=T0, value=1))
    _refused(lambda: Reading.objects.create(counter=hours, taken_at=T0, value=1, entered_by_id=integrator.pk + 10**6))
    good = [Reading(counter=hours, taken_at=T0 + datetime.timedelta(hours=i), value=i) for i in range(3)]
    bad = Reading(counter_id=hours.pk + 10**6, taken_at=T0, value=1)
    _refused(lambda: Reading.objects.bulk_create([*good, bad]))  # one missing counter among many rows
    reading = Reading.objects.create(counter=hours, taken_at=T0, value=1, entered_by=integrator)
    _refused(lambda: Reading.objects.filter(pk=reading.pk).update(counter_id=hours.pk + 10**6))
    _refused(lambda: Reading.objects.filter(pk=reading.pk).update(entered_by_id=integrator.pk + 10**6))
    assert Reading.objects.get(counter=hours).entered_by == integrator


def test_a_counter_or_user_with_readings_cannot_be_deleted_behind_the_orm(hours, integrator):
    reading = Reading.objects.create(counter=hours, taken_at=T0, value=1, entered_by=integrator)
    for table, pk in ((Counter._meta.db_table, hours.pk), (integrator._meta.db_table, integrator.pk)):

        def delete(table=table, pk=pk) -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])

        _refused(delete)
    assert Reading.objects.filter(pk=reading.pk).exists()


def test_deleting_through_the_orm_clears_or_deletes_the_readings(hours, temperature, integrator):
    """on_delete as declared: the user's readings stay, without their author; the counter's go with it."""
    client = token_client(integrator)
    rows = [{"counter": c.pk, "taken_at": at(1), "value": 1} for c in (hours, temperature)]
    assert client.post(BULK, rows, format="json").json()["accepted"] == 2
    _write_and_check(integrator.delete)
    assert list(Reading.objects.values_list("entered_by", flat=True)) == [None, None]
    _write_and_check(hours.delete)
    assert list(Reading.objects.values_list("counter", flat=True)) == [temperature.pk]


@pytest.mark.django_db(transaction=True)
def test_postgresql_a_counter_being_written_cannot_be_deleted_meanwhile(hours):
    """The insert trigger locks the counters it checks FOR KEY SHARE until the transaction ends, as a foreign
    key check does: a concurrent delete waits (and then fails at its commit) instead of orphaning readings."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time and its own foreign keys")
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            Reading.objects.create(counter=hours, taken_at=T0, value=1)
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
                with pytest.raises(OperationalError, match="lock timeout"):
                    cursor.execute(f"DELETE FROM {Counter._meta.db_table} WHERE id = %s", [hours.pk])
    finally:
        other.close()
    assert Reading.objects.filter(counter=hours).count() == 1


def test_readings_sync_and_author_lookups_use_range_indexes(hours, integrator):
    """updated_at and entered_by have BRIN indexes on PostgreSQL (a B-tree elsewhere); lookups through
    them stay exact: an edited reading shows in ?updated_since=, and a user's readings are found."""
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Reading._meta.db_table)
    kinds = {
        indexes[name]["columns"][0]: indexes[name]["type"] for name in ("reading_updated_at", "reading_entered_by")
    }
    expected = "brin" if connection.vendor == "postgresql" else "idx"
    assert kinds == {"updated_at": expected, "entered_by_id": expected}

    client = token_client(integrator)
    rows = [{"counter": hours.pk, "taken_at": at(hour), "value": hour} for hour in range(1, 200)]
    assert client.post(BULK, rows, format="json").json()["accepted"] == 199
    edited = Reading.objects.get(taken_at=at(7))
    Reading.objects.filter(pk=edited.pk).update(note="checked", updated_at=T0 + datetime.timedelta(days=400))
    since = (T0 + datetime.timedelta(days=300)).isoformat()
    synced = client.get(reverse("api:reading-list"), {"updated_since": since})
    assert synced.status_code == 200, synced.content
    assert [row["id"] for row in synced.json()["results"]] == [edited.pk]
    assert Reading.objects.filter(entered_by=integrator).count() == 199


def test_bulk_readings_record_when_and_by_whom_they_were_stored(hours, integrator):
    """The COPY leaves the note and both times to the database's defaults: the time of the statement."""
    before = timezone.now()
    rows = [{"counter": hours.pk, "taken_at": at(hour), "value": hour} for hour in range(1, 4)]
    assert token_client(integrator).post(BULK, rows, format="json").json()["accepted"] == 3
    after = timezone.now()
    stored = list(Reading.objects.values_list("note", "created_at", "updated_at", "entered_by", "source"))
    assert len(stored) == 3
    for note, created_at, updated_at, entered_by, source in stored:
        assert note == ""
        assert before <= created_at <= after
        assert before <= updated_at <= after
        assert (entered_by, source) == (integrator.pk, "api")
