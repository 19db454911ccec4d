"""Filters of the risk ranking, the risk matrix and the API's resource list (all share this FilterSet).

They filter resources already annotated by ``investment.health.with_health``, so consequence, likelihood
and risk are the computed ones (after the health adjustment)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Area, Resource, ResourceType
from core.scoping import visible_site_ids
from investment.models import Consequence, Likelihood

# Sort keys of the ranking: key -> (label, ordering). Ties fall back to the tag, so pages never overlap.
SORTS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "risk": (_("Risk, highest first"), ("-risk", "health", "tag")),
    "health": (_("Health, worst first"), ("health", "-risk", "tag")),
    "-health": (_("Health, best first"), ("-health", "tag")),
    "year": (_("Replacement year, soonest first"), ("replacement_year", "-risk", "tag")),
    "consequence": (_("Consequence, highest first"), ("-consequence_level", "-risk", "tag")),
    "likelihood": (_("Likelihood, highest first"), ("-likelihood_level", "-risk", "tag")),
    "tag": (_("Tag"), ("tag",)),
}
DEFAULT_SORT = "risk"


def ordering_of(sort: str | None) -> tuple[str, ...]:
    """The ordering of a sort key (the default one for an unknown key)."""
    return SORTS.get(sort or DEFAULT_SORT, SORTS[DEFAULT_SORT])[1]


class ResourceRiskFilterSet(django_filters.FilterSet):
    """Site (among the user's), type, consequence, likelihood, a lowest risk, and a search by tag or name."""

    q = django_filters.CharFilter(label=_("Tag or name"), method="filter_search")
    site = django_filters.ModelChoiceFilter(
        label=_("Site"), field_name="area__site", queryset=Area.objects.none(), empty_label=_("Any")
    )
    resource_type = django_filters.ModelChoiceFilter(
        label=_("Type"), queryset=ResourceType.objects.all(), empty_label=_("Any")
    )
    consequence = django_filters.TypedChoiceFilter(
        label=_("Consequence"), field_name="consequence_level", choices=Consequence.choices, coerce=int
    )
    likelihood = django_filters.TypedChoiceFilter(
        label=_("Likelihood (after health)"), field_name="likelihood_level", choices=Likelihood.choices, coerce=int
    )
    min_risk = django_filters.NumberFilter(
        label=_("Risk at least"), field_name="risk", lookup_expr="gte", min_value=1, max_value=25
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        site_ids = visible_site_ids(getattr(request, "user", None))
        self.filters["site"].queryset = Area.objects.sites().in_sites(site_ids).order_by("name")

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(tag__icontains=value) | Q(name__icontains=value))


class ForecastFilterSet(django_filters.FilterSet):
    """The forecast of one site (among the user's) and the replacements of one year."""

    site = django_filters.ModelChoiceFilter(
        label=_("Site"), field_name="area__site", queryset=Area.objects.none(), empty_label=_("Every site")
    )
    year = django_filters.NumberFilter(label=_("Year"), field_name="forecast_year", min_value=2000, max_value=2100)

    class Meta:
        model = Resource
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        site_ids = visible_site_ids(getattr(request, "user", None))
        self.filters["site"].queryset = Area.objects.sites().in_sites(site_ids).order_by("name")
