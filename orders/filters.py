"""Filters of the work-order lists: the screens and the API share these FilterSets.

Pass ``request=`` so choices (sites, plans) are limited to what the user may see. Scoping itself is not a
filter: callers start from ``WorkOrder.objects.visible_to(user)``.

The time filters (``created_after``, ``closed_before``, ``open_at``...) take an ISO date-time, an instant,
or a date, which means midnight *at each order's site*: ``closed_after=2026-03-01&closed_before=2026-04-01``
is March in Nairobi for a Nairobi order and March in Lima for a Lima order, as the KPIs count it
(``reports.kpis``), so a KPI's drill-down link lists exactly the orders its number counts.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from assets.models import Area, Criticality
from core.scoping import has_role, user_group_ids, visible_site_ids
from inventory.models import CostEntry, CostKind, StockMovement
from inventory.services.common import CONSUMING_KINDS
from orders.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Assignment,
    DowntimePeriod,
    ExecutionState,
    LabourEntry,
    OrderKind,
    ScheduleState,
    WorkOrder,
)
from orders.services import TECHNICIAN_ROLE
from plans.models import MaintenancePlan, Priority

Moment = datetime.date | datetime.datetime
FIRST_DAY, LAST_DAY = datetime.date(2, 1, 1), datetime.date(9998, 12, 31)


class MomentField(forms.CharField):
    """An ISO date-time (an instant; without an offset, in the server's time zone) or an ISO date."""

    default_error_messages = {
        "invalid": _("Enter a date (2026-03-01) or a date and time (2026-03-01T08:00:00+03:00)."),
        "out_of_range": _("Give a date between the years 2 and 9998."),
    }

    def to_python(self, value: Any) -> Moment | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            if len(text) == 10:
                day = parse_date(text)
                if day is not None:
                    # Midnight of it in any time zone must still be a date and time in UTC.
                    if not FIRST_DAY <= day <= LAST_DAY:
                        raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
                    return day
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            # In UTC: PostgreSQL refuses offsets beyond +-15:59, which ISO 8601 allows.
            return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)).astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def is_local_date(value: Moment | None) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def at_midnight(value: Moment | None, zone: zoneinfo.ZoneInfo) -> datetime.datetime | None:
    """An instant as it is; a date as midnight at its start in ``zone``."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=zone)


class MomentFilter(django_filters.Filter):
    """A bound on a time field: an instant, or a date read as midnight in each order's site time zone."""

    field_class = MomentField

    def filter(self, qs: QuerySet[Any], value: Moment | None) -> QuerySet[Any]:
        if value is None:
            return qs
        lookup = f"{self.field_name}__{self.lookup_expr}"
        return qs.filter(self.parent.at_sites(value, lambda at: Q(**{lookup: at})))


def open_at_q(at: datetime.datetime, prefix: str = "") -> Q:
    """Orders open at the instant ``at``: created before it and not closed by then."""
    return Q(**{f"{prefix}created_at__lt": at}) & (
        Q(**{f"{prefix}closed_at__isnull": True}) | Q(**{f"{prefix}closed_at__gte": at})
    )


def overdue_at_q(at: datetime.datetime, prefix: str = "") -> Q:
    """Orders open at ``at`` and past their late-due point then (their due point when they have no late-due)."""
    past_deadline = Q(**{f"{prefix}late_due_at__lt": at}) | Q(
        **{f"{prefix}late_due_at__isnull": True, f"{prefix}due_at__lt": at}
    )
    return open_at_q(at, prefix) & past_deadline


def downtime_overlap_q(start: datetime.datetime | None, end: datetime.datetime | None, prefix: str = "") -> Q:
    """Downtime periods with some time inside ``[start, end)`` (an open one lasts until now)."""
    q = Q()
    if end is not None:
        q &= Q(**{f"{prefix}started_at__lt": min(end, timezone.now())})
    if start is not None:
        q &= Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": start})
    return q


def window_passed_q(now: datetime.datetime) -> Q:
    """Orders whose late-due point (their due point when they have none) is behind ``now``: decided."""
    return Q(late_due_at__lt=now) | Q(late_due_at__isnull=True, due_at__lt=now)


# Closed within the window the plan allows: not before its early-due point (if it has one), not after
# its late-due point (its due point when it has no late-due point).
CLOSED_IN_WINDOW = (
    Q(execution_state=ExecutionState.CLOSED)
    & (Q(early_due_at__isnull=True) | Q(closed_at__gte=F("early_due_at")))
    & (Q(closed_at__lte=F("late_due_at")) | Q(late_due_at__isnull=True, closed_at__lte=F("due_at")))
)
BREAKDOWN = Q(kind=OrderKind.CORRECTIVE, resource__isnull=False)
# No estimated duration: no activity, or an activity without one.
UNESTIMATED = Q(activity__isnull=True) | Q(activity__estimated_minutes__isnull=True)

