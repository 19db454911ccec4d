"""Calendar feeds through the API (``/api/v1/calendar-feeds/``): my feeds, a new one (its address in the
answer, once), and revoking one. Any signed-in user manages their own feeds, as on the screen."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assets.models import Area
from core.api.filters import BoundedFilterBackend, StableOrderingFilter
from core.api.serializers import PrimaryKeyRelatedField
from core.api.viewsets import ReadOnlyViewSet
from exchange.feeds import calendar_feed_create, calendar_feed_revoke, site_choices
from exchange.models import CalendarFeed, FeedKind


class CalendarFeedSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = CalendarFeed
        fields = ["id", "kind", "site", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields

    def get_active(self, feed: CalendarFeed) -> bool:
        return feed.revoked_at is None


class NewCalendarFeedSerializer(CalendarFeedSerializer):
    """A feed just made: with its secret address, which is never shown again."""

    url = serializers.CharField(read_only=True, help_text="The feed's address (https://...). Shown only now.")
    webcal_url = serializers.CharField(read_only=True, help_text="The same address as webcal://.")

    class Meta(CalendarFeedSerializer.Meta):
        fields = [*CalendarFeedSerializer.Meta.fields, "url", "webcal_url"]
        read_only_fields = fields


class CalendarFeedCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedKind.choices, default=FeedKind.ASSIGNED)
    site = PrimaryKeyRelatedField(
        queryset=Area.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For kind=site: one of the sites you see (planners, supervisors and administrators).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sites the user sees (others do not exist for them); the service says who may follow a site.
        request = self.context.get("request")  # none when the schema is generated
        if request is not None:
            self.fields["site"].queryset = site_choices(request.user)


class CalendarFeedViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """My calendar feeds (iCalendar). ``POST`` makes one and answers its address once; the feed itself is
    read at that address without a session or token header. ``POST .../revoke/`` ends it."""

    queryset = CalendarFeed.objects.select_related("site")
    serializer_class = CalendarFeedSerializer
    # Every signed-in user for their own feeds, whatever their role (the screen's rule, not a model grant).
    permission_classes = [IsAuthenticated]
    filter_backends = [BoundedFilterBackend, StableOrderingFilter]  # no updated_at to sync on
    filterset_fields = ["kind"]
    ordering_fields = ["id", "created_at"]

    def scope(self, queryset: QuerySet[Any], site_ids: list[int] | None) -> QuerySet[Any]:
        return queryset.filter(user=self.request.user)

    @extend_schema(request=CalendarFeedCreateSerializer, responses={201: NewCalendarFeedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Make a feed of the orders assigned to me (``kind=assigned``) or of a site's scheduled orders
        (``kind=site`` with ``site``). The answer holds ``url``: keep it, it is not shown again."""
        serializer = CalendarFeedCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        new = calendar_feed_create(user=request.user, **serializer.validated_data)
        answer = NewCalendarFeedSerializer(new.feed, context=self.get_serializer_context()).data
        return Response({**answer, "url": new.url, "webcal_url": new.webcal_url}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CalendarFeedSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: Any = None) -> Response:
        """End the feed: its address answers 404 from now on (revoking twice keeps the first time)."""
        feed = calendar_feed_revoke(feed=self.get_object(), user=request.user)
        return Response(CalendarFeedSerializer(feed, context=self.get_serializer_context()).data)
