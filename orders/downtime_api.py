"""REST API of downtime periods: list and detail (read-only), and two POST actions that open a period
(the resource or container goes down or on hold) and close one (back in service), calling the same
services as the resource page (``orders/downtime.py``). Periods of other sites' entities answer 404.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api import in_sites
from assets.models import Container, Resource
from core.api.serializers import ScopedPrimaryKeyRelatedField
from core.api.viewsets import ReadOnlyViewSet
from core.errors import ActionForbidden
from orders import downtime
from orders.models import DowntimeKind, DowntimePeriod, WorkOrder


class DowntimePeriodFilterSet(django_filters.FilterSet):
    resource = django_filters.NumberFilter(field_name="resource_id")
    container = django_filters.NumberFilter(field_name="container_id")
    kind = django_filters.ChoiceFilter(choices=DowntimeKind.choices)
    order = django_filters.NumberFilter(field_name="order_id")
    open = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull", label=_("Still open"))
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = DowntimePeriod
        fields: list[str] = []


class DowntimePeriodSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = DowntimePeriod
        fields = [
            "id",
            "kind",
            "resource",
            "container",
            "started_at",
            "ended_at",
            "reason",
            "order",
            "order_number",
            "opened_by",
            "closed_by",
            "close_note",
            "updated_at",
        ]
        read_only_fields = fields


def orders_in_sites(queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
    return queryset.in_sites(site_ids)  # type: ignore[attr-defined]


class DowntimeOpenSerializer(serializers.Serializer):
    """Mark one resource or container of the user's sites down or on hold, with a reason."""

    resource = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Resource.objects.all(), required=False)
    container = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Container.objects.all(), required=False)
    kind = serializers.ChoiceField(choices=DowntimeKind.choices)
    reason = serializers.CharField(max_length=1000)
    order = ScopedPrimaryKeyRelatedField(
        scope=orders_in_sites, queryset=WorkOrder.objects.all(), required=False, allow_null=True, default=None
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("resource", "container") if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(_("Choose exactly one of resource or container."))
        attrs["entity"] = attrs.pop(given[0])
        order = attrs.get("order")
        if order is not None and order.entity != attrs["entity"]:
            raise serializers.ValidationError({"order": [_("The work order is on another asset.")]})
        return attrs


class DowntimeCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


def require_change(user: Any, entity: Resource | Container) -> None:
    """Opening or closing changes the entity's status: the user must be allowed to change it."""
    if not user.has_perm(f"assets.change_{type(entity)._meta.model_name}"):
        raise ActionForbidden(_("You may not change the status of this asset."))


class DowntimePeriodViewSet(ReadOnlyViewSet):
    """Downtime periods of the resources and containers of the user's sites, newest first. ``?open=true``
    lists the periods still open; ``?started_after=`` / ``?started_before=`` bound the start."""

    queryset = DowntimePeriod.objects.all()
    serializer_class = DowntimePeriodSerializer
    filterset_class = DowntimePeriodFilterSet
    ordering_fields = ["id", "started_at", "ended_at", "updated_at"]
    action_permissions = {
        "open": ["orders.add_downtimeperiod"],
        "close": ["orders.change_downtimeperiod"],
    }

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.in_sites(site_ids).select_related("order")  # type: ignore[attr-defined]

    @extend_schema(request=DowntimeOpenSerializer, responses={201: DowntimePeriodSerializer})
    @action(detail=False, methods=["post"])
    def open(self, request: Request) -> Response:
        """The resource or container goes down or on hold: a period opens (an open one of the same kind is
        kept and answered; one of the other kind is closed first)."""
        serializer = DowntimeOpenSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        require_change(request.user, data["entity"])
        period = downtime.downtime_open(user=request.user, **data)
        return Response(DowntimePeriodSerializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DowntimeCloseSerializer, responses={200: DowntimePeriodSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        """Back in service: the period closes (409 if it is already closed)."""
        period = self.get_object()
        entity = period.entity
        require_change(request.user, entity)
        serializer = DowntimeCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        downtime.downtime_close(
            entity=entity, user=request.user, note=serializer.validated_data["note"], period_id=period.pk
        )
        period.refresh_from_db()
        return Response(DowntimePeriodSerializer(period).data)


ROUTES = [("downtime-periods", DowntimePeriodViewSet, "downtimeperiod")]
