"""The replacement forecast: which resources reach the end of their life in each year of the horizon, what
replacing them costs then, per site and year, against the site's budget.

**When a resource is replaced** (``investment.health``, ``end_of_life_year``): in the year a planner set
(``ResourceLifecycle.planned_replacement_year``), else at the end of its life: the installation year
(else purchase year) plus the expected life, pulled earlier by poor condition. The years left from now to
that nominal end are multiplied by the condition health / 100 and rounded down (10 years left at condition
health 75 leave 7), so a worn asset comes up sooner and a sound one stays where its age puts it. A
resource whose nominal end has passed is due now: it is shown in the first year of the forecast, counted
as overdue. Without an expected life (its own or its type's) or a service date it cannot be placed, and
the forecast counts it apart.

**What it costs**: the replacement cost at today's prices (the resource's own, else its type's), grown by
the inflation setting for every year after the base year: ``cost x (1 + rate/100) ^ (year - base year)``,
e.g. 10,000 at 3 % four years on: 10,000 x 1.03^4 = 11,255.09.

**Against the budget**: the sums per site, year and currency are compared with the site's budget for that
year in that currency (``inventory.Budget``); a year without one shows "no budget".

All sums are made in SQL (one grouped query over the scoped resources, one over the budgets), whatever
the number of resources; Python only applies the one inflation factor of each year to each sum.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.charts import Chart, Series
from inventory.models import Budget
from investment.health import assessed_resources
from investment.models import InvestmentSettings

CENT = Decimal("0.01")


def inflation_factor(rate_percent: Decimal, years: int) -> Decimal:
    """How much prices grow over ``years`` years at ``rate_percent`` a year: (1 + rate/100) ^ years."""
    return (Decimal(1) + Decimal(rate_percent) / Decimal(100)) ** max(years, 0)


def inflated(cost: Decimal | None, rate_percent: Decimal, years: int) -> Decimal | None:
    """``cost`` at today's prices, ``years`` years on, to the cent."""
    if cost is None:
        return None
    return (cost * inflation_factor(rate_percent, years)).quantize(CENT, rounding=ROUND_HALF_UP)


def in_horizon(resources: QuerySet[Any], years: range) -> QuerySet[Any]:
    """The resources (with ``with_health`` annotations) replaced within ``years``, with ``forecast_year``:
    their replacement year, or the first year when it is already past (overdue)."""
    return (
        resources.filter(replacement_year__isnull=False, replacement_year__lte=years[-1])
        .annotate(forecast_year=Greatest(F("replacement_year"), Value(years[0])))
        .annotate(overdue=Q(replacement_year__lt=years[0]))
    )


@dataclass(frozen=True)
class ForecastLine:
    """Replacements of one site in one year in one currency ("" when their cost is unknown), against the
    site's budget for that year in that currency."""

    year: int
    site_id: int
    site_name: str
    currency: str
    replacements: int
    overdue: int
    cost_today: Decimal | None
    cost: Decimal | None
    budget: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """Budget left after the replacements (negative: over budget); ``None`` without a budget."""
        if self.budget is None or self.cost is None:
            return None
        return self.budget - self.cost

    @property
    def status(self) -> str:
        if not self.currency:
            return "no_cost"
        if self.budget is None:
            return "no_budget"
        return "over_budget" if self.cost is not None and self.cost > self.budget else "within_budget"

    @property
    def status_label(self) -> Any:
        return STATUS_LABELS[self.status]


STATUS_LABELS = {
    "no_cost": _("replacement cost unknown"),
    "no_budget": _("no budget"),
    "over_budget": _("over budget"),
    "within_budget": _("within budget"),
}


