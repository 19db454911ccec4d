"""REST API of what is recorded on a work order, under ``orders/{order_pk}/``: checklist answers, data
values, parts used, labour, comments and attachments.

``POST`` calls the same recording service the order page calls (``orders/records.py``); the order is
looked up among the user's sites (other sites' orders answer 404). The orders themselves are in
``orders.api``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Attachment
from core.api.serializers import PrimaryKeyRelatedField, ScopedPrimaryKeyRelatedField
from core.api.viewsets import BaseViewSetMixin
from core.devices import EntryChannel
from inventory.models import Part
from orders import records
from orders.api import LabourEntrySerializer
from orders.models import (
    ChecklistAnswer,
    Comment,
    DataValue,
    LabourEntry,
    UsedPart,
    WorkOrder,
)
from people.models import Employee
from plans.models import ChecklistItem, DataParameter

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
        """Each record viewset calls its own ``orders.records`` service here (every subclass defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must say which service records the row")

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
        return records.labour_add(order=order, user=self.request.user, entered_via=EntryChannel.API, **data)


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
    people_shown = ScopedPrimaryKeyRelatedField(
        scope=lambda queryset, site_ids: queryset.in_sites(site_ids),
        queryset=Employee.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text="Employees the photo shows; each must consent to photos of them, or the upload is refused.",
    )


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


ORDER_RECORDS = r"orders/(?P<order_pk>[0-9]{1,18})"
ROUTES: list[tuple[str, Any, str]] = [
    (f"{ORDER_RECORDS}/checklist-answers", ChecklistAnswerViewSet, "checklistanswer"),
    (f"{ORDER_RECORDS}/data-values", DataValueViewSet, "datavalue"),
    (f"{ORDER_RECORDS}/parts-used", UsedPartViewSet, "usedpart"),
    (f"{ORDER_RECORDS}/labour", LabourEntryViewSet, "labourentry"),
    (f"{ORDER_RECORDS}/comments", CommentViewSet, "comment"),
    (f"{ORDER_RECORDS}/attachments", AttachmentViewSet, "attachment"),
]
