"""REST API of the plans: read plans, versions (with their activities) and plan instances; run the change-set
workflow (create, submit, approve, reject), start and delete draft versions, make versions effective, apply
plans to entities and deactivate instances. Every change calls ``plans/services.py``.

Plans, versions and change sets are global; plan instances are scoped to the user's sites.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api import in_sites
from assets.models import Area, Container, Material, Resource
from core.api.serializers import PrimaryKeyRelatedField, ScopedPrimaryKeyRelatedField
from core.api.viewsets import ReadOnlyViewSet
from core.roles import ROLES
from people.signature_forms import SignatureInputSerializer, SignatureSerializer, signatures_data
from plans import services
from plans.filters import ChangeSetFilterSet, MaintenancePlanFilterSet, PlanInstanceFilterSet
from plans.models import (
    ACTIVITY_FIELDS,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChangeSet,
    ChecklistItem,
    DataParameter,
    MaintenancePlan,
    PersonnelRequirement,
    PlanInstance,
    PlanVersion,
)


# --- Serializers -------------------------------------------------------------------------------
class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "kind", "required", "unit", "lower_limit", "upper_limit"]


class BillOfPartsLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillOfPartsLine
        fields = ["id", "part", "quantity"]


class DataParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataParameter
        fields = [
            "id",
            "position",
            "name",
            "unit",
            "required",
            "lower_action_limit",
            "lower_warning_limit",
            "upper_warning_limit",
            "upper_action_limit",
        ]


class PersonnelRequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonnelRequirement
        fields = ["id", "count", "certification", "trade", "estimated_hours"]


class ActivityActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityAction
        fields = ["id", "on_transition", "kind"]


class ActivitySerializer(serializers.ModelSerializer):
    executing_role = serializers.SlugRelatedField(slug_field="name", read_only=True)
    checklist_items = ChecklistItemSerializer(many=True, read_only=True)
    parts = BillOfPartsLineSerializer(many=True, read_only=True)
    data_parameters = DataParameterSerializer(many=True, read_only=True)
    personnel = PersonnelRequirementSerializer(many=True, read_only=True)
    actions = ActivityActionSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            *ACTIVITY_FIELDS,
            "checklist_items",
            "parts",
            "data_parameters",
            "personnel",
            "actions",
        ]
        read_only_fields = fields


ACTIVITY_PREFETCH = [
    "checklist_items",
    "parts",
    "data_parameters",
    "personnel",
    "actions",
]


class PlanVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "number",
            "change_set",
            "state",
            "based_on",
            "notes",
            "created_by",
            "created_at",
            "effective_from",
            "superseded_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlanVersionDetailSerializer(PlanVersionSerializer):
    activities = ActivitySerializer(many=True, read_only=True)

    class Meta(PlanVersionSerializer.Meta):
        fields = [*PlanVersionSerializer.Meta.fields, "activities"]
        read_only_fields = fields


class MaintenancePlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenancePlan
        fields = ["id", "code", "name", "description", "effective_version", "active", "created_at", "updated_at"]
        read_only_fields = fields


class ChangeSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeSet
        fields = [
            "id",
            "name",
            "description",
            "state",
            "implicit",
            "created_by",
            "created_at",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in ("name", "description")]


class ChangeSetDetailSerializer(ChangeSetSerializer):
    """A change set with its electronic signatures (and whether it still matches what was signed)."""

    signatures = serializers.SerializerMethodField()

    class Meta(ChangeSetSerializer.Meta):
        fields = [*ChangeSetSerializer.Meta.fields, "signatures"]
        read_only_fields = fields

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, change_set: ChangeSet) -> Any:
        return signatures_data(change_set)


class PlanInstanceSerializer(serializers.ModelSerializer):
    owner_role = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = PlanInstance
        fields = [
            "id",
            "plan",
            "area",
            "resource",
            "container",
            "material",
            "owner_role",
            "start_date",
            "active",
            "created_by",
            "created_at",
            "deactivated_at",
            "deactivation_reason",
            "updated_at",
        ]
        read_only_fields = fields


# --- Inputs of the workflow actions ------------------------------------------------------------
class PlanCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    change_set = PrimaryKeyRelatedField(queryset=ChangeSet.objects.all(), required=False, allow_null=True)


class DraftCreateSerializer(serializers.Serializer):
    change_set = PrimaryKeyRelatedField(queryset=ChangeSet.objects.all(), required=False, allow_null=True)
    source = PrimaryKeyRelatedField(
        queryset=PlanVersion.objects.all(), required=False, allow_null=True, help_text="Default: the effective version."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PlanApplySerializer(serializers.Serializer):
    areas = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Area.objects.all(), many=True, required=False)
    resources = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Resource.objects.all(), many=True, required=False)
    containers = ScopedPrimaryKeyRelatedField(
        scope=in_sites, queryset=Container.objects.all(), many=True, required=False
    )
    materials = ScopedPrimaryKeyRelatedField(scope=in_sites, queryset=Material.objects.all(), many=True, required=False)
    owner_role = serializers.SlugRelatedField(slug_field="name", queryset=Group.objects.filter(name__in=ROLES))
    start_date = serializers.DateField()


class PlanReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class PlanCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ChangeSetApproveSerializer(SignatureInputSerializer, PlanCommentSerializer):
    """Approving a change set: its comment and the electronic signature."""


# --- Viewsets ----------------------------------------------------------------------------------
class GlobalViewSet(ReadOnlyViewSet):
    """Plans, versions and change sets are shared by every site."""

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset


class MaintenancePlanViewSet(mixins.CreateModelMixin, GlobalViewSet):
    """Maintenance plans (their content lives in versions). Creating one makes its first draft version."""

    queryset = MaintenancePlan.objects.all()
    serializer_class = MaintenancePlanSerializer
    filterset_class = MaintenancePlanFilterSet
    ordering_fields = ["id", "code", "name", "updated_at"]
    action_permissions = {"new_version": ["plans.add_planversion"], "apply": ["plans.add_planinstance"]}

    @extend_schema(request=PlanCreateSerializer, responses={201: PlanVersionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(PlanCreateSerializer, request)
        version = services.plan_create(user=request.user, **data)
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DraftCreateSerializer, responses={201: PlanVersionSerializer})
    @action(detail=True, methods=["post"])
    def new_version(self, request: Request, pk: Any = None) -> Response:
        """Start a draft version, copied from ``source`` (default: the effective version)."""
        plan = self.get_object()
        data = self._input(DraftCreateSerializer, request)
        version = services.version_create_draft(plan=plan, user=request.user, **data)
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanApplySerializer, responses={201: PlanInstanceSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: Any = None) -> Response:
        """Apply the plan (its effective version) to entities: all or nothing."""
        plan = self.get_object()
        data = self._input(PlanApplySerializer, request)
        entities = [*data.get("areas", []), *data.get("resources", [])]
        entities += [*data.get("containers", []), *data.get("materials", [])]
        instances = services.plan_apply(
            plan=plan,
            entities=entities,
            owner_role=data["owner_role"],
            start_date=data["start_date"],
            user=request.user,
        )
        return Response(PlanInstanceSerializer(instances, many=True).data, status=status.HTTP_201_CREATED)

    def _input(self, serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PlanVersionViewSet(mixins.DestroyModelMixin, GlobalViewSet):
    """Plan versions; the detail carries the activities with everything they hold. Drafts may be
    deleted; approved versions may be made effective."""

    queryset = PlanVersion.objects.select_related("plan")
    serializer_class = PlanVersionSerializer
    filterset_fields = ["plan", "state", "change_set"]
    ordering_fields = ["id", "number", "updated_at"]
    action_permissions = {"make_effective": ["plans.make_effective_planversion"]}

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            activities = Activity.objects.select_related("executing_role").prefetch_related(*ACTIVITY_PREFETCH)
            queryset = queryset.prefetch_related(Prefetch("activities", activities))
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return PlanVersionDetailSerializer if self.action == "retrieve" else PlanVersionSerializer

    def perform_destroy(self, instance: PlanVersion) -> None:
        services.version_delete_draft(version=instance, user=self.request.user)

    @extend_schema(request=None, responses={200: PlanVersionSerializer})
    @action(detail=True, methods=["post"])
    def make_effective(self, request: Request, pk: Any = None) -> Response:
        """New orders use this version from now on; the previous effective version is superseded."""
        version = services.version_make_effective(version=self.get_object(), user=request.user)
        return Response(PlanVersionSerializer(version).data)


class ChangeSetViewSet(mixins.CreateModelMixin, GlobalViewSet):
    """Change sets bundle plan versions for approval: created -> in approval -> approved | rejected."""

    queryset = ChangeSet.objects.all()
    serializer_class = ChangeSetSerializer
    filterset_class = ChangeSetFilterSet

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ChangeSetDetailSerializer if self.action == "retrieve" else ChangeSetSerializer

    ordering_fields = ["id", "created_at", "updated_at"]
    action_permissions = {
        "submit": ["plans.submit_changeset"],
        "approve": ["plans.approve_changeset"],
        "reject": ["plans.approve_changeset"],
    }

    def perform_create(self, serializer: ChangeSetSerializer) -> None:
        serializer.instance = services.changeset_create(
            user=self.request.user,
            name=serializer.validated_data["name"],
            description=serializer.validated_data.get("description", ""),
        )

    @extend_schema(request=None, responses={200: ChangeSetSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """Send for approval (every version in it must be complete)."""
        change_set = services.changeset_submit(change_set=self.get_object(), user=request.user)
        return Response(ChangeSetSerializer(change_set).data)

    @extend_schema(request=ChangeSetApproveSerializer, responses={200: ChangeSetDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """in approval -> approved, signed: ``password`` (or ``otp_token``), ``meaning`` (default
        ``approved``), optional ``statement`` and ``comment``. A wrong or missing signature answers 400 on
        its field; signing locked after three failed attempts answers 423."""
        change_set = self.get_object()
        data = ChangeSetApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change_set = services.changeset_approve(change_set=change_set, user=request.user, **data.validated_data)
        return Response(ChangeSetDetailSerializer(ChangeSet.objects.get(pk=change_set.pk)).data)

    @extend_schema(request=PlanReasonSerializer, responses={200: ChangeSetSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        change_set = self.get_object()
        data = PlanReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["reason"].strip():
            raise serializers.ValidationError({"reason": [_("Say why the change set is rejected.")]})
        change_set = services.changeset_reject(
            change_set=change_set, user=request.user, reason=data.validated_data["reason"]
        )
        return Response(ChangeSetSerializer(change_set).data)


class PlanInstanceViewSet(ReadOnlyViewSet):
    """Plans applied to entities of the user's sites (active ones unless ``?active=all`` or ``no``).
    Apply a plan with ``POST /plans/{id}/apply/``."""

    queryset = PlanInstance.objects.select_related("owner_role")
    serializer_class = PlanInstanceSerializer
    filterset_class = PlanInstanceFilterSet
    ordering_fields = ["id", "start_date", "updated_at"]
    action_permissions = {"deactivate": ["plans.change_planinstance"]}

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.in_sites(site_ids)  # type: ignore[attr-defined]

    @extend_schema(request=PlanReasonSerializer, responses={200: PlanInstanceSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None) -> Response:
        """Stop generating orders for this instance (open orders stay)."""
        instance = self.get_object()
        data = PlanReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        instance = services.planinstance_deactivate(
            instance=instance, user=request.user, reason=data.validated_data["reason"][:300]
        )
        return Response(PlanInstanceSerializer(instance).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("plans", MaintenancePlanViewSet, "plan"),
    ("plan-versions", PlanVersionViewSet, "planversion"),
    ("change-sets", ChangeSetViewSet, "changeset"),
    ("plan-instances", PlanInstanceViewSet, "planinstance"),
]
