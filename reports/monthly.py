"""The monthly maintenance report of a site: its KPIs for the month against the month before, a year of
trends, the top resources by downtime and by cost and the Pareto of failure causes, as a ``ReportDocument``
that ``core.pdf`` renders (downloaded from ``reports.pdf_views``, e-mailed by ``reports.subscriptions``).

The report is assembled from sections: each builder takes a ``MonthContext`` (the site, its scope, the
month and the year of months ending with it) and returns a ``ReportSection`` from the KPI functions of
``reports.kpis``; ``SECTION_BUILDERS`` lists them in the order they appear. The numbers are the same
functions the dashboards and the API call, so the PDF never disagrees with the screens. Everything is
read in the site's time zone (the month is the site's local month, times are written in its zone).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area
from core.charts import Chart, ChartKind, Series
from core.pdf import KpiTile, ReportDocument, ReportSection, ReportTable
from reports.kpis.common import KpiDefinition, Period, Scope, period_containing, periods_ending
from reports.kpis.costs import (
    CATEGORIES,
    CATEGORY_LABELS,
    COST_KPIS,
    cost_by_category_series,
    cost_kpis,
    top_resources_by_cost,
)
from reports.kpis.failures import FAILURE_KPIS, failure_pareto
from reports.kpis.orders import ORDER_KPIS, order_kpi_series, order_kpis, top_resources_by_downtime
from reports.kpis.stock import STOCK_KPIS, stock_kpis

TREND_MONTHS = 12
TOP_LIMIT = 10


@dataclass(frozen=True)
class MonthContext:
    """What every section is computed over: one site, one of its months, and the months of the trends."""

    site: Area
    scope: Scope
    month: Period
    months: list[Period]
    now: datetime.datetime

    @property
    def previous(self) -> Period:
        return self.month.previous()


SectionBuilder = Callable[[MonthContext], ReportSection]


# --- Building blocks of the sections -----------------------------------------------------------
def tile_unit(definition: KpiDefinition, currency: str = "") -> str:
    """The unit written beside a KPI's value: the currency for money, nothing for a count."""
    if definition.unit == "money":
        return currency
    if definition.unit == "count":
        return ""
    if definition.unit == "days":
        return _("days")
    return definition.unit


def kpi_tiles(
    definitions: Mapping[str, KpiDefinition],
    current: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    keys: Iterable[str] | None = None,
) -> list[KpiTile]:
    """A tile per KPI of ``keys`` (default: every definition), this month's value against the previous.

    A value given per currency (``{"USD": Decimal, ...}``) gives one tile per currency: amounts in
    different currencies are never added. A KPI with no value at all (a per-currency KPI of a site without
    any cost) still gets its tile, saying so.
    """
    tiles: list[KpiTile] = []
    trend = previous is not None
    for key in keys if keys is not None else definitions:
        definition = definitions[key]
        value = current.get(key)
        before = previous.get(key) if previous is not None else None
        if isinstance(value, Mapping) or isinstance(before, Mapping):
            values: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
            befores: Mapping[str, Any] = before if isinstance(before, Mapping) else {}
            currencies = sorted(set(values) | set(befores))
            if not currencies:
                tiles.append(KpiTile(definition.label, None, tile_unit(definition), None, definition.definition, trend))
            for currency in currencies:
                label = f"{definition.label} ({currency})" if len(currencies) > 1 else definition.label
                unit = tile_unit(definition, currency)
                tiles.append(
                    KpiTile(label, values.get(currency), unit, befores.get(currency), definition.definition, trend)
                )
            continue
        tiles.append(KpiTile(definition.label, value, tile_unit(definition), before, definition.definition, trend))
    return tiles


def trend_chart(
    key: str,
    title: Any,
    kind: ChartKind,
    months: Sequence[Period],
    series: Mapping[Any, Sequence[float | int | None]],
    *,
    unit: str = "",
    description: Any = "",
) -> Chart:
    """A chart over the months (oldest first), one series per entry of ``series``."""
    return Chart(
        key=key,
        title=title,
        kind=kind,
        categories=tuple(month.label for month in months),
        series=tuple(
            Series(name, tuple(None if value is None else float(value) for value in values))
            for name, values in series.items()
        ),
        unit=unit,
        description=description,
    )


