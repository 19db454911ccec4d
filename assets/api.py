"""REST API of the assets: areas, resources, containers, materials and counters.

Readings are served by ``orders/api.py``: recording one goes through an orders service (it moves orders).
Every list and detail is scoped to the user's sites with the models' ``in_sites`` QuerySet methods.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assets.models import (
    Area,
    AreaKind,
    Container,
    Counter,
    CounterKind,
    EntityStatus,
    Material,
    Resource,
    ResourceType,
    status_edit_error,
)
from core.api.serializers import CleanModelSerializer, ScopedPrimaryKeyRelatedField
from core.api.viewsets import WritableViewSet


def in_sites(queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
    """Areas, resources, containers or materials of the sites (their ``in_sites`` QuerySet method)."""
    return queryset.in_sites(site_ids)  # type: ignore[attr-defined]


class SearchFilterSet(django_filters.FilterSet):
    """``?q=`` over the fields listed in ``search_fields``."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


# --- Areas -------------------------------------------------------------------------------------
class AreaFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    kind = django_filters.ChoiceFilter(choices=AreaKind.choices)
    parent = django_filters.NumberFilter(field_name="parent_id")
    site = django_filters.NumberFilter(field_name="site_id")
    within = django_filters.NumberFilter(label=_("Within area (with everything in it)"), method="filter_within")
    active = django_filters.BooleanFilter()

    class Meta:
        model = Area
        fields: list[str] = []

    def filter_within(self, queryset: QuerySet[Area], name: str, value: Any) -> QuerySet[Area]:
        area = Area.objects.filter(pk=value).only("path").first()
        return queryset.filter(path__startswith=area.path) if area is not None else queryset.none()


class AreaSerializer(CleanModelSerializer):
    parent = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Area
        fields = [
            "id",
            "kind",
            "code",
            "name",
            "parent",
            "site",
            "path",
            "time_zone",
            "address",
            "latitude",
            "longitude",
            "outline",
            "active",
            "updated_at",
        ]
        read_only_fields = ["site", "path", "updated_at"]


