"""The replacement forecast on hand-made resources: years, inflation, budgets, planned moves."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.errors import ActionForbidden
from inventory.factories import BudgetFactory
from investment import services
from investment.factories import ResourceLifecycleFactory, TypeLifecycleFactory, investment_settings
from investment.forecast import export_rows, inflated, inflation_factor, replacement_forecast
from investment.models import InvestmentSettings
from investment.tests.history import NOW
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def installed(area, kind, year: int, **fields):
    """A resource of ``kind`` installed on 1 June of ``year`` (sound: nothing recorded against it)."""
    day = datetime.date(year, 6, 1)
    return ResourceFactory(area=area, resource_type=kind, purchase_date=day, installation_date=day, **fields)


@pytest.fixture
def world():
    """Two sites; pumps of a 20-year type costing 10,000 USD; the forecast 2026-2040 at 3 %."""
    investment_settings(base_year=2026, horizon_years=15, inflation_rate=Decimal("3.00"))
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    kind = TypeLifecycleFactory(expected_life_years=20, replacement_cost=Decimal("10000.00")).resource_type
    return {
        "north": north,
        "south": south,
        "north_area": AreaFactory(parent=north),
        "south_area": AreaFactory(parent=south),
        "kind": kind,
    }


def test_inflation_compounds_from_the_base_year():
    # 10,000 x 1.03^4 = 10,000 x 1.12550881 = 11,255.09
    assert inflated(Decimal("10000.00"), Decimal("3"), 4) == Decimal("11255.09")
    assert inflation_factor(Decimal("3"), 0) == 1
    assert inflated(None, Decimal("3"), 4) is None


def test_each_year_sums_its_replacements_per_site_inflated(world):
    # North: two pumps of 2010 (end 2030, four years after 2026), one of 2016 (end 2036).
    installed(world["north_area"], world["kind"], 2010)
    installed(world["north_area"], world["kind"], 2010)
    installed(world["north_area"], world["kind"], 2016)
    # South: one of 2010; one of 2030's purchase lasts beyond 2040; one with no date is not placed.
    installed(world["south_area"], world["kind"], 2010)
    installed(world["south_area"], world["kind"], 2030)
    ResourceFactory(area=world["south_area"], resource_type=world["kind"], purchase_date=None, installation_date=None)

    forecast = replacement_forecast(None, now=NOW)

    assert (forecast.first_year, forecast.last_year) == (2026, 2040)
    north_2030 = forecast.line(2030, world["north"].pk, "USD")
    # 2 x 10,000 at today's prices; x 1.03^4 = 20,000 x 1.12550881 = 22,510.18
    assert (north_2030.replacements, north_2030.cost_today, north_2030.cost) == (2, 20000, Decimal("22510.18"))
    # 10,000 x 1.03^10 = 10,000 x 1.34391638 = 13,439.16
    assert forecast.line(2036, world["north"].pk, "USD").cost == Decimal("13439.16")
    assert forecast.line(2030, world["south"].pk, "USD").cost == Decimal("11255.09")
    assert (forecast.unplaced, forecast.beyond_horizon) == (1, 1)
    totals = {total.year: total for total in forecast.totals("USD")}
    assert totals[2030].replacements == 3
    assert totals[2030].cost == Decimal("33765.27")  # 22,510.18 + 11,255.09
    assert totals[2031].cost == 0


def test_poor_condition_pulls_the_end_of_life_forward(world):
    from investment.tests.history import corrective, days_before

    pump = installed(world["north_area"], world["kind"], 2016)  # by age: 2036
    for days in (10, 20):
        corrective(pump, days_before(days))  # two open breakdowns

    # Condition health: (25 x 100 + 20 x (100 - 20 x 2/3) + 15 x (100 - 50)) / 60
    #   = (2500 + 1733.33 + 750) / 60 = 83.06; 10 years left x 0.8306 = 8.3 -> 8: 2034.
    forecast = replacement_forecast(None, now=NOW)

    assert forecast.line(2034, world["north"].pk, "USD").replacements == 1
    assert forecast.line(2036, world["north"].pk, "USD") is None


def test_a_resource_past_its_life_is_due_in_the_first_year_as_overdue(world):
    installed(world["north_area"], world["kind"], 2001)  # ended 2021

    line = replacement_forecast(None, now=NOW).line(2026, world["north"].pk, "USD")

    assert (line.replacements, line.overdue, line.cost) == (1, 1, Decimal("10000.00"))


def test_the_budget_is_compared_per_site_year_and_currency(world):
    installed(world["north_area"], world["kind"], 2010)  # 2030: 11,255.09
    installed(world["south_area"], world["kind"], 2010)  # 2030: 11,255.09
    BudgetFactory(site=world["north"], year=2030, currency="USD", amount=Decimal("15000.00"))
    BudgetFactory(site=world["south"], year=2030, currency="USD", amount=Decimal("10000.00"))
    BudgetFactory(site=world["south"], year=2030, currency="EUR", amount=Decimal("99999.00"))  # other currency
    BudgetFactory(site=world["north"], year=2032, currency="USD", amount=Decimal("5000.00"))  # nothing due
    BudgetFactory(site=world["north"], year=2041, currency="USD", amount=Decimal("5000.00"))  # past the horizon

    forecast = replacement_forecast(None, now=NOW)

    north = forecast.line(2030, world["north"].pk, "USD")
    assert (north.budget, north.difference, north.status) == (15000, Decimal("3744.91"), "within_budget")
    south = forecast.line(2030, world["south"].pk, "USD")
    assert (south.budget, south.difference, south.status) == (10000, Decimal("-1255.09"), "over_budget")
    idle = forecast.line(2032, world["north"].pk, "USD")
    assert (idle.replacements, idle.cost, idle.difference) == (0, 0, 5000)
    assert forecast.line(2041, world["north"].pk, "USD") is None
    total_2030 = next(total for total in forecast.totals("USD") if total.year == 2030)
    # 15,000 + 10,000 = 25,000 budget against 22,510.18: 2,489.82 left.
    assert (total_2030.budget, total_2030.difference) == (25000, Decimal("2489.82"))
    assert forecast.line(2030, world["south"].pk, "EUR").replacements == 0


def test_a_year_without_budget_says_so(world):
    installed(world["north_area"], world["kind"], 2010)

    line = replacement_forecast(None, now=NOW).line(2030, world["north"].pk, "USD")

    assert (line.budget, line.difference, line.status) == (None, None, "no_budget")
    assert export_rows(replacement_forecast(None, now=NOW))[0][-1] == "no budget"


def test_moving_a_replacement_moves_its_cost_between_years(world):
    planner = make_role_user("Planner", site=world["north"])
    pump = installed(world["north_area"], world["kind"], 2010)  # 2030
    BudgetFactory(site=world["north"], year=2028, currency="USD", amount=Decimal("10000.00"))

    services.replacement_move(resource=pump, year=2028, user=planner)
    forecast = replacement_forecast(None, now=NOW)

    assert forecast.line(2030, world["north"].pk, "USD") is None
    moved = forecast.line(2028, world["north"].pk, "USD")
    # 10,000 x 1.03^2 = 10,609.00 against 10,000: 609.00 over.
    assert (moved.cost, moved.difference) == (Decimal("10609.00"), Decimal("-609.00"))
    lifecycle = pump.lifecycle
    assert (lifecycle.planned_replacement_year, lifecycle.planned_by) == (2028, planner)
    assert lifecycle.history.latest().history_user == planner

    services.replacement_move(resource=pump, year=None, user=planner)  # back to the computed year

    assert replacement_forecast(None, now=NOW).line(2030, world["north"].pk, "USD").replacements == 1


def test_a_move_outside_the_horizon_is_refused(world):
    planner = make_role_user("Planner", site=world["north"])
    pump = installed(world["north_area"], world["kind"], 2010)

    for year in (2025, 2041):
        with pytest.raises(ValidationError) as refused:
            services.replacement_move(resource=pump, year=year, user=planner)
        assert "2026 to 2040" in str(refused.value.message_dict["year"])
    assert not hasattr(pump, "lifecycle") or pump.lifecycle.planned_replacement_year is None


def test_only_planners_of_the_site_move_replacements(world):
    pump = installed(world["north_area"], world["kind"], 2010)
    for user in (make_role_user("Supervisor", site=world["north"]), make_role_user("Planner", site=world["south"])):
        with pytest.raises(ActionForbidden):
            services.replacement_move(resource=pump, year=2030, user=user)


def test_the_forecast_of_some_sites_leaves_the_others_out(world):
    installed(world["north_area"], world["kind"], 2010)
    installed(world["south_area"], world["kind"], 2010)

    forecast = replacement_forecast([world["south"].pk], now=NOW)

    assert {line.site_id for line in forecast.lines} == {world["south"].pk}
    assert replacement_forecast(None, now=NOW, site_id=world["north"].pk).lines[0].site_id == world["north"].pk


def test_a_cost_unknown_line_is_counted_apart(world):
    ResourceLifecycleFactory(
        resource=ResourceFactory(
            area=world["north_area"], purchase_date=None, installation_date=datetime.date(2010, 6, 1)
        ),
        expected_life_years=20,
    )

    line = replacement_forecast(None, now=NOW).line(2030, world["north"].pk, "")

    assert (line.replacements, line.cost, line.status) == (1, None, "no_cost")


def test_settings_default_to_this_year_and_15_years():
    settings = InvestmentSettings.load()

    assert not InvestmentSettings.objects.exists()
    assert (settings.horizon_years, settings.inflation_rate, settings.base_year) == (15, 3, None)
    assert list(settings.forecast_years(datetime.date(2027, 3, 1)))[::14] == [2027, 2041]


def test_settings_update_checks_the_horizon():
    admin = make_role_user("Administrator")
    with pytest.raises(ValidationError) as refused:
        services.settings_update(user=admin, inflation_rate=Decimal(2), horizon_years=25, base_year=None)
    assert "horizon_years" in refused.value.message_dict
    with pytest.raises(ActionForbidden):
        services.settings_update(
            user=make_role_user("Supervisor"), inflation_rate=Decimal(2), horizon_years=12, base_year=None
        )

    saved = services.settings_update(user=admin, inflation_rate=Decimal(2), horizon_years=12, base_year=2030)

    assert (saved.inflation_rate, saved.horizon_years, saved.forecast_years(datetime.date(2026, 1, 1))) == (
        2,
        12,
        range(2030, 2042),
    )
