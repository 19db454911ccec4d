"""Filters of the work-order lists: the screens and the API share these FilterSets.

Pass ``request=`` so choices (sites, plans) are limited to what the user may see. Scoping itself is not a
filter: callers start from ``WorkOrder.objects.visible_to(user)``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from core.scoping import has_role, user_group_ids, visible_site_ids
from orders.models import (
    CLOSED_STATES,
    OPEN_STATES,
    Assignment,
    ExecutionState,
    OrderKind,
    ScheduleState,
    WorkOrder,
)
from orders.services import TECHNICIAN_ROLE
from plans.models import MaintenancePlan, Priority

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
    due_after = django_filters.IsoDateTimeFilter(label=_("Due from"), field_name="due_at", lookup_expr="gte")
    due_before = django_filters.IsoDateTimeFilter(label=_("Due before"), field_name="due_at", lookup_expr="lt")

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