# --- Sections ----------------------------------------------------------------------------------
def overview_section(context: MonthContext) -> ReportSection:
    """What the report covers: the site, the month in its time zone, and whether the month is complete."""
    site, month = context.site, context.month
    last_day = month.end_day - datetime.timedelta(days=1)
    note = _("%(site)s (%(code)s), %(first)s to %(last)s, in the time zone %(zone)s.") % {
        "site": site.name,
        "code": site.code,
        "first": month.first_day.isoformat(),
        "last": last_day.isoformat(),
        "zone": site.time_zone,
    }
    if timezone.localdate(context.now) < month.end_day:
        note += " " + _("The month is not over: its numbers are up to the time the report was generated.")
    return ReportSection(_("Scope"), note=note)


def ranking_chart(
    key: str, title: Any, rows: Sequence[tuple[str, float]], *, unit: str, series: Any, table: bool = True
) -> Chart:
    """A horizontal bar chart of a ranking (``rows``: label and value, first is largest); ``table=False``
    when the section tables the ranking itself (with more columns)."""
    return Chart(
        key=key,
        title=title,
        kind="hbar",
        categories=tuple(label for label, _value in rows),
        series=(Series(series, tuple(float(value) for _label, value in rows)),),
        unit=unit,
        extra={"table": table},
    )


def cost_section(context: MonthContext) -> ReportSection:
    """Cost tiles against budget, a year of cost by category, and the resources that cost most."""
    current = cost_kpis(context.scope, context.month)
    previous = cost_kpis(context.scope, context.previous)
    charts = list(cost_by_category_series(context.scope, context.months).values())
    tables = []
    for currency, rows in top_resources_by_cost(context.scope, context.month, TOP_LIMIT).items():
        title = _("Top %(count)s resources by cost (%(currency)s)") % {"count": TOP_LIMIT, "currency": currency}
        charts.append(
            ranking_chart(
                f"top_cost_{currency}",
                title,
                [(f"{row.tag} {row.name}", float(row.total)) for row in rows],
                unit=currency,
                series=COST_KPIS["cost_total"].label,
                table=False,
            )
        )
        header = [_("Tag"), _("Name"), *[CATEGORY_LABELS[c] for c in CATEGORIES], _("Total")]
        tables.append(
            ReportTable(
                header,
                [[row.tag, row.name, *[getattr(row.cost, c) for c in CATEGORIES], row.total] for row in rows],
                title=title,
            )
        )
    note = "" if current["currencies"] else _("No costs were recorded for this site in the month.")
    return ReportSection(
        _("Cost"), tiles=kpi_tiles(COST_KPIS, current, previous), charts=charts, tables=tables, note=note
    )


