"""REST API of the inventory: serializers and viewsets (see ``core.api`` for the base classes).

Parts and vendors are master data every site shares (no site scoping). Stock locations, balances,
movements, purchase requests and orders, contracts and budgets are scoped to the user's sites (other
sites' ids answer 404). Stock moves and purchasing states change only through POST actions calling the
services the screens call: 403 when the role may not, 409 when not possible now, 400 with field errors.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Area, Resource
from core.api.pagination import CountFreePagination
from core.api.serializers import CleanModelSerializer, ScopedPrimaryKeyRelatedField
from core.api.viewsets import ReadOnlyViewSet, WritableViewSet
from inventory import services
from inventory.filters import (
    PurchaseOrderFilterSet,
    PurchaseRequestFilterSet,
    StockBalanceFilterSet,
    StockMovementFilterSet,
)
from inventory.models import (
    Budget,
    Contract,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    SparePart,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)
from people.signature_forms import SignatureInputSerializer, SignatureSerializer, signatures_data


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


# --- Stock -------------------------------------------------------------------------------------
def _locations_in(queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
    return queryset.filter(active=True) if site_ids is None else queryset.filter(active=True, site_id__in=site_ids)


def _sites_in(queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
    return Area.objects.sites().in_sites(site_ids)


def location_field(**kwargs: Any) -> ScopedPrimaryKeyRelatedField:
    """An active stock location of the user's sites (others are "does not exist": 400)."""
    return ScopedPrimaryKeyRelatedField(queryset=StockLocation.objects.all(), scope=_locations_in, **kwargs)


QUANTITY = {"max_digits": 12, "decimal_places": 3}


class StockLocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockLocation
        fields = ["id", "kind", "code", "name", "area", "store", "site", "active", "updated_at"]
        read_only_fields = fields


class StockLocationViewSet(ReadOnlyViewSet):
    """Stores and bins of the user's sites."""

    queryset = StockLocation.objects.all()
    serializer_class = StockLocationSerializer
    filterset_fields = ["kind", "site", "active", "store"]
    ordering_fields = ["id", "code", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return StockLocation.objects.in_sites(site_ids)


class StockBalanceSerializer(serializers.ModelSerializer):
    available = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)

    class Meta:
        model = StockBalance
        fields = ["id", "part", "location", "on_hand", "reserved", "available", "updated_at"]
        read_only_fields = fields


class StockBalanceViewSet(ReadOnlyViewSet):
    """On hand, reserved and available per part and location (kept by the movements; read only)."""

    queryset = StockBalance.objects.all()
    serializer_class = StockBalanceSerializer
    filterset_class = StockBalanceFilterSet
    ordering_fields = ["id", "updated_at", "on_hand"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return StockBalance.objects.in_sites(site_ids).order_by("id")


class StockMovementSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockMovement
        fields = [
            "id",
            "kind",
            "part",
            "location",
            "site",
            "quantity",
            "unit_cost",
            "currency",
            "reference",
            "reason",
            "counterpart",
            "reservation",
            "purchase_order_line",
            "occurred_at",
            "recorded_by",
            "updated_at",
        ]
        read_only_fields = fields


class StockMovementDetailSerializer(StockMovementSerializer):
    """A movement with its electronic signatures (large adjustments are signed)."""

    signatures = serializers.SerializerMethodField()

    class Meta(StockMovementSerializer.Meta):
        fields = [*StockMovementSerializer.Meta.fields, "signatures"]
        read_only_fields = fields

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, movement: StockMovement) -> Any:
        return signatures_data(movement)


class ReceiptSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    location = location_field()
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal(0), required=False, allow_null=True, default=None
    )
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class IssueSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    location = location_field()
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    reference = serializers.CharField(max_length=50, help_text="The work order number.")


class AdjustSerializer(SignatureInputSerializer):
    """An adjustment; one worth more than ``SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD`` is signed: ``password``
    (or ``otp_token``), ``meaning`` (default ``performed``), optional ``statement``."""

    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    location = location_field()
    quantity = serializers.DecimalField(**QUANTITY, help_text="Signed: +2 found, -1 broken.")
    reason = serializers.CharField(max_length=300)


class TransferSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    source = location_field()
    target = location_field()
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class StockMovementViewSet(ReadOnlyViewSet):
    """The stock ledger of the user's sites (never edited). Stock moves only through the POST actions:
    ``receipt``, ``issue`` (to a work order), ``return``, ``adjust`` (with a reason) and ``transfer``."""

    queryset = StockMovement.objects.all()
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilterSet
    pagination_class = CountFreePagination
    ordering_fields = ["id", "occurred_at", "updated_at"]
    ordering = ["-id"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return StockMovement.objects.in_sites(site_ids).order_by("-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StockMovementDetailSerializer if self.action == "retrieve" else StockMovementSerializer

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _created(self, *movements: StockMovement) -> Response:
        data = StockMovementSerializer(movements, many=True, context=self.get_serializer_context()).data
        return Response(data[0] if len(movements) == 1 else data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiptSerializer, responses={201: StockMovementSerializer})
    @action(detail=False, methods=["post"])
    def receipt(self, request: Request) -> Response:
        """Goods arrive at a location (without a purchase order; see ``purchase-orders/{id}/receive``)."""
        return self._created(services.stock_receive(user=request.user, **self._input(ReceiptSerializer)))

    @extend_schema(request=IssueSerializer, responses={201: StockMovementSerializer})
    @action(detail=False, methods=["post"])
    def issue(self, request: Request) -> Response:
        """Parts taken for a work order (``reference``), first from what it reserved (409 when short)."""
        return self._created(services.stock_issue(user=request.user, **self._input(IssueSerializer)))

    @extend_schema(request=IssueSerializer, responses={201: StockMovementSerializer})
    @action(detail=False, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request) -> Response:
        """Unused parts come back from a work order (at most what it took: else 409)."""
        return self._created(services.stock_return(user=request.user, **self._input(IssueSerializer)))

    @extend_schema(request=AdjustSerializer, responses={201: StockMovementDetailSerializer})
    @action(detail=False, methods=["post"])
    def adjust(self, request: Request) -> Response:
        """Correct the count at a location, with a reason; signed above the threshold (400 on the signature's
        field when it is missing or wrong, 423 while signing is locked after three failed attempts)."""
        movement = services.stock_adjust(user=request.user, **self._input(AdjustSerializer))
        movement = StockMovement.objects.get(pk=movement.pk)
        data = StockMovementDetailSerializer(movement, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransferSerializer, responses={201: StockMovementSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def transfer(self, request: Request) -> Response:
        """Move available parts between two locations: the two ledger rows (out, in)."""
        return self._created(*services.stock_transfer(user=request.user, **self._input(TransferSerializer)))


# --- Purchasing --------------------------------------------------------------------------------
class PurchaseRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseRequest
        fields = [
            "id",
            "number",
            "part",
            "site",
            "quantity",
            "reason",
            "reference",
            "note",
            "state",
            "requested_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PurchaseRequestCreateSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.filter(active=True))
    site = ScopedPrimaryKeyRelatedField(queryset=Area.objects.all(), scope=_sites_in)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class PurchaseRequestViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Purchase requests of the user's sites: raised by the reorder check, or by a POST (which adds to the
    part's open request in that site if there is one); ``cancel`` closes an open one."""

    queryset = PurchaseRequest.objects.all()
    serializer_class = PurchaseRequestSerializer
    filterset_class = PurchaseRequestFilterSet
    ordering_fields = ["id", "created_at", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return PurchaseRequest.objects.in_sites(site_ids).order_by("-id")

    @extend_schema(request=PurchaseRequestCreateSerializer, responses={201: PurchaseRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PurchaseRequestCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        made = services.purchase_request_create(user=request.user, **serializer.validated_data)
        return Response(PurchaseRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PurchaseRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """open -> cancelled (409 once it is on a purchase order)."""
        cancelled = services.purchase_request_cancel(request=self.get_object(), user=request.user)
        return Response(PurchaseRequestSerializer(cancelled).data)


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "part", "quantity", "unit_price", "received", "purchase_request", "updated_at"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "vendor",
            "site",
            "deliver_to",
            "currency",
            "state",
            "vendor_reference",
            "notes",
            "created_by",
            "created_at",
            "submitted_at",
            "approved_by",
            "approved_at",
            "ordered_at",
            "received_at",
            "closed_at",
            "cancel_reason",
            "lines",
            "updated_at",
        ]
        read_only_fields = fields


class PurchaseOrderCreateSerializer(serializers.Serializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
    deliver_to = location_field()
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    requests = ScopedPrimaryKeyRelatedField(
        queryset=PurchaseRequest.objects.all(),
        scope=lambda queryset, site_ids: queryset.in_sites(site_ids),
        many=True,
        required=False,
        default=list,
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PurchaseOrderLineAddSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal(0), required=False, allow_null=True, default=None
    )


class PurchaseOrderReceiveSerializer(serializers.Serializer):
    location = location_field(required=False, allow_null=True, default=None)
    quantities = serializers.DictField(
        child=serializers.DecimalField(**QUANTITY, min_value=Decimal(0)),
        help_text='Line id -> quantity that arrived, e.g. {"12": "4"}.',
    )

    def validate_quantities(self, value: dict[str, Decimal]) -> dict[int, Decimal]:
        try:
            return {int(key): amount for key, amount in value.items()}
        except ValueError:
            raise serializers.ValidationError("Keys are line ids.") from None


class PurchaseOrderPlaceSerializer(serializers.Serializer):
    vendor_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class PurchaseOrderViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """Purchase orders of the user's sites. ``POST`` drafts one (open purchase requests become lines);
    ``lines`` adds a line to a draft; each state change is a POST action through the services: 403 when the
    role may not (approval is the Supervisor's and Administrator's), 409 when not possible now."""

    queryset = PurchaseOrder.objects.all()
    serializer_class = PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilterSet
    ordering_fields = ["id", "created_at", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        lines = Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("id"))
        return PurchaseOrder.objects.in_sites(site_ids).prefetch_related(lines).order_by("-id")

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, order: PurchaseOrder, code: int = status.HTTP_200_OK) -> Response:
        order = self.get_queryset().get(pk=order.pk)
        return Response(PurchaseOrderSerializer(order, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=PurchaseOrderCreateSerializer, responses={201: PurchaseOrderSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = services.purchase_order_create(user=request.user, **self._input(PurchaseOrderCreateSerializer))
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=PurchaseOrderLineAddSerializer, responses={201: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def lines(self, request: Request, pk: Any = None) -> Response:
        """Add a part to a draft (409 once submitted)."""
        order = self.get_object()
        services.purchase_order_line_add(order=order, user=request.user, **self._input(PurchaseOrderLineAddSerializer))
        return self._answer(order, status.HTTP_201_CREATED)

    def _simple(self, service: Any) -> Response:
        return self._answer(service(order=self.get_object(), user=self.request.user))

    @extend_schema(request=None, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """draft -> submitted (needs a line)."""
        return self._simple(services.purchase_order_submit)

    @extend_schema(request=None, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """submitted -> approved (Supervisors and Administrators)."""
        return self._simple(services.purchase_order_approve)

    @extend_schema(request=None, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request: Request, pk: Any = None) -> Response:
        """submitted -> draft (Supervisors and Administrators)."""
        return self._simple(services.purchase_order_send_back)

    @extend_schema(request=PurchaseOrderPlaceSerializer, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def place(self, request: Request, pk: Any = None) -> Response:
        """approved -> ordered (sent to the vendor)."""
        order = self.get_object()
        data = self._input(PurchaseOrderPlaceSerializer)
        return self._answer(services.purchase_order_place(order=order, user=request.user, **data))

    @extend_schema(request=PurchaseOrderReceiveSerializer, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: Any = None) -> Response:
        """A delivery: receipt movements per line; the order becomes partially received or received."""
        order = self.get_object()
        services.purchase_order_receive(order=order, user=request.user, **self._input(PurchaseOrderReceiveSerializer))
        return self._answer(order)

    @extend_schema(request=None, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        """received or partially received -> closed."""
        return self._simple(services.purchase_order_close)

    @extend_schema(request=CancelSerializer, responses={200: PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """-> cancelled, before anything was received; its purchase requests are open again."""
        order = self.get_object()
        data = self._input(CancelSerializer)
        return self._answer(services.purchase_order_cancel(order=order, user=request.user, **data))


# --- Contracts and budgets ---------------------------------------------------------------------
class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "kind",
            "number",
            "title",
            "vendor",
            "resources",
            "starts_on",
            "ends_on",
            "notice_days",
            "value",
            "currency",
            "terms",
            "updated_at",
        ]
        read_only_fields = fields


class ContractViewSet(ReadOnlyViewSet):
    """Service and warranty contracts covering resources of the user's sites (kept in the admin)."""

    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_fields = ["kind", "vendor"]
    ordering_fields = ["id", "ends_on", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return Contract.objects.in_sites(site_ids).prefetch_related("resources").order_by("id")


class BudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Budget
        fields = ["id", "site", "year", "currency", "amount", "note", "updated_at"]
        read_only_fields = fields


BUDGET_LINES = inline_serializer(
    "BudgetLine",
    {
        "site": serializers.IntegerField(),
        "year": serializers.IntegerField(),
        "currency": serializers.CharField(),
        "budget": serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
        "parts": serializers.DecimalField(max_digits=14, decimal_places=2),
        "labour": serializers.DecimalField(max_digits=14, decimal_places=2),
        "external": serializers.DecimalField(max_digits=14, decimal_places=2),
        "spent": serializers.DecimalField(max_digits=14, decimal_places=2),
        "remaining": serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
    },
    many=True,
)


class BudgetViewSet(ReadOnlyViewSet):
    """Maintenance budgets per site, year and currency (kept in the admin); ``report`` sets them against
    what was spent: parts from the ledger, labour posted at closing, external costs."""

    queryset = Budget.objects.all()
    serializer_class = BudgetSerializer
    filterset_fields = ["site", "year", "currency"]
    ordering_fields = ["id", "year", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return Budget.objects.in_sites(site_ids).order_by("id")

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="Calendar year (default: this year).")],
        responses={200: BUDGET_LINES},
    )
    # A plain list, not a page; only ``year`` filters it (the list filters and ordering do not apply).
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def report(self, request: Request) -> Response:
        """Budget against actual per site and currency for a year."""
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
        except ValueError:
            year = 0
        if not datetime.MINYEAR < year <= datetime.MAXYEAR:
            raise serializers.ValidationError({"year": ["Enter a year."]})
        lines = services.budget_report(site_ids=self.site_ids, year=year)
        # Through the documented serializer: amounts as decimal strings, like every other amount of the API.
        return Response(
            type(BUDGET_LINES.child)(
                [
                    {
                        "site": line.site.pk,
                        "year": line.year,
                        "currency": line.currency,
                        "budget": line.budget,
                        "parts": line.spent.parts,
                        "labour": line.spent.labour,
                        "external": line.spent.external,
                        "spent": line.spent.total,
                        "remaining": line.remaining,
                    }
                    for line in lines
                ],
                many=True,
            ).data
        )


# --- Spare parts lists -------------------------------------------------------------------------
def resources_in_sites(queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
    return queryset.in_sites(site_ids)  # type: ignore[attr-defined]


class SparePartFilterSet(django_filters.FilterSet):
    resource = django_filters.NumberFilter(field_name="resource_id")
    resource_type = django_filters.NumberFilter(field_name="resource_type_id")
    part = django_filters.NumberFilter(field_name="part_id")

    class Meta:
        model = SparePart
        fields: list[str] = []


class SparePartSerializer(CleanModelSerializer):
    resource = ScopedPrimaryKeyRelatedField(
        scope=resources_in_sites, queryset=Resource.objects.select_related("area"), required=False, allow_null=True
    )

    class Meta:
        model = SparePart
        fields = ["id", "resource", "resource_type", "part", "quantity", "note", "updated_at"]
        read_only_fields = ["updated_at"]
        # The model's full_clean() checks its conditional unique constraints (DRF's validator would
        # require both fields of each).
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in ("resource", "resource_type", "part"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("Remove the row and add another instead of changing this.")}
                    )
        return attrs


class SparePartViewSet(mixins.DestroyModelMixin, WritableViewSet):
    """Spare parts lists: a resource's own rows (of the user's sites) and resource types' rows (shared).
    Created, changed and removed through ``inventory.services.spare_part_*``."""

    queryset = SparePart.objects.select_related("part")
    serializer_class = SparePartSerializer
    filterset_class = SparePartFilterSet
    ordering_fields = ["id", "updated_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.visible_in(site_ids)  # type: ignore[attr-defined]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.spare_part_add(
            part=data["part"],
            quantity=data["quantity"],
            user=self.request.user,
            resource=data.get("resource"),
            resource_type=data.get("resource_type"),
            note=data.get("note", ""),
        )

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.spare_part_change(
            spare_part=serializer.instance,
            user=self.request.user,
            quantity=data.get("quantity", serializer.instance.quantity),
            note=data.get("note"),
        )

    def perform_destroy(self, instance: SparePart) -> None:
        services.spare_part_remove(spare_part=instance, user=self.request.user)


ROUTES: list[tuple[str, Any, str]] = [
    ("parts", PartViewSet, "part"),
    ("vendors", VendorViewSet, "vendor"),
    ("stock-locations", StockLocationViewSet, "stocklocation"),
    ("stock-balances", StockBalanceViewSet, "stockbalance"),
    ("stock-movements", StockMovementViewSet, "stockmovement"),
    ("purchase-requests", PurchaseRequestViewSet, "purchaserequest"),
    ("purchase-orders", PurchaseOrderViewSet, "purchaseorder"),
    ("contracts", ContractViewSet, "contract"),
    ("budgets", BudgetViewSet, "budget"),
    ("spare-parts", SparePartViewSet, "sparepart"),
]
