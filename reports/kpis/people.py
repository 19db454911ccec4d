"""Technicians and adoption: who uses the system, how much, and how much of it is entered by phone.

Labour is dated by when it was recorded (``LabourEntry.recorded_at``, local to the order's site); its
channel is ``LabourEntry.entered_via`` (phone or tablet, desktop, API, import, system), set by the
screens from the browser's User-Agent (``core.devices``). Entries from before the channel was kept are
"unknown" and left out of the phone share (neither phone nor not).

A user is *active* in a period when they recorded anything on the scope's work in it: labour, a
checklist answer, a collected value, a part used, a comment, or a request for work; in a scope of whole
sites also a stock movement or an external cost. Meter readings are not counted (most come from meters
and imports, not from people). The queries are a fixed number whatever the number of employees or
orders: per-employee numbers are grouped in SQL, and the period is one condition per time zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Func, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.devices import EntryChannel
from inventory.models import CostEntry, CostKind, StockMovement
from orders.models import (
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    ExecutionState,
    LabourEntry,
    UsedPart,
    WorkOrder,
)
from people.models import Employee
from reports.kpis.common import KpiDefinition, Period, Scope

ZERO = Decimal(0)

PEOPLE_KPIS: dict[str, KpiDefinition] = {
    definition.key: definition
    for definition in [
        KpiDefinition(
            "active_users",
            _("Active users"),
            "count",
            _(
                "People who recorded anything on the work in the period: hours, checklist answers, collected "
                "values, parts used, comments or work requests (and, for whole sites, stock movements and costs)."
            ),
            better="higher",
            tags=("adoption",),
        ),
        KpiDefinition(
            "phone_share",
            _("Labour entered by phone"),
            "%",
            _(
                "Share of the labour entries of the period made on a phone or tablet, of those whose channel "
                "is known (entries from before it was recorded are left out)."
            ),
            better="higher",
            tags=("adoption",),
        ),
        KpiDefinition(
            "labour_hours",
            _("Labour hours"),
            "h",
            _("Hours recorded on work orders in the period (running clocks are not counted until stopped)."),
            tags=("adoption",),
        ),
        KpiDefinition(
            "labour_entries",
            _("Labour entries"),
            "count",
            _("Labour entries recorded on work orders in the period, by clock or as hours."),
            better="higher",
            tags=("adoption",),
        ),
        KpiDefinition(
            "orders_worked",
            _("Orders worked"),
            "count",
            _(
                "Work orders a person recorded hours on in the period, or was assigned to and that were closed "
                "in the period; each order once per person."
            ),
            tags=("adoption",),
        ),
    ]
}


@dataclass
class EmployeeActivity:
    """One employee's row of the technicians table over a period."""

    employee_id: int
    code: str
    name: str
    trade: str
    user_id: int | None
    orders_worked: int
    labour_hours: Decimal
    labour_entries: int
    phone_entries: int
    known_channel_entries: int
    last_activity: datetime.datetime | None

    @property
    def phone_share(self) -> Decimal | None:
        """Percent of the entries with a known channel made by phone (``None`` when none is known)."""
        return _percent(self.phone_entries, self.known_channel_entries)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _period_q(zones: list[Any], period: Period, time_field: str, site_field: str) -> Q:
    """Rows whose ``time_field`` falls in the period at their site (one condition per time zone)."""
    q = Q(pk__in=[])
    for zone, site_ids in zones:
        start, end = period.bounds(zone)
        q |= Q(**{f"{site_field}__in": site_ids, f"{time_field}__gte": start, f"{time_field}__lt": end})
    return q


def _narrowed(scope: Scope) -> bool:
    return bool(scope.area_path) or scope.narrows_to_resources


def _labour(scope: Scope, zones: list[Any], period: Period) -> QuerySet[LabourEntry]:
    return LabourEntry.objects.filter(
        _period_q(zones, period, "recorded_at", "order__site_id") & scope.entity_q("order__")
    ).order_by()


