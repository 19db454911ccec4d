"""REST API of webhooks: my subscriptions (which order events to send where, signed with a secret) and
their delivery log. Deliveries are made by ``orders.webhooks``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers

from core.api.pagination import CountFreePagination
from core.api.serializers import CleanModelSerializer
from core.api.viewsets import ReadOnlyViewSet
from core.scoping import is_administrator
from orders.models import (
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)


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


ROUTES: list[tuple[str, Any, str]] = [
    ("webhook-subscriptions", WebhookSubscriptionViewSet, "webhooksubscription"),
    ("webhook-deliveries", WebhookDeliveryViewSet, "webhookdelivery"),
]