COST_KINDS = [("labour", _("Labour")), ("parts", _("Parts")), ("external", _("External"))]


def cost_q(kind: str | None, start: datetime.datetime | None, end: datetime.datetime | None) -> Q:
    """Orders with cost of ``kind`` (``None``: any) inside ``[start, end)`` (either bound may be open).
    External cost is dated by day: the bounds' own dates (local midnight at each site: its local day)."""

    def window(field: str, low: Any, high: Any) -> dict[str, Any]:
        bounds = {f"{field}__gte": low, f"{field}__lt": high}
        return {key: bound for key, bound in bounds.items() if bound is not None}

    q = Q(pk__in=[])
    if kind in (None, "labour"):
        q |= Q(Exists(LabourEntry.objects.filter(order_id=OuterRef("pk"), **window("recorded_at", start, end))))
    if kind in (None, "parts"):
        moves = StockMovement.objects.filter(
            reference=OuterRef("number"), kind__in=CONSUMING_KINDS, **window("occurred_at", start, end)
        )
        q |= Q(Exists(moves))
    if kind in (None, "external"):
        days = window("incurred_on", start and start.date(), end and end.date())
        q |= Q(Exists(CostEntry.objects.filter(reference=OuterRef("number"), kind=CostKind.EXTERNAL, **days)))
    return q


# A failure code filter's value: a code's id, or "none" (orders without a code there).
FAILURE_CODE_VALUE = RegexValidator(r"^(none|[0-9]{1,18})$", _("Give a failure code id, or none."))