def _count() -> Func:
    """``COUNT(id)`` as a plain function: a correlated sub-select's one value, with no GROUP BY."""
    return Func(F("pk"), function="COUNT", output_field=IntegerField())


def _last_activity(sites: list[int]) -> Any:
    """The latest moment an employee (by their user, or their labour) recorded anything on the sites' work."""
    user = OuterRef("user_id")
    sources = [
        LabourEntry.objects.filter(employee_id=OuterRef("pk"), order__site_id__in=sites).values("employee_id"),
        Comment.objects.filter(author_id=user, order__site_id__in=sites).values("author_id"),
        ChecklistAnswer.objects.filter(answered_by_id=user, order__site_id__in=sites).values("answered_by_id"),
        DataValue.objects.filter(recorded_by_id=user, order__site_id__in=sites).values("recorded_by_id"),
        UsedPart.objects.filter(recorded_by_id=user, order__site_id__in=sites).values("recorded_by_id"),
    ]
    fields = ["recorded_at", "created_at", "answered_at", "recorded_at", "recorded_at"]
    return [
        Subquery(source.order_by().annotate(latest=Max(field)).values("latest")[:1])
        for source, field in zip(sources, fields, strict=True)
    ]


def employee_activity(scope: Scope, period: Period) -> list[EmployeeActivity]:
    """Every employee of the scope's sites, active or with labour in the period, with what they did in it
    (by name). Three queries: the sites' time zones, the employees (with their orders worked and last
    activity as sub-selects), and their labour grouped by employee."""
    zones = list(scope.zone_groups())
    sites = [site_id for _zone, ids in zones for site_id in ids]
    if not sites:
        return []
    labour = _labour(scope, zones, period)
    worked = (
        WorkOrder.objects.filter(Q(site_id__in=sites) & scope.entity_q())
        .filter(
            Q(pk__in=labour.filter(employee_id=OuterRef(OuterRef("pk"))).values("order_id"))
            | (
                Q(pk__in=Assignment.objects.filter(employee_id=OuterRef(OuterRef("pk"))).values("order_id"))
                & Q(execution_state=ExecutionState.CLOSED)
                & _period_q(zones, period, "closed_at", "site_id")
            )
        )
        .order_by()
    )
    latest = _last_activity(sites)
    employees = (
        Employee.objects.filter(pk__in=Employee.sites.through.objects.filter(area_id__in=sites).values("employee_id"))
        .filter(Q(active=True) | Q(pk__in=labour.values("employee_id")))
        .annotate(orders_worked=Subquery(worked.values(n=_count()), output_field=IntegerField()))
        .annotate(**{f"latest_{index}": expression for index, expression in enumerate(latest)})
        .order_by("name", "code")
    )
    totals = {
        row["employee_id"]: row
        for row in labour.values("employee_id").annotate(
            hours=Sum("hours"),
            entries=Count("pk"),
            phone=Count("pk", filter=Q(entered_via=EntryChannel.PHONE)),
            known=Count("pk", filter=~Q(entered_via=EntryChannel.UNKNOWN)),
        )
    }
    rows = []
    for employee in employees:
        mine = totals.get(employee.pk, {})
        moments = [getattr(employee, f"latest_{index}") for index in range(len(latest))]
        rows.append(
            EmployeeActivity(
                employee_id=employee.pk,
                code=employee.code,
                name=employee.name,
                trade=employee.trade,
                user_id=employee.user_id,
                orders_worked=getattr(employee, "orders_worked", 0) or 0,
                labour_hours=mine.get("hours") or ZERO,
                labour_entries=mine.get("entries", 0),
                phone_entries=mine.get("phone", 0),
                known_channel_entries=mine.get("known", 0),
                last_activity=max((m for m in moments if m is not None), default=None),
            )
        )
    return rows


