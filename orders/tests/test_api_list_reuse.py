"""The order list reuses its compiled SQL per shape (ordering, how many sites): every caller still gets
exactly their own sites' orders, in their order, with the serializer's formats."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.api import sqlreuse
from core.api.testing import token_client
from orders.api import WorkOrderSerializer
from orders.factories import planned_order
from orders.models import WorkOrder
from people.factories import make_role_user
from people.models import Employee

pytestmark = pytest.mark.django_db
LIST = "api:workorder-list"
# PostgreSQL hands back every column as the API needs it; SQLite's dates and decimals need converting,
# so there each page is compiled as before.
REUSES = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fresh_cache():
    sqlreuse.forget_compiled()
    yield
    sqlreuse.forget_compiled()


@pytest.fixture
def compiles(monkeypatch):
    """How many times a page's SQL was compiled for reuse."""
    calls = []
    compile_page = sqlreuse.ReusedSQL._compile

    def spy(self, window):
        calls.append(self.shape)
        return compile_page(self, window)

    monkeypatch.setattr(sqlreuse.ReusedSQL, "_compile", spy)
    return calls


def site_with_orders(count):
    site = SiteFactory()
    resource = ResourceFactory(area=AreaFactory(parent=site))
    return site, [planned_order(resource).pk for _ in range(count)]


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_callers_of_one_shape_share_the_sql_and_each_sees_only_their_sites(compiles):
    north, north_ids = site_with_orders(3)
    south, south_ids = site_with_orders(2)
    north_sup = make_role_user("Supervisor", site=north, username="north")
    south_sup = make_role_user("Supervisor", site=south, username="south")

    assert ids(token_client(north_sup).get(reverse(LIST))) == sorted(north_ids, reverse=True)
    assert ids(token_client(south_sup).get(reverse(LIST))) == sorted(south_ids, reverse=True)
    assert ids(token_client(north_sup).get(reverse(LIST))) == sorted(north_ids, reverse=True)
    if REUSES:
        assert compiles == [(1, ())]  # one site each: one shape, compiled once
        assert sqlreuse.compiled_shapes() == 1
    else:
        assert sqlreuse.compiled_shapes() == 0


def test_more_sites_every_site_no_site_and_each_ordering_are_shapes_of_their_own(compiles):
    north, north_ids = site_with_orders(2)
    south, south_ids = site_with_orders(2)
    _west, west_ids = site_with_orders(1)
    one = make_role_user("Supervisor", site=north, username="one")
    both = make_role_user("Supervisor", site=north, username="both")
    Employee.objects.get(user=both).sites.add(south)
    admin = make_role_user("Administrator", username="admin")
    nowhere = make_role_user("Supervisor", username="nowhere")

    assert ids(token_client(one).get(reverse(LIST))) == sorted(north_ids, reverse=True)
    assert ids(token_client(both).get(reverse(LIST))) == sorted(north_ids + south_ids, reverse=True)
    every = sorted(north_ids + south_ids + west_ids, reverse=True)
    assert ids(token_client(admin).get(reverse(LIST))) == every
    assert ids(token_client(admin).get(reverse(LIST), {"ordering": "id"})) == sorted(every)
    assert ids(token_client(admin).get(reverse(LIST), {"page_size": 2})) == every[:2]
    second = token_client(admin).get(reverse(LIST), {"page_size": 2, "page": 2})
    assert ids(second) == every[2:4]
    assert second.json()["next"] is not None
    assert ids(token_client(nowhere).get(reverse(LIST))) == []
    if REUSES:
        assert sorted(compiles, key=str) == sorted(
            [
                (1, ()),
                (2, ()),
                ("every site", ()),
                ("every site", ("id",)),
                ("every site", ()),
                ("every site", ()),
                (0, ()),
            ],
            key=str,
        )
        # A user without sites has no SQL to reuse (the query is known to be empty before it is sent).
        assert sqlreuse.compiled_shapes() == 6


def test_filtered_lists_are_compiled_every_time(compiles):
    site, orders = site_with_orders(2)
    WorkOrder.objects.filter(pk=orders[0]).update(schedule_state="late_due")
    sup = make_role_user("Supervisor", site=site, username="sup")
    client = token_client(sup)
    assert ids(client.get(reverse(LIST), {"schedule_state": "late_due"})) == [orders[0]]
    assert ids(client.get(reverse(LIST), {"schedule_state": "before_early_due"})) == [orders[1]]
    assert compiles == []
    assert sqlreuse.compiled_shapes() == 0


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
def test_list_rows_match_the_serializer_in_the_current_time_zone(zone, settings):
    settings.TIME_ZONE = zone
    site, [pk] = site_with_orders(1)
    WorkOrder.objects.filter(pk=pk).update(
        due_at=datetime.datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=datetime.UTC),
        early_due_at=datetime.datetime(2026, 2, 25, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
    )
    sup = make_role_user("Supervisor", site=site, username="sup")
    with timezone.override(zone):
        [row] = token_client(sup).get(reverse(LIST)).json()["results"]
        expected = json.loads(JSONRenderer().render(WorkOrderSerializer(WorkOrder.objects.get(pk=pk)).data))
    assert row == expected
    suffix = "Z" if zone == "UTC" else "+03:00"
    assert row["due_at"] == ("2026-03-01T12:30:15.250000Z" if zone == "UTC" else "2026-03-01T15:30:15.250000+03:00")
    assert row["early_due_at"].endswith(suffix)