class WorkOrderFilterSet(django_filters.FilterSet):
    """Search, status, schedule, site, plan, entity, assignment and due-date filters for orders."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=[("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))],
        empty_label=_("Any"),
        method="filter_status",
    )
    execution_state = django_filters.MultipleChoiceFilter(label=_("State"), choices=ExecutionState.choices)
    schedule_state = django_filters.MultipleChoiceFilter(label=_("Schedule"), choices=ScheduleState.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrderKind.choices, empty_label=_("Any"))
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices, empty_label=_("Any"))
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Area.objects.none(), empty_label=_("Any"))
    plan = django_filters.ModelChoiceFilter(
        label=_("Plan"),
        queryset=MaintenancePlan.objects.none(),
        empty_label=_("Any"),
        field_name="plan_instance__plan",
    )
    area = django_filters.NumberFilter(label=_("Area (with everything in it)"), method="filter_area")
    resource = django_filters.NumberFilter(label=_("Resource"), field_name="resource_id")
    container = django_filters.NumberFilter(label=_("Container"), field_name="container_id")
    material = django_filters.NumberFilter(label=_("Material"), field_name="material_id")
    assigned = django_filters.ChoiceFilter(
        label=_("Assigned"),
        choices=[("me", _("To me")), ("my_role", _("To me or my role")), ("nobody", _("Nobody yet"))],
        empty_label=_("Anyone"),
        method="filter_assigned",
    )
    requested_by_me = django_filters.BooleanFilter(label=_("Requested by me"), method="filter_requested_by_me")
    due_after = MomentFilter(label=_("Due from"), field_name="due_at", lookup_expr="gte")
    due_before = MomentFilter(label=_("Due before"), field_name="due_at", lookup_expr="lt")
    # The drill-downs of the KPIs (reports.kpis): the same definitions, as filters of the lists.
    created_after = MomentFilter(label=_("Created from"), field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(label=_("Created before"), field_name="created_at", lookup_expr="lt")
    completed_after = MomentFilter(label=_("Completed from"), field_name="completed_at", lookup_expr="gte")
    completed_before = MomentFilter(label=_("Completed before"), field_name="completed_at", lookup_expr="lt")
    closed_after = MomentFilter(label=_("Closed from"), field_name="closed_at", lookup_expr="gte")
    closed_before = MomentFilter(label=_("Closed before"), field_name="closed_at", lookup_expr="lt")
    late_due_after = MomentFilter(label=_("Late due from"), field_name="late_due_at", lookup_expr="gte")
    late_due_before = MomentFilter(label=_("Late due before"), field_name="late_due_at", lookup_expr="lt")
    open_at = MomentFilter(label=_("Open at (now, if later)"), method="filter_open_at")
    overdue_at = MomentFilter(label=_("Overdue at (now, if later)"), method="filter_overdue_at")
    downtime_after = MomentFilter(label=_("With downtime from"), method="filter_downtime")
    downtime_before = MomentFilter(label=_("With downtime before"), method="filter_downtime")
    cost_after = MomentFilter(label=_("With cost from"), method="filter_cost")
    cost_before = MomentFilter(label=_("With cost before"), method="filter_cost")
    cost_kind = django_filters.ChoiceFilter(label=_("Cost of"), choices=COST_KINDS, method="filter_cost")
    window_passed = django_filters.BooleanFilter(label=_("Late-due point passed"), method="filter_window_passed")
    estimated = django_filters.BooleanFilter(label=_("With an estimated duration"), method="filter_estimated")
    closed_on_time = django_filters.BooleanFilter(label=_("Closed by its late-due point"))
    closed_in_window = django_filters.BooleanFilter(
        label=_("Closed within its early-due to late-due window"), method="filter_closed_in_window"
    )
    breakdown = django_filters.BooleanFilter(
        label=_("Breakdown (corrective, on a resource)"), method="filter_breakdown"
    )
    resource_type = django_filters.NumberFilter(label=_("Resource type"), field_name="resource__resource_type_id")
    criticality = django_filters.ChoiceFilter(
        label=_("Criticality"), choices=Criticality.choices, empty_label=_("Any"), field_name="resource__criticality"
    )

    # Failure codes (an id, or "none" for orders without one): the drill-down of the failure Pareto
    # (reports.kpis.failures).
    failure_problem = django_filters.CharFilter(
        label=_("Failure problem"), method="filter_failure", validators=[FAILURE_CODE_VALUE]
    )
    failure_cause = django_filters.CharFilter(
        label=_("Failure cause"), method="filter_failure", validators=[FAILURE_CODE_VALUE]
    )
    failure_remedy = django_filters.CharFilter(
        label=_("Remedy"), method="filter_failure", validators=[FAILURE_CODE_VALUE]
    )

    class Meta:
        model = WorkOrder
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        site_ids = visible_site_ids(user)
        self.filters["site"].queryset = Area.objects.sites().in_sites(site_ids).order_by("name")
        self.filters["plan"].queryset = MaintenancePlan.objects.order_by("code")

    def _user(self) -> Any:
        return getattr(self.request, "user", None)

    def at_sites(self, value: Moment, build: Callable[[datetime.datetime], Q]) -> Q:
        """``build(instant)`` for an instant; for a date, ``build`` at midnight of that date in each site's
        time zone, each for the orders of those sites."""
        return self.between_at_sites(value, None, lambda start, _end: build(start) if start else Q(pk__in=[]))

    def between_at_sites(
        self,
        start: Moment | None,
        end: Moment | None,
        build: Callable[[datetime.datetime | None, datetime.datetime | None], Q],
    ) -> Q:
        """``build(start, end)`` with each date read as midnight in each site's time zone (the sites are
        read once per filter set, and only when a date is given)."""
        if not any(is_local_date(value) for value in (start, end)):
            return build(start, end)  # type: ignore[arg-type]
        q = Q(pk__in=[])
        for zone, site_ids in self._site_zones().items():
            q |= Q(site_id__in=site_ids) & build(at_midnight(start, zone), at_midnight(end, zone))
        return q

    def _site_zones(self) -> dict[zoneinfo.ZoneInfo, list[int]]:
        zones: dict[zoneinfo.ZoneInfo, list[int]] | None = getattr(self, "_zones", None)
        if zones is None:
            zones = {}
            for site_id, zone in Area.objects.sites().order_by().values_list("pk", "time_zone"):
                zones.setdefault(zoneinfo.ZoneInfo(zone or settings.TIME_ZONE), []).append(site_id)
            self._zones = zones
        return zones

    # Open or overdue at a point still to come means now (the KPIs count the current period's backlog so):
    # an order due later today is not overdue yet.
    def filter_open_at(self, queryset: QuerySet[WorkOrder], name: str, value: Moment) -> QuerySet[WorkOrder]:
        now = timezone.now()
        return queryset.filter(self.at_sites(value, lambda at: open_at_q(min(at, now))))

    def filter_overdue_at(self, queryset: QuerySet[WorkOrder], name: str, value: Moment) -> QuerySet[WorkOrder]:
        now = timezone.now()
        return queryset.filter(self.at_sites(value, lambda at: overdue_at_q(min(at, now))))

    def filter_downtime(self, queryset: QuerySet[WorkOrder], name: str, value: Moment) -> QuerySet[WorkOrder]:
        """Orders that caused downtime (a period pointing at them) inside ``[downtime_after,
        downtime_before)``: both bounds apply to the same period, so they are applied together, once."""
        start = self.form.cleaned_data.get("downtime_after")
        end = self.form.cleaned_data.get("downtime_before")
        if name == "downtime_before" and start is not None:
            return queryset  # applied with downtime_after

        def caused_downtime(bound_start: datetime.datetime | None, bound_end: datetime.datetime | None) -> Q:
            periods = DowntimePeriod.objects.filter(downtime_overlap_q(bound_start, bound_end), order_id=OuterRef("pk"))
            return Q(Exists(periods))

        return queryset.filter(self.between_at_sites(start, end, caused_downtime))

    def filter_cost(self, queryset: QuerySet[WorkOrder], name: str, value: Any) -> QuerySet[WorkOrder]:
        """Orders with cost of ``cost_kind`` (any of them when not given) booked inside ``[cost_after,
        cost_before)``, as the cost KPIs date it: labour by when it was recorded, parts by the stock
        movement, external cost by the day it was incurred. The three filters apply together, once."""
        data = self.form.cleaned_data
        given = [key for key in ("cost_after", "cost_before", "cost_kind") if data.get(key) not in (None, "")]
        if not given or name != given[0]:
            return queryset  # applied with the first one given
        kind = data.get("cost_kind") or None
        start, end = data.get("cost_after"), data.get("cost_before")
        return queryset.filter(self.between_at_sites(start, end, lambda low, high: cost_q(kind, low, high)))

    def filter_closed_in_window(
        self, queryset: QuerySet[WorkOrder], name: str, value: bool | None
    ) -> QuerySet[WorkOrder]:
        if value is None:
            return queryset
        return queryset.filter(CLOSED_IN_WINDOW) if value else queryset.exclude(CLOSED_IN_WINDOW)

    def filter_window_passed(self, queryset: QuerySet[WorkOrder], name: str, value: bool | None) -> QuerySet[WorkOrder]:
        if value is None:
            return queryset
        passed = window_passed_q(timezone.now())
        return queryset.filter(passed) if value else queryset.exclude(passed)

    def filter_estimated(self, queryset: QuerySet[WorkOrder], name: str, value: bool | None) -> QuerySet[WorkOrder]:
        if value is None:
            return queryset
        return queryset.exclude(UNESTIMATED) if value else queryset.filter(UNESTIMATED)

    def filter_breakdown(self, queryset: QuerySet[WorkOrder], name: str, value: bool | None) -> QuerySet[WorkOrder]:
        if value is None:
            return queryset
        return queryset.filter(BREAKDOWN) if value else queryset.exclude(BREAKDOWN)

    def filter_search(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(resource__tag__icontains=value)
            | Q(resource__name__icontains=value)
        )

    def filter_status(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        if value == "open":
            return queryset.filter(execution_state__in=OPEN_STATES)
        if value == "closed":
            return queryset.filter(execution_state__in=CLOSED_STATES)
        return queryset

    def filter_area(self, queryset: QuerySet[WorkOrder], name: str, value: Any) -> QuerySet[WorkOrder]:
        area = Area.objects.filter(pk=value).only("path").first()
        if area is None:
            return queryset.none()
        prefix = area.path
        return queryset.filter(
            Q(area__path__startswith=prefix)
            | Q(resource__area__path__startswith=prefix)
            | Q(container__area__path__startswith=prefix)
            | Q(material__area__path__startswith=prefix)
        )

    def filter_assigned(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        user = self._user()
        anyone = Assignment.objects.filter(order_id=OuterRef("pk"))
        if value == "nobody":
            return queryset.exclude(Exists(anyone))
        if user is None or user.pk is None:
            return queryset.none() if value in ("me", "my_role") else queryset
        mine = Assignment.objects.filter(order_id=OuterRef("pk"), employee__user_id=user.pk)
        if value == "me":
            return queryset.filter(Exists(mine))
        if value == "my_role":
            groups = user_group_ids(user)
            for_my_role = Q(activity__executing_role_id__in=groups)
            if has_role(user, TECHNICIAN_ROLE):
                for_my_role |= Q(activity__isnull=True)  # work without an activity goes to Technicians
            unassigned_for_my_role = ~Exists(anyone) & for_my_role
            return queryset.filter(Exists(mine) | unassigned_for_my_role)
        return queryset

    def filter_requested_by_me(
        self, queryset: QuerySet[WorkOrder], name: str, value: bool | None
    ) -> QuerySet[WorkOrder]:
        if value is None:
            return queryset
        user_id = getattr(self._user(), "pk", None)
        return queryset.filter(requester_id=user_id) if value else queryset.exclude(requester_id=user_id)

    def filter_failure(self, queryset: QuerySet[WorkOrder], name: str, value: str) -> QuerySet[WorkOrder]:
        if not value:
            return queryset
        if value == "none":
            return queryset.filter(**{f"{name}__isnull": True})
        return queryset.filter(**{f"{name}_id": int(value)})
