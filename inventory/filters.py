"""Filters of the store screens and the inventory API (both share these FilterSets)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
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
    Reservation,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)
from inventory.services.common import CONSUMING_KINDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


# --- A part's stock in a whole site (what the stock KPIs count and their drill-down lists) -------------
def _site_sum(expression: Any) -> Subquery:
    """The sum of ``expression`` over the balances of the row's part in the row's site."""
    return Subquery(
        StockBalance.objects.filter(part_id=OuterRef("part_id"), location__site_id=OuterRef("location__site_id"))
        .order_by()
        .values("part_id")
        .annotate(total=Sum(expression))
        .values("total"),
        output_field=DecimalField(max_digits=14, decimal_places=3),
    )


def with_site_stock(balances: QuerySet[StockBalance]) -> QuerySet[Any]:
    """Balances annotated with their part's ``site_on_hand`` and ``site_available`` over the whole site."""
    return balances.annotate(
        site_on_hand=_site_sum(F("on_hand")), site_available=_site_sum(F("on_hand") - F("reserved"))
    )


def below_reorder(balances: QuerySet[StockBalance]) -> QuerySet[Any]:
    """Balances of active parts whose available stock in the site (on hand less reserved, all the site's
    locations together) is below the part's reorder point: what the nightly reorder run looks at."""
    return with_site_stock(balances.filter(part__active=True, part__reorder_point__gt=0)).filter(
        site_available__lt=F("part__reorder_point")
    )


def stock_out(balances: QuerySet[StockBalance]) -> QuerySet[Any]:
    """Balances of active parts with nothing on hand in the whole site that the site keeps in stock (a
    reorder point) or that open work is waiting for (an open reservation there that lacks stock)."""
    waiting = Reservation.objects.short().filter(part_id=OuterRef("part_id"), site_id=OuterRef("location__site_id"))
    return (
        with_site_stock(balances.filter(part__active=True))
        .filter(site_on_hand=0)
        .filter(Q(part__reorder_point__gt=0) | Exists(waiting))
    )


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
    below_reorder = django_filters.BooleanFilter(
        label=_("Below reorder point in the site"), method="filter_below_reorder", widget=forms.CheckboxInput
    )
    stock_out = django_filters.BooleanFilter(
        label=_("Out of stock in the site"), method="filter_stock_out", widget=forms.CheckboxInput
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

    def filter_below_reorder(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return below_reorder(queryset) if value else queryset

    def filter_stock_out(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return stock_out(queryset) if value else queryset


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
    consuming = django_filters.BooleanFilter(
        label=_("Used for work (issues, direct uses, returns)"), method="filter_consuming", widget=forms.CheckboxInput
    )
    # Instants (ISO date-times with an offset): the cost KPIs' drill-down gives a period's bounds in the
    # site's time zone, which a date in the server's time zone cannot say.
    occurred_after = django_filters.IsoDateTimeFilter(
        label=_("At or after"), field_name="occurred_at", lookup_expr="gte"
    )
    occurred_before = django_filters.IsoDateTimeFilter(label=_("Before"), field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, "part__part_number", "part__description", "reference")

    def filter_consuming(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return queryset.filter(kind__in=CONSUMING_KINDS) if value else queryset


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
