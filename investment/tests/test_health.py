"""Health, criticality and risk on hand-made resources: every expected number is worked out in the test."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F, Value

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Criticality, EntityStatus, Resource
from investment.factories import ResourceLifecycleFactory, TypeLifecycleFactory
from investment.health import assessed_resources, likelihood_steps, risk_class, with_health, years_before
from investment.tests.history import (
    ACTION_VALUE,
    NOW,
    WARNING_VALUE,
    corrective,
    days_before,
    failed_check,
    finding,
)
from orders.models import ExecutionState

pytestmark = pytest.mark.django_db


@pytest.fixture
def area():
    return AreaFactory(parent=SiteFactory())


@pytest.fixture
def pump_type():
    """20 years of life, consequence 3 and likelihood 3 (the factory's)."""
    return TypeLifecycleFactory(expected_life_years=20).resource_type


def assessed(resource: Resource, now: datetime.datetime = NOW) -> Resource:
    return with_health(Resource.objects.filter(pk=resource.pk), now=now).get()


def test_a_worn_pump_scores_each_component(area, pump_type):
    # Installed 2016-06-01, 20 years of life, assessed on 2026-06-01: 120 completed months = 10 years.
    pump = ResourceFactory(
        area=area,
        resource_type=pump_type,
        purchase_date=datetime.date(2016, 1, 10),
        installation_date=datetime.date(2016, 6, 1),
    )
    # Condition, last 12 months: a warning (-10), an action-needed value (-25), a failed check (-20);
    # a warning 400 days ago and a passed check do not count.
    finding(pump, WARNING_VALUE, days_before(30))
    finding(pump, ACTION_VALUE, days_before(200))
    finding(pump, WARNING_VALUE, days_before(400))
    failed_check(pump, days_before(10))
    failed_check(pump, days_before(10), passed=True)
    # Breakdowns, last 3 years: three corrective orders count (one still open), a rejected request and
    # a breakdown four years ago do not.
    corrective(pump, days_before(100))
    corrective(pump, days_before(300), ExecutionState.CLOSED)
    corrective(pump, days_before(700), ExecutionState.CLOSED)
    corrective(pump, days_before(50), ExecutionState.REJECTED)
    corrective(pump, days_before(4 * 365), ExecutionState.CLOSED)

    row = assessed(pump)

    assert row.age_years == pytest.approx(10.0)
    assert row.age_score == pytest.approx(50.0)  # 100 x (1 - 10/20)
    assert (row.warning_findings, row.action_findings, row.failed_checks) == (1, 1, 1)
    assert row.condition_score == pytest.approx(45.0)  # 100 - 10 - 25 - 20
    assert row.breakdowns == 3
    assert row.breakdown_window_years == pytest.approx(3.0)
    assert row.breakdown_score == pytest.approx(80.0)  # 100 - 20 x (3 / 3 a year)
    assert row.open_corrective == 1
    assert row.open_work_score == pytest.approx(75.0)  # 100 - 25 x 1
    # (40 x 50 + 25 x 45 + 20 x 80 + 15 x 75) / 100 = (2000 + 1125 + 1600 + 1125) / 100 = 58.5
    assert row.health == pytest.approx(58.5)
    # Without age: (1125 + 1600 + 1125) / 60 = 64.17
    assert row.condition_health == pytest.approx(3850 / 60)
    # Likelihood 3 (the type's) + 1 for health below 70 = 4; consequence 3 (the type's): risk 12.
    assert (row.consequence_level, row.likelihood_base, row.likelihood_level, row.risk) == (3, 3, 4, 12)
    assert risk_class(row.risk)[0] == "high"
    # End of life: 2016 + 20 = 2036, 10 years away; 10 x 64.17 / 100 = 6.4 -> 6 years: 2032.
    assert row.nominal_end_year == 2036
    assert row.end_of_life_year == 2032
    assert row.replacement_year == 2032


def test_a_resource_without_life_or_dates_is_judged_on_its_condition_alone(area):
    # No type, no dates, nothing recorded: no age score, the other three are 100, so health is 100.
    meter = ResourceFactory(
        area=area, purchase_date=None, installation_date=None, criticality=Criticality.HIGH, resource_type=None
    )
    corrective(meter, days_before(20))  # one open breakdown: breakdowns 100 - 20 x 1/3, open work 75

    row = assessed(meter)

    assert row.age_score is None
    assert row.breakdown_window_years == pytest.approx(3.0)  # no service date: the full 3 years
    assert row.breakdown_score == pytest.approx(100 - 20 / 3)
    # (25 x 100 + 20 x 93.33 + 15 x 75) / 60 = (2500 + 1866.67 + 1125) / 60 = 91.53
    assert row.health == pytest.approx((2500 + 20 * (100 - 20 / 3) + 1125) / 60)
    assert row.health == pytest.approx(row.condition_health)
    # Consequence from the criticality (high -> 4), likelihood the default 3, health above 70: risk 12.
    assert (row.consequence_level, row.likelihood_level, row.risk) == (4, 3, 12)
    assert row.end_of_life_year is None
    assert row.replacement_cost_today is None
    assert row.cost_currency is None


def test_a_young_resource_counts_breakdowns_over_its_years_in_service(area, pump_type):
    # In service 18 months: three breakdowns over 1.5 years = 2 a year -> 100 - 40 = 60.
    young = ResourceFactory(
        area=area,
        resource_type=pump_type,
        purchase_date=datetime.date(2024, 12, 1),
        installation_date=datetime.date(2024, 12, 1),
    )
    for days in (30, 60, 90):
        corrective(young, days_before(days), ExecutionState.CLOSED)

    row = assessed(young)

    assert row.age_years == pytest.approx(1.5)
    assert row.breakdown_window_years == pytest.approx(1.5)
    assert row.breakdown_score == pytest.approx(60.0)


def test_a_month_counts_only_once_it_is_complete(area, pump_type):
    # Installed on the 2nd: on 2026-06-01 the 120th month is not complete yet, 119 months = 9.92 years.
    pump = ResourceFactory(
        area=area,
        resource_type=pump_type,
        purchase_date=datetime.date(2016, 6, 2),
        installation_date=datetime.date(2016, 6, 2),
    )
    assert assessed(pump).age_months == 119


def test_poor_health_raises_the_likelihood_by_two_steps_and_never_past_five(area):
    kind = TypeLifecycleFactory(expected_life_years=10, likelihood=4, consequence=5).resource_type
    # Installed 12 years ago, 10 years of life: age score 0; four open breakdowns: open work 0,
    # breakdowns 100 - 20 x 4/3 = 73.33; condition 100.
    old = ResourceFactory(
        area=area,
        resource_type=kind,
        purchase_date=datetime.date(2014, 6, 1),
        installation_date=datetime.date(2014, 6, 1),
    )
    for days in (10, 20, 30, 40):
        corrective(old, days_before(days))

    row = assessed(old)

    # (40 x 0 + 25 x 100 + 20 x 73.33 + 15 x 0) / 100 = 39.67: below 40, two steps up, 4 + 2 capped at 5.
    assert row.health == pytest.approx((2500 + 20 * (100 - 80 / 3)) / 100)
    assert row.likelihood_steps == 2
    assert row.likelihood_level == 5
    assert row.risk == 25
    assert risk_class(row.risk)[0] == "extreme"
    # Its life ended in 2024 (2014 + 10): due, whatever its condition.
    assert row.end_of_life_year == 2024


def test_the_resources_own_figures_win_over_the_types(area, pump_type):
    pump = ResourceFactory(
        area=area,
        resource_type=pump_type,
        purchase_date=datetime.date(2016, 6, 1),
        installation_date=datetime.date(2016, 6, 1),
    )
    ResourceLifecycleFactory(
        resource=pump,
        expected_life_years=40,
        replacement_cost="2500.00",
        currency="EUR",
        consequence=5,
        likelihood=1,
        planned_replacement_year=2031,
    )

    row = assessed(pump)

    assert row.life_years == 40
    assert row.age_score == pytest.approx(75.0)  # 100 x (1 - 10/40)
    assert (row.consequence_level, row.likelihood_level, row.risk) == (5, 1, 5)
    assert (row.replacement_cost_today, row.cost_currency) == (2500, "EUR")
    # End of life by age 2056, sound condition: 2026 + 30 x 100/100 = 2056; the planner's 2031 counts.
    assert row.end_of_life_year == 2056
    assert row.replacement_year == 2031


def test_a_resource_cost_without_currency_takes_the_types_currency(area, pump_type):
    pump = ResourceFactory(area=area, resource_type=pump_type)
    ResourceLifecycleFactory(resource=pump, replacement_cost="7000.00", currency="")

    row = assessed(pump)

    assert (row.replacement_cost_today, row.cost_currency) == (7000, "USD")


def test_assessed_resources_are_those_in_service_of_the_sites(area):
    mine = ResourceFactory(area=area)
    ResourceFactory(area=area, status=EntityStatus.RETIRED)
    ResourceFactory(area=AreaFactory(parent=SiteFactory()))

    tags = set(assessed_resources([area.site_id], now=NOW).values_list("tag", flat=True))

    assert tags == {mine.tag}


def test_years_before_keeps_the_moment_and_moves_29_february():
    leap = datetime.datetime(2028, 2, 29, 8, 0, tzinfo=datetime.UTC)
    assert years_before(leap, 3) == datetime.datetime(2025, 2, 28, 8, 0, tzinfo=datetime.UTC)
    assert years_before(NOW, 3) == datetime.datetime(2023, 6, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("health", "steps"),
    # Below 40: two steps; from 40 to below 70: one; 70 and above: none ("below" is strict).
    [(0.0, 2), (39.99, 2), (40.0, 1), (55.5, 1), (69.999, 1), (70.0, 0), (85.0, 0), (100.0, 0)],
)
def test_likelihood_steps_in_sql(health, steps):
    ResourceFactory()
    row = Resource.objects.annotate(h=Value(health), steps=likelihood_steps(F("h"))).values_list("steps", flat=True)
    assert list(row) == [steps]
