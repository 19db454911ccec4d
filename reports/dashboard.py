"""What a dashboard shows: its KPI tiles and its charts, over a scope and a period.

The screens (``reports.views``) and the monthly PDF report both call ``dashboard_tiles`` and
``dashboard_charts``, so a number on screen and in the PDF is the same number. Every figure comes from
the KPI modules (``reports.kpis.*``), which compute in SQL; nothing here loops over orders. The number
of queries is fixed: a few per KPI family and time zone, whatever the history holds, and the series over
twelve periods are one grouped call each, never one call per period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.charts import Chart, Series
from reports.kpis import costs, failures, orders, people, stock
from reports.kpis.common import GRAINS, KpiDefinition, Period, Scope, periods_ending

# The charts over time show this many periods of the chosen grain, the chosen one last.
SERIES_PERIODS = 12
TOP = 10
BACKLOG_KEYS = ("backlog_orders", "overdue_orders")
PM_COMPLIANCE_KEY = "pm_compliance"


def as_number(value: Any) -> float | None:
    """A KPI value as a float for drawing and comparing (KPIs come as int, Decimal, float or None)."""
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    raise TypeError(f"not a KPI value: {value!r}")


@dataclass(frozen=True)
class ZoneCachedScope(Scope):
    """A ``Scope`` that reads its sites' time zones once. Every KPI call and every drill-down link of a
    backlog asks ``zone_groups()``; a dashboard makes dozens of them over the same scope, so without this
    each would cost the same query again."""

    @cached_property
    def _zone_rows(self) -> list[tuple[int, str]]:
        return Scope._site_zone_rows(self)

    def _site_zone_rows(self) -> list[tuple[int, str]]:
        return self._zone_rows


def zone_cached(scope: Scope) -> Scope:
    """``scope`` as a ``ZoneCachedScope`` (the same filters); one already cached is returned as it is."""
    if isinstance(scope, ZoneCachedScope):
        return scope
    return ZoneCachedScope(**{f.name: getattr(scope, f.name) for f in fields(Scope)})


@dataclass(frozen=True)
class Tile:
    """One KPI on a dashboard: its value in the period, the previous period's, and where it drills down to."""

    definition: KpiDefinition
    value: float | None
    previous: float | None
    link: str = ""
    family: Any = ""  # the heading the tile is shown under (work orders, cost, people, stock)

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str:
        """``up``, ``down``, ``same`` or ``""`` (nothing to compare with)."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def trend_quality(self) -> str:
        """``good``, ``bad`` or ``neutral``: whether the trend goes the way ``KpiDefinition.better`` wants."""
        better = self.definition.better
        if self.trend in ("", "same") or better == "neither":
            return "neutral"
        return "good" if (self.trend == "up") == (better == "higher") else "bad"


def family_tiles(
    definitions: Mapping[str, KpiDefinition],
    now: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    link: Callable[[str], str],
    family: Any,
) -> list[Tile]:
    """The tiles of one KPI family, in the order of its definitions. Money is kept per currency and never
    added across currencies, so a money KPI (``{currency: amount}``) gets one tile per currency; a KPI
    the family has no value for in this scope (``None``: the budget of a scope narrower than sites) gets none.
    ``before`` is ``None`` for a family that has no previous period (stock is as it stands now)."""
    tiles = []
    for key, definition in definitions.items():
        if key not in now:
            continue
        value, previous = now[key], (before or {}).get(key)
        if isinstance(value, Mapping):
            for currency, amount in value.items():
                named = replace(definition, key=f"{key}-{currency}", label=f"{definition.label} ({currency})")
                earlier = previous.get(currency) if isinstance(previous, Mapping) else None
                tiles.append(Tile(named, as_number(amount), as_number(earlier), link(key), family))
        elif value is not None or definition.unit != "money":
            tiles.append(Tile(definition, as_number(value), as_number(previous), link(key), family))
    return tiles


def dashboard_tiles(scope: Scope, period: Period) -> list[Tile]:
    """The KPI tiles: work orders, cost and people with the previous period to compare, stock as it
    stands now. Each family is one or two calls with a fixed number of queries."""
    scope = zone_cached(scope)
    previous = period.previous()
    return [
        *family_tiles(
            orders.ORDER_KPIS,
            orders.order_kpis(scope, period),
            orders.order_kpis(scope, previous),
            lambda key: orders.drilldown(key, scope, period),
            _("Work orders"),
        ),
        *family_tiles(
            costs.COST_KPIS,
            costs.cost_kpis(scope, period),
            costs.cost_kpis(scope, previous),
            lambda key: costs.drilldown(key, scope, period),
            _("Cost"),
        ),
        *family_tiles(
            people.PEOPLE_KPIS,
            people.people_kpis(scope, period),
            people.people_kpis(scope, previous),
            lambda key: people.drilldown(key, scope, period),
            _("People and adoption"),
        ),
        *family_tiles(
            stock.STOCK_KPIS, stock.stock_kpis(scope), None, lambda key: stock.drilldown(key, scope), _("Stock now")
        ),
    ]


# --- Charts ---------------------------------------------------------------------------------------
def _links(key: str, scope: Scope, periods: Sequence[Period]) -> tuple[str, ...]:
    return tuple(orders.drilldown(key, scope, period) for period in periods)


def backlog_chart(scope: Scope, periods: Sequence[Period], series: Mapping[str, Sequence[Any]]) -> Chart:
    return Chart(
        key="backlog",
        title=_("Backlog over time"),
        kind="line",
        categories=tuple(p.label for p in periods),
        series=tuple(
            Series(
                orders.ORDER_KPIS[key].label,
                tuple(as_number(v) for v in series[key]),
                _links(key, scope, periods),
            )
            for key in BACKLOG_KEYS
        ),
        description=_("Open and overdue orders at the end of each period."),
    )


def backlog_breakdown_charts(scope: Scope, period: Period) -> list[Chart]:
    """The orders open at the end of the period by age and by priority, each bar linking to its orders."""
    breakdown = orders.backlog_breakdown(scope, period)

    def chart(key: str, title: Any, rows: Sequence[Mapping[str, Any]]) -> Chart:
        return Chart(
            key=key,
            title=title,
            kind="bar",
            categories=tuple(str(row["label"]) for row in rows),
            series=(
                Series(
                    orders.ORDER_KPIS["backlog_orders"].label,
                    tuple(float(row["orders"]) for row in rows),
                    tuple(orders.order_list_url(row["query"]) for row in rows),
                ),
            ),
            description=_("Orders open at the end of the period: %(orders)s, with %(hours)s estimated hours.")
            % {"orders": f"{breakdown['orders']:g}", "hours": f"{breakdown['hours']:g}"},
        )

    return [
        chart("backlog-age", _("Backlog by age"), breakdown["by_age"]),
        chart("backlog-priority", _("Backlog by priority"), breakdown["by_priority"]),
    ]


def pm_compliance_chart(scope: Scope, periods: Sequence[Period], series: Mapping[str, Sequence[Any]]) -> Chart:
    definition = orders.ORDER_KPIS[PM_COMPLIANCE_KEY]
    return Chart(
        key="pm-compliance",
        title=_("PM compliance by %(grain)s") % {"grain": str(GRAINS[periods[-1].grain]).lower()},
        kind="bar",
        categories=tuple(p.label for p in periods),
        series=(
            Series(
                definition.label,
                tuple(as_number(v) for v in series[PM_COMPLIANCE_KEY]),
                _links(PM_COMPLIANCE_KEY, scope, periods),
            ),
        ),
        unit="%",
        description=definition.definition,
    )


def cost_charts(scope: Scope, periods: Sequence[Period]) -> list[Chart]:
    """Cost by category (labour, parts, external, contracts) stacked per period: one chart per currency,
    and an empty one when nothing was booked (so the dashboard says so)."""
    charts = list(costs.cost_by_category_series(scope, list(periods)).values())
    if charts:
        return charts
    return [
        Chart(
            key="cost-by-category",
            title=_("Maintenance cost by category"),
            kind="stacked_bar",
            categories=tuple(p.label for p in periods),
            series=(),
        )
    ]


def downtime_chart(scope: Scope, period: Period) -> Chart:
    rows = orders.top_resources_by_downtime(scope, period, limit=TOP)
    return Chart(
        key="top-downtime",
        title=_("Top 10 resources by downtime"),
        kind="hbar",
        categories=tuple(f"{row['tag']} {row['name']}" for row in rows),
        series=(
            Series(_("Downtime"), tuple(as_number(row["hours"]) for row in rows), tuple(row["url"] for row in rows)),
        ),
        unit="h",
        description=orders.ORDER_KPIS["downtime_hours"].definition,
    )


def resource_cost_charts(scope: Scope, period: Period) -> list[Chart]:
    """The resources that cost most in the period, one chart per currency (an empty one if none)."""
    top = costs.top_resources_by_cost(scope, period, limit=TOP)
    charts = [
        Chart(
            key=f"top-cost-{currency}",
            title=_("Top 10 resources by cost (%(currency)s)") % {"currency": currency},
            kind="hbar",
            categories=tuple(f"{row.tag} {row.name}" for row in rows),
            series=(
                Series(
                    _("Cost"),
                    tuple(as_number(row.total) for row in rows),
                    tuple(reverse("assets:resource_detail", args=[row.resource_id]) for row in rows),
                ),
            ),
            unit=currency,
        )
        for currency, rows in top.items()
    ]
    return charts or [Chart(key="top-cost", title=_("Top 10 resources by cost"), kind="hbar", categories=(), series=())]


def failure_chart(scope: Scope, period: Period) -> Chart:
    """The Pareto of failure causes: corrective orders closed in the period per cause, most first."""
    rows = failures.failure_pareto(scope, period, level="cause")
    definition = failures.FAILURE_KPIS["failure_pareto"]
    return Chart(
        key="failure-causes",
        title=definition.label,
        kind="pareto",
        categories=tuple(row.name or row.code or str(_("No cause given")) for row in rows),
        series=(
            Series(
                _("Orders"),
                tuple(float(row.orders) for row in rows),
                tuple(failures.drilldown(scope, period, row.code_id, level="cause") for row in rows),
            ),
        ),
        description=definition.definition,
    )


def dashboard_charts(scope: Scope, period: Period) -> list[Chart]:
    """The dashboard's charts, in the order the screen and the PDF show them."""
    scope = zone_cached(scope)
    periods = periods_ending(period.grain, period.first_day, SERIES_PERIODS)
    series = orders.order_kpi_series(scope, periods, [*BACKLOG_KEYS, PM_COMPLIANCE_KEY])
    return [
        backlog_chart(scope, periods, series),
        *backlog_breakdown_charts(scope, period),
        pm_compliance_chart(scope, periods, series),
        *cost_charts(scope, periods),
        downtime_chart(scope, period),
        *resource_cost_charts(scope, period),
        failure_chart(scope, period),
    ]