def work_section(context: MonthContext) -> ReportSection:
    """Reliability, preventive work, backlog and downtime: tiles against the month before, a year of
    backlog and PM compliance, and the resources that were down longest."""
    scope, now = context.scope, context.now
    current = order_kpis(scope, context.month, now=now)
    previous = order_kpis(scope, context.previous, now=now)
    keys = ["backlog_orders", "pm_compliance", "schedule_adherence", "planned_share", "unplanned_share"]
    series = order_kpi_series(scope, context.months, keys, now=now)
    charts = [
        trend_chart(
            "backlog",
            _("Backlog over time"),
            "line",
            context.months,
            {ORDER_KPIS["backlog_orders"].label: series["backlog_orders"]},
            description=ORDER_KPIS["backlog_orders"].definition,
        ),
        trend_chart(
            "pm_compliance",
            _("PM compliance and schedule adherence by month"),
            "bar",
            context.months,
            {
                ORDER_KPIS["pm_compliance"].label: series["pm_compliance"],
                ORDER_KPIS["schedule_adherence"].label: series["schedule_adherence"],
            },
            unit="%",
            description=ORDER_KPIS["pm_compliance"].definition,
        ),
        trend_chart(
            "planned_unplanned",
            _("Planned and unplanned work by month"),
            "stacked_bar",
            context.months,
            {
                ORDER_KPIS["planned_share"].label: series["planned_share"],
                ORDER_KPIS["unplanned_share"].label: series["unplanned_share"],
            },
            unit="%",
            description=ORDER_KPIS["planned_share"].definition,
        ),
    ]
    top = top_resources_by_downtime(scope, context.month, TOP_LIMIT, now=now)
    title = _("Top %(count)s resources by downtime") % {"count": TOP_LIMIT}
    charts.append(
        ranking_chart(
            "top_downtime",
            title,
            [(f"{row['tag']} {row['name']}", row["hours"]) for row in top],
            unit="h",
            series=ORDER_KPIS["downtime_hours"].label,
        )
    )
    return ReportSection(_("Work orders"), tiles=kpi_tiles(ORDER_KPIS, current, previous), charts=charts)


def failure_section(context: MonthContext) -> ReportSection:
    """The Pareto of the failure causes of the month's closed corrective orders."""
    rows = failure_pareto(context.scope, context.month)
    definition = FAILURE_KPIS["failure_pareto"]
    chart = Chart(
        key="failure_pareto",
        title=definition.label,
        kind="pareto",
        categories=tuple(f"{row.code} {row.name}".strip() for row in rows),
        series=(Series(_("Orders"), tuple(float(row.orders) for row in rows)),),
        description=definition.definition,
        extra={"table": False},  # the table below has the downtime hours too
    )
    table = ReportTable(
        [_("Code"), _("Cause"), _("Orders"), _("Downtime (h)"), _("Cumulative share (%)")],
        [[row.code, row.name, row.orders, row.downtime_hours, round(row.cumulative_share * 100, 1)] for row in rows],
    )
    return ReportSection(_("Failures"), charts=[chart], tables=[table])


def stock_section(context: MonthContext) -> ReportSection:
    """What the stores of the site hold now (stock has no history to read a month-end from)."""
    return ReportSection(
        _("Stock"),
        tiles=kpi_tiles(STOCK_KPIS, stock_kpis(context.scope), None),
        note=_("Stock as it is when the report is generated, not at the end of the month."),
    )


# The sections in the order they appear; each is a function of the month's context.
SECTION_BUILDERS: list[SectionBuilder] = [
    overview_section,
    work_section,
    failure_section,
    cost_section,
    stock_section,
]


# --- The document ------------------------------------------------------------------------------
def last_complete_month(site: Area, now: datetime.datetime | None = None) -> Period:
    """The last month that is over in the site's time zone (the month an e-mailed report covers)."""
    local_today = (now or timezone.now()).astimezone(site.local_time_zone).date()
    return period_containing("month", local_today).previous()


def month_context(site: Area, month: Period, now: datetime.datetime | None = None) -> MonthContext:
    return MonthContext(
        site=site,
        scope=Scope(site_id=site.pk),
        month=month,
        months=periods_ending("month", month.first_day, TREND_MONTHS),
        now=now or timezone.now(),
    )


def monthly_report_document(
    site: Area, month: Period, *, now: datetime.datetime | None = None, builders: Sequence[SectionBuilder] | None = None
) -> ReportDocument:
    """The monthly maintenance report of ``site`` for ``month`` (a month ``Period``), its times in the
    site's time zone."""
    if month.grain != "month":
        raise ValueError("the monthly report covers a month")
    context = month_context(site, month, now)
    with timezone.override(site.local_time_zone):
        sections = [build(context) for build in (builders if builders is not None else SECTION_BUILDERS)]
        return ReportDocument(
            title=_("Monthly maintenance report"),
            subtitle=f"{site.name} · {month.label}",
            generated_at=context.now,
            sections=sections,
            time_zone=str(site.local_time_zone),
        )
