"""The investment screens: who may see and act, scoping by site, filters, exports, the planner's move and
its budget effect, and constant query counts whatever the number of resources."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assets.factories import AreaFactory, ResourceFactory, ResourceTypeFactory, SiteFactory
from inventory.factories import BudgetFactory
from investment.factories import ResourceLifecycleFactory, TypeLifecycleFactory, investment_settings
from investment.models import InvestmentSettings, ResourceLifecycle
from investment.tests.history import corrective
from people.factories import make_role_user

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def installed(area, kind, years_ago: int, **fields):
    """A sound resource of ``kind`` installed ``years_ago`` years before today (same month and day)."""
    today = timezone.localdate()
    day = today.replace(year=today.year - years_ago, day=min(today.day, 28))
    return ResourceFactory(area=area, resource_type=kind, purchase_date=day, installation_date=day, **fields)


@pytest.fixture
def world():
    """Two sites; a 20-year pump type costing 10,000 USD (consequence and likelihood 3); the forecast
    this year and the next 14 at 3 %."""
    investment_settings(base_year=THIS_YEAR, horizon_years=15, inflation_rate=Decimal("3.00"))
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    kind = TypeLifecycleFactory(expected_life_years=20, replacement_cost=Decimal("10000.00")).resource_type
    return {
        "north": north,
        "south": south,
        "north_area": AreaFactory(parent=north),
        "south_area": AreaFactory(parent=south),
        "kind": kind,
    }


def logged_in(client, role, site=None):
    user = make_role_user(role, site=site)
    client.force_login(user)
    return user


SCREENS = [
    ("get", "investment:ranking", False),
    ("get", "investment:matrix", False),
    ("get", "investment:forecast", False),
    ("post", "investment:forecast_settings", False),
    ("get", "investment:resource", True),
    ("post", "investment:replacement_move", True),
]


@pytest.mark.parametrize(("method", "name", "detail"), SCREENS)
def test_a_technician_is_refused_every_screen(client, world, method, name, detail):
    pump = installed(world["north_area"], world["kind"], 5)
    logged_in(client, "Technician", world["north"])
    url = reverse(name, args=[pump.pk] if detail else [])
    assert getattr(client, method)(url).status_code == 403


def test_the_nav_links_investment_for_planners_only(client, world):
    logged_in(client, "Planner", world["north"])
    assert reverse("investment:ranking") in client.get(reverse("home")).content.decode()
    logged_in(client, "Technician", world["north"])
    assert reverse("investment:ranking") not in client.get(reverse("home")).content.decode()


def test_the_ranking_lists_only_the_users_sites_highest_risk_first(client, world):
    worn = installed(world["north_area"], world["kind"], 19)
    for days in (5, 15, 25):
        corrective(worn, timezone.now() - datetime.timedelta(days=days))  # open breakdowns: poor health
    sound = installed(world["north_area"], world["kind"], 1)
    theirs = installed(world["south_area"], world["kind"], 19)
    logged_in(client, "Supervisor", world["north"])

    response = client.get(reverse("investment:ranking"))

    listed = [resource.tag for resource in response.context["resources"]]
    assert listed == [worn.tag, sound.tag]
    assert theirs.tag not in response.content.decode()
    assert client.get(reverse("investment:resource", args=[theirs.pk])).status_code == 404
    ranked = response.context["resources"].page.object_list
    assert ranked[0].risk > ranked[1].risk
    # No move forms for a supervisor.
    assert "move-form" not in client.get(reverse("investment:forecast")).content.decode()


def test_the_ranking_filters_by_site_type_and_risk_and_sorts(client, world):
    other_kind = TypeLifecycleFactory(resource_type=ResourceTypeFactory(), consequence=5, likelihood=5).resource_type
    low = installed(world["north_area"], world["kind"], 1)  # 3 x 3 = 9
    high = installed(world["south_area"], other_kind, 1)  # 5 x 5 = 25
    logged_in(client, "Administrator")
    url = reverse("investment:ranking")

    def tags(**params):
        return [resource.tag for resource in client.get(url, params).context["resources"]]

    assert tags() == [high.tag, low.tag]
    assert tags(sort="tag") == sorted([high.tag, low.tag])
    assert tags(site=world["north"].pk) == [low.tag]
    assert tags(resource_type=other_kind.pk) == [high.tag]
    assert tags(min_risk=10) == [high.tag]
    assert tags(consequence=3, likelihood=3) == [low.tag]
    response = client.get(url, {"min_risk": "lots"})
    assert response.status_code == 200
    assert "min_risk" in response.context["filterset"].form.errors


def test_the_ranking_exports_what_it_shows_as_csv(client, world):
    installed(world["north_area"], world["kind"], 10)
    installed(world["south_area"], world["kind"], 10)
    logged_in(client, "Supervisor", world["north"])

    response = client.get(reverse("investment:ranking"), {"export": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["Tag", "Name", "Site", "Type", "Risk"]
    assert [row[2] for row in rows[1:]] == ["North"]
    # 10 of 20 years: age 50, the rest 100: health (2000 + 6000) / 100 = 80.
    assert rows[1][8] == "80"


def test_the_matrix_counts_each_cell_and_links_to_its_resources(client, world):
    kind = world["kind"]
    installed(world["north_area"], kind, 1)
    installed(world["north_area"], kind, 1)
    special = installed(world["north_area"], kind, 1)
    ResourceLifecycleFactory(resource=special, consequence=5, likelihood=2)
    installed(world["south_area"], kind, 1)  # another site's
    logged_in(client, "Supervisor", world["north"])

    response = client.get(reverse("investment:matrix"))

    cells = {
        (row["consequence"].value, cell["likelihood"].value): cell
        for row in response.context["rows"]
        for cell in row["cells"]
    }
    assert len(cells) == 25
    assert cells[(3, 3)]["count"] == 2
    assert cells[(5, 2)]["count"] == 1
    assert sum(cell["count"] for cell in cells.values()) == response.context["total"] == 3
    assert cells[(5, 2)]["risk"] == 10
    linked = client.get(cells[(5, 2)]["url"])
    assert [resource.tag for resource in linked.context["resources"]] == [special.tag]
    filtered = client.get(reverse("investment:matrix"), {"resource_type": ResourceTypeFactory().pk})
    assert filtered.context["total"] == 0


def test_the_resource_breakdown_shows_each_component(client, world):
    pump = installed(world["north_area"], world["kind"], 10)
    corrective(pump, timezone.now() - datetime.timedelta(days=3))
    logged_in(client, "Supervisor", world["north"])

    response = client.get(reverse("investment:resource", args=[pump.pk]))

    scores = [component["score"] for component in response.context["components"]]
    # age 50; condition 100; breakdowns 100 - 20 x 1/3; open work 75
    assert scores == pytest.approx([50.0, 100.0, 100 - 20 / 3, 75.0])
    page = response.content.decode()
    assert "Open corrective work" in page
    assert "1 open corrective orders" in page
    assert response.context["lifecycle_form"] is None


def test_a_planner_sets_the_resources_own_figures(client, world):
    pump = installed(world["north_area"], world["kind"], 10)
    logged_in(client, "Planner", world["north"])
    url = reverse("investment:resource", args=[pump.pk])
    data = {
        "lifecycle-expected_life_years": "40",
        "lifecycle-replacement_cost": "2500",
        "lifecycle-currency": "eur",
        "lifecycle-consequence": "5",
        "lifecycle-likelihood": "",
    }

    assert client.post(url, data).status_code == 302

    lifecycle = ResourceLifecycle.objects.get(resource=pump)
    assert (lifecycle.expected_life_years, lifecycle.currency, lifecycle.consequence, lifecycle.likelihood) == (
        40,
        "EUR",
        5,
        None,
    )
    wrong = client.post(url, {**data, "lifecycle-expected_life_years": "0"})
    assert wrong.status_code == 400
    assert "expected_life_years" in wrong.context["lifecycle_form"].errors


def test_a_planner_moves_a_replacement_and_sees_the_budget_effect(client, world):
    pump = installed(world["north_area"], world["kind"], 16)  # due in 4 years
    due, earlier = THIS_YEAR + 4, THIS_YEAR + 2
    BudgetFactory(site=world["north"], year=earlier, currency="USD", amount=Decimal("10000.00"))
    logged_in(client, "Planner", world["north"])
    forecast_url = reverse("investment:forecast")
    before = client.get(forecast_url)
    assert before.context["forecast"].line(due, world["north"].pk, "USD").cost == Decimal("11255.09")

    response = client.post(
        reverse("investment:replacement_move", args=[pump.pk]), {"year": earlier, "next": forecast_url}
    )

    assert response.status_code == 302
    assert response.url == forecast_url
    message = str(next(iter(get_messages(response.wsgi_request))))
    # 10,000 x 1.03^2 = 10,609.00 against a budget of 10,000: 609.00 over; the old year has none left.
    assert f"moved from {due} to {earlier}" in message
    assert "10,609.00 of 10,000.00 USD budget (-609.00 left)" in message
    after = client.get(forecast_url).context["forecast"]
    assert after.line(due, world["north"].pk, "USD") is None
    assert after.line(earlier, world["north"].pk, "USD").difference == Decimal("-609.00")

    refused = client.post(reverse("investment:replacement_move", args=[pump.pk]), {"year": THIS_YEAR + 15})
    assert refused.status_code == 302
    assert ResourceLifecycle.objects.get(resource=pump).planned_replacement_year == earlier


def test_a_planner_cannot_move_another_sites_resource(client, world):
    theirs = installed(world["south_area"], world["kind"], 16)
    logged_in(client, "Planner", world["north"])

    response = client.post(reverse("investment:replacement_move", args=[theirs.pk]), {"year": THIS_YEAR + 1})

    assert response.status_code == 404
    assert not ResourceLifecycle.objects.filter(resource=theirs).exists()


def test_the_forecast_shows_no_budget_and_exports_csv_and_xlsx(client, world):
    installed(world["north_area"], world["kind"], 16)
    installed(world["south_area"], world["kind"], 16)
    logged_in(client, "Supervisor", world["north"])
    url = reverse("investment:forecast")

    page = client.get(url)
    assert "no budget" in page.content.decode()
    assert [line.site_name for line in page.context["forecast"].lines] == ["North"]
    assert page.context["charts"][0].series[0].values[4] == pytest.approx(11255.09)

    exported = client.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:4] == [str(THIS_YEAR + 4), "North", "USD", "1"]
    assert rows[1][6:] == ["11255.09", "", "", "no budget"]

    workbook = client.get(url, {"export": "xlsx"})
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    assert [cell.value for cell in sheet[1]][:3] == ["Year", "Site", "Currency"]
    assert sheet["G2"].value == pytest.approx(11255.09)


def test_planners_change_the_forecast_settings_on_the_forecast_screen(client, world):
    logged_in(client, "Planner", world["north"])
    url = reverse("investment:forecast_settings")

    wrong = client.post(url, {"settings-inflation_rate": "2.5", "settings-horizon_years": "30"})
    assert wrong.status_code == 400
    assert "horizon_years" in wrong.context["settings_form"].errors

    response = client.post(
        url, {"settings-inflation_rate": "2.5", "settings-horizon_years": "10", "settings-base_year": ""}
    )
    assert response.status_code == 302
    settings = InvestmentSettings.load()
    assert (settings.inflation_rate, settings.horizon_years, settings.base_year) == (Decimal("2.50"), 10, None)

    logged_in(client, "Supervisor", world["north"])
    assert client.post(url, {"settings-horizon_years": "12"}).status_code == 403
    assert client.get(reverse("investment:forecast")).context["settings_form"] is None


def test_the_resource_page_shows_health_and_risk_to_those_who_may_see_them(client, world):
    pump = installed(world["north_area"], world["kind"], 10)
    logged_in(client, "Supervisor", world["north"])

    page = client.get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert 'id="investment"' in page
    assert reverse("investment:resource", args=[pump.pk]) in page

    logged_in(client, "Technician", world["north"])
    page = client.get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert 'id="investment"' not in page


def _queries(client, url):
    client.get(url)  # warms caches (content types, templates)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["investment:ranking", "investment:forecast", "investment:matrix"])
def test_the_lists_make_the_same_queries_for_3_and_30_resources(client, world, name):
    logged_in(client, "Planner", world["north"])
    url = reverse(name)
    for years_ago in range(3):
        installed(world["north_area"], world["kind"], 15 + years_ago)
    with_three = _queries(client, url)
    for number in range(27):
        pump = installed(world["north_area"], world["kind"], 5 + number % 12)
        corrective(pump, timezone.now() - datetime.timedelta(days=number + 1))
    assert _queries(client, url) == with_three
