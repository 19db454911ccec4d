"""Work-order KPIs over many periods, for charts (backlog over time, PM compliance by month...).

The query count does not depend on how many periods are asked for: per distinct time zone of the sites
in scope, each family of KPIs is one query grouped by the period its event falls in (``Trunc`` of the
event's time in the zone: a breakdown by its creation, a repair by its closing, a PM order by its late-due
point...). The backlog at each period's end is a running total: the orders open at the first period's
start (one query), plus those created since, minus those closed since, both grouped by period. Every query
reads only the open orders and those whose dates fall in the periods, through the indexes
(``order_sql.indexed``), never the whole history. Only downtime, which spans period boundaries, is summed with one column per period (still one query).

The numbers are the ones ``reports.kpis.orders.order_kpis`` gives period by period (a test holds them equal).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, Trunc
from django.utils import timezone

from orders.filters import BREAKDOWN, CLOSED_IN_WINDOW, UNESTIMATED, open_at_q, overdue_at_q, window_passed_q
from orders.models import ExecutionState, OrderKind, WorkOrder
from reports.kpis.common import Period, Scope
from reports.kpis.order_definitions import ORDER_KPIS
from reports.kpis.order_sql import (
    ACCEPTED,
    PLANNED,
    REPAIRED,
    SUM_KEYS,
    at_start_of,
    backlog_day,
    finish,
    hours,
    in_range,
    indexed,
    repair_duration,
    scoped_downtime,
    scoped_orders,
    scoped_resources,
)

SERIES_KEYS = (*ORDER_KPIS, "backlog_unestimated")

# Which families of queries each KPI needs.
NEEDS: dict[str, tuple[str, ...]] = {
    "mtbf_hours": ("created", "resources", "downtime"),
    "breakdowns": ("created",),
    "mttr_hours": ("closed",),
    "availability": ("resources", "downtime"),
    "downtime_hours": ("downtime",),
    "pm_compliance": ("late_due",),
    "schedule_adherence": ("due",),
    "backlog_orders": ("backlog",),
    "backlog_hours": ("backlog",),
    "backlog_unestimated": ("backlog",),
    "overdue_orders": ("overdue",),
    "planned_share": ("closed",),
    "unplanned_share": ("closed",),
    "rework_rate": ("completed",),
}


def order_kpi_series(
    scope: Scope,
    periods: Sequence[Period],
    keys: Iterable[str] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> dict[str, list[Any]]:
    """``{key: [value of each period, in the order given]}`` for the KPIs ``keys`` (default: all of
    ``SERIES_KEYS``). The periods share one grain. Queries: one for the zones, then per time zone at most
    eleven (fewer for fewer keys), whatever the number of periods."""
    keys = list(keys) if keys is not None else list(SERIES_KEYS)
    unknown = [key for key in keys if key not in NEEDS]
    if unknown:
        raise KeyError(f"no series for {', '.join(unknown)}")
    if not periods:
        return {key: [] for key in keys}
    if len({period.grain for period in periods}) != 1:
        raise ValueError("the periods of a series share one grain")
    now = now or timezone.now()
    needs = {family for key in keys for family in NEEDS[key]}
    sums: list[dict[str, float]] = [dict.fromkeys(SUM_KEYS, 0.0) for _period in periods]
    zones = list(scope.zone_groups())
    days = [backlog_day(period, [zone for zone, _sites in zones], now) for period in periods]
    for zone, site_ids in zones:
        _ZoneSeries(scope, site_ids, zone, periods, days, now, sums).run(needs)
    values = [finish(period_sums) for period_sums in sums]
    return {key: [period_values[key] for period_values in values] for key in keys}


class _ZoneSeries:
    """The series' sums of one time zone's sites, added into ``sums`` (one dict per period)."""

    def __init__(
        self,
        scope: Scope,
        site_ids: list[int],
        zone: zoneinfo.ZoneInfo,
        periods: Sequence[Period],
        days: list[datetime.date],
        now: datetime.datetime,
        sums: list[dict[str, float]],
    ) -> None:
        self.scope, self.site_ids, self.zone, self.periods, self.now, self.sums = (
            scope,
            site_ids,
            zone,
            periods,
            now,
            sums,
        )
        self.grain = periods[0].grain
        self.bounds = [period.bounds(zone) for period in periods]
        self.untils = [max(start, min(end, now)) for start, end in self.bounds]
        self.backlog_ats = [at_start_of(day, zone, now) for day in days]
        self.index = {period.first_day: i for i, period in enumerate(periods)}
        self.first = min(start for start, _end in self.bounds)
        self.last_end = max(end for _start, end in self.bounds)
        self.last_until = min(self.last_end, now)  # events after now are in no period yet

    def orders(self) -> QuerySet[WorkOrder]:
        return scoped_orders(self.scope, self.site_ids)

    def run(self, needs: set[str]) -> None:
        if "created" in needs:
            self.by_period("created_at", BREAKDOWN, self.last_until, breakdowns=Count("pk"))
        if "closed" in needs:
            self.by_period(
                "closed_at",
                Q(),
                self.last_until,
                repairs=Count("pk", filter=REPAIRED),
                repair_time=Sum(repair_duration(), filter=REPAIRED),
                closed_planned=Count("pk", filter=ACCEPTED & PLANNED),
                closed_corrective=Count("pk", filter=ACCEPTED & Q(kind=OrderKind.CORRECTIVE)),
            )
        decided = window_passed_q(self.now)
        if "late_due" in needs:
            self.by_period(
                "late_due_at",
                PLANNED & decided,
                self.last_end,
                pm_due=Count("pk"),
                pm_on_time=Count("pk", filter=ACCEPTED & Q(closed_on_time=True)),
            )
        if "due" in needs:
            self.by_period(
                "due_at",
                PLANNED & decided,
                self.last_end,
                schedule_due=Count("pk"),
                schedule_in_window=Count("pk", filter=CLOSED_IN_WINDOW),
            )
        if "completed" in needs:
            self.by_period(
                "completed_at",
                Q(),
                self.last_until,
                completed=Count("pk"),
                reworked=Count("pk", filter=Q(execution_state=ExecutionState.REWORKED)),
            )
        if "backlog" in needs:
            self.backlog()
        if "overdue" in needs:
            self.overdue()
        if "resources" in needs:
            resources = scoped_resources(self.scope, self.site_ids).count()
            for i, (start, _end) in enumerate(self.bounds):
                self.sums[i]["resource_hours"] += resources * (self.untils[i] - start).total_seconds() / 3600
        if "downtime" in needs:
            self.downtime()

    def _bucket(self, key: Any) -> Any:
        # The local date the period starts on (a date: no time zone conversion on the way back).
        return Trunc(key, self.grain, output_field=DateField(), tzinfo=self.zone)

    def _grouped(self, key: Any, condition: Q, below: datetime.datetime, within: Q, **aggregates: Any) -> Any:
        """The aggregates per period of the orders whose ``key`` is in ``[first, below)``; ``within`` is
        the same range on the order's own dates, which the indexes answer (``order_sql.indexed``)."""
        rows = self.orders().filter(indexed(within)).annotate(_key=key)
        rows = rows.filter(condition, _key__gte=self.first, _key__lt=below)
        return rows.annotate(_bucket=self._bucket(F("_key"))).values("_bucket").annotate(**aggregates)

    @staticmethod
    def _day(bucket: datetime.date | datetime.datetime | None) -> datetime.date | None:
        if isinstance(bucket, datetime.datetime):
            return bucket.date()
        return bucket

    def by_period(self, field: str, condition: Q, below: datetime.datetime, **aggregates: Any) -> None:
        """Add, for each period, the aggregates of the orders whose ``field`` falls in it."""
        within = in_range(field, self.first, below)
        for row in self._grouped(F(field), condition, below, within, **aggregates):
            i = self.index.get(self._day(row["_bucket"]))  # type: ignore[arg-type]
            if i is None:
                continue  # between periods that were not asked for
            for name in aggregates:
                if name == "repair_time":
                    self.sums[i]["repair_hours"] += hours(row[name])
                else:
                    self.sums[i][name] += float(row[name] or 0)

    def running(
        self, start: dict[str, float], key: Any, condition: Q, within: Q, **aggregates: Any
    ) -> list[dict[str, float]]:
        """For each period, ``start`` (the totals at the first period's start) plus the aggregates of the
        orders whose ``key`` is from then to that period's backlog point: per-period groups summed up."""
        groups = [
            (self._day(row["_bucket"]), row)
            for row in self._grouped(key, condition, max(self.backlog_ats), within, **aggregates)
        ]
        totals = []
        for i, period in enumerate(self.periods):
            point_day = min(period.end_day, self.backlog_ats[i].astimezone(self.zone).date() + datetime.timedelta(1))
            chosen = [row for day, row in groups if day is not None and day < point_day]
            totals.append(
                {name: start.get(name, 0.0) + sum(float(row[name] or 0) for row in chosen) for name in aggregates}
            )
        return totals

    @cached_property
    def at_first(self) -> dict[str, float]:
        """The backlog (orders, estimated minutes, unestimated) and the overdue orders at the first period's
        start, in one query over the orders open then (open now, or closed since)."""
        open_then = open_at_q(self.first)
        row = (
            self.orders()
            .filter(indexed(Q(closed_at__gte=self.first)))
            .aggregate(
                orders=Count("pk", filter=open_then),
                minutes=Sum("activity__estimated_minutes", filter=open_then),
                unestimated=Count("pk", filter=open_then & UNESTIMATED),
                overdue=Count("pk", filter=overdue_at_q(self.first)),
            )
        )
        return {name: float(value or 0) for name, value in row.items()}

    def backlog(self) -> None:
        """Open at each period's point: the orders open at the first period's start, plus those created
        since, minus those closed since (each grouped by period)."""
        estimate = {
            "orders": Count("pk"),
            "minutes": Sum("activity__estimated_minutes"),
            "unestimated": Count("pk", filter=UNESTIMATED),
        }
        start = self.at_first
        since = Q(created_at__gte=self.first)
        created = self.running(start, F("created_at"), Q(), since, **estimate)
        closed = self.running({}, F("closed_at"), Q(closed_at__isnull=False), Q(closed_at__gte=self.first), **estimate)
        for i, (made, done) in enumerate(zip(created, closed, strict=True)):
            self.sums[i]["backlog_orders"] += made["orders"] - done["orders"]
            self.sums[i]["backlog_minutes"] += made["minutes"] - done["minutes"]
            self.sums[i]["backlog_unestimated"] += made["unestimated"] - done["unestimated"]

    def overdue(self) -> None:
        """Open at the point and past the deadline then: those overdue at the first period's start, plus
        (created and past the deadline since) minus (also closed since)."""
        deadline = Coalesce(F("late_due_at"), F("due_at"))
        has_deadline = Q(late_due_at__isnull=False) | Q(due_at__isnull=False)
        # Greatest(created, deadline) from the first period on: created or due since then.
        since = Q(created_at__gte=self.first) | Q(late_due_at__gte=self.first) | Q(due_at__gte=self.first)
        late = self.running(
            {"orders": self.at_first["overdue"]},
            Greatest(F("created_at"), deadline),
            has_deadline,
            since,
            orders=Count("pk"),
        )
        done = self.running(
            {},
            Greatest(F("created_at"), deadline, F("closed_at")),
            has_deadline & Q(closed_at__isnull=False),
            since | Q(closed_at__gte=self.first),
            orders=Count("pk"),
        )
        for i, (made, closed) in enumerate(zip(late, done, strict=True)):
            self.sums[i]["overdue_orders"] += made["orders"] - closed["orders"]

    def downtime(self) -> None:
        """Downtime hours of each period: one column per period, in one query."""
        columns: dict[str, Any] = {}
        for i, (start, _end) in enumerate(self.bounds):
            until = self.untils[i]
            if until <= start:
                continue
            clipped = Least(Coalesce(F("ended_at"), Value(until)), Value(until)) - Greatest(
                F("started_at"), Value(start)
            )
            overlapping = Q(started_at__lt=until) & (Q(ended_at__isnull=True) | Q(ended_at__gt=start))
            columns[f"p{i}"] = Sum(ExpressionWrapper(clipped, output_field=DurationField()), filter=overlapping)
        if not columns:
            return
        row = scoped_downtime(self.scope, self.site_ids).aggregate(**columns)
        for name, value in row.items():
            self.sums[int(name[1:])]["downtime_hours"] += hours(value)
