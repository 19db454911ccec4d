"""The Pareto of failures: which problems, causes or remedies the corrective work of a period had most
often, with the downtime they caused, largest first, and each one's cumulative share of the orders.

Counted: corrective orders *closed* in the period (at their site's local time) that were completed, that
is accepted (closed) or sent back for rework (reworked: the failure was found all the same; its rework
order is of another kind, so no failure counts twice). Closing time rather than creation time, because a
failure's code is known only once the work is done: a period's Pareto by closing time is final when the
period ends, one by creation time would keep changing while its orders are still open. Canceled,
rejected and joined requests are not failures and are left out.

One query per distinct time zone of the sites in scope (plus one for the zones), whatever the number of
orders or codes; downtime is the whole of each downtime period the order caused (an open one: until now).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from orders.models import ExecutionState, OrderKind, WorkOrder
from reports.kpis.common import KpiDefinition, Period, Scope

Level = Literal["problem", "cause", "remedy"]
LEVELS: tuple[Level, ...] = ("problem", "cause", "remedy")
# The order list the drill-downs open (its filters are ``orders.filters.WorkOrderFilterSet``).
ORDER_LIST_URL_NAME = "orders:order_list"
COUNTED_STATES = (ExecutionState.CLOSED, ExecutionState.REWORKED)
NOT_CODED = "none"  # the filter value (and row code id) of the orders without a code at the level

FAILURE_KPIS: dict[str, KpiDefinition] = {
    kpi.key: kpi
    for kpi in [
        KpiDefinition(
            "failure_pareto",
            _("Pareto of failure causes"),
            "count",
            _(
                "Corrective orders closed in the period (accepted, or sent back for rework) per failure cause "
                "given when their work was completed, most frequent first, with the downtime hours those "
                "orders caused and each cause's cumulative share of the orders; orders closed without a "
                "cause are counted apart, last. The same count per problem or per remedy on request."
            ),
            "neither",
            ("reliability", "failures", "chart"),
        ),
    ]
}


class ParetoRow(NamedTuple):
    """One bar of the Pareto: a code (``code_id`` None for the orders without one), how many orders,
    the downtime they caused, and the share of all counted orders up to and including this row."""

    code_id: int | None
    code: str
    name: str
    orders: int  # how many orders (not "count": tuples have a count method)
    downtime_hours: float
    cumulative_share: float  # 0..1


def _field(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: one of {', '.join(LEVELS)}")
    return f"failure_{level}"


def counted_orders(scope: Scope, site_ids: list[int], period: Period, zone: Any) -> Any:
    """The orders the Pareto counts for the sites of one time zone (a queryset, not evaluated)."""
    start, end = period.bounds(zone)
    return WorkOrder.objects.filter(
        scope.entity_q(),
        site_id__in=site_ids,
        kind=OrderKind.CORRECTIVE,
        execution_state__in=COUNTED_STATES,
        closed_at__gte=start,
        closed_at__lt=end,
    )


def failure_pareto(scope: Scope, period: Period, level: Level = "cause") -> list[ParetoRow]:
    """The Pareto of the period's corrective orders by failure ``level`` (problem, cause or remedy)."""
    field = _field(level)
    now = timezone.now()
    downtime = ExpressionWrapper(
        Coalesce(F("downtime_periods__ended_at"), Value(now)) - F("downtime_periods__started_at"),
        output_field=DurationField(),
    )
    totals: dict[int | None, dict[str, Any]] = {}
    for zone, site_ids in scope.zone_groups():
        rows = (
            counted_orders(scope, site_ids, period, zone)
            .order_by()
            .values(f"{field}_id", f"{field}__code", f"{field}__name")
            .annotate(orders=Count("pk", distinct=True), downtime=Sum(downtime))
        )
        for row in rows:
            total = totals.setdefault(
                row[f"{field}_id"],
                {"code": row[f"{field}__code"] or "", "name": row[f"{field}__name"] or "", "count": 0, "hours": 0.0},
            )
            total["count"] += row["orders"]
            total["hours"] += row["downtime"].total_seconds() / 3600 if row["downtime"] else 0.0
    coded = sorted(
        ((code_id, t) for code_id, t in totals.items() if code_id is not None),
        key=lambda item: (-item[1]["count"], -item[1]["hours"], item[1]["code"]),
    )
    ordered: list[tuple[int | None, dict[str, Any]]] = list(coded)
    if None in totals:
        ordered.append((None, {**totals[None], "name": str(_("Not coded"))}))
    grand = sum(t["count"] for _id, t in ordered)
    result: list[ParetoRow] = []
    running = 0
    for code_id, t in ordered:
        running += t["count"]
        result.append(
            ParetoRow(
                code_id, t["code"], t["name"], t["count"], round(t["hours"], 2), running / grand if grand else 0.0
            )
        )
    return result


def drilldown_query(scope: Scope, period: Period, code: int | None, level: Level = "cause") -> dict[str, Any]:
    """The order list's query parameters behind one Pareto row (``code`` None: the orders without a code):
    the same orders the row counts (closing dates are read at each order's site by the list's filters)."""
    return {
        **scope.query_params(),
        "kind": OrderKind.CORRECTIVE.value,
        "execution_state": [state.value for state in COUNTED_STATES],
        "closed_after": period.first_day.isoformat(),
        "closed_before": period.end_day.isoformat(),
        _field(level): NOT_CODED if code is None else str(code),
    }


def drilldown(scope: Scope, period: Period, code: int | None, level: Level = "cause") -> str:
    """The URL of the order list behind one Pareto row."""
    return f"{reverse(ORDER_LIST_URL_NAME)}?{urlencode(drilldown_query(scope, period, code, level), doseq=True)}"
