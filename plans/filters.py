"""Filters of the plan screens (and, later, of the plan API: both share these FilterSets)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from core.scoping import visible_site_ids
from plans.models import Activity, ChangeSet, ChangeSetState, MaintenancePlan, PlanInstance, TriggerKind


class MaintenancePlanFilterSet(django_filters.FilterSet):
    """Search by code or name; effective or not; by trigger of the effective activities; by site applied to."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    has_effective = django_filters.ChoiceFilter(
        label=_("Effective version"),
        choices=[("yes", _("Has one")), ("no", _("None yet"))],
        empty_label=_("Any"),
        method="filter_has_effective",
    )
    trigger = django_filters.ChoiceFilter(
        label=_("Trigger (effective version)"),
        choices=TriggerKind.choices,
        empty_label=_("Any"),
        method="filter_trigger",
    )
    site = django_filters.ModelChoiceFilter(
        label=_("Applied in site"), queryset=Area.objects.none(), empty_label=_("Any"), method="filter_site"
    )

    class Meta:
        model = MaintenancePlan
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["site"].queryset = Area.objects.sites().in_sites(visible_site_ids(user)).order_by("name")

    def filter_search(self, queryset: QuerySet[MaintenancePlan], name: str, value: str) -> QuerySet[MaintenancePlan]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_has_effective(
        self, queryset: QuerySet[MaintenancePlan], name: str, value: str
    ) -> QuerySet[MaintenancePlan]:
        return queryset.filter(effective_version__isnull=value != "yes")

    def filter_trigger(self, queryset: QuerySet[MaintenancePlan], name: str, value: str) -> QuerySet[MaintenancePlan]:
        # Exists, not a join: a plan with two matching activities is listed once.
        matching = Activity.objects.filter(version_id=OuterRef("effective_version_id"), trigger=value)
        return queryset.filter(Exists(matching))

    def filter_site(self, queryset: QuerySet[MaintenancePlan], name: str, value: Area) -> QuerySet[MaintenancePlan]:
        instances = PlanInstance.objects.active().in_sites([value.pk]).filter(plan_id=OuterRef("pk"))
        return queryset.filter(Exists(instances))


class ChangeSetFilterSet(django_filters.FilterSet):
    """Change sets by state: the approval queue is ``state=in_approval``."""

    state = django_filters.ChoiceFilter(label=_("State"), choices=ChangeSetState.choices, empty_label=_("Any"))

    class Meta:
        model = ChangeSet
        fields: list[str] = []


class PlanInstanceFilterSet(django_filters.FilterSet):
    """A plan's instances, active ones by default."""

    active = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=[("yes", _("Active")), ("no", _("Inactive")), ("all", _("All"))],
        empty_label=None,
        method="filter_active",
    )

    class Meta:
        model = PlanInstance
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else None
        if data is not None and not data.get("active"):
            data["active"] = "yes"
        super().__init__(data, *args, **kwargs)

    def filter_active(self, queryset: QuerySet[PlanInstance], name: str, value: str) -> QuerySet[PlanInstance]:
        if value == "all":
            return queryset
        return queryset.filter(active=value != "no")
