"""REST API: work orders from the ad-hoc activities of a plan instance.

``POST /api/v1/plan-instances/{id}/ad-hoc-orders/`` with ``{"activity": <id or code>, "title"?, "description"?,
"priority"?, "due_at"?}`` calls ``services.order_create_ad_hoc`` (as the screen does) and answers 201 with the
order. The instance is read scoped to the user's sites (other sites' ids answer 404); the service answers
403 (not the owner role, a supervisor or an administrator) or 409 (inactive instance, an activity that is
not ad hoc or not of the plan's effective version); bad input answers 400.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.viewsets import BaseViewSetMixin
from orders import services
from orders.api import WorkOrderDetailSerializer
from orders.models import WorkOrder
from plans.models import Activity, PlanInstance, Priority


class AdHocOrderRequestSerializer(serializers.Serializer):
    """Which ad-hoc activity of the instance's plan (its id, or its code in the effective version), and
    optionally the order's own title, description, priority and due time (else the activity's)."""

    activity = serializers.CharField(
        max_length=30, help_text="The activity's id, or its code (looked up in the plan's effective version)."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, allow_null=True, default=None, help_text="Default: the activity's."
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_due_at(self, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is not None and value < timezone.now() - datetime.timedelta(days=1):
            raise serializers.ValidationError(_("The due time cannot be in the past."))
        return value


def find_activity(instance: PlanInstance, given: str) -> Activity | None:
    """The activity named by id, or by code in the instance's plan's effective version; None when none is.

    An id of another version is found (and refused by the service, with the reason)."""
    given = given.strip()
    if given.isdigit() and len(given) <= 18:
        return Activity.objects.filter(pk=int(given)).first()
    version_id = instance.plan.effective_version_id
    if version_id is None:
        return None
    return Activity.objects.filter(version_id=version_id, code=given).first()


class PlanInstanceAdHocOrderViewSet(BaseViewSetMixin, viewsets.GenericViewSet):
    """Ad-hoc work orders of plan instances of the user's sites (a POST action on the instance)."""

    queryset = PlanInstance.objects.select_related(
        "plan", "owner_role", "area", "resource__area", "container__area", "material__area"
    )
    serializer_class = AdHocOrderRequestSerializer

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.in_sites(site_ids)  # type: ignore[attr-defined]

    @extend_schema(
        request=AdHocOrderRequestSerializer,
        responses={201: WorkOrderDetailSerializer},
        summary="Create a work order from an ad-hoc activity of the plan instance",
    )
    @action(detail=True, methods=["post"], url_path="ad-hoc-orders", url_name="ad-hoc-orders")
    def ad_hoc_orders(self, request: Request, pk: Any = None) -> Response:
        """Create the next occurrence of an ad-hoc activity on this instance (owner role, supervisors,
        administrators); it carries the activity's checklist, data collection, requirements and parts."""
        instance = self.get_object()
        serializer = AdHocOrderRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        activity = find_activity(instance, data.pop("activity"))
        if activity is None:
            raise serializers.ValidationError({"activity": [_("No such activity in this plan.")]})
        order = services.order_create_ad_hoc(plan_instance=instance, activity=activity, user=request.user, **data)
        order = WorkOrder.objects.prefetch_related("assignments", "planned_parts").get(pk=order.pk)
        return Response(
            WorkOrderDetailSerializer(order, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


ROUTES: list[tuple[str, Any, str]] = [
    ("plan-instances", PlanInstanceAdHocOrderViewSet, "planinstance-adhoc"),
]