# --- The KPI table ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiTable:
    """All KPIs per period: one row per period (oldest first), one column per KPI."""

    columns: list[KpiDefinition]
    periods: list[Period]
    rows: list[list[float | None]]

    def header(self) -> list[Any]:
        return [
            _("Period"),
            *[f"{c.label} ({c.unit})" if c.unit not in ("", "count") else c.label for c in self.columns],
        ]

    def labelled_rows(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """(period label, cells with their value and unit) for the screen's table."""
        return [
            (period.label, [{"value": v, "unit": c.unit} for c, v in zip(self.columns, row, strict=True)])
            for period, row in zip(self.periods, self.rows, strict=True)
        ]

    def records(self) -> list[list[Any]]:
        return [[period.label, *row] for period, row in zip(self.periods, self.rows, strict=True)]


def kpi_table(scope: Scope, period: Period, count: int = SERIES_PERIODS) -> KpiTable:
    """The order KPIs (one grouped call for all periods), per currency the cost per category and in total
    (one grouped call too), and the adoption KPIs. Stock is left out: it is known only as it stands now."""
    scope = zone_cached(scope)
    periods = periods_ending(period.grain, period.first_day, count)
    keys = list(orders.ORDER_KPIS)
    series = orders.order_kpi_series(scope, periods, keys)
    keys = [key for key in keys if key in series]
    columns = [orders.ORDER_KPIS[key] for key in keys]
    cells = [[as_number(series[key][i]) for key in keys] for i in range(len(periods))]
    for currency, chart in costs.cost_by_category_series(scope, periods).items():
        for category in chart.series:
            label = f"{category.name} ({currency})"
            columns.append(KpiDefinition(f"cost:{currency}:{category.name}", label, "money", chart.description))
        total = costs.COST_KPIS["cost_total"]
        columns.append(replace(total, key=f"cost:{currency}", label=f"{total.label} ({currency})"))
        for i, row in enumerate(cells):
            values = [category.values[i] for category in chart.series]
            row.extend(values)
            row.append(sum(v for v in values if v is not None))
    # Adoption has no grouped series: one call per period, so a fixed number of periods bounds the queries.
    people_rows = [people.people_kpis(scope, p) for p in periods]
    for key, definition in people.PEOPLE_KPIS.items():
        if all(key in values for values in people_rows):
            columns.append(definition)
            for row, kpis in zip(cells, people_rows, strict=True):
                row.append(as_number(kpis[key]))
    return KpiTable(columns, periods, cells)
