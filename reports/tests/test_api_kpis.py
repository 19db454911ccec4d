"""The KPIs through the API: the dashboards' numbers with the same filters, who may read them, JSON
errors for bad filters, never another site's data, and a query count that does not grow with the orders."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.roles import ADMINISTRATOR, INTEGRATOR, PLANNER, REQUESTER, SUPERVISOR, TECHNICIAN
from orders.models import OrderKind, WorkOrder
from orders.services import allocate_order_numbers

pytestmark = pytest.mark.django_db
NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")


@pytest.fixture
def site():
    return SiteFactory(name="North works", time_zone="Africa/Nairobi")


@pytest.fixture
def other_site():
    return SiteFactory(name="South works", time_zone="Europe/Berlin")


def open_orders(site, days: list[datetime.date]) -> list[WorkOrder]:
    resource = ResourceFactory(area=AreaFactory(parent=site))
    numbers = iter(allocate_order_numbers(len(days)))
    return [
        WorkOrder.objects.create(
            number=next(numbers),
            kind=OrderKind.CORRECTIVE,
            site=site,
            resource=resource,
            title="Leak",
            created_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=NAIROBI),
        )
        for day in days
    ]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str) -> str:
    return reverse(f"api:kpi-{name}")


@pytest.mark.parametrize("role", [TECHNICIAN, REQUESTER])
def test_roles_that_do_not_decide_are_refused(role_user, site, role) -> None:
    client = api(role_user(role, site=site))
    for name in ("list", "values", "backlog", "top-resources", "failure-causes"):
        response = client.get(url(name))
        assert response.status_code == 403, name
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("role", [SUPERVISOR, PLANNER, ADMINISTRATOR, INTEGRATOR])
def test_the_deciding_roles_and_integrators_read_them(role_user, site, role) -> None:
    response = api(role_user(role, site=site)).get(url("list"))
    assert response.status_code == 200
    keys = {item["key"] for item in response.json()}
    assert {"mtbf_hours", "mttr_hours", "pm_compliance", "cost_total", "stock_value", "failure_pareto"} <= keys
    assert all(item["definition"] for item in response.json())


def test_values_are_the_dashboards_tiles_with_their_drilldowns(client, role_user, site) -> None:
    open_orders(site, [datetime.date(2025, 1, 10), datetime.date(2025, 3, 5), datetime.date(2025, 3, 20)])
    supervisor = role_user(SUPERVISOR, site=site)
    client.force_login(supervisor)
    response = api(supervisor).get(url("values"), {"site": site.pk, "grain": "month", "date": "2025-03-15"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"]["label"] == "2025-03"
    backlog = next(tile for tile in body["tiles"] if tile["key"] == "backlog_orders")
    # Open at the end of March: the January order and both March ones; at the end of February, one.
    assert (backlog["value"], backlog["previous"], backlog["trend"]) == (3, 1, "up")
    assert "open_at=2025-04-01" in backlog["drilldown"]
    # The drill-down lists exactly the orders counted (the screen, signed in as the same user).
    listed = client.get(backlog["drilldown"].split("testserver")[1])
    assert listed.status_code == 200
    assert listed.content.decode().count('class="order-row') == 3


def test_a_table_of_periods_with_count(role_user, site) -> None:
    open_orders(site, [datetime.date(2025, 1, 10), datetime.date(2025, 3, 5)])
    response = api(role_user(PLANNER, site=site)).get(
        url("values"), {"site": site.pk, "grain": "month", "date": "2025-03-15", "count": 3}
    )
    table = response.json()["table"]
    assert [p["label"] for p in table["periods"]] == ["2025-01", "2025-02", "2025-03"]
    column = [c["key"] for c in table["columns"]].index("backlog_orders")
    assert [row[column] for row in table["rows"]] == [1, 1, 2]


def test_backlog_by_age_and_priority(role_user, site) -> None:
    open_orders(site, [datetime.date(2025, 3, 28), datetime.date(2025, 1, 2)])
    body = api(role_user(SUPERVISOR, site=site)).get(url("backlog"), {"date": "2025-03-15"}).json()
    assert body["orders"] == 2
    by_age = {row["key"]: row["orders"] for row in body["by_age"]}
    # At 1 April: one order 4 days old (0-7 days), one 89 days old (31-90).
    assert by_age["0-7"] == 1
    assert by_age["31-90"] == 1
    assert all(row["drilldown"].startswith("http://testserver/orders/all/?") for row in body["by_age"])


def test_another_sites_id_is_a_400_never_its_data(role_user, site, other_site) -> None:
    open_orders(other_site, [datetime.date(2025, 3, 5)])
    client = api(role_user(SUPERVISOR, site=site))
    response = client.get(url("values"), {"site": other_site.pk})
    assert response.status_code == 400
    assert "site" in response.json()
    other_area = AreaFactory(parent=other_site)
    assert "area" in client.get(url("backlog"), {"area": other_area.pk}).json()
    # Without a site: only the user's own sites count.
    body = client.get(url("backlog"), {"date": "2025-03-15"}).json()
    assert body["orders"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"grain": "fortnight"}, "grain"),
        ({"date": "yesterday"}, "date"),
        ({"count": 99}, "count"),
        ({"criticality": 9}, "criticality"),
        ({"resource_type": 999999}, "resource_type"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(role_user, site, params, field) -> None:
    response = api(role_user(SUPERVISOR, site=site)).get(url("values"), params)
    assert response.status_code == 400
    assert field in response.json()


def test_top_resources_by_downtime_or_cost_and_a_bad_ranking(role_user, site) -> None:
    client = api(role_user(SUPERVISOR, site=site))
    assert client.get(url("top-resources"), {"by": "downtime"}).json()["resources"] == []
    assert client.get(url("top-resources"), {"by": "cost"}).json()["resources"] == {}
    assert "by" in client.get(url("top-resources"), {"by": "weight"}).json()


def test_failure_causes_count_uncoded_breakdowns(role_user, site) -> None:
    from core.testing import force_update
    from orders.models import ExecutionState

    orders = open_orders(site, [datetime.date(2025, 3, 5), datetime.date(2025, 3, 6)])
    closed = datetime.datetime(2025, 3, 10, 12, tzinfo=NAIROBI)
    force_update(
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]),
        execution_state=ExecutionState.CLOSED,
        closed_at=closed,
        completed_at=closed,
    )
    causes = api(role_user(SUPERVISOR, site=site)).get(url("failure-causes"), {"date": "2025-03-15"}).json()["causes"]
    assert [(row["orders"], row["cumulative_share"]) for row in causes] == [(2, 1.0)]


def test_the_query_count_does_not_grow_with_the_orders(role_user, site) -> None:
    client = api(role_user(SUPERVISOR, site=site))
    params = {"site": site.pk, "grain": "month", "date": "2025-03-15", "count": 3}
    client.get(url("values"), params)
    counts = []
    for extra in (3, 27):
        open_orders(site, [datetime.date(2025, 3, 1)] * extra)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("values"), params).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