@dataclass(frozen=True)
class YearTotal:
    """One year of one currency over every site shown: the replacements and the budgets of the sites that
    have one (``budget`` is ``None`` when none has)."""

    year: int
    currency: str
    replacements: int
    cost: Decimal
    budget: Decimal | None
    sites_without_budget: int

    @property
    def difference(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.cost


@dataclass
class Forecast:
    """The forecast over ``years``: its lines (year, site, currency), and the resources it could not place."""

    years: range
    inflation_rate: Decimal
    lines: list[ForecastLine] = field(default_factory=list)
    unplaced: int = 0
    beyond_horizon: int = 0

    @property
    def first_year(self) -> int:
        return self.years[0]

    @property
    def last_year(self) -> int:
        return self.years[-1]

    @property
    def currencies(self) -> list[str]:
        return sorted({line.currency for line in self.lines if line.currency})

    @property
    def replacements(self) -> int:
        return sum(line.replacements for line in self.lines)

    def line(self, year: int, site_id: int, currency: str) -> ForecastLine | None:
        return next(
            (
                line
                for line in self.lines
                if line.year == year and line.site_id == site_id and line.currency == currency
            ),
            None,
        )

    def totals(self, currency: str) -> list[YearTotal]:
        """One total per year of the horizon, over the sites shown, in ``currency``."""
        result = []
        for year in self.years:
            lines = [line for line in self.lines if line.year == year and line.currency == currency]
            budgets = [line.budget for line in lines if line.budget is not None]
            result.append(
                YearTotal(
                    year=year,
                    currency=currency,
                    replacements=sum(line.replacements for line in lines),
                    cost=sum((line.cost or Decimal(0) for line in lines), Decimal(0)),
                    budget=sum(budgets, Decimal(0)) if budgets else None,
                    sites_without_budget=sum(1 for line in lines if line.budget is None and line.replacements),
                )
            )
        return result

    def by_year(self) -> list[dict[str, Any]]:
        """The lines grouped by year (every year of the horizon, even one without lines), for the table."""
        return [
            {
                "year": year,
                "factor": inflation_factor(self.inflation_rate, year - self.first_year),
                "lines": [line for line in self.lines if line.year == year],
            }
            for year in self.years
        ]

    def chart(self, currency: str, link: Callable[[int], str] | None = None) -> Chart:
        """Replacement cost and budget per year in ``currency``, as chart data (each year's bars link to
        ``link(year)`` when given)."""
        totals = self.totals(currency)
        links = tuple(link(total.year) for total in totals) if link else ()
        return Chart(
            key=f"replacement-forecast-{currency.lower()}",
            title=_("Replacements against budget (%(currency)s)") % {"currency": currency},
            kind="bar",
            categories=tuple(str(total.year) for total in totals),
            series=(
                Series(name=_("Replacement cost"), values=tuple(float(total.cost) for total in totals), links=links),
                Series(
                    name=_("Budget"),
                    values=tuple(None if total.budget is None else float(total.budget) for total in totals),
                ),
            ),
            unit=currency,
            description=_(
                "Per year: the replacement cost of the resources reaching the end of their life (inflated), "
                "and the budgets of the sites shown."
            ),
        )


EXPORT_HEADER = [
    _("Year"),
    _("Site"),
    _("Currency"),
    _("Replacements"),
    _("Of which overdue"),
    _("Cost at today's prices"),
    _("Replacement cost"),
    _("Budget"),
    _("Budget left"),
    _("Status"),
]


def export_rows(forecast: Forecast) -> list[list[Any]]:
    """The forecast's lines as the rows of its CSV and XLSX files (columns: ``EXPORT_HEADER``)."""
    return [
        [
            line.year,
            line.site_name,
            line.currency,
            line.replacements,
            line.overdue,
            line.cost_today,
            line.cost,
            line.budget,
            line.difference,
            line.status_label,
        ]
        for line in forecast.lines
    ]


def replacement_forecast(
    site_ids: list[int] | None,
    *,
    now: datetime.datetime,
    site_id: int | None = None,
    settings: InvestmentSettings | None = None,
) -> Forecast:
    """The forecast of the sites ``site_ids`` (``None``: every site), or of one of them (``site_id``)."""
    settings = settings or InvestmentSettings.load()
    years = settings.forecast_years(timezone.localdate(now))
    rate = settings.inflation_rate
    resources = assessed_resources(site_ids, now=now, components=False)
    budgets = Budget.objects.in_sites(site_ids).filter(year__gte=years[0], year__lte=years[-1])
    if site_id is not None:
        resources = resources.filter(area__site_id=site_id)
        budgets = budgets.filter(site_id=site_id)
    grouped = (
        in_horizon(resources, years)
        .values(
            site=F("area__site_id"),
            site_name=F("area__site__name"),
            year=F("forecast_year"),
            currency=Coalesce("cost_currency", Value("")),
        )
        .annotate(
            replacements=Count("pk"),
            overdue_count=Count("pk", filter=Q(replacement_year__lt=years[0])),
            cost_sum=Sum("replacement_cost_today"),
        )
        .order_by()
    )
    budget_of = {
        (row["site_id"], row["year"], row["currency"]): row
        for row in budgets.values("site_id", "site__name", "year", "currency", "amount")
    }
    lines: dict[tuple[int, int, str], ForecastLine] = {}
    for row in grouped:
        key = (row["site"], row["year"], row["currency"])
        budget = budget_of.get(key)
        lines[key] = ForecastLine(
            year=row["year"],
            site_id=row["site"],
            site_name=row["site_name"],
            currency=row["currency"],
            replacements=row["replacements"],
            overdue=row["overdue_count"],
            cost_today=row["cost_sum"],
            cost=inflated(row["cost_sum"], rate, row["year"] - years[0]),
            budget=budget["amount"] if budget else None,
        )
    for key, budget in budget_of.items():
        if key not in lines:  # a budget and nothing to replace: all of it is left
            lines[key] = ForecastLine(
                year=key[1],
                site_id=key[0],
                site_name=budget["site__name"],
                currency=key[2],
                replacements=0,
                overdue=0,
                cost_today=Decimal(0),
                cost=Decimal(0),
                budget=budget["amount"],
            )
    counts = resources.aggregate(
        unplaced=Count("pk", filter=Q(replacement_year__isnull=True)),
        beyond=Count("pk", filter=Q(replacement_year__gt=years[-1])),
    )
    return Forecast(
        years=years,
        inflation_rate=rate,
        lines=sorted(lines.values(), key=lambda line: (line.year, line.site_name, line.currency)),
        unplaced=counts["unplaced"],
        beyond_horizon=counts["beyond"],
    )
