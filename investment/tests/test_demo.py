"""The demo's investment planning shows something real under ``make run``: placed replacements, budgets for
the coming years, a year over budget at the clinic, a planned replacement; and a second load adds nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from inventory.models import Budget
from investment.forecast import replacement_forecast
from investment.health import assessed_resources
from investment.models import ResourceLifecycle, TypeLifecycle
from mms.demo import load_demo
from mms.demo.constants import DEMO_TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_forecast_has_replacements_budgets_and_an_overrun():
    load_demo()
    now = timezone.now()

    forecast = replacement_forecast(None, now=now)

    assert TypeLifecycle.objects.count() == 3
    assert forecast.replacements >= 5
    assert any(line.budget is not None and line.replacements for line in forecast.lines)
    assert any(line.status == "over_budget" for line in forecast.lines)
    assert any(line.status == "no_budget" for line in forecast.lines)
    planned = ResourceLifecycle.objects.get(resource__tag="KDC-OC-02")
    assert planned.planned_replacement_year == DEMO_TODAY.year + 1
    assert planned.planned_by.username == "planner"
    risks = {row.tag: row.risk for row in assessed_resources(None, now=now)}
    assert risks["RIV-CHL-01"] >= 15  # chlorine: severe consequence
    assert Budget.objects.filter(year=DEMO_TODAY.year + 5).count() == 3

    assert load_demo()["created"] == 0
