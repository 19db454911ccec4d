"""The investment API: resource health and risk (filters, scoping), the replacement move, the forecast."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from inventory.factories import BudgetFactory
from investment.factories import TypeLifecycleFactory, investment_settings
from investment.models import ResourceLifecycle
from investment.tests.history import corrective
from people.factories import make_role_user

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def installed(area, kind, years_ago: int):
    today = timezone.localdate()
    day = today.replace(year=today.year - years_ago, day=min(today.day, 28))
    return ResourceFactory(area=area, resource_type=kind, purchase_date=day, installation_date=day)


@pytest.fixture
def world():
    investment_settings(base_year=THIS_YEAR, horizon_years=15, inflation_rate=Decimal("3.00"))
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    kind = TypeLifecycleFactory(expected_life_years=20, replacement_cost=Decimal("10000.00")).resource_type
    return {"north": north, "south": south, "north_area": AreaFactory(parent=north), "kind": kind,
            "south_area": AreaFactory(parent=south)}  # fmt: skip


def test_the_list_gives_health_and_risk_of_the_users_sites(world):
    worn = installed(world["north_area"], world["kind"], 16)
    installed(world["south_area"], world["kind"], 16)
    client = token_client(make_role_user("Supervisor", site=world["north"]))

    response = client.get(reverse("api:resourcerisk-list"))

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["tag"] == worn.tag
    # 16 of 20 years: age 20, others 100: health (800 + 6000) / 100 = 68: likelihood 3 + 1, risk 12.
    assert row["health"] == pytest.approx(68.0)
    assert (row["consequence"], row["likelihood_before_health"], row["likelihood"], row["risk"]) == (3, 3, 4, 12)
    assert row["risk_class"] == "high"
    assert row["replacement_year"] == THIS_YEAR + 4
    assert (row["replacement_cost"], row["currency"]) == ("10000.00", "USD")


def test_the_list_filters_by_site_type_and_lowest_risk(world):
    worn = installed(world["north_area"], world["kind"], 16)  # risk 12
    installed(world["north_area"], world["kind"], 1)  # risk 9
    client = token_client(make_role_user("Administrator"))
    url = reverse("api:resourcerisk-list")

    assert [row["tag"] for row in client.get(url, {"min_risk": 10}).json()["results"]] == [worn.tag]
    assert client.get(url, {"site": world["south"].pk}).json()["count"] == 0
    assert client.get(url, {"resource_type": world["kind"].pk}).json()["count"] == 2
    assert [row["tag"] for row in client.get(url, {"ordering": "-health"}).json()["results"]][-1] == worn.tag
    wrong = client.get(url, {"min_risk": "many"})
    assert wrong.status_code == 400
    assert "min_risk" in wrong.json()


def test_another_sites_resource_answers_404_and_a_foreign_site_filter_400(world):
    theirs = installed(world["south_area"], world["kind"], 5)
    client = token_client(make_role_user("Supervisor", site=world["north"]))

    assert client.get(reverse("api:resourcerisk-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("api:resourcerisk-list"), {"site": world["south"].pk}).status_code == 400
    assert client.get(reverse("api:replacementforecast-list"), {"site": world["south"].pk}).status_code == 400


def test_a_planner_moves_a_replacement_through_the_api(world):
    pump = installed(world["north_area"], world["kind"], 16)
    planner = make_role_user("Planner", site=world["north"])
    url = reverse("api:resourcerisk-move-replacement", args=[pump.pk])

    response = token_client(planner).post(url, {"year": THIS_YEAR + 1}, format="json")

    assert response.status_code == 200
    assert (response.json()["planned_year"], response.json()["replacement_year"]) == (THIS_YEAR + 1,) * 2
    assert ResourceLifecycle.objects.get(resource=pump).planned_by == planner

    outside = token_client(planner).post(url, {"year": THIS_YEAR + 15}, format="json")
    assert outside.status_code == 400
    assert "year" in outside.json()
    assert token_client(planner).post(url, {"year": "soon"}, format="json").status_code == 400
    supervisor = token_client(make_role_user("Supervisor", site=world["north"]))
    assert supervisor.post(url, {"year": THIS_YEAR + 2}, format="json").status_code == 403
    assert ResourceLifecycle.objects.get(resource=pump).planned_replacement_year == THIS_YEAR + 1


def test_the_forecast_gives_each_year_and_site_against_the_budget(world):
    installed(world["north_area"], world["kind"], 16)  # due in 4 years: 10,000 x 1.03^4 = 11,255.09
    installed(world["south_area"], world["kind"], 16)
    BudgetFactory(site=world["north"], year=THIS_YEAR + 4, currency="USD", amount=Decimal("12000.00"))
    client = token_client(make_role_user("Supervisor", site=world["north"]))

    body = client.get(reverse("api:replacementforecast-list")).json()

    assert (body["first_year"], body["last_year"]) == (THIS_YEAR, THIS_YEAR + 14)
    (line,) = body["lines"]
    assert (line["year"], line["site_name"], line["replacements"]) == (THIS_YEAR + 4, "North", 1)
    assert (line["cost"], line["budget"], line["difference"], line["status"]) == (
        "11255.09",
        "12000.00",
        "744.91",
        "within_budget",
    )
    assert client.get(reverse("api:replacementforecast-list"), {"year": THIS_YEAR}).json()["lines"] == []
    assert client.get(reverse("api:replacementforecast-list"), {"year": "next"}).status_code == 400


@pytest.mark.parametrize("role", ["Technician", "Requester", "Storekeeper"])
def test_roles_without_investment_planning_are_refused(world, role):
    client = token_client(make_role_user(role, site=world["north"]))
    assert client.get(reverse("api:resourcerisk-list")).status_code == 403
    assert client.get(reverse("api:replacementforecast-list")).status_code == 403


@pytest.mark.parametrize("name", ["api:resourcerisk-list", "api:replacementforecast-list"])
def test_the_endpoints_make_the_same_queries_for_3_and_30_resources(world, name):
    client = token_client(make_role_user("Supervisor", site=world["north"]))
    url = reverse(name)

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for years_ago in range(3):
        installed(world["north_area"], world["kind"], 15 + years_ago)
    with_three = queries()
    for number in range(27):
        pump = installed(world["north_area"], world["kind"], 5 + number % 12)
        corrective(pump, timezone.now() - datetime.timedelta(days=number + 1))
    assert queries() == with_three