class AreaViewSet(WritableViewSet):
    """The site > building > floor > space/zone tree. ``?within=<id>`` gives a subtree."""

    queryset = Area.objects.all()
    serializer_class = AreaSerializer
    filterset_class = AreaFilterSet
    ordering_fields = ["id", "code", "name", "path", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return in_sites(queryset, site_ids)


# --- Resource types ----------------------------------------------------------------------------
class ResourceTypeFilterSet(SearchFilterSet):
    search_fields = ("name", "manufacturer", "model_number")

    class Meta:
        model = ResourceType
        fields: list[str] = []


class ResourceTypeSerializer(CleanModelSerializer):
    class Meta:
        model = ResourceType
        fields = ["id", "name", "manufacturer", "model_number", "description", "updated_at"]
        read_only_fields = ["updated_at"]


class ResourceTypeViewSet(WritableViewSet):
    """Kinds of equipment as made (manufacturer and model); shared by every site."""

    queryset = ResourceType.objects.all()
    serializer_class = ResourceTypeSerializer
    filterset_class = ResourceTypeFilterSet
    ordering_fields = ["id", "name", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset  # not tied to a site


# --- Resources, containers, materials ----------------------------------------------------------
class EntityFilterSet(SearchFilterSet):
    area = django_filters.NumberFilter(label=_("Area (with everything in it)"), method="filter_area")
    site = django_filters.NumberFilter(field_name="area__site_id")

    def filter_area(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        area = Area.objects.filter(pk=value).only("path").first()
        return queryset.filter(area__path__startswith=area.path) if area is not None else queryset.none()


class ResourceFilterSet(EntityFilterSet):
    search_fields = ("tag", "name", "serial_number", "manufacturer", "model_number")
    status = django_filters.ChoiceFilter(choices=EntityStatus.choices)
    parent = django_filters.NumberFilter(field_name="parent_id")
    resource_type = django_filters.NumberFilter(field_name="resource_type_id")

    class Meta:
        model = Resource
        fields: list[str] = []


class ResourceSerializer(CleanModelSerializer):
    area = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all())
    parent = ScopedPrimaryKeyRelatedField(
        scope=in_sites, queryset=Resource.objects.all(), required=False, allow_null=True
    )

    def validate_status(self, value: str) -> str:
        error = status_edit_error(self.instance.status if self.instance else None, value)
        if error:
            raise serializers.ValidationError(error)
        return value

    class Meta:
        model = Resource
        fields = [
            "id",
            "tag",
            "name",
            "area",
            "parent",
            "resource_type",
            "manufacturer",
            "model_number",
            "serial_number",
            "purchase_date",
            "installation_date",
            "warranty_end",
            "criticality",
            "status",
            "description",
            "latitude",
            "longitude",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class ResourceViewSet(WritableViewSet):
    """Equipment. ``?area=<id>`` includes everything inside that area."""

    queryset = Resource.objects.all()
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilterSet
    ordering_fields = ["id", "tag", "name", "criticality", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return in_sites(queryset, site_ids)


class ContainerFilterSet(EntityFilterSet):
    search_fields = ("tag", "name", "container_type")
    status = django_filters.ChoiceFilter(choices=EntityStatus.choices)

    class Meta:
        model = Container
        fields: list[str] = []


class ContainerSerializer(CleanModelSerializer):
    area = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all())

    def validate_status(self, value: str) -> str:
        error = status_edit_error(self.instance.status if self.instance else None, value)
        if error:
            raise serializers.ValidationError(error)
        return value

    class Meta:
        model = Container
        fields = [
            "id",
            "tag",
            "name",
            "container_type",
            "area",
            "capacity",
            "capacity_unit",
            "status",
            "description",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class ContainerViewSet(WritableViewSet):
    """Tanks, vehicles, moulds: maintained like resources."""

    queryset = Container.objects.all()
    serializer_class = ContainerSerializer
    filterset_class = ContainerFilterSet
    ordering_fields = ["id", "tag", "name", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return in_sites(queryset, site_ids)


class MaterialFilterSet(EntityFilterSet):
    search_fields = ("code", "lot_number", "name")

    class Meta:
        model = Material
        fields: list[str] = []


class MaterialSerializer(CleanModelSerializer):
    area = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all())

    class Meta:
        model = Material
        fields = [
            "id",
            "code",
            "lot_number",
            "name",
            "area",
            "quantity",
            "unit",
            "expiry_date",
            "description",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class MaterialViewSet(WritableViewSet):
    """Material lots that are maintained (checked, sampled)."""

    queryset = Material.objects.all()
    serializer_class = MaterialSerializer
    filterset_class = MaterialFilterSet
    ordering_fields = ["id", "code", "name", "expiry_date", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return in_sites(queryset, site_ids)


# --- Counters ----------------------------------------------------------------------------------
class CounterFilterSet(SearchFilterSet):
    search_fields = ("name", "unit")
    kind = django_filters.ChoiceFilter(choices=CounterKind.choices)
    area = django_filters.NumberFilter(field_name="area_id")
    resource = django_filters.NumberFilter(field_name="resource_id")
    container = django_filters.NumberFilter(field_name="container_id")
    material = django_filters.NumberFilter(field_name="material_id")

    class Meta:
        model = Counter
        fields: list[str] = []


class CounterSerializer(CleanModelSerializer):
    area = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all(), required=False, allow_null=True)
    resource = ScopedPrimaryKeyRelatedField(
        scope=in_sites, queryset=Resource.objects.all(), required=False, allow_null=True
    )
    container = ScopedPrimaryKeyRelatedField(
        scope=in_sites, queryset=Container.objects.all(), required=False, allow_null=True
    )
    material = ScopedPrimaryKeyRelatedField(
        scope=in_sites, queryset=Material.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Counter
        fields = [
            "id",
            "name",
            "kind",
            "unit",
            "description",
            "area",
            "resource",
            "container",
            "material",
            "last_value",
            "last_read_at",
            "updated_at",
        ]
        read_only_fields = ["last_value", "last_read_at", "updated_at"]
        # The name is unique per entity (one conditional constraint per entity kind): DRF would turn those into
        # validators requiring all four entity fields; full_clean() checks them instead (400 on a duplicate).
        validators: list[Any] = []


class CounterViewSet(WritableViewSet):
    """Meters on an entity; exactly one of area, resource, container or material. The latest value is
    kept by the reading service (read-only here)."""

    queryset = Counter.objects.all()
    serializer_class = CounterSerializer
    filterset_class = CounterFilterSet
    ordering_fields = ["id", "name", "last_read_at", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return in_sites(queryset, site_ids)


ROUTES: list[tuple[str, Any, str]] = [
    ("areas", AreaViewSet, "area"),
    ("resource-types", ResourceTypeViewSet, "resourcetype"),
    ("resources", ResourceViewSet, "resource"),
    ("containers", ContainerViewSet, "container"),
    ("materials", MaterialViewSet, "material"),
    ("counters", CounterViewSet, "counter"),
]
