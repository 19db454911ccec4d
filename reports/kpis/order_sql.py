"""The SQL of the work-order KPIs (``reports.kpis.orders``): which orders each number counts, as ``Q``s
and expressions, and the sums of one time zone's sites over one period.

Every KPI is a ratio or a total of *sums* (numerators and denominators), so a scope over several time
zones adds each zone's sums and divides once (``finish``): a percentage over two zones is the share of
all their orders, not the mean of two percentages.

The definitions here are the ones ``orders.filters.WorkOrderFilterSet`` lists for the drill-downs
(``open_at_q``, ``overdue_at_q``, ``CLOSED_IN_WINDOW``, ``BREAKDOWN``): one definition, two uses.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any, cast

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from assets.models import EntityStatus, Resource
from orders.filters import BREAKDOWN, CLOSED_IN_WINDOW, UNESTIMATED, open_at_q, overdue_at_q, window_passed_q
from orders.models import DowntimePeriod, DowntimePeriodQuerySet, ExecutionState, OrderKind, WorkOrder
from orders.models.workorders import OPEN_STATES
from reports.kpis.common import Period, Scope

# The sums every KPI is made of; ``finish`` turns them into the KPIs.
SUM_KEYS = (
    "resource_hours",
    "downtime_hours",
    "breakdowns",
    "repairs",
    "repair_hours",
    "pm_due",
    "pm_on_time",
    "schedule_due",
    "schedule_in_window",
    "backlog_orders",
    "backlog_minutes",
    "backlog_unestimated",
    "overdue_orders",
    "closed_planned",
    "closed_corrective",
    "completed",
    "reworked",
)

PLANNED = Q(kind=OrderKind.PLANNED)
# A repair is a breakdown whose work was accepted (closed): canceled, rejected or joined reports repaired nothing,
# and a reworked one is repaired by its rework order.
REPAIRED = BREAKDOWN & Q(execution_state=ExecutionState.CLOSED)
ACCEPTED = Q(execution_state=ExecutionState.CLOSED)


def in_range(field: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def indexed(closed: Q) -> Q:
    """The orders a KPI query may count, in a shape PostgreSQL reads from indexes instead of every order
    of the site: the open orders (few: ``workorder_site_state``) and the closed orders that ``closed``
    picks by their dates (``workorder_closed_*``, partial indexes of closed orders by site and date).

    It is a superset of what the aggregates count, never a narrowing: an order without ``closed_at`` is
    open (a closed state has its time, a check constraint holds it), so each order either is in the first
    arm or has ``closed_at`` and is in the second when one of its dates is in range. The aggregates'
    own filters still decide what each number counts."""
    return Q(execution_state__in=OPEN_STATES) | (Q(closed_at__isnull=False) & closed)


def scoped_orders(scope: Scope, site_ids: list[int]) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(site_id__in=site_ids).filter(scope.entity_q()).order_by()


def scoped_resources(scope: Scope, site_ids: list[int]) -> QuerySet[Resource]:
    """The resources whose time counts for MTBF and availability: in scope and not retired."""
    return (
        Resource.objects.filter(area__site_id__in=site_ids)
        .filter(scope.resource_q())
        .exclude(status=EntityStatus.RETIRED)
        .order_by()
    )


def scoped_downtime(scope: Scope, site_ids: list[int]) -> DowntimePeriodQuerySet:
    """Downtime periods (down and on hold) of the resources of ``scoped_resources``: a retired resource's
    time counts for nothing, neither its hours nor its downtime (availability stays a share of the same
    resources' time)."""
    periods = (
        DowntimePeriod.objects.filter(resource__area__site_id__in=site_ids)
        .filter(scope.resource_q("resource__"))
        .exclude(resource__status=EntityStatus.RETIRED)
    )
    return cast(DowntimePeriodQuerySet, periods.order_by())


def repair_duration() -> ExpressionWrapper:
    """How long a breakdown kept its resource from service: from the start of the downtime it caused
    (its earliest downtime period) to the end of that downtime (its latest period's end); without a
    downtime period, from the report (creation) to the work's completion (its closing if never completed)."""
    periods = DowntimePeriod.objects.filter(order_id=OuterRef("pk")).order_by().values("order_id")
    down_from = Subquery(periods.annotate(first=Min("started_at")).values("first")[:1])
    down_until = Subquery(periods.annotate(last=Max("ended_at")).values("last")[:1])
    start = Coalesce(down_from, F("created_at"))
    end = Coalesce(down_until, F("completed_at"), F("closed_at"))
    return ExpressionWrapper(end - start, output_field=DurationField())


def hours(value: datetime.timedelta | None) -> float:
    return value.total_seconds() / 3600 if value else 0.0


def backlog_aggregates(at: datetime.datetime, prefix: str = "") -> dict[str, Any]:
    """Open orders at ``at``: how many, their estimated minutes (their activity's estimated duration),
    how many have no estimate, and how many are overdue then."""
    open_then = open_at_q(at)
    return {
        f"{prefix}backlog_orders": Count("pk", filter=open_then),
        f"{prefix}backlog_minutes": Sum("activity__estimated_minutes", filter=open_then),
        f"{prefix}backlog_unestimated": Count("pk", filter=open_then & UNESTIMATED),
        f"{prefix}overdue_orders": Count("pk", filter=overdue_at_q(at)),
    }


def zone_sums(
    scope: Scope,
    site_ids: list[int],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    *,
    backlog_at: datetime.datetime,
) -> dict[str, float]:
    """The sums of one time zone's sites over ``[start, end)`` (local bounds), in three queries: the
    orders, the resources and the downtime. The period counts up to ``now`` when it is not over; the
    backlog is the one at ``backlog_at``."""
    total: dict[str, float] = dict.fromkeys(SUM_KEYS, 0.0)
    for sums in zone_sums_by_site(scope, site_ids, start, end, now, backlog_at=backlog_at).values():
        add_sums(total, sums)
    return total


def zone_sums_by_site(
    scope: Scope,
    site_ids: list[int],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    *,
    backlog_at: datetime.datetime,
) -> dict[int, dict[str, float]]:
    """``zone_sums`` for each of ``site_ids`` apart (``{site id: sums}``, every site present), in the same
    three queries, grouped by site."""
    until = max(start, min(end, now))
    decided = window_passed_q(now)
    counted = (
        in_range("created_at", start, until)
        | in_range("closed_at", start, until)
        | in_range("completed_at", start, until)
        | in_range("late_due_at", start, end)
        | in_range("due_at", start, end)
        | Q(closed_at__gte=backlog_at)  # open at the backlog point (the open orders are in anyway)
    )
    rows = (
        scoped_orders(scope, site_ids)
        .filter(indexed(counted))
        .values("site_id")
        .annotate(
            breakdowns=Count("pk", filter=BREAKDOWN & in_range("created_at", start, until)),
            repairs=Count("pk", filter=REPAIRED & in_range("closed_at", start, until)),
            repair_time=Sum(repair_duration(), filter=REPAIRED & in_range("closed_at", start, until)),
            pm_due=Count("pk", filter=PLANNED & in_range("late_due_at", start, end) & decided),
            pm_on_time=Count(
                "pk",
                filter=PLANNED & in_range("late_due_at", start, end) & decided & ACCEPTED & Q(closed_on_time=True),
            ),
            schedule_due=Count("pk", filter=PLANNED & in_range("due_at", start, end) & decided),
            schedule_in_window=Count(
                "pk", filter=PLANNED & in_range("due_at", start, end) & decided & CLOSED_IN_WINDOW
            ),
            closed_planned=Count("pk", filter=ACCEPTED & PLANNED & in_range("closed_at", start, until)),
            closed_corrective=Count(
                "pk", filter=ACCEPTED & Q(kind=OrderKind.CORRECTIVE) & in_range("closed_at", start, until)
            ),
            completed=Count("pk", filter=in_range("completed_at", start, until)),
            reworked=Count(
                "pk", filter=in_range("completed_at", start, until) & Q(execution_state=ExecutionState.REWORKED)
            ),
            **backlog_aggregates(backlog_at),
        )
    )
    by_site: dict[int, dict[str, float]] = {site_id: dict.fromkeys(SUM_KEYS, 0.0) for site_id in site_ids}
    for row in rows:
        sums = by_site.setdefault(row["site_id"], dict.fromkeys(SUM_KEYS, 0.0))
        sums.update({key: float(row.get(key) or 0) for key in SUM_KEYS if key in row})
        sums["repair_hours"] = hours(row["repair_time"])
    resources = dict(
        scoped_resources(scope, site_ids)
        .values("area__site_id")
        .annotate(n=Count("pk"))
        .values_list("area__site_id", "n")
    )
    downtime: dict[int, float] = {}
    if until > start:
        periods = scoped_downtime(scope, site_ids).overlapping(start, until).with_duration_within(start, until)
        for downtime_site, total in (
            periods.values("resource__area__site_id")
            .annotate(total=Sum("duration_within"))
            .values_list("resource__area__site_id", "total")
        ):
            if downtime_site is not None:
                downtime[downtime_site] = hours(total)
    for site_id, sums in by_site.items():
        sums["resource_hours"] = resources.get(site_id, 0) * (until - start).total_seconds() / 3600
        sums["downtime_hours"] = downtime.get(site_id, 0.0)
    return by_site


def add_sums(total: dict[str, float], sums: dict[str, float]) -> None:
    for key, value in sums.items():
        total[key] = total.get(key, 0.0) + value


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return scale * numerator / denominator if denominator else None


def finish(sums: dict[str, float]) -> dict[str, float | int | None]:
    """The KPIs from the sums (None where the denominator is zero: nothing to measure)."""
    get = lambda key: sums.get(key, 0.0)  # noqa: E731
    operating = get("resource_hours") - get("downtime_hours")
    closed_work = get("closed_planned") + get("closed_corrective")
    values: dict[str, float | int | None] = {
        "breakdowns": int(get("breakdowns")),
        "mtbf_hours": ratio(operating, get("breakdowns")),
        "mttr_hours": ratio(get("repair_hours"), get("repairs")),
        "availability": ratio(operating, get("resource_hours"), 100),
        "pm_compliance": ratio(get("pm_on_time"), get("pm_due"), 100),
        "schedule_adherence": ratio(get("schedule_in_window"), get("schedule_due"), 100),
        "backlog_orders": int(get("backlog_orders")),
        "backlog_hours": get("backlog_minutes") / 60,
        "backlog_unestimated": int(get("backlog_unestimated")),
        "overdue_orders": int(get("overdue_orders")),
        "planned_share": ratio(get("closed_planned"), closed_work, 100),
        "unplanned_share": ratio(get("closed_corrective"), closed_work, 100),
        "rework_rate": ratio(get("reworked"), get("completed"), 100),
        "downtime_hours": get("downtime_hours"),
    }
    return values


def at_start_of(day: datetime.date, zone: zoneinfo.ZoneInfo, now: datetime.datetime) -> datetime.datetime:
    """Midnight at the start of ``day`` in ``zone``, or now if that is still to come (as ``open_at`` reads it)."""
    return min(datetime.datetime.combine(day, datetime.time.min, tzinfo=zone), now)


def backlog_day(period: Period, zones: list[zoneinfo.ZoneInfo], now: datetime.datetime) -> datetime.date:
    """The day at whose start the period's backlog is counted: the day after the period, or tomorrow
    (that is: now) while the period is not over; ages are counted in days up to the day before it."""
    tomorrow = max((now.astimezone(zone).date() for zone in zones), default=now.date()) + datetime.timedelta(days=1)
    return min(period.end_day, tomorrow)
