"""Work-order KPIs: MTBF, MTTR, availability, PM compliance, schedule adherence, backlog, overdue orders,
planned vs unplanned work, rework rate and downtime, over a ``Scope`` and a ``Period``.

Each KPI is computed in SQL, once per distinct time zone of the sites in scope (a period is local to each
site: a breakdown at 23:30 in Lima on 31 March counts in Lima's March), and each links to the list of
orders behind its number (``drilldown``): the order list filtered by ``WorkOrderFilterSet`` with the
same definitions (``orders.filters``), so the list shows exactly the rows the number counts.

Charts over many periods are in ``reports.kpis.order_series`` (``order_kpi_series``).
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from orders.filters import UNESTIMATED, open_at_q
from plans.models import Priority
from reports.kpis.common import Period, Scope
from reports.kpis.order_definitions import ORDER_KPIS
from reports.kpis.order_series import SERIES_KEYS, order_kpi_series
from reports.kpis.order_sql import (
    SUM_KEYS,
    add_sums,
    at_start_of,
    backlog_day,
    finish,
    indexed,
    scoped_downtime,
    scoped_orders,
    zone_sums,
    zone_sums_by_site,
)

__all__ = [
    "AGE_BANDS",
    "DRILLDOWN_KEYS",
    "ORDER_KPIS",
    "SERIES_KEYS",
    "backlog_breakdown",
    "drilldown",
    "drilldown_query",
    "order_kpi_series",
    "order_kpis",
    "order_kpis_by_site",
    "order_list_url",
    "top_resources_by_downtime",
]

# The order list the drill-downs open (it filters with ``orders.filters.WorkOrderFilterSet``).
ORDER_LIST_URL_NAME = "orders:order_list"

# Backlog age bands: (key, label, newest age in days, oldest age in days or None).
AGE_BANDS: list[tuple[str, Any, int, int | None]] = [
    ("0-7", _("0-7 days"), 0, 7),
    ("8-30", _("8-30 days"), 8, 30),
    ("31-90", _("31-90 days"), 31, 90),
    ("91+", _("Over 90 days"), 91, None),
]


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def order_kpis(scope: Scope, period: Period, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Every work-order KPI of ``ORDER_KPIS`` for one period (plus ``backlog_unestimated``): one query for
    the sites' zones, then three per distinct time zone (orders, resources, downtime)."""
    now = _now(now)
    zones = list(scope.zone_groups())
    day = backlog_day(period, [zone for zone, _sites in zones], now)
    total: dict[str, float] = dict.fromkeys(SUM_KEYS, 0.0)
    for zone, site_ids in zones:
        start, end = period.bounds(zone)
        add_sums(total, zone_sums(scope, site_ids, start, end, now, backlog_at=at_start_of(day, zone, now)))
    return finish(total)


