"""REST API of counter readings: one by one (``POST readings/``, through
``assets.services.reading_record``) or up to 100,000 in one request (``POST readings/bulk/``, JSON or CSV,
through ``orders.readings_bulk``). Readings of other sites' counters answer 404.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from assets import services as asset_services
from assets.api import in_sites
from assets.models import Counter, Reading, ReadingSource
from core.api.pagination import CountFreePagination
from core.api.serializers import ScopedPrimaryKeyRelatedField
from core.api.viewsets import ReadOnlyViewSet
from orders.readings_bulk import readings_bulk_record


class ReadingFilterSet(django_filters.FilterSet):
    counter = django_filters.NumberFilter(field_name="counter_id")
    taken_after = django_filters.IsoDateTimeFilter(field_name="taken_at", lookup_expr="gte")
    taken_before = django_filters.IsoDateTimeFilter(field_name="taken_at", lookup_expr="lt")
    source = django_filters.ChoiceFilter(choices=ReadingSource.choices)

    class Meta:
        model = Reading
        fields: list[str] = []


class ReadingSerializer(serializers.ModelSerializer):
    counter = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Counter.objects.all())

    class Meta:
        model = Reading
        fields = [
            "id",
            "counter",
            "taken_at",
            "value",
            "is_reset",
            "source",
            "entered_by",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "source", "entered_by", "created_at", "updated_at"]
        validators: list[Any] = []  # the service checks (counter, taken_at) and answers 409

    def validate_value(self, value: Any) -> Any:
        if abs(value) >= 10**14:
            raise serializers.ValidationError(_("Give a number below 10^14 in size."))
        return value


class CSVReadingsParser(BaseParser):
    """``text/csv`` with a header row: counter,taken_at,value[,is_reset] (``timestamp`` for taken_at)."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> list[dict[str, str]]:
        try:
            text = stream.read().decode("utf-8-sig") if stream is not None else ""
            return list(csv.DictReader(io.StringIO(text, newline="")))
        except (UnicodeDecodeError, csv.Error) as error:
            raise ParseError(_("Not a UTF-8 CSV file: %(error)s") % {"error": error}) from error


class BulkJSONParser(BaseParser):
    """``application/json`` read from the request stream. DRF's ``JSONParser`` reads ``request.body``, which
    Django caps at ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (5 MB): a 100,000-row request is larger. The bulk action
    checks ``Content-Length`` against ``API_BULK_READINGS_MAX_BYTES`` before parsing; NaN and Infinity are
    refused as by DRF's parser."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            text = stream.read().decode("utf-8") if stream is not None else ""
            return json.loads(text, parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError) as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class BulkRejectionSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the row in the request (from 0; CSV: data rows).")
    reason = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = BulkRejectionSerializer(many=True)
    orders_created = serializers.IntegerField()
    orders_moved = serializers.IntegerField()


BULK_ROW = inline_serializer(
    "BulkReadingRow",
    fields={
        "counter": serializers.IntegerField(),
        "taken_at": serializers.DateTimeField(),
        "value": serializers.DecimalField(max_digits=18, decimal_places=4),
        "is_reset": serializers.BooleanField(required=False),
    },
    many=True,
)


class ReadingViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Counter readings of the user's sites. ``POST`` records one reading (usage orders move at once);
    ``POST bulk/`` records up to 100,000 in one request."""

    queryset = Reading.objects.all()
    serializer_class = ReadingSerializer
    filterset_class = ReadingFilterSet
    pagination_class = CountFreePagination
    ordering_fields = ["id", "taken_at", "updated_at"]
    ordering = ["-id"]
    action_permissions = {"bulk": ["assets.add_reading"]}

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        if site_ids is None:
            return queryset
        return queryset.filter(counter__in=Counter.objects.in_sites(site_ids))

    def get_throttles(self) -> list[Any]:
        if self.action == "bulk":
            self.throttle_scope = "readings_bulk"
        return super().get_throttles()

    def perform_create(self, serializer: ReadingSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = asset_services.reading_record(
            counter=data["counter"],
            value=data["value"],
            user=self.request.user,
            taken_at=data.get("taken_at"),
            source=ReadingSource.API,
            is_reset=data.get("is_reset", False),
            note=data.get("note", ""),
        )

    @extend_schema(
        request={"application/json": BULK_ROW, "text/csv": OpenApiTypes.STR},
        responses={200: BulkResultSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[BulkJSONParser, CSVReadingsParser])
    def bulk(self, request: Request) -> Response:
        """Many readings at once: a JSON array of ``{"counter", "taken_at", "value", "is_reset"?}`` or CSV
        with that header. Rows that cannot be stored are listed with their index and reason; the others are
        stored in one write, then usage triggers are evaluated once per counter."""
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.API_BULK_READINGS_MAX_BYTES:
            return Response(
                {"detail": _("At most %(n)d bytes a request.") % {"n": settings.API_BULK_READINGS_MAX_BYTES}},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        rows = request.data
        if not isinstance(rows, list):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON array of rows, or CSV.")]})
        if len(rows) > settings.API_BULK_READINGS_MAX_ROWS:
            raise serializers.ValidationError(
                {"non_field_errors": [_("At most %(n)d rows a request.") % {"n": settings.API_BULK_READINGS_MAX_ROWS}]}
            )
        result = readings_bulk_record(rows=rows, user=request.user)
        return Response(
            {
                "accepted": result.accepted,
                "rejected": result.rejected,
                "orders_created": result.orders_created,
                "orders_moved": result.orders_moved,
            }
        )


ROUTES: list[tuple[str, Any, str]] = [
    ("readings", ReadingViewSet, "reading"),
]
