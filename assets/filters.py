"""Filters of the asset screens (and of the asset API, which shares these FilterSets).

Pass ``request=`` so the site choices are limited to what the user may see. Scoping itself is not a
filter: callers start from ``Resource.objects.in_sites(visible_site_ids(user))``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Area, Criticality, EntityStatus, Resource, ResourceType
from core.scoping import visible_site_ids


class ResourceFilterSet(django_filters.FilterSet):
    """Search resources by tag, name, serial or model number; by site, area (with everything in it), status."""

    q = django_filters.CharFilter(label=_("Tag or name"), method="filter_search")
    site = django_filters.ModelChoiceFilter(
        label=_("Site"), queryset=Area.objects.none(), empty_label=_("Any"), field_name="area__site"
    )
    area = django_filters.NumberFilter(
        label=_("Area (with everything in it)"), method="filter_area", widget=forms.HiddenInput
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EntityStatus.choices, empty_label=_("Any"))
    criticality = django_filters.ChoiceFilter(label=_("Criticality"), choices=Criticality.choices, empty_label=_("Any"))
    resource_type = django_filters.ModelChoiceFilter(
        label=_("Type"), queryset=ResourceType.objects.order_by("name"), empty_label=_("Any")
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["site"].queryset = Area.objects.sites().in_sites(visible_site_ids(user)).order_by("name")

    def filter_search(self, queryset: QuerySet[Resource], name: str, value: str) -> QuerySet[Resource]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(tag__icontains=value)
            | Q(name__icontains=value)
            | Q(serial_number__icontains=value)
            | Q(model_number__icontains=value)
        )

    def filter_area(self, queryset: QuerySet[Resource], name: str, value: Any) -> QuerySet[Resource]:
        # The area is looked up without scoping: the queryset is already scoped, so another site's area
        # simply matches nothing.
        area = Area.objects.filter(pk=value).only("path").first()
        if area is None:
            return queryset.none()
        return queryset.filter(area__path__startswith=area.path)
