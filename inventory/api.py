"""REST API of the inventory: serializers and viewsets (see ``mms.api`` for the base classes).

Parts and vendors are master data every site shares (no site scoping). Add stock, movements and
purchasing endpoints here and list them in ``ROUTES``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from inventory.models import Part, Vendor
from mms.api.serializers import CleanModelSerializer
from mms.api.viewsets import WritableViewSet


class PartFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search")
    active = django_filters.BooleanFilter()

    class Meta:
        model = Part
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Part], name: str, value: str) -> QuerySet[Part]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(part_number__icontains=value)
            | Q(description__icontains=value)
            | Q(manufacturer_part_number__icontains=value)
        )


class PartSerializer(CleanModelSerializer):
    class Meta:
        model = Part
        fields = [
            "id",
            "part_number",
            "description",
            "unit",
            "manufacturer",
            "manufacturer_part_number",
            "minimum_quantity",
            "reorder_point",
            "reorder_quantity",
            "unit_cost",
            "currency",
            "active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class PartViewSet(WritableViewSet):
    """Spare parts. Integrators (from the ERP) and storekeepers create and change them."""

    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    ordering_fields = ["id", "part_number", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset  # parts are shared by every site


class VendorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search")
    active = django_filters.BooleanFilter()

    class Meta:
        model = Vendor
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Vendor], name: str, value: str) -> QuerySet[Vendor]:
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset


class VendorSerializer(CleanModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "code",
            "name",
            "contact_name",
            "email",
            "phone",
            "address",
            "website",
            "tax_number",
            "currency",
            "active",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class VendorViewSet(WritableViewSet):
    """Suppliers of parts and services, shared by every site."""

    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet
    ordering_fields = ["id", "code", "name", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset  # vendors are shared by every site


ROUTES: list[tuple[str, Any, str]] = [
    ("parts", PartViewSet, "part"),
    ("vendors", VendorViewSet, "vendor"),
]
