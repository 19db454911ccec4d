"""REST API of the work orders: orders (list, detail, corrective requests), their transitions as POST
actions, what is recorded on them (checklist answers, data values, parts used, labour, comments,
attachments), readings (one by one or in bulk) and webhook subscriptions with their delivery log.

Every state change calls the same service the screens call (``orders/services.py``,
``orders/records.py``, ``orders/readings_bulk.py``); state fields are read-only. Lists start from
``WorkOrder.objects.visible_to(user)``: orders of other sites answer 404.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import json
from typing import Any

import django_filters
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from assets import services as asset_services
from assets.api import in_sites
from assets.models import Area, Attachment, Container, Counter, Material, Reading, ReadingSource, Resource
from core.api.pagination import CountFreePagination
from core.api.serializers import CleanModelSerializer, FlatRows, PrimaryKeyRelatedField, ScopedPrimaryKeyRelatedField
from core.api.sqlreuse import ReusedSQL
from core.api.viewsets import BaseViewSetMixin, ReadOnlyViewSet
from core.scoping import is_administrator, visible_site_ids
from inventory.models import Part, StockLocation
from orders import records, services
from orders.filters import WorkOrderFilterSet
from orders.models import (
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    LabourEntry,
    PlannedPart,
    UsedPart,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WorkOrder,
)
from orders.readings_bulk import readings_bulk_record
from people.models import Employee
from plans.models import ChecklistItem, DataParameter, Priority

# --- Work orders -------------------------------------------------------------------------------
# Query parameters a list page may have and still reuse its compiled SQL: none of them filters.
REUSABLE_LIST_PARAMS = frozenset({"page", "page_size", "ordering", "format"})

ORDER_FIELDS = [
    "id",
    "number",
    "kind",
    "title",
    "description",
    "priority",
    "site",
    "area",
    "resource",
    "container",
    "material",
    "plan_instance",
    "activity",
    "sequence",
    "execution_state",
    "schedule_state",
    "requester",
    "created_at",
    "early_due_at",
    "due_at",
    "late_due_at",
    "counter",
    "early_due_value",
    "due_value",
    "late_due_value",
    "started_at",
    "completed_at",
    "accepted_at",
    "closed_at",
    "closed_on_time",
    "state_reason",
    "rework_of",
    "joined_into",
    "signed_by",
    "signed_at",
    "signature_meaning",
    "updated_at",
]


class WorkOrderSerializer(serializers.ModelSerializer):
    """A work order as listed: every field, related records as ids (no joins)."""

    class Meta:
        model = WorkOrder
        fields = ORDER_FIELDS
        read_only_fields = ORDER_FIELDS


@functools.cache
def flat_orders() -> FlatRows:
    """``WorkOrderSerializer`` as tuples to dicts, made once (its fields keep no per-request state)."""
    return FlatRows(WorkOrderSerializer)


@functools.cache
def _order_tuples() -> QuerySet[Any]:
    """All orders as ``flat_orders()`` tuples: made once, each request clones it (setting up 40 columns
    costs more than the page's query)."""
    return WorkOrder.objects.values_list(*flat_orders().columns)


class PlannedPartSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedPart
        fields = ["part", "quantity"]


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """A work order with who is assigned and the parts it plans to use."""

    assignments = serializers.SerializerMethodField()
    planned_parts = PlannedPartSerializer(many=True, read_only=True)

    class Meta(WorkOrderSerializer.Meta):
        fields = [*ORDER_FIELDS, "assignments", "planned_parts"]
        read_only_fields = fields

    def get_assignments(self, order: WorkOrder) -> list[int]:
        return [assignment.employee_id for assignment in order.assignments.all()]


class CorrectiveRequestSerializer(serializers.Serializer):
    """A corrective request (breakdown report) on exactly one entity of the user's sites."""

    area = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all(), required=False)
    resource = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Resource.objects.all(), required=False)
    container = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Container.objects.all(), required=False)
    material = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Material.objects.all(), required=False)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.HIGH)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Give the request a title."))
        return value

    def validate_due_at(self, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is not None and value < timezone.now() - datetime.timedelta(days=1):
            raise serializers.ValidationError(_("The due time cannot be in the past."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("area", "resource", "container", "material") if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(_("Choose exactly one of area, resource, container or material."))
        attrs["entity"] = attrs.pop(given[0])
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ReleaseSerializer(serializers.Serializer):
    location = PrimaryKeyRelatedField(
        queryset=StockLocation.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Stock location of the order's site to reserve the planned parts at; "
        "by default, where the site has them.",
    )


class AcceptSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False, allow_blank=True, default="", style={"input_type": "password"}, write_only=True
    )
    meaning = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class JoinSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The open order to join into.")


class AssignSerializer(serializers.Serializer):
    employees = PrimaryKeyRelatedField(queryset=Employee.objects.all(), many=True)


class ClockStopSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["employee", "assigned_by", "assigned_at"]


class LabourEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LabourEntry
        fields = [
            "id",
            "order",
            "employee",
            "started_at",
            "stopped_at",
            "hours",
            "hourly_rate",
            "currency",
            "cost",
            "note",
            "updated_at",
        ]
        read_only_fields = fields


class WorkOrderViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Work orders of the user's sites. ``POST`` creates a corrective request; each transition is a POST
    action calling the same service the screens call (409 when not possible now, 403 when the role may not).
    Filters are the screens' (``WorkOrderFilterSet``). Pages carry no total count (``next``/``previous``):
    the default order is newest first by id."""

    queryset = WorkOrder.objects.all()
    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    pagination_class = CountFreePagination
    ordering_fields = [
        "id",
        "number",
        "created_at",
        "due_at",
        "priority",
        "updated_at",
        "execution_state",
        "schedule_state",
    ]
    ordering = ["-id"]
    action_permissions = {"assign": ["orders.change_assignment"]}
    filters_only_when_asked = True  # WorkOrderFilterSet filters nothing by default

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.in_sites(site_ids)  # type: ignore[attr-defined]

    def _visible(self, orders: QuerySet[Any]) -> QuerySet[Any]:
        return orders.visible_to(self.request.user).order_by("-id")  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self._visible(WorkOrder.objects.all())
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("assignments", "planned_parts")
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return WorkOrderDetailSerializer if self.action == "retrieve" else WorkOrderSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of orders (the hot list of integrators' sync loops): rows read as tuples, no model
        instances; the same fields and formats as ``WorkOrderSerializer``."""
        flat = flat_orders()
        queryset = self.filter_queryset(self._visible(_order_tuples()))
        page = self.paginate_queryset(self._reused_sql(queryset) or queryset)
        if page is None:
            return Response(flat.rows(queryset))
        return self.get_paginated_response(flat.rows(page))

    def _reused_sql(self, queryset: QuerySet[Any]) -> ReusedSQL | None:
        """The page's SQL compiled once per shape, when the request has no filter: its SQL then depends only
        on the ordering asked for and on how many sites the user sees (their ids are its only values)."""
        query_params = self.request.query_params
        if not set(query_params) <= REUSABLE_LIST_PARAMS:
            return None
        site_ids = visible_site_ids(self.request.user)
        scope = "every site" if site_ids is None else len(site_ids)
        shape = (scope, tuple(query_params.getlist("ordering")))
        return ReusedSQL(queryset, shape, [] if site_ids is None else list(site_ids))

    def _input(self, serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, order: WorkOrder, code: int = status.HTTP_200_OK) -> Response:
        order = WorkOrder.objects.prefetch_related("assignments", "planned_parts").get(pk=order.pk)
        return Response(WorkOrderDetailSerializer(order, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=CorrectiveRequestSerializer, responses={201: WorkOrderDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Request corrective work (a breakdown report) on one area, resource, container or material."""
        data = self._input(CorrectiveRequestSerializer, request)
        order = services.order_request_corrective(user=request.user, **data)
        return self._answer(order, status.HTTP_201_CREATED)

    # Transitions without input.
    def _simple(self, service: Any) -> Response:
        return self._answer(service(order=self.get_object(), user=self.request.user))

    @extend_schema(request=None, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """requested -> approved (owner role)."""
        return self._simple(services.order_approve)

    @extend_schema(request=ReleaseSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: Any = None) -> Response:
        """approved -> released (owner role); the planned parts are reserved (at ``location`` if given)."""
        order = self.get_object()
        data = self._input(ReleaseSerializer, request)
        return self._answer(services.order_release(order=order, user=request.user, location=data["location"]))

    @extend_schema(request=None, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def begin(self, request: Request, pk: Any = None) -> Response:
        """released -> in progress (executing role with valid certifications)."""
        return self._simple(services.order_begin)

    @extend_schema(request=None, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """in progress -> waiting for acceptance (required checklist items and data recorded)."""
        return self._simple(services.order_complete)

    @extend_schema(request=AcceptSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        """waiting for acceptance -> closed (owner role); ``password`` and ``meaning`` sign it where the
        activity asks for an e-signature."""
        order = self.get_object()
        data = self._input(AcceptSerializer, request)
        return self._answer(services.order_accept(order=order, user=request.user, **data))

    def _with_reason(self, service: Any) -> Response:
        order = self.get_object()
        data = self._input(ReasonSerializer, self.request)
        return self._answer(service(order=order, user=self.request.user, reason=data["reason"]))

    @extend_schema(request=ReasonSerializer, responses={201: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def rework(self, request: Request, pk: Any = None) -> Response:
        """waiting for acceptance -> reworked; answers the new rework order (201)."""
        order = self.get_object()
        data = self._input(ReasonSerializer, request)
        rework = services.order_rework(order=order, user=request.user, reason=data["reason"])
        return self._answer(rework, status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: Any = None) -> Response:
        """requested, approved or released -> skipped (owner role, reason required)."""
        return self._with_reason(services.order_skip)

    @extend_schema(request=ReasonSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """requested -> rejected (owner role, reason required)."""
        return self._with_reason(services.order_reject)

    @extend_schema(request=ReasonSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """requested -> canceled (owner role or the requester)."""
        return self._with_reason(services.order_cancel)

    @extend_schema(request=JoinSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: Any = None) -> Response:
        """requested -> closed as joined, into another open order on the same entity."""
        order = self.get_object()
        data = self._input(JoinSerializer, request)
        into = get_object_or_404(self.get_queryset(), pk=data["into"])
        return self._answer(services.order_join(order=order, into=into, user=request.user))

    @extend_schema(request=AssignSerializer, responses={200: AssignmentSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        """Set who works on the order (owner role); replaces the previous assignment."""
        order = self.get_object()
        data = self._input(AssignSerializer, request)
        assignments = records.order_assign(order=order, employees=data["employees"], user=request.user)
        return Response(AssignmentSerializer(assignments, many=True).data)

    @extend_schema(request=None, responses={201: LabourEntrySerializer})
    @action(detail=True, methods=["post"], url_path="clock/start", url_name="clock-start")
    def clock_start(self, request: Request, pk: Any = None) -> Response:
        """Start my clock on this order (one running clock per employee)."""
        entry = records.labour_start(order=self.get_object(), user=request.user)
        return Response(LabourEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClockStopSerializer, responses={200: LabourEntrySerializer})
    @action(detail=True, methods=["post"], url_path="clock/stop", url_name="clock-stop")
    def clock_stop(self, request: Request, pk: Any = None) -> Response:
        """Stop my running clock on this order; hours and cost are computed."""
        order = self.get_object()
        data = self._input(ClockStopSerializer, request)
        entry = records.labour_stop(order=order, user=request.user, note=data["note"])
        return Response(LabourEntrySerializer(entry).data)


# --- What is recorded on an order: /orders/{order_pk}/<records>/ -------------------------------
ORDER_PK = OpenApiParameter("order_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The work order's id.")


class OrderRecordViewSet(
    BaseViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Records hanging off one order of the user's sites; ``POST`` calls the recording service.

    Subclasses give ``input_serializer_class`` and ``record(order, data)``; the answer is the record.
    """

    input_serializer_class: type[serializers.Serializer]
    ordering_fields = ["id", "updated_at"]

    def get_order(self) -> WorkOrder:
        if not hasattr(self, "_order"):
            self._order = get_object_or_404(WorkOrder.objects.visible_to(self.request.user), pk=self.kwargs["order_pk"])
        return self._order

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.filter(order=self.get_order())

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return self.input_serializer_class if self.action == "create" else self.serializer_class

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_order()
        serializer = self.input_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        created = self.record(order, dict(serializer.validated_data))
        return Response(self.serializer_class(created, context=self.get_serializer_context()).data, status=201)


class ChecklistAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistAnswer
        fields = [
            "id",
            "order",
            "item",
            "done",
            "passed",
            "number",
            "text",
            "photo",
            "within_limits",
            "note",
            "answered_by",
            "answered_at",
            "updated_at",
        ]
        read_only_fields = fields


class ChecklistAnswerInputSerializer(serializers.Serializer):
    item = PrimaryKeyRelatedField(queryset=ChecklistItem.objects.all())
    done = serializers.BooleanField(required=False, allow_null=True, default=None)
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    number = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True, default=None)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    photo = serializers.ImageField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


@extend_schema(parameters=[ORDER_PK], responses=ChecklistAnswerSerializer)
class ChecklistAnswerViewSet(OrderRecordViewSet):
    """Answers to the order's checklist; ``POST`` answers (or changes the answer to) one item, as its kind
    asks: ``done``, ``passed``, ``number``, ``text`` or ``photo`` (multipart)."""

    queryset = ChecklistAnswer.objects.all()
    serializer_class = ChecklistAnswerSerializer
    input_serializer_class = ChecklistAnswerInputSerializer

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        return records.checklist_answer(order=order, user=self.request.user, **data)


class DataValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataValue
        fields = ["id", "order", "parameter", "value", "evaluation", "recorded_by", "recorded_at", "updated_at"]
        read_only_fields = fields


class DataValueInputSerializer(serializers.Serializer):
    parameter = PrimaryKeyRelatedField(queryset=DataParameter.objects.all())
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


@extend_schema(parameters=[ORDER_PK], responses=DataValueSerializer)
class DataValueViewSet(OrderRecordViewSet):
    """Collected values, evaluated against the parameter's limits (in, warning, action)."""

    queryset = DataValue.objects.all()
    serializer_class = DataValueSerializer
    input_serializer_class = DataValueInputSerializer

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        return records.data_value_record(order=order, user=self.request.user, **data)


class UsedPartSerializer(serializers.ModelSerializer):
    class Meta:
        model = UsedPart
        fields = [
            "id",
            "order",
            "part",
            "quantity",
            "unit_cost",
            "currency",
            "recorded_by",
            "recorded_at",
            "updated_at",
        ]
        read_only_fields = fields


class UsedPartInputSerializer(serializers.Serializer):
    part = PrimaryKeyRelatedField(queryset=Part.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


@extend_schema(parameters=[ORDER_PK], responses=UsedPartSerializer)
class UsedPartViewSet(OrderRecordViewSet):
    """Parts consumed by the order, at the part's unit cost of the day."""

    queryset = UsedPart.objects.all()
    serializer_class = UsedPartSerializer
    input_serializer_class = UsedPartInputSerializer

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        return records.used_part_record(order=order, user=self.request.user, **data)


class LabourInputSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    employee = ScopedPrimaryKeyRelatedField(
        scope=lambda queryset, site_ids: queryset.in_sites(site_ids),
        queryset=Employee.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Whose hours (default: mine; the owner role may record anyone's).",
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema(parameters=[ORDER_PK], responses=LabourEntrySerializer)
class LabourEntryViewSet(OrderRecordViewSet):
    """Hours worked on the order with their cost. ``POST`` records hours; the clock is
    ``POST /orders/{id}/clock/start/`` and ``/clock/stop/``."""

    queryset = LabourEntry.objects.all()
    serializer_class = LabourEntrySerializer
    input_serializer_class = LabourInputSerializer

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        return records.labour_add(order=order, user=self.request.user, **data)


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "order", "author", "text", "created_at", "updated_at"]
        read_only_fields = fields


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


@extend_schema(parameters=[ORDER_PK], responses=CommentSerializer)
class CommentViewSet(OrderRecordViewSet):
    """Remarks on the order by anyone who can see it."""

    queryset = Comment.objects.all()
    serializer_class = CommentSerializer
    input_serializer_class = CommentInputSerializer

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        return records.comment_add(order=order, user=self.request.user, **data)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "file",
            "title",
            "original_name",
            "size",
            "mime_type",
            "uploaded_by",
            "uploaded_at",
            "updated_at",
        ]
        read_only_fields = fields


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema(parameters=[ORDER_PK], responses=AttachmentSerializer)
class AttachmentViewSet(OrderRecordViewSet):
    """Photos and documents attached to the order (multipart ``file``, while the order is open)."""

    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    input_serializer_class = AttachmentInputSerializer

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.filter(content_type=ContentType.objects.get_for_model(WorkOrder), object_id=self.get_order().pk)

    def record(self, order: WorkOrder, data: dict[str, Any]) -> Any:
        return records.attachment_add(order=order, user=self.request.user, **data)


# --- Readings ----------------------------------------------------------------------------------
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


# --- Webhooks ----------------------------------------------------------------------------------
class WebhookSubscriptionSerializer(CleanModelSerializer):
    events = serializers.MultipleChoiceField(choices=WebhookEvent.choices, allow_empty=False)
    secret = serializers.CharField(min_length=16, max_length=128, write_only=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "owner", "url", "secret", "events", "description", "active", "created_at", "updated_at"]
        read_only_fields = ["owner", "created_at", "updated_at"]

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        if "events" in values:
            values["events"] = sorted(values["events"])
        return values

    def create(self, validated_data: dict[str, Any]) -> Any:
        validated_data["owner"] = self.context["request"].user
        return super().create(validated_data)


class WebhookSubscriptionViewSet(
    mixins.DestroyModelMixin, mixins.UpdateModelMixin, mixins.CreateModelMixin, ReadOnlyViewSet
):
    """My webhook subscriptions (Administrators see all). Events are delivered for orders of the sites
    the owner may see, signed ``X-MMS-Signature: sha256=HMAC-SHA256(secret, body)``."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer
    filterset_fields = ["active"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        user = self.request.user
        return queryset if is_administrator(user) else queryset.filter(owner=user)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event",
            "order",
            "transition",
            "occurred_at",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookDeliveryViewSet(ReadOnlyViewSet):
    """The delivery log of my subscriptions: each event, its attempts and how the last one went."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    pagination_class = CountFreePagination
    filterset_fields = ["subscription", "event", "status", "order"]
    ordering = ["-id"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        user = self.request.user
        return queryset if is_administrator(user) else queryset.filter(subscription__owner=user)


ORDER_RECORDS = r"orders/(?P<order_pk>[0-9]{1,18})"
ROUTES: list[tuple[str, Any, str]] = [
    ("orders", WorkOrderViewSet, "workorder"),
    (f"{ORDER_RECORDS}/checklist-answers", ChecklistAnswerViewSet, "checklistanswer"),
    (f"{ORDER_RECORDS}/data-values", DataValueViewSet, "datavalue"),
    (f"{ORDER_RECORDS}/parts-used", UsedPartViewSet, "usedpart"),
    (f"{ORDER_RECORDS}/labour", LabourEntryViewSet, "labourentry"),
    (f"{ORDER_RECORDS}/comments", CommentViewSet, "comment"),
    (f"{ORDER_RECORDS}/attachments", AttachmentViewSet, "attachment"),
    ("readings", ReadingViewSet, "reading"),
    ("webhook-subscriptions", WebhookSubscriptionViewSet, "webhooksubscription"),
    ("webhook-deliveries", WebhookDeliveryViewSet, "webhookdelivery"),
]