def _active_user_ids(scope: Scope, zones: list[Any], period: Period) -> QuerySet[Any]:
    """The distinct users who recorded anything on the scope's work in the period (one UNION query)."""
    entity = scope.entity_q("order__")

    def on_orders(model: Any, user_field: str, time_field: str) -> QuerySet[Any]:
        return (
            model.objects.filter(_period_q(zones, period, time_field, "order__site_id") & entity)
            .exclude(**{f"{user_field}__isnull": True})
            .order_by()
            .values_list(user_field, flat=True)
        )

    parts = [
        on_orders(LabourEntry, "employee__user_id", "recorded_at"),
        on_orders(ChecklistAnswer, "answered_by_id", "answered_at"),
        on_orders(DataValue, "recorded_by_id", "recorded_at"),
        on_orders(UsedPart, "recorded_by_id", "recorded_at"),
        on_orders(Comment, "author_id", "created_at"),
        WorkOrder.objects.filter(_period_q(zones, period, "created_at", "site_id") & scope.entity_q())
        .exclude(requester_id__isnull=True)
        .order_by()
        .values_list("requester_id", flat=True),
    ]
    if not _narrowed(scope):
        parts.append(
            StockMovement.objects.filter(_period_q(zones, period, "occurred_at", "site_id"))
            .exclude(recorded_by_id__isnull=True)
            .order_by()
            .values_list("recorded_by_id", flat=True)
        )
        sites = [site_id for _zone, ids in zones for site_id in ids]
        parts.append(
            CostEntry.objects.filter(
                kind=CostKind.EXTERNAL,
                site_id__in=sites,
                incurred_on__gte=period.first_day,
                incurred_on__lt=period.end_day,
            )
            .exclude(recorded_by_id__isnull=True)
            .order_by()
            .values_list("recorded_by_id", flat=True)
        )
    return parts[0].union(*parts[1:])


def people_kpis(scope: Scope, period: Period) -> dict[str, Any]:
    """The adoption tiles: ``active_users`` (count), ``labour_hours`` (Decimal), ``labour_entries``,
    ``phone_entries``, ``known_channel_entries`` (counts) and ``phone_share`` (percent or ``None``).
    Three queries: the sites' time zones, the active users (one UNION), the labour totals."""
    zones = list(scope.zone_groups())
    if not zones:
        return {
            "active_users": 0,
            "labour_hours": ZERO,
            "labour_entries": 0,
            "phone_entries": 0,
            "known_channel_entries": 0,
            "phone_share": None,
        }
    totals = _labour(scope, zones, period).aggregate(
        hours=Sum("hours"),
        entries=Count("pk"),
        phone=Count("pk", filter=Q(entered_via=EntryChannel.PHONE)),
        known=Count("pk", filter=~Q(entered_via=EntryChannel.UNKNOWN)),
    )
    return {
        "active_users": _active_user_ids(scope, zones, period).count(),
        "labour_hours": totals["hours"] or ZERO,
        "labour_entries": totals["entries"],
        "phone_entries": totals["phone"],
        "known_channel_entries": totals["known"],
        "phone_share": _percent(totals["phone"], totals["known"]),
    }


def drilldown(key: str, scope: Scope, period: Period) -> str:
    """The list behind a people number. Labour hours and entries: the order list of the scope with the
    orders labour was recorded on in the period (``cost_kind=labour``: every labour entry, costed or not).
    The others (people, shares, orders worked, which also counts assignments) have no list screen: their
    breakdown is the technicians table (``employee_activity``) shown beside them, and ``""`` draws no link.
    An unknown key is an error."""
    if key not in PEOPLE_KPIS:
        raise KeyError(key)
    if key not in ("labour_hours", "labour_entries"):
        return ""
    params = {
        **scope.query_params(),
        "cost_after": period.first_day.isoformat(),
        "cost_before": period.end_day.isoformat(),
        "cost_kind": "labour",
    }
    return f"{reverse('orders:order_list')}?{urlencode(params)}"
