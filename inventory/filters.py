"""Filters of the store screens and the inventory API (both share these FilterSets)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from core.scoping import visible_site_ids
from inventory.models import (
    MovementKind,
    PurchaseOrder,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestReason,
    PurchaseRequestState,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class SiteScopedFilterSet(django_filters.FilterSet):
    """A site and a location choice limited to what the user may see."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        site_ids = visible_site_ids(getattr(request, "user", None))
        if "site" in self.filters:
            self.filters["site"].queryset = Area.objects.sites().in_sites(site_ids).order_by("name")
        if "location" in self.filters:
            self.filters["location"].queryset = StockLocation.objects.in_sites(site_ids).order_by("code")


def _search(queryset: QuerySet[Any], value: str, *fields: str) -> QuerySet[Any]:
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class StockBalanceFilterSet(SiteScopedFilterSet):
    """Stock by location: search a part, one site or location, only what is low or in stock."""

    q = django_filters.CharFilter(label=_("Part"), method="filter_search")
    site = django_filters.ModelChoiceFilter(
        label=_("Site"), field_name="location__site", queryset=Area.objects.none(), empty_label=_("Any")
    )
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=StockLocation.objects.none(), empty_label=_("Any")
    )
    show = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=[("in_stock", _("In stock")), ("low", _("Below reorder point")), ("reserved", _("With reservations"))],
        empty_label=_("Everything"),
        method="filter_show",
    )

    class Meta:
        model = StockBalance
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, "part__part_number", "part__description", "part__manufacturer_part_number")

    def filter_show(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "in_stock":
            return queryset.filter(on_hand__gt=0)
        if value == "low":
            return queryset.filter(part__reorder_point__gt=0, on_hand__lt=F("reserved") + F("part__reorder_point"))
        if value == "reserved":
            return queryset.filter(reserved__gt=0)
        return queryset


class StockMovementFilterSet(SiteScopedFilterSet):
    """The ledger: by kind, location, part or reference, and a date range."""

    q = django_filters.CharFilter(label=_("Part or reference"), method="filter_search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=MovementKind.choices, empty_label=_("Any"))
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Area.objects.none(), empty_label=_("Any"))
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=StockLocation.objects.none(), empty_label=_("Any")
    )
    since = django_filters.DateFilter(
        label=_("From"), field_name="occurred_at", lookup_expr="date__gte", widget=DATE_INPUT
    )
    until = django_filters.DateFilter(
        label=_("Until"), field_name="occurred_at", lookup_expr="date__lte", widget=DATE_INPUT
    )

    class Meta:
        model = StockMovement
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, "part__part_number", "part__description", "reference")


class PurchaseRequestFilterSet(SiteScopedFilterSet):
    """Purchase requests, open ones by default on the screen."""

    q = django_filters.CharFilter(label=_("Part or number"), method="filter_search")
    state = django_filters.ChoiceFilter(label=_("State"), choices=PurchaseRequestState.choices, empty_label=_("Any"))
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=PurchaseRequestReason.choices, empty_label=_("Any"))
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Area.objects.none(), empty_label=_("Any"))

    class Meta:
        model = PurchaseRequest
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, "number", "part__part_number", "part__description", "reference")


class PurchaseOrderFilterSet(SiteScopedFilterSet):
    q = django_filters.CharFilter(label=_("Number or vendor"), method="filter_search")
    state = django_filters.ChoiceFilter(label=_("State"), choices=PurchaseOrderState.choices, empty_label=_("Any"))
    vendor = django_filters.ModelChoiceFilter(
        label=_("Vendor"), queryset=Vendor.objects.order_by("name"), empty_label=_("Any")
    )
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Area.objects.none(), empty_label=_("Any"))

    class Meta:
        model = PurchaseOrder
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, "number", "vendor__name", "vendor_reference")