def order_kpis_by_site(
    scope: Scope, period: Period, *, now: datetime.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """``order_kpis`` of each site in scope, ``{site id: KPIs}``, the same numbers as
    ``order_kpis(scope.with_site(site_id), period)`` but in the queries of one call (grouped by site)."""
    now = _now(now)
    result: dict[int, dict[str, Any]] = {}
    for zone, site_ids in scope.zone_groups():
        day = backlog_day(period, [zone], now)
        start, end = period.bounds(zone)
        sites = zone_sums_by_site(scope, site_ids, start, end, now, backlog_at=at_start_of(day, zone, now))
        result.update({site_id: finish(sums) for site_id, sums in sites.items()})
    return result


def backlog_breakdown(
    scope: Scope, at: Period | datetime.date, *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The orders open at the start of the local day ``at`` (a period: at its end; now, if that is still to
    come), by age band and by priority, with their estimated hours and each row's drill-down link; one query
    per time zone (plus one for the zones).

    Answers ``{"day", "orders", "hours", "unestimated", "query", "by_age": [...], "by_priority": [...]}``;
    each row is ``{"key", "label", "orders", "hours", "query"}``; ``query`` is the order list's query
    parameters for those orders (``order_list_url(query)`` is the link). Age is counted in whole local
    days up to the day before ``day``: an order created that day is 0 days old."""
    now = _now(now)
    zones = list(scope.zone_groups())
    day = at if isinstance(at, datetime.date) else backlog_day(at, [zone for zone, _sites in zones], now)
    bands = {key: _band_bounds(day, newest, oldest) for key, _label, newest, oldest in AGE_BANDS}
    totals: dict[str, float] = {}
    for zone, site_ids in zones:
        moment = at_start_of(day, zone, now)
        open_then = open_at_q(moment)
        aggregates: dict[str, Any] = {
            "orders": Count("pk", filter=open_then),
            "minutes": Sum("activity__estimated_minutes", filter=open_then),
            "unestimated": Count("pk", filter=open_then & UNESTIMATED),
        }
        for key, (after, before) in bands.items():
            band = open_then & _created_q(after, before, zone)
            aggregates[f"age_{key}"] = Count("pk", filter=band)
            aggregates[f"age_{key}_minutes"] = Sum("activity__estimated_minutes", filter=band)
        for priority in Priority:
            chosen = open_then & Q(priority=priority.value)
            aggregates[f"priority_{priority.value}"] = Count("pk", filter=chosen)
            aggregates[f"priority_{priority.value}_minutes"] = Sum("activity__estimated_minutes", filter=chosen)
        sums = scoped_orders(scope, site_ids).filter(indexed(Q(closed_at__gte=moment))).aggregate(**aggregates)
        for key, value in sums.items():
            totals[key] = totals.get(key, 0.0) + float(value or 0)
    base = {**scope.query_params(), "open_at": day.isoformat()}

    def row(key: str, label: Any, prefix: str, extra: dict[str, str]) -> dict[str, Any]:
        return {
            "key": key,
            "label": label,
            "orders": int(totals.get(prefix, 0)),
            "hours": totals.get(f"{prefix}_minutes", 0) / 60,
            "query": {**base, **extra},
        }

    by_age = []
    for key, label, _newest, _oldest in AGE_BANDS:
        bounds = zip(("created_after", "created_before"), bands[key], strict=True)
        extra = {name: value.isoformat() for name, value in bounds if value is not None}
        by_age.append(row(key, label, f"age_{key}", extra))
    by_priority = [
        row(str(p.value), p.label, f"priority_{p.value}", {"priority": str(p.value)}) for p in reversed(Priority)
    ]
    return {
        "day": day,
        "orders": int(totals.get("orders", 0)),
        "hours": totals.get("minutes", 0) / 60,
        "unestimated": int(totals.get("unestimated", 0)),
        "query": base,
        "by_age": by_age,
        "by_priority": by_priority,
    }


def _band_bounds(day: datetime.date, newest: int, oldest: int | None) -> tuple[Any, Any]:
    """The creation days of an age band, as ``[after, before)`` local dates (``None``: unbounded). Ages are
    counted up to the day before ``day``: ``newest`` days old means created on ``day - 1 - newest``."""
    last = day - datetime.timedelta(days=1)
    before = None if newest == 0 else last - datetime.timedelta(days=newest - 1)
    after = None if oldest is None else last - datetime.timedelta(days=oldest)
    return after, before


def _created_q(after: datetime.date | None, before: datetime.date | None, zone: zoneinfo.ZoneInfo) -> Q:
    q = Q()
    if after is not None:
        q &= Q(created_at__gte=datetime.datetime.combine(after, datetime.time.min, tzinfo=zone))
    if before is not None:
        q &= Q(created_at__lt=datetime.datetime.combine(before, datetime.time.min, tzinfo=zone))
    return q


def top_resources_by_downtime(
    scope: Scope, period: Period, limit: int = 10, *, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """The ``limit`` resources in scope with the most downtime hours (down or on hold) in the period, most
    first: ``[{"resource_id", "tag", "name", "hours", "url"}]`` (``url``: the resource's downtime panel).
    One query per time zone, plus one for the zones."""
    now = _now(now)
    rows: list[dict[str, Any]] = []
    for zone, site_ids in scope.zone_groups():
        start, end = period.bounds(zone)
        until = max(start, min(end, now))
        if until <= start:
            continue
        per_resource = (
            scoped_downtime(scope, site_ids)
            .overlapping(start, until)
            .with_duration_within(start, until)
            .values("resource_id", "resource__tag", "resource__name")
            .annotate(total=Sum("duration_within"))
            .order_by("-total", "resource__tag")[:limit]
        )
        rows += [
            {
                "resource_id": row["resource_id"],
                "tag": row["resource__tag"],
                "name": row["resource__name"],
                "hours": row["total"].total_seconds() / 3600 if row["total"] else 0.0,
                "url": reverse("assets:resource_detail", args=[row["resource_id"]]) + "#downtime",
            }
            for row in per_resource
        ]
    rows.sort(key=lambda row: (-row["hours"], row["tag"]))
    return rows[:limit]


# --- Drill-down -------------------------------------------------------------------------------------
# Each KPI's list: the filters that select exactly the orders its number counts (dates are read at each
# order's site, as the KPI reads them). Ratios list their denominator; the keys after them list numerators.
def _period_filters(key: str, start: str, end: str) -> dict[str, str]:
    created = {"created_after": start, "created_before": end}
    closed = {"closed_after": start, "closed_before": end}
    completed = {"completed_after": start, "completed_before": end}
    pm = {"kind": "planned", "late_due_after": start, "late_due_before": end, "window_passed": "true"}
    schedule = {"kind": "planned", "due_after": start, "due_before": end, "window_passed": "true"}
    accepted = {"execution_state": "closed"}
    filters: dict[str, dict[str, str]] = {
        "mtbf_hours": {"breakdown": "true", **created},
        "breakdowns": {"breakdown": "true", **created},
        "mttr_hours": {"breakdown": "true", **accepted, **closed},
        "availability": {"downtime_after": start, "downtime_before": end},
        "downtime_hours": {"downtime_after": start, "downtime_before": end},
        "pm_compliance": pm,
        "pm_on_time": {**pm, **accepted, "closed_on_time": "true"},
        "schedule_adherence": schedule,
        "schedule_in_window": {**schedule, "closed_in_window": "true"},
        "planned_share": {"kind": "planned", **accepted, **closed},
        "unplanned_share": {"kind": "corrective", **accepted, **closed},
        "rework_rate": completed,
        "reworked": {**completed, "execution_state": "reworked"},
    }
    if key not in filters:
        raise KeyError(f"no drill-down for {key!r}")
    return filters[key]


DRILLDOWN_KEYS = (*ORDER_KPIS, "backlog_unestimated", "pm_on_time", "schedule_in_window", "reworked")


def drilldown_query(key: str, scope: Scope, period: Period, *, now: datetime.datetime | None = None) -> dict[str, str]:
    """The query parameters of the order list behind ``key`` (see ``DRILLDOWN_KEYS``) for the scope and
    period: the list screen and the API (``/api/v1/orders/``) read the same ones."""
    params = scope.query_params()
    if key in ("backlog_orders", "backlog_hours", "backlog_unestimated", "overdue_orders"):
        now = _now(now)
        day = backlog_day(period, [zone for zone, _sites in scope.zone_groups()], now)
        name = "overdue_at" if key == "overdue_orders" else "open_at"
        unestimated = {"estimated": "false"} if key == "backlog_unestimated" else {}
        return {**params, name: day.isoformat(), **unestimated}
    return {**params, **_period_filters(key, period.first_day.isoformat(), period.end_day.isoformat())}


def drilldown(key: str, scope: Scope, period: Period, *, now: datetime.datetime | None = None) -> str:
    """The URL of the order list showing exactly the orders the KPI ``key`` counts (or, for a ratio, the
    orders it is a share of) in the scope and period."""
    return order_list_url(drilldown_query(key, scope, period, now=now))


def order_list_url(params: dict[str, str]) -> str:
    """The order list screen filtered by ``params`` (``WorkOrderFilterSet``'s names)."""
    return f"{reverse(ORDER_LIST_URL_NAME)}?{urlencode(params)}"
