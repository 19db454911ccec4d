"""REST API of the work orders: orders (list, detail, corrective requests) and their transitions as POST
actions. What is recorded on an order is in ``orders.records_api``, readings in ``orders.readings_api``,
webhook subscriptions and deliveries in ``orders.webhooks_api``.

Every state change calls the same service the screens call (``orders/services.py``,
``orders/records.py``); state fields are read-only. Lists start from
``WorkOrder.objects.visible_to(user)``: orders of other sites answer 404.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api import in_sites
from assets.models import Area, Container, Material, Resource
from core.api.pagination import CountFreePagination
from core.api.serializers import FlatRows, PrimaryKeyRelatedField, ScopedPrimaryKeyRelatedField
from core.api.sqlreuse import ReusedSQL
from core.api.viewsets import ReadOnlyViewSet
from core.devices import EntryChannel
from core.scoping import visible_site_ids
from inventory.models import StockLocation
from orders import records, services
from orders.filters import WorkOrderFilterSet
from orders.models import (
    Assignment,
    FailureCode,
    FailureKind,
    LabourEntry,
    PlannedPart,
    WorkOrder,
)
from people.models import Employee
from people.privacy import Position
from people.signature_forms import SignatureInputSerializer, SignatureSerializer, signatures_data
from plans.models import Priority

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
    "failure_problem",
    "failure_cause",
    "failure_remedy",
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
    """A work order with who is assigned, the parts it plans to use and its electronic signatures (with
    whether the order still matches what was signed)."""

    assignments = serializers.SerializerMethodField()
    planned_parts = PlannedPartSerializer(many=True, read_only=True)
    signatures = serializers.SerializerMethodField()

    class Meta(WorkOrderSerializer.Meta):
        fields = [*ORDER_FIELDS, "assignments", "planned_parts", "signatures"]
        read_only_fields = fields

    def get_assignments(self, order: WorkOrder) -> list[int]:
        return [assignment.employee_id for assignment in order.assignments.all()]

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, order: WorkOrder) -> Any:
        return signatures_data(order)


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
    entity_down = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("The resource or container is down: it is marked down and a downtime period opens."),
    )

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


class AcceptSerializer(SignatureInputSerializer):
    """Accepting: where the activity asks for an e-signature, ``password`` (or ``otp_token``), ``meaning``
    (default ``accepted``) and an optional ``statement``."""


class CompleteSerializer(serializers.Serializer):
    """Completing: for corrective work, the failure codes (ids; the problem and cause are required where
    ``FAILURE_CODES_REQUIRED`` and codes apply to the order's equipment). Codes left out keep the order's."""

    failure_problem = PrimaryKeyRelatedField(
        queryset=FailureCode.objects.filter(kind=FailureKind.PROBLEM), required=False, allow_null=True
    )
    failure_cause = PrimaryKeyRelatedField(
        queryset=FailureCode.objects.filter(kind=FailureKind.CAUSE), required=False, allow_null=True
    )
    failure_remedy = PrimaryKeyRelatedField(
        queryset=FailureCode.objects.filter(kind=FailureKind.REMEDY), required=False, allow_null=True
    )


class JoinSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The open order to join into.")


class AssignSerializer(serializers.Serializer):
    employees = PrimaryKeyRelatedField(queryset=Employee.objects.all(), many=True)


class ClockStartSerializer(serializers.Serializer):
    """Where the device was, optionally; kept only if the employee consents to location tracking."""

    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-90), max_value=Decimal(90), required=False
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-180), max_value=Decimal(180), required=False
    )
    accuracy_m = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("latitude" in attrs) != ("longitude" in attrs):
            raise serializers.ValidationError("Give both latitude and longitude, or neither.")
        return attrs

    def position(self) -> Position | None:
        data = self.validated_data
        if "latitude" not in data:
            return None
        return Position(data["latitude"], data["longitude"], data.get("accuracy_m"))


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
            "recorded_at",
            "entered_via",
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

    @extend_schema(request=CompleteSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """in progress -> waiting for acceptance (required checklist items and data recorded; for corrective
        work the failure problem and cause: 400 with the field's error when missing or not applicable)."""
        order = self.get_object()
        data = self._input(CompleteSerializer, request)
        return self._answer(services.order_complete(order=order, user=request.user, **data))

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

    @extend_schema(request=ClockStartSerializer, responses={201: LabourEntrySerializer})
    @action(detail=True, methods=["post"], url_path="clock/start", url_name="clock-start")
    def clock_start(self, request: Request, pk: Any = None) -> Response:
        """Start my clock on this order (one running clock per employee). ``latitude``/``longitude``:
        where I am, kept only if I consent to location tracking."""
        order = self.get_object()
        where = ClockStartSerializer(data=request.data)
        where.is_valid(raise_exception=True)
        entry = records.labour_start(
            order=order, user=request.user, entered_via=EntryChannel.API, position=where.position()
        )
        return Response(LabourEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClockStopSerializer, responses={200: LabourEntrySerializer})
    @action(detail=True, methods=["post"], url_path="clock/stop", url_name="clock-stop")
    def clock_stop(self, request: Request, pk: Any = None) -> Response:
        """Stop my running clock on this order; hours and cost are computed."""
        order = self.get_object()
        data = self._input(ClockStopSerializer, request)
        entry = records.labour_stop(order=order, user=request.user, note=data["note"])
        return Response(LabourEntrySerializer(entry).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("orders", WorkOrderViewSet, "workorder"),
]
